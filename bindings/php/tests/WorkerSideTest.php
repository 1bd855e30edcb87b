<?php
// Worker side: IronWorker::getArgs(), getPayload($assoc), getConfig($assoc) under the runtime
// contract (environment first, then -flags), in a separate PHP process as a worker would run;
// and a PHP worker on the server, which has only the generated runner, not this extension.

namespace IronWorker\Tests;

final class WorkerSideTest extends TestCase
{
    private const SCRIPT = <<<'PHP'
        <?php
        $payload = IronWorker::getPayload();
        echo json_encode([
            'payload_is_object' => is_object($payload),
            'max' => $payload->max ?? null,
            'assoc' => IronWorker::getPayload(true),
            'assoc_named' => IronWorker::getPayload(assoc: true),
            'config' => IronWorker::getConfig(),
            'config_assoc_is_array' => is_array(IronWorker::getConfig(true)),
            'args' => IronWorker::getArgs(),
        ]);
        PHP;

    private function runWorkerScript(array $flags, array $env = []): array
    {
        file_put_contents('script.php', self::SCRIPT);
        $env += ['PAYLOAD_FILE' => false, 'CONFIG_FILE' => false, 'TASK_ID' => false, 'TASK_DIR' => false];
        [$code, $out, $err] = $this->runPhp(array_merge(['script.php'], $flags), $env);
        $this->assertSame(0, $code, $err . $out);
        return json_decode($out, true);
    }

    public function testPayloadFlagGivesAnObjectByDefault(): void
    {
        file_put_contents('payload.json', '{"max": 1000, "nested": {"a": [1]}}');

        $seen = $this->runWorkerScript(['-id', 'task123', '-d', $this->dir, '-payload', 'payload.json', '-e', 'test']);

        $this->assertTrue($seen['payload_is_object']);
        $this->assertSame(1000, $seen['max']);
        $this->assertSame(['max' => 1000, 'nested' => ['a' => [1]]], $seen['assoc']);
        $this->assertSame($seen['assoc'], $seen['assoc_named']);
        $this->assertNull($seen['config']);
        $this->assertSame('task123', $seen['args']['task_id']);
        $this->assertSame($this->dir, $seen['args']['dir']);
        $this->assertSame('test', $seen['args']['environment']);
        $this->assertSame(['max' => 1000, 'nested' => ['a' => [1]]], $seen['args']['payload']);
    }

    public function testEnvironmentWinsOverFlags(): void
    {
        file_put_contents('env.json', '{"max": 5}');
        file_put_contents('flag.json', '{"max": 9}');
        file_put_contents('config.json', '{"colour": "red"}');

        $seen = $this->runWorkerScript(
            ['--payload', 'flag.json', '--id', 'from-flag'],
            ['PAYLOAD_FILE' => 'env.json', 'CONFIG_FILE' => 'config.json', 'TASK_ID' => 'from-env']
        );

        $this->assertSame(5, $seen['max']);
        $this->assertSame(['colour' => 'red'], $seen['config']);
        $this->assertTrue($seen['config_assoc_is_array']);
        $this->assertSame('from-env', $seen['args']['task_id']);
    }

    public function testNoPayloadIsNull(): void
    {
        $seen = $this->runWorkerScript([]);

        $this->assertFalse($seen['payload_is_object']);
        $this->assertNull($seen['assoc']);
        $this->assertNull($seen['args']['payload']);
        $this->assertNull($seen['args']['task_id']);
    }

    public function testPhpOwnFlagsAreNotTaskFlags(): void
    {
        file_put_contents('script.php', '<?php echo json_encode(IronWorker::getArgs());');

        [$code, $out, $err] = $this->runPhp(['-d', 'display_errors=1', 'script.php', '-id', 'x'], ['TASK_DIR' => false]);

        $this->assertSame(0, $code, $err);
        $args = json_decode($out, true);
        $this->assertNull($args['dir']);
        $this->assertSame('x', $args['task_id']);
    }

    public function testMissingPayloadFileIsAnError(): void
    {
        file_put_contents('script.php', '<?php try { IronWorker::getPayload(); } catch (IronWorker\Exception $e) { echo get_class($e), ": ", $e->getMessage(); }');

        [, $out] = $this->runPhp(['script.php', '-payload', 'absent.json'], ['PAYLOAD_FILE' => false]);

        $this->assertStringContainsString('absent.json', $out);
        $this->assertStringStartsWith('IronWorker\\', $out);
    }

    public function testServerWorkerNeedsOnlyTheRunner(): void
    {
        $name = $this->codeName('Runner');
        $this->uploadPhpWorker($name, <<<'PHP'
            <?php
            $payload = getPayload();
            $args = getArgs();
            echo extension_loaded('iron_worker') ? "extension loaded\n" : "no extension\n";
            echo "max=", $payload->max, " assoc=", getPayload(true)['max'], "\n";
            echo "task_id=", $args['task_id'], "\n";
            PHP);

        [$id, $details] = $this->runTask($name, ['max' => 42]);
        $log = $this->worker()->getLog($id);

        $this->assertSame('complete', $details->status, $log);
        $this->assertStringContainsString("no extension\n", $log);
        $this->assertStringContainsString('max=42 assoc=42', $log);
        $this->assertStringContainsString("task_id=$id", $log);
    }
}
