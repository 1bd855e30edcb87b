<?php
// IronWorker::createZip and IronWorker::zipDirectory (static, no server needed).

namespace IronWorker\Tests;

use IronWorker;
use IronWorker\MissingFileException;
use IronWorker\PackagingException;

final class PackagingTest extends TestCase
{
    public function testCreateZipAsTheTutorialShows(): void
    {
        file_put_contents('fibonacci.php', "<?php echo 1;\n");

        $created = IronWorker::createZip("", array("fibonacci.php"), "fileNameForZip.zip", true);

        $this->assertTrue($created);
        $this->assertSame(['fibonacci.php'], $this->zipEntries('fileNameForZip.zip'));
    }

    public function testBaseDirIsAFolderInsideTheArchive(): void
    {
        mkdir('lib');
        file_put_contents('main.php', '<?php');
        file_put_contents('lib/util.php', '<?php');

        IronWorker::createZip('app', ['main.php', 'lib/util.php'], 'out.zip', true);

        $entries = $this->zipEntries('out.zip');
        sort($entries);
        $this->assertSame(['app/lib/util.php', 'app/main.php'], array_values(
            array_filter($entries, fn ($e) => !str_ends_with($e, '/'))
        ));
    }

    public function testNamedArguments(): void
    {
        file_put_contents('a.txt', 'a');

        $created = IronWorker::createZip(
            base_dir: '',
            files: ['a.txt'],
            destination: 'named.zip',
            overwrite: true
        );

        $this->assertTrue($created);
        $this->assertTrue(IronWorker::zipDirectory(directory: '.', destination: '../named-dir.zip'));
        unlink('../named-dir.zip');
    }

    public function testNoOverwriteReturnsFalseAndKeepsTheFile(): void
    {
        file_put_contents('a.txt', 'a');
        file_put_contents('out.zip', 'precious');

        $this->assertFalse(IronWorker::createZip('', ['a.txt'], 'out.zip'));
        $this->assertFalse(IronWorker::createZip('', ['a.txt'], 'out.zip', false));
        $this->assertSame('precious', file_get_contents('out.zip'));

        $this->assertTrue(IronWorker::createZip('', ['a.txt'], 'out.zip', true));
        $this->assertSame(['a.txt'], $this->zipEntries('out.zip'));
    }

    public function testMissingFileIsNamedNeverSkipped(): void
    {
        file_put_contents('here.txt', 'x');

        try {
            IronWorker::createZip('', ['here.txt', 'gone.txt'], 'out.zip', true);
            $this->fail('no exception');
        } catch (MissingFileException $e) {
            $this->assertStringContainsString('gone.txt', $e->getMessage());
            $this->assertSame('gone.txt', $e->getPath());
            $this->assertInstanceOf(PackagingException::class, $e);
            $this->assertInstanceOf(\IronWorker\Exception::class, $e);
        }
        $this->assertFileDoesNotExist('out.zip');
    }

    public function testFilesMustBeStrings(): void
    {
        $this->expectException(\TypeError::class);
        $this->expectExceptionMessage('Argument #2 ($files) must hold only strings, found int at [1]');

        IronWorker::createZip('', ['a.txt', 42], 'out.zip', true);
    }

    public function testFilesMustBeAnArray(): void
    {
        $this->expectException(\TypeError::class);

        IronWorker::createZip('', 'a.txt', 'out.zip', true);
    }

    public function testZipDirectoryPutsEntriesRelativeToIt(): void
    {
        mkdir('worker/lib', 0700, true);
        file_put_contents('worker/hello.php', '<?php');
        file_put_contents('worker/lib/x.php', '<?php');

        $this->assertTrue(IronWorker::zipDirectory('worker', 'worker.zip', true));

        $files = array_values(array_filter($this->zipEntries('worker.zip'), fn ($e) => !str_ends_with($e, '/')));
        sort($files);
        $this->assertSame(['hello.php', 'lib/x.php'], $files);
    }

    public function testZipDirectoryWithAbsolutePath(): void
    {
        mkdir('abs');
        file_put_contents('abs/run.sh', 'echo hi');

        $this->assertTrue(IronWorker::zipDirectory($this->dir . '/abs', $this->dir . '/abs.zip', true));
        $this->assertSame(['run.sh'], $this->zipEntries('abs.zip'));
    }

    public function testZipDirectoryNoOverwrite(): void
    {
        mkdir('d');
        file_put_contents('d/f', 'f');
        file_put_contents('d.zip', 'old');

        $this->assertFalse(IronWorker::zipDirectory('d', 'd.zip'));
        $this->assertSame('old', file_get_contents('d.zip'));
    }

    public function testZipDirectoryMissingDirectory(): void
    {
        $this->expectException(MissingFileException::class);
        $this->expectExceptionMessage('nowhere');

        IronWorker::zipDirectory('nowhere', 'out.zip', true);
    }

    public function testSameInputsSameBytes(): void
    {
        file_put_contents('a.txt', 'a');
        file_put_contents('b.txt', 'b');

        IronWorker::createZip('', ['a.txt', 'b.txt'], 'one.zip', true);
        touch('a.txt', time() - 3600);
        IronWorker::createZip('', ['a.txt', 'b.txt'], 'two.zip', true);

        $this->assertSame(sha1_file('one.zip'), sha1_file('two.zip'));
    }
}
