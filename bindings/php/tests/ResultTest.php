<?php
// Answers usable both ways the tutorial uses them: $details->status and $task['tasks'][0]['id'],
// nested too, with print_r, var_dump, foreach, count and json_encode behaving naturally.

namespace IronWorker\Tests;

use IronWorker;
use IronWorker\Result;

final class ResultTest extends TestCase
{
    private static ?array $task = null;

    /** One finished task shared by these tests: [worker, postTask answer, details]. */
    private function task(): array
    {
        if (self::$task === null) {
            $name = $this->codeName('ResultWorker');
            $this->uploadPhpWorker($name, "<?php echo 'done';\n");
            $worker = $this->worker();
            $task = $worker->postTask($name, ['max' => 3]);
            $details = $worker->waitFor($task['tasks'][0]['id'], 0.05, 60);
            self::$task = [$worker, $task, $details];
        }
        return self::$task;
    }

    public function testArrayAndObjectAccessNestedToo(): void
    {
        [, $task] = $this->task();

        $id = $task['tasks'][0]['id'];

        $this->assertMatchesRegularExpression('/^[0-9a-f]{24}$/', $id);
        $this->assertSame($id, $task->tasks[0]->id);
        $this->assertSame($id, $task['tasks'][0]->id);
        $this->assertSame($id, $task->tasks[0]['id']);
        $this->assertIsArray($task->tasks);
        $this->assertInstanceOf(Result::class, $task->tasks[0]);
    }

    public function testTutorialStatusAccess(): void
    {
        [$worker, $task] = $this->task();

        $status = $worker->getTaskDetails($task['tasks'][0]['id'])->status;

        $this->assertSame('complete', $status);
    }

    public function testIssetEmptyAndMissingKeys(): void
    {
        [, , $details] = $this->task();

        $this->assertTrue(isset($details->status));
        $this->assertTrue(isset($details['status']));
        $this->assertFalse(isset($details->no_such_field));
        $this->assertFalse(isset($details['no_such_field']));
        $this->assertArrayHasKey('code_name', $details);
        $this->assertNull($details['no_such_field'] ?? null);
    }

    public function testCountForeachAndJsonEncode(): void
    {
        [, , $details] = $this->task();

        $keys = [];
        foreach ($details as $key => $value) {
            $keys[] = $key;
        }
        $decoded = json_decode(json_encode($details), true);

        $this->assertSame(count($keys), count($details));
        $this->assertContains('status', $keys);
        $this->assertSame('complete', $decoded['status']);
        $this->assertSame(array_keys($decoded), $keys);
        $this->assertSame($decoded, $details->toArray());
    }

    public function testJsonEncodeKeepsObjectsAndLists(): void
    {
        $result = new Result(['empty' => new Result(), 'list' => [1, 2], 'numeric' => new Result(['0' => 'a'])]);

        $this->assertSame('{"empty":{},"list":[1,2],"numeric":{"0":"a"}}', json_encode($result));
    }

    public function testPrintRAndVarDumpShowTheFields(): void
    {
        [, $task] = $this->task();

        $printed = print_r($task, true);
        ob_start();
        var_dump($task);
        $dumped = ob_get_clean();

        $this->assertStringContainsString('IronWorker\Result Object', $printed);
        $this->assertStringContainsString('[tasks] => Array', $printed);
        $this->assertStringContainsString('[id] => ' . $task['tasks'][0]['id'], $printed);
        $this->assertStringNotContainsString('storage', $printed);
        $this->assertStringContainsString('["tasks"]=>', $dumped);
    }

    public function testListsArePlainArraysOfResults(): void
    {
        [$worker] = $this->task();

        $tasks = $worker->getTasks();
        $codes = $worker->getCodes();

        $this->assertIsArray($tasks);
        $this->assertTrue(array_is_list($tasks));
        $this->assertContainsOnlyInstancesOf(Result::class, $tasks);
        $this->assertContainsOnlyInstancesOf(Result::class, $codes);
    }

    public function testResultIsAnArrayObjectWithProps(): void
    {
        $result = new Result(['a' => 1]);
        $result->b = 2;
        $result['c'] = 3;

        $this->assertInstanceOf(\ArrayObject::class, $result);
        $this->assertInstanceOf(\JsonSerializable::class, $result);
        $this->assertSame(['a' => 1, 'b' => 2, 'c' => 3], $result->getArrayCopy());
        $this->assertSame(\ArrayObject::ARRAY_AS_PROPS, $result->getFlags());
    }

    public function testResultsGoBackInAsPayloads(): void
    {
        [$worker] = $this->task();
        $name = $this->codeName('Echo');
        $this->uploadPhpWorker($name, "<?php echo json_encode(getPayload());\n");

        [$id] = $this->runTask($name, new Result(['nested' => new Result(['k' => 'v']), 'n' => [1]]));

        $this->assertSame('{"nested":{"k":"v"},"n":[1]}', trim($worker->getLog($id)));
    }
}
