<?php
// Tasks: postTask, postTasks, getTasks, getTaskDetails, getLog, getStdout, cancelTask,
// retryTask, setTaskProgress, waitFor; payload conversion from PHP values.

namespace IronWorker\Tests;

use IronWorker;
use IronWorker\Result;

final class TasksTest extends TestCase
{
    private static ?string $echo = null;

    /** A PHP worker that prints its payload as JSON (uploaded once). */
    private function echoWorker(): string
    {
        if (self::$echo === null) {
            self::$echo = $this->codeName('EchoWorker');
            $this->uploadPhpWorker(
                self::$echo,
                "<?php\n\$p = getPayload();\necho json_encode(\$p), \"\\n\";\n"
                . "fwrite(STDERR, \"to stderr\\n\");\n"
            );
        }
        return self::$echo;
    }

    public function testTutorialFlowPositional(): void
    {
        $worker = $this->worker();

        $task = $worker->postTask($this->echoWorker(), array("max" => 10));
        $task_id = $task['tasks'][0]['id'];
        $details = $worker->waitFor($task_id);
        $log = $worker->getLog($task_id);

        $this->assertSame('complete', $details->status);
        $this->assertSame('complete', $worker->getTaskDetails($task_id)->status);
        $this->assertStringContainsString('{"max":10}', $log);
        $this->assertStringContainsString('to stderr', $log);
    }

    public function testGetLogWithADestinationStreamsItIntoTheFile(): void
    {
        $worker = $this->worker();
        [$id] = $this->runTask($this->echoWorker(), ['max' => 10]);
        $log = $worker->getLog($id);
        mkdir('logs');

        $this->assertSame('logs/task.log', $worker->getLog($id, 'logs/task.log'));
        $this->assertSame('logs/named.log', $worker->getLog(task_id: $id, destination: 'logs/named.log'));
        $this->assertSame($log, file_get_contents('logs/task.log'));
        $this->assertSame($log, file_get_contents('logs/named.log'));
        try {
            $worker->getLog('0123456789abcdef01234567', 'logs/gone.log');
            $this->fail('a missing log must throw');
        } catch (\IronWorker\NotFoundException $e) {
            $this->assertSame(404, $e->getCode());
        }
        $files = scandir('logs');
        $this->assertSame(['.', '..', 'named.log', 'task.log'], $files);
    }

    public function testNamedArguments(): void
    {
        $worker = $this->worker();

        $task = $worker->postTask(name: $this->echoWorker(), payload: ['n' => 1], options: ['priority' => 1]);
        $id = $task->tasks[0]->id;
        $details = $worker->waitFor(task_id: $id, sleep: 0.05, max_wait_time: 60);

        $this->assertSame('complete', $details['status']);
        $this->assertSame('complete', $worker->getTaskDetails(task_id: $id)->status);
        $this->assertStringContainsString('{"n":1}', $worker->getLog(task_id: $id));
        $this->assertStringNotContainsString('to stderr', $worker->getStdout(task_id: $id));
    }

    public function testPayloadsOfEveryKind(): void
    {
        $worker = $this->worker();
        $object = new \stdClass();
        $object->a = [1, 2.5, true, null, 'é'];
        $serializable = new class implements \JsonSerializable {
            public function jsonSerialize(): mixed
            {
                return ['from' => 'jsonSerialize'];
            }
        };
        $date = new \DateTimeImmutable('2030-01-02T03:04:05+00:00');
        $payload = ['object' => $object, 'json' => $serializable, 'date' => $date, 'empty' => [],
            'map' => [5 => 'five'], 'list' => ['x', 'y']];

        [$id, $details] = $this->runTask($this->echoWorker(), $payload);

        $this->assertSame('complete', $details->status);
        $line = trim($worker->getStdout($id));
        $this->assertSame(
            '{"object":{"a":[1,2.5,true,null,"\u00e9"]},"json":{"from":"jsonSerialize"},'
            . '"date":"2030-01-02T03:04:05+00:00","empty":[],"map":{"5":"five"},"list":["x","y"]}',
            $line
        );
    }

    public function testNoPayloadAndScalarPayload(): void
    {
        $worker = $this->worker();

        [$none] = $this->runTask($this->echoWorker());
        [$scalar] = $this->runTask($this->echoWorker(), 'just text');

        $this->assertSame('{}', trim($worker->getStdout($none)));
        $this->assertSame('"just text"', trim($worker->getStdout($scalar)));
    }

    public function testPostTasksKeepsOrder(): void
    {
        $worker = $this->worker();

        $answer = $worker->postTasks($this->echoWorker(), [['i' => 0], ['i' => 1], ['i' => 2]]);
        $ids = array_map(fn ($t) => $t->id, $answer->tasks);
        foreach ($ids as $id) {
            $worker->waitFor($id, 0.05, 60);
        }

        $this->assertCount(3, $ids);
        foreach ($ids as $i => $id) {
            $this->assertStringContainsString("{\"i\":$i}", $worker->getLog($id));
        }
    }

    public function testGetTasksFilters(): void
    {
        $worker = $this->worker();
        $name = $this->echoWorker();
        [$id] = $this->runTask($name, ['f' => 1], ['label' => 'filtered']);

        $byCode = $worker->getTasks(['code_name' => $name]);
        $complete = $worker->getTasks(['code_name' => $name, 'status' => 'complete', 'per_page' => 100]);
        $flags = $worker->getTasks(options: ['code_name' => $name, 'complete' => true]);
        $running = $worker->getTasks(['code_name' => $name, 'status' => ['running', 'queued']]);

        $ids = fn ($tasks) => array_map(fn ($t) => $t['id'], $tasks);
        $this->assertContains($id, $ids($byCode));
        $this->assertContains($id, $ids($complete));
        $this->assertContains($id, $ids($flags));
        $this->assertNotContains($id, $ids($running));
        $this->assertContainsOnlyInstancesOf(Result::class, $byCode);
    }

    public function testCancelDelayedTask(): void
    {
        $worker = $this->worker();
        $task = $worker->postTask($this->echoWorker(), null, ['delay' => 600]);
        $id = $task['tasks'][0]['id'];

        $answer = $worker->cancelTask($id);

        $this->assertInstanceOf(Result::class, $answer);
        $this->assertSame('cancelled', $worker->getTaskDetails($id)->status);
    }

    public function testRetryTask(): void
    {
        $worker = $this->worker();
        [$id] = $this->runTask($this->echoWorker(), ['again' => true]);

        $retry = $worker->retryTask($id);
        $newId = $retry['tasks'][0]['id'];
        $details = $worker->waitFor($newId, 0.05, 60);

        $this->assertNotSame($id, $newId);
        $this->assertSame('complete', $details->status);
        $this->assertStringContainsString('{"again":true}', $worker->getLog($newId));
    }

    public function testRetryTaskWithDelay(): void
    {
        $worker = $this->worker();
        [$id] = $this->runTask($this->echoWorker());

        $retry = $worker->retryTask(task_id: $id, delay: 600);
        $newId = $retry['tasks'][0]['id'];

        $this->assertSame('queued', $worker->getTaskDetails($newId)->status);
        $worker->cancelTask($newId);
    }

    public function testSetTaskProgress(): void
    {
        $worker = $this->worker();
        $task = $worker->postTask($this->echoWorker(), null, ['delay' => 600]);
        $id = $task['tasks'][0]['id'];

        $worker->setTaskProgress($id, 50, 'half way');
        $half = $worker->getTaskDetails($id);
        $worker->setTaskProgress(task_id: $id, percent: 75);
        $worker->setTaskProgress($id, msg: 'almost');
        $later = $worker->getTaskDetails($id);
        $worker->cancelTask($id);

        $this->assertSame(50, $half->percent);
        $this->assertSame('half way', $half->msg);
        $this->assertSame(75, $later->percent);
        $this->assertSame('almost', $later->msg);
    }

    public function testWaitForTimesOut(): void
    {
        $worker = $this->worker();
        $task = $worker->postTask($this->echoWorker(), null, ['delay' => 600]);
        $id = $task['tasks'][0]['id'];

        try {
            $worker->waitFor($id, 0.05, 0.3);
            $this->fail('no timeout');
        } catch (\IronWorker\TimeoutException $e) {
            $this->assertStringContainsString($id, $e->getMessage());
        } finally {
            $worker->cancelTask($id);
        }
    }

    public function testFailingWorkerEndsInError(): void
    {
        $name = $this->codeName('Failing');
        $this->uploadPhpWorker($name, "<?php fwrite(STDERR, \"boom\\n\"); exit(3);\n");

        [$id, $details] = $this->runTask($name);

        $this->assertSame('error', $details->status);
        $this->assertStringContainsString('boom', $this->worker()->getLog($id));
    }

    public function testUnknownTaskOptionIsNamed(): void
    {
        $this->expectException(\IronWorker\InvalidArgumentException::class);
        $this->expectExceptionMessage('prority');

        $this->worker()->postTask('X', null, ['prority' => 1]);
    }

    public function testPayloadThatIsNotJsonIsATypeError(): void
    {
        $resource = fopen('php://memory', 'r');

        try {
            $this->worker()->postTask('X', ['ok' => 1, 'bad' => [$resource]]);
            $this->fail('no TypeError');
        } catch (\TypeError $e) {
            $this->assertStringContainsString('IronWorker::postTask(): Argument #2 ($payload)', $e->getMessage());
            $this->assertStringContainsString('found resource at ["bad"][0]', $e->getMessage());
        }
    }

    public function testObjectThatIsNotJsonIsATypeError(): void
    {
        $this->expectException(\TypeError::class);
        $this->expectExceptionMessage('found an object of class Closure');

        $this->worker()->postTask('X', ['f' => fn () => 1]);
    }

    public function testThrowingJsonSerializableSendsNothing(): void
    {
        $worker = $this->worker();
        $name = $this->echoWorker();
        $before = count($worker->getTasks(['code_name' => $name, 'per_page' => 100]));
        $throwing = new class implements \JsonSerializable {
            public function jsonSerialize(): mixed
            {
                throw new \LogicException('not today');
            }
        };

        try {
            $worker->postTask($name, ['x' => $throwing]);
            $this->fail('no exception');
        } catch (\LogicException $e) {
            $this->assertSame('not today', $e->getMessage());
        }

        $this->assertCount($before, $worker->getTasks(['code_name' => $name, 'per_page' => 100]));
    }

    public function testNanIsAValueError(): void
    {
        $this->expectException(\ValueError::class);
        $this->expectExceptionMessage('NAN or INF');

        $this->worker()->postTask('X', ['x' => NAN]);
    }

    public function testCyclicPayloadIsAnErrorNotACrash(): void
    {
        $a = ['x' => 1];
        $a['self'] = &$a;

        $this->expectException(\ValueError::class);
        $this->expectExceptionMessage('nests too deeply');

        $this->worker()->postTask('X', $a);
    }

    public function testNonUtf8StringIsAValueError(): void
    {
        $this->expectException(\ValueError::class);
        $this->expectExceptionMessage('not valid UTF-8');

        $this->worker()->postTask('X', ['bytes' => "\xff\xfe"]);
    }
}
