<?php
// The IDE stub (stubs/iron_worker.stub.php) is what tools/stubgen.php makes from the loaded
// extension: a method, parameter, default or class added in Rust or PHP without regenerating
// the stub fails here.

namespace IronWorker\Tests;

final class StubTest extends TestCase
{
    public function testStubMatchesTheLoadedExtension(): void
    {
        $root = dirname(__DIR__);
        $committed = file_get_contents("$root/stubs/iron_worker.stub.php");

        [$code, $generated, $err] = $this->runPhp(["$root/tools/stubgen.php"]);

        $this->assertSame(0, $code, $err);
        $this->assertSame(
            $committed,
            $generated,
            "the stub is out of date; regenerate it:\n"
            . "  PHP_INI_SCAN_DIR=:build/php php bindings/php/tools/stubgen.php"
            . " > bindings/php/stubs/iron_worker.stub.php"
        );
    }

    public function testStubIsValidPhpAndDeclaresTheWholeSurface(): void
    {
        $stub = dirname(__DIR__) . '/stubs/iron_worker.stub.php';

        [$code, $out] = $this->runPhp(['-n', '-l', $stub]);
        $text = file_get_contents($stub);

        $this->assertSame(0, $code, $out);
        foreach ((new \ReflectionClass('IronWorker'))->getMethods() as $method) {
            $this->assertStringContainsString("function {$method->getName()}(", $text);
        }
        $this->assertStringContainsString('class Result extends \ArrayObject implements \JsonSerializable', $text);
        $this->assertStringContainsString('class NotFoundException extends \IronWorker\HttpException', $text);
    }
}
