<?php
// The surface of docs/API.md, pinned: every method with its parameter names in positional
// order (they are also the PHP 8 named arguments), static or not; and every instance method
// called once with named arguments against the local server.

namespace IronWorker\Tests;

use IronWorker;
use IronWorker\Result;

final class SurfaceTest extends TestCase
{
    private const STATIC = [
        'createZip' => ['base_dir', 'files', 'destination', 'overwrite'],
        'zipDirectory' => ['directory', 'destination', 'overwrite'],
        'getArgs' => [],
        'getPayload' => ['assoc'],
        'getConfig' => ['assoc'],
    ];

    private const INSTANCE = [
        '__construct' => ['config', 'options'],
        'postCode' => ['runFilename', 'zipFilename', 'name', 'options'],
        'upload' => ['directory', 'runFilename', 'name', 'options'],
        'getCodes' => ['page', 'per_page'],
        'getCodeDetails' => ['code_id'],
        'deleteCode' => ['code_id'],
        'getCodeRevisions' => ['code_id', 'page', 'per_page'],
        'downloadCode' => ['code_id', 'revision', 'destination'],
        'pauseTaskQueue' => ['code_id'],
        'resumeTaskQueue' => ['code_id'],
        'cancelAllTasks' => ['code_id'],
        'postTask' => ['name', 'payload', 'options'],
        'postTasks' => ['name', 'payloads', 'options'],
        'getTasks' => ['options'],
        'getTaskDetails' => ['task_id'],
        'getLog' => ['task_id', 'destination'],
        'getStdout' => ['task_id'],
        'cancelTask' => ['task_id'],
        'retryTask' => ['task_id', 'delay'],
        'setTaskProgress' => ['task_id', 'percent', 'msg'],
        'waitFor' => ['task_id', 'sleep', 'max_wait_time'],
        'postSchedule' => ['name', 'payload', 'options'],
        'postScheduleSimple' => ['name', 'payload', 'delay'],
        'postScheduleAdvanced' => ['name', 'payload', 'start_at', 'run_every', 'end_at', 'run_times', 'priority'],
        'getSchedules' => ['page', 'per_page'],
        'getSchedule' => ['schedule_id'],
        'cancelSchedule' => ['schedule_id'],
        'getProjectDetails' => [],
    ];

    public function testEveryMethodWithItsParameters(): void
    {
        $class = new \ReflectionClass('IronWorker');
        $actual = [];
        foreach ($class->getMethods() as $method) {
            $names = array_map(fn ($p) => $p->getName(), $method->getParameters());
            $actual[$method->isStatic() ? 'static' : 'instance'][$method->getName()] = $names;
        }

        $this->assertEqualsCanonicalizing(self::STATIC, $actual['static']);
        $this->assertEqualsCanonicalizing(self::INSTANCE, $actual['instance']);
        foreach (self::STATIC + self::INSTANCE as $name => $params) {
            $actualParams = $actual['static'][$name] ?? $actual['instance'][$name];
            $this->assertSame($params, $actualParams, "parameters of $name");
        }
    }

    public function testUnknownNamedArgumentIsRejectedByPhp(): void
    {
        $this->expectException(\Error::class);
        $this->expectExceptionMessage('Unknown named parameter $taskId');

        $this->worker()->getTaskDetails(taskId: 'abc');
    }

    public function testEveryInstanceMethodWithNamedArguments(): void
    {
        $worker = $this->worker();
        $name = $this->codeName('Named');
        mkdir('code');
        file_put_contents('code/worker.php', "<?php echo json_encode(getPayload());\n");

        $code = $worker->upload(directory: 'code', runFilename: 'worker.php', name: $name, options: ['retries' => 0]);
        $this->assertInstanceOf(Result::class, $worker->getCodeDetails(code_id: $code->id));
        $this->assertIsArray($worker->getCodes(page: 0, per_page: 10));
        $this->assertIsArray($worker->getCodeRevisions(code_id: $code->id, page: 0, per_page: 10));
        $this->assertStringStartsWith('PK', $worker->downloadCode(code_id: $code->id, revision: null, destination: null));
        $this->assertSame('d.zip', $worker->downloadCode(code_id: $code->id, destination: 'd.zip'));

        $tasks = $worker->postTasks(name: $name, payloads: [['i' => 1]], options: ['label' => 'named']);
        $id = $tasks['tasks'][0]['id'];
        $this->assertSame('complete', $worker->waitFor(task_id: $id, sleep: 0.05, max_wait_time: 60)->status);
        $this->assertStringContainsString('{"i":1}', $worker->getLog(task_id: $id));
        $this->assertSame('{"i":1}', trim($worker->getStdout(task_id: $id)));
        $this->assertNotEmpty($worker->getTasks(options: ['code_name' => $name, 'label' => 'named']));

        $later = $worker->retryTask(task_id: $id, delay: 3600)['tasks'][0]['id'];
        $this->assertInstanceOf(Result::class, $worker->setTaskProgress(task_id: $later, percent: 10, msg: 'named'));
        $this->assertInstanceOf(Result::class, $worker->cancelTask(task_id: $later));

        $this->assertInstanceOf(Result::class, $worker->pauseTaskQueue(code_id: $code->id));
        $this->assertInstanceOf(Result::class, $worker->resumeTaskQueue(code_id: $code->id));
        $this->assertInstanceOf(Result::class, $worker->cancelAllTasks(code_id: $code->id));

        $schedule = $worker->postSchedule(name: $name, payload: ['s' => 1], options: ['delay' => 3600]);
        $simple = $worker->postScheduleSimple(name: $name, payload: null, delay: 3600);
        $advanced = $worker->postScheduleAdvanced(
            name: $name,
            payload: [],
            start_at: '2099-01-01T00:00:00Z',
            run_every: 60,
            end_at: null,
            run_times: 2,
            priority: 0
        );
        $this->assertIsArray($worker->getSchedules(page: 0, per_page: 100));
        foreach ([$schedule, $simple, $advanced] as $answer) {
            $sid = $answer['schedules'][0]['id'];
            $this->assertSame($sid, $worker->getSchedule(schedule_id: $sid)->id);
            $this->assertInstanceOf(Result::class, $worker->cancelSchedule(schedule_id: $sid));
        }

        $this->assertInstanceOf(Result::class, $worker->getProjectDetails());
        $this->assertInstanceOf(Result::class, $worker->deleteCode(code_id: $code->id));
    }
}
