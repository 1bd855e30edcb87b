<?php
// No memory grows over 10,000 calls across the PHP/Rust boundary: PHP's heap
// (memory_get_usage) and the process's resident size (which also sees Rust's allocations).

namespace IronWorker\Tests;

use IronWorker;

final class MemoryTest extends TestCase
{
    private const CALLS = 10000;

    /** Resident set size in KiB. */
    private static function rssKib(): int
    {
        preg_match('/^VmRSS:\s+(\d+)/m', (string) file_get_contents('/proc/self/status'), $m);
        return (int) ($m[1] ?? 0);
    }

    /** Runs `$call` CALLS times after a warm-up; asserts both memories stay flat. */
    private function assertFlat(callable $call, int $phpBytes = 65536, int $rssKib = 4096): void
    {
        for ($i = 0; $i < 500; $i++) {
            $call($i);
        }
        gc_collect_cycles();
        $php = memory_get_usage();
        $rss = self::rssKib();

        for ($i = 0; $i < self::CALLS; $i++) {
            $call($i);
        }
        gc_collect_cycles();

        $this->assertLessThan($phpBytes, memory_get_usage() - $php, 'PHP heap grew');
        $this->assertLessThan($rssKib, self::rssKib() - $rss, 'resident memory grew (KiB)');
    }

    public function testGetArgs(): void
    {
        putenv('TASK_ID=memory-test');
        try {
            $this->assertFlat(fn () => IronWorker::getArgs());
        } finally {
            putenv('TASK_ID');
        }
    }

    public function testGetPayload(): void
    {
        file_put_contents('payload.json', json_encode(['max' => 10, 'list' => range(1, 50)]));
        putenv('PAYLOAD_FILE=' . $this->dir . '/payload.json');
        try {
            $this->assertFlat(fn () => IronWorker::getPayload()->list[49]);
        } finally {
            putenv('PAYLOAD_FILE');
        }
    }

    public function testGetTaskDetailsOnTheLocalServer(): void
    {
        $worker = $this->worker();
        $name = $this->codeName('Memory');
        $this->uploadPhpWorker($name, "<?php echo 1;\n");
        $task = $worker->postTask($name, ['x' => str_repeat('y', 100)], ['delay' => 3600]);
        $id = $task['tasks'][0]['id'];

        $this->assertFlat(fn () => $worker->getTaskDetails($id)->status);

        $worker->cancelTask($id);
    }

    public function testPayloadConversionAndErrors(): void
    {
        $worker = $this->worker(['port' => closed_port(), 'host' => '127.0.0.1', 'max_retries' => 0]);
        $payload = ['a' => [1, 2, ['b' => new \DateTime('2030-01-01')]], 'c' => (object) ['d' => 'e']];

        $this->assertFlat(function () use ($worker, $payload) {
            try {
                $worker->postTask('X', $payload);
            } catch (\IronWorker\NetworkException $e) {
                return;
            }
            $this->fail('no NetworkException');
        });
    }

    public function testNotFoundExceptions(): void
    {
        $worker = $this->worker();
        $missing = str_repeat('e', 24);

        $this->assertFlat(function () use ($worker, $missing) {
            try {
                $worker->getTaskDetails($missing);
            } catch (\IronWorker\NotFoundException $e) {
                return;
            }
            $this->fail('no NotFoundException');
        });
    }
}
