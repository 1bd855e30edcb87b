<?php
// The tutorial scripts of examples/php, run unchanged as subprocesses in a copy of the folder
// with a config.ini for the local server, exactly as scripts/tutorial.sh runs them.

namespace IronWorker\Tests;

final class TutorialTest extends TestCase
{
    private const SCRIPTS = ['fibonacci.php', 'upload.php', 'run.php', 'checkTask.php', 'getLog.php',
        'config.ini', 'payload.json'];

    protected function setUp(): void
    {
        parent::setUp();
        $examples = dirname(__DIR__, 3) . '/examples/php';
        foreach (self::SCRIPTS as $file) {
            copy("$examples/$file", $file);
        }
    }

    /** Runs one tutorial script; fails the test on a non-zero exit. */
    private function script(string ...$args): string
    {
        [$code, $out, $err] = $this->runPhp($args);
        $this->assertSame(0, $code, implode(' ', $args) . " failed:\n$out$err");
        $this->assertSame('', $err, implode(' ', $args) . ' wrote to stderr');
        return $out;
    }

    public function testTheTutorialEndToEnd(): void
    {
        file_put_contents('config.ini', $this->server()->configIni());

        $uploaded = $this->script('upload.php');
        $taskId = trim($this->script('run.php', '--max', '10'));

        $status = '';
        for ($i = 0; $i < 600 && $status !== 'complete'; $i++) {
            $status = trim($this->script('checkTask.php', '--task', $taskId));
            $this->assertNotContains($status, ['error', 'cancelled', 'timeout', 'killed']);
            if ($status !== 'complete') {
                usleep(100000);
            }
        }
        $sequence = $this->script('getLog.php', "--task=$taskId");

        $this->assertNotSame('', trim($uploaded));
        $this->assertMatchesRegularExpression('/^[0-9a-f]{24}$/', $taskId);
        $this->assertSame('complete', $status);
        $this->assertSame("0, 1, 1, 2, 3, 5, 8\n", $sequence);
        $this->assertFileExists('fibonacci.zip');
    }

    public function testRunDefaultsToMax100AndAcceptsTheEqualsForm(): void
    {
        file_put_contents('config.ini', $this->server()->configIni());
        $this->script('upload.php');
        $worker = $this->worker();

        $default = trim($this->script('run.php'));
        $equals = trim($this->script('run.php', '--max=3'));
        $worker->waitFor($default, 0.05, 60);
        $worker->waitFor($equals, 0.05, 60);

        $this->assertSame("0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89\n", $this->script('getLog.php', '--task', $default));
        $this->assertSame("0, 1, 1, 2\n", $this->script('getLog.php', '--task', $equals));
    }

    public function testTheWorkerRunsLocallyWithoutTheExtension(): void
    {
        [$code, $out, $err] = $this->runPhp(['-n', 'fibonacci.php', '-payload', 'payload.json']);
        [, $flagEquals] = $this->runPhp(['-n', 'fibonacci.php', '-payload=payload.json']);
        [, $fromEnv] = $this->runPhp(['-n', 'fibonacci.php'], ['PAYLOAD_FILE' => 'payload.json']);
        [, $default] = $this->runPhp(['-n', 'fibonacci.php'], ['PAYLOAD_FILE' => false]);

        $thousand = "MAGICALSTDOUTSEPARATOR[0,1,1,2,3,5,8,13,21,34,55,89,144,233,377,610,987]MAGICALSTDOUTSEPARATOR\n";
        $this->assertSame(0, $code, $err);
        $this->assertSame($thousand, $out);
        $this->assertSame($thousand, $flagEquals);
        $this->assertSame($thousand, $fromEnv);
        $this->assertStringEndsWith("89]MAGICALSTDOUTSEPARATOR\n", $default);
    }

    public function testScriptsExplainAMissingTaskOption(): void
    {
        file_put_contents('config.ini', $this->server()->configIni());

        [$check, , $checkErr] = $this->runPhp(['checkTask.php']);
        [$log, , $logErr] = $this->runPhp(['getLog.php']);

        $this->assertSame(2, $check);
        $this->assertStringContainsString('--task', $checkErr);
        $this->assertSame(2, $log);
        $this->assertStringContainsString('--task', $logErr);
    }

    public function testPlaceholderConfigFailsClearly(): void
    {
        [$code, $out, $err] = $this->runPhp(['run.php', '--max', '3']);

        $this->assertNotSame(0, $code);
        $this->assertStringContainsString('IronWorker\\', $out . $err);
    }
}
