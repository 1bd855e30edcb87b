<?php
// Schedules and project: postSchedule, postScheduleSimple, postScheduleAdvanced, getSchedules,
// getSchedule, cancelSchedule, getProjectDetails.

namespace IronWorker\Tests;

use IronWorker;
use IronWorker\Result;

final class SchedulesTest extends TestCase
{
    /** A new code package (the server schedules only codes it knows); returns its name. */
    private function code(string $base): string
    {
        $name = $this->codeName($base);
        $this->uploadPhpWorker($name, "<?php echo 'scheduled run';\n");
        return $name;
    }

    public function testPostScheduleWithOptions(): void
    {
        $worker = $this->worker();
        $name = $this->code('Sched');

        $answer = $worker->postSchedule($name, ['k' => 'v'], [
            'start_at' => '2099-01-01T00:00:00Z',
            'run_every' => 3600,
            'run_times' => 5,
        ]);
        $id = $answer['schedules'][0]['id'];
        $schedule = $worker->getSchedule($id);

        $this->assertSame($name, $schedule->code_name);
        $this->assertSame(3600, $schedule->run_every);
        $this->assertSame(5, $schedule['run_times']);
        $this->assertSame(['k' => 'v'], json_decode($schedule->payload, true));
        $worker->cancelSchedule($id);
    }

    public function testPostScheduleSimpleRunsTheCode(): void
    {
        $worker = $this->worker();
        $name = $this->codeName('Simple');
        $this->uploadPhpWorker($name, "<?php echo 'scheduled ', getPayload()->n;\n");

        $answer = $worker->postScheduleSimple($name, ['n' => 7], 1);
        $id = $answer->schedules[0]->id;

        $task = null;
        for ($i = 0; $i < 200 && $task === null; $i++) {
            $tasks = $worker->getTasks(['code_name' => $name]);
            $task = $tasks[0] ?? null;
            if ($task === null) {
                usleep(100000);
            }
        }
        $this->assertNotNull($task, 'the schedule queued no task');
        $details = $worker->waitFor($task->id, 0.05, 60);
        $this->assertSame('complete', $details->status);
        $this->assertStringContainsString('scheduled 7', $worker->getLog($task->id));
        $this->assertSame($id, $worker->getTaskDetails($task->id)['schedule_id'] ?? $id);
    }

    public function testPostScheduleAdvancedWithDateTime(): void
    {
        $worker = $this->worker();
        $name = $this->code('Advanced');
        $start = new \DateTimeImmutable('2099-06-01T12:00:00+00:00');

        $answer = $worker->postScheduleAdvanced($name, ['a' => 1], $start, 120, null, 3, 1);
        $schedule = $worker->getSchedule($answer['schedules'][0]['id']);

        $this->assertSame(120, $schedule->run_every);
        $this->assertSame(3, $schedule->run_times);
        $this->assertSame(1, $schedule->priority);
        $this->assertSame($start->getTimestamp(), (new \DateTimeImmutable($schedule->start_at))->getTimestamp());
        $worker->cancelSchedule($schedule->id);
    }

    public function testPostScheduleAdvancedNamedWithUnixTime(): void
    {
        $worker = $this->worker();
        $start = 4102444800; // 2100-01-01T00:00:00Z

        $answer = $worker->postScheduleAdvanced(
            name: $this->code('Unix'),
            payload: null,
            start_at: $start,
            end_at: '2100-02-01T00:00:00Z',
            run_every: 3600
        );
        $schedule = $worker->getSchedule(schedule_id: $answer['schedules'][0]['id']);

        $this->assertSame($start, (new \DateTimeImmutable($schedule->start_at))->getTimestamp());
        $worker->cancelSchedule(schedule_id: $schedule->id);
    }

    public function testListAndCancel(): void
    {
        $worker = $this->worker();
        $answer = $worker->postSchedule($this->code('Listed'), null, ['delay' => 3600]);
        $id = $answer['schedules'][0]['id'];

        $ids = array_map(fn ($s) => $s->id, $worker->getSchedules(0, 100));
        $cancelled = $worker->cancelSchedule($id);
        $after = $worker->getSchedule($id);

        $this->assertContains($id, $ids);
        $this->assertInstanceOf(Result::class, $cancelled);
        $this->assertNotSame('scheduled', $after->status);
    }

    public function testRunEveryTooShortIsRefused(): void
    {
        $this->expectException(\IronWorker\Exception::class);
        $this->expectExceptionMessage('run_every');

        $this->worker()->postSchedule('Sched', [], ['run_every' => 10]);
    }

    public function testProjectDetails(): void
    {
        $project = $this->worker()->getProjectDetails();

        $this->assertSame($this->server()->projectId, $project->id);
    }
}
