<?php
// `make -C bindings/php install` / `uninstall`, staged with DESTDIR (tests never install
// system-wide): the installed .so loads on its own, and uninstall removes every file.

namespace IronWorker\Tests;

final class InstallTest extends TestCase
{
    private function make(string $target, string $destdir): array
    {
        $command = sprintf(
            'make -s -C %s %s DESTDIR=%s 2>&1',
            escapeshellarg(dirname(__DIR__)),
            $target,
            escapeshellarg($destdir)
        );
        exec($command, $output, $code);
        return [$code, implode("\n", $output)];
    }

    public function testInstallThenUninstall(): void
    {
        $root = $this->dir . '/root';
        $extensionDir = trim((string) shell_exec('php-config --extension-dir'));
        $version = implode('.', array_slice(explode('.', PHP_VERSION), 0, 2));
        $so = "$root$extensionDir/iron_worker.so";
        $ini = "$root/etc/php/$version/mods-available/iron_worker.ini";

        [$code, $output] = $this->make('install', $root);
        $this->assertSame(0, $code, $output);
        $this->assertFileExists($so);
        $this->assertStringContainsString('extension=iron_worker.so', file_get_contents($ini));

        [$loads, $out] = $this->runPhp(
            ['-n', '-d', "extension=$so", '-r', 'echo extension_loaded("iron_worker") ? "yes" : "no";'],
            ['PHP_INI_SCAN_DIR' => false]
        );
        $this->assertSame(0, $loads);
        $this->assertSame('yes', $out);

        [$code, $output] = $this->make('uninstall', $root);
        $this->assertSame(0, $code, $output);
        $this->assertFileDoesNotExist($so);
        $this->assertFileDoesNotExist($ini);
    }
}
