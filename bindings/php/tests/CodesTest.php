<?php
// Code packages: postCode, upload, getCodes, getCodeDetails, getCodeRevisions, downloadCode,
// deleteCode, pauseTaskQueue, resumeTaskQueue, cancelAllTasks.

namespace IronWorker\Tests;

use IronWorker;
use IronWorker\NotFoundException;
use IronWorker\Result;

final class CodesTest extends TestCase
{
    public function testPostCodeAsTheTutorialShows(): void
    {
        $name = $this->codeName('FibWorker');
        file_put_contents('fibonacci.php', "<?php echo 'fib';\n");
        IronWorker::createZip("", array("fibonacci.php"), "fileNameForZip.zip", true);
        $before = sha1_file('fileNameForZip.zip');

        $response = $this->worker()->postCode("fibonacci.php", "fileNameForZip.zip", $name);

        $this->assertInstanceOf(Result::class, $response);
        $this->assertNotEmpty($response->id);
        $this->assertIsString($response['msg']);
        $this->assertSame($before, sha1_file('fileNameForZip.zip'), 'the user zip was modified');
    }

    public function testPostCodeNamedArgumentsAndOptions(): void
    {
        $name = $this->codeName('Named');
        file_put_contents('run.sh', "echo hello from sh\n");
        IronWorker::createZip('', ['run.sh'], 'sh.zip', true);

        $response = $this->worker()->postCode(
            runFilename: 'run.sh',
            zipFilename: 'sh.zip',
            name: $name,
            options: ['max_concurrency' => 2, 'retries' => 1, 'env_vars' => ['GREETING' => 'hi']]
        );
        $details = $this->worker()->getCodeDetails($response->id);

        $this->assertSame($name, $details->name);
        $this->assertSame('sh', $details->runtime);
        $this->assertSame(2, $details->max_concurrency);
    }

    public function testUploadDirectory(): void
    {
        $name = $this->codeName('Uploaded');
        mkdir('dir');
        file_put_contents('dir/hello.php', "<?php echo 'uploaded ', getPayload()->who;\n");

        $response = $this->worker()->upload('dir', 'hello.php', $name);
        [$id, $details] = $this->runTask($name, ['who' => 'world']);

        $this->assertNotEmpty($response['id']);
        $this->assertSame('complete', $details->status);
        $this->assertStringContainsString('uploaded world', $this->worker()->getLog($id));
    }

    public function testListDetailsRevisionsDownloadDelete(): void
    {
        $worker = $this->worker();
        $name = $this->codeName('Revised');
        $first = $this->uploadPhpWorker($name, "<?php echo 1;\n");
        $this->uploadPhpWorker($name, "<?php echo 2;\n");

        $codes = $worker->getCodes(0, 100);
        $names = array_map(fn ($c) => $c->name, $codes);
        $details = $worker->getCodeDetails($first->id);
        $revisions = $worker->getCodeRevisions($first->id);
        $zip = $worker->downloadCode($first->id);
        $path = $worker->downloadCode($first->id, null, 'downloaded.zip');

        $this->assertContains($name, $names);
        $this->assertSame($name, $details['name']);
        $this->assertGreaterThanOrEqual(2, count($revisions));
        $this->assertContainsOnlyInstancesOf(Result::class, $revisions);
        $this->assertStringStartsWith("PK", $zip);
        $this->assertSame('downloaded.zip', $path);
        $this->assertSame($zip, file_get_contents('downloaded.zip'));
        $this->assertContains('worker.php', $this->zipEntries('downloaded.zip'));

        $worker->deleteCode($first->id);

        $this->expectException(NotFoundException::class);
        $worker->getCodeDetails($first->id);
    }

    public function testDownloadEarlierRevision(): void
    {
        $worker = $this->worker();
        $name = $this->codeName('Rev');
        $code = $this->uploadPhpWorker($name, "<?php echo 'one';\n");
        $this->uploadPhpWorker($name, "<?php echo 'two';\n");

        $revisions = $worker->getCodeRevisions(code_id: $code->id);
        $numbers = array_map(fn ($r) => (int) $r['rev'], $revisions);
        $oldest = $worker->downloadCode($code->id, revision: min($numbers));
        $newest = $worker->downloadCode($code->id);

        $this->assertNotSame($oldest, $newest);
    }

    public function testQueueControls(): void
    {
        $worker = $this->worker();
        $name = $this->codeName('Paused');
        $code = $this->uploadPhpWorker($name, "<?php echo 'ran';\n");

        $this->assertInstanceOf(Result::class, $worker->pauseTaskQueue($code->id));
        $task = $worker->postTask($name);
        usleep(300000);
        $this->assertSame('queued', $worker->getTaskDetails($task['tasks'][0]['id'])->status);

        $this->assertInstanceOf(Result::class, $worker->cancelAllTasks($code->id));
        $this->assertSame('cancelled', $worker->waitFor($task['tasks'][0]['id'])->status);

        $this->assertInstanceOf(Result::class, $worker->resumeTaskQueue($code->id));
        [, $details] = $this->runTask($name);
        $this->assertSame('complete', $details->status);
    }

    public function testCodeConfigReachesTheWorker(): void
    {
        $name = $this->codeName('Configured');
        $this->uploadPhpWorker(
            $name,
            "<?php echo json_encode([getConfig()->colour, getConfig(true)['n'], getArgs()['task_id'] !== null]);\n",
            ['config' => ['colour' => 'blue', 'n' => 7]]
        );

        [$id] = $this->runTask($name);

        $this->assertSame('["blue",7,true]', trim($this->worker()->getLog($id)));
    }

    public function testUnknownCodeOptionIsNamed(): void
    {
        file_put_contents('run.sh', 'true');
        IronWorker::createZip('', ['run.sh'], 'x.zip', true);

        $this->expectException(\IronWorker\InvalidArgumentException::class);
        $this->expectExceptionMessage('max_concurency');

        $this->worker()->postCode('run.sh', 'x.zip', 'X', ['max_concurency' => 1]);
    }

    public function testPostCodeMissingZip(): void
    {
        $this->expectException(\IronWorker\MissingFileException::class);
        $this->expectExceptionMessage('nope.zip');

        $this->worker()->postCode('run.sh', 'nope.zip', 'X');
    }
}
