<?php
// new IronWorker(...): config file path, options array, both, named arguments, and the errors.

namespace IronWorker\Tests;

use IronWorker;
use IronWorker\ConfigException;
use IronWorker\InvalidArgumentException;

final class ConstructTest extends TestCase
{
    public function testConfigIniPathAsTheTutorialShows(): void
    {
        file_put_contents('config.ini', $this->server()->configIni());

        $worker = new IronWorker("config.ini");

        $this->assertInstanceOf(\IronWorker\Result::class, $worker->getProjectDetails());
    }

    public function testOptionsArrayAsTheTutorialShows(): void
    {
        $server = $this->server();

        $worker = new IronWorker(array(
            "token" => $server->token,
            "project_id" => $server->projectId,
            "host" => $server->host,
            "port" => $server->port,
            "protocol" => "http",
        ));

        $this->assertIsArray($worker->getCodes());
    }

    public function testJsonConfigFile(): void
    {
        $server = $this->server();
        file_put_contents('iron-test.json', json_encode(['iron_worker' => $server->options()]));

        $worker = new IronWorker('iron-test.json');

        $this->assertIsArray($worker->getTasks());
    }

    public function testOptionsBeatTheConfigFile(): void
    {
        $options = $this->server()->options();
        $ini = "[iron_worker]\ntoken = {$options['token']}\nproject_id = {$options['project_id']}\n"
            . "host = 127.0.0.1\nport = " . closed_port() . "\nprotocol = http\n";
        file_put_contents('config.ini', $ini);

        $worker = new IronWorker('config.ini', ['port' => $options['port']]);

        $this->assertIsArray($worker->getCodes());
    }

    public function testNamedArguments(): void
    {
        file_put_contents('config.ini', $this->server()->configIni());

        $fromFile = new IronWorker(config: 'config.ini');
        $fromOptions = new IronWorker(options: $this->server()->options());

        $this->assertIsArray($fromFile->getCodes(per_page: 5));
        $this->assertIsArray($fromOptions->getCodes(page: 0));
    }

    public function testPortAndNumbersMayBeStrings(): void
    {
        $options = $this->server()->options();
        $options['port'] = (string) $options['port'];

        $this->assertIsArray((new IronWorker($options))->getCodes());
    }

    public function testMissingConfigFileNamesIt(): void
    {
        $this->expectException(ConfigException::class);
        $this->expectExceptionMessage('missing.ini');

        new IronWorker('missing.ini');
    }

    public function testMissingTokenIsAConfigError(): void
    {
        file_put_contents('config.ini', "[iron_worker]\nproject_id = " . str_repeat('a', 24) . "\n");

        try {
            new IronWorker('config.ini');
            $this->fail('no exception');
        } catch (ConfigException $e) {
            $this->assertStringContainsString('token', $e->getMessage());
            $this->assertInstanceOf(\IronWorker\Exception::class, $e);
            $this->assertInstanceOf(\Exception::class, $e);
        }
    }

    public function testMalformedConfigFileIsAConfigError(): void
    {
        file_put_contents('bad.json', '{"token": ');

        $this->expectException(ConfigException::class);
        $this->expectExceptionMessage('bad.json');

        new IronWorker('bad.json');
    }

    public function testUnknownOptionIsNamed(): void
    {
        $this->expectException(InvalidArgumentException::class);
        $this->expectExceptionMessage('colour');

        new IronWorker(['colour' => 'blue'] + $this->server()->options());
    }

    public function testWrongTypeOfConfigIsATypeError(): void
    {
        $this->expectException(\TypeError::class);
        $this->expectExceptionMessage('Argument #1 ($config) must be of type string|array|null, int given');

        new IronWorker(42);
    }

    public function testOptionsMustBeAnArray(): void
    {
        $this->expectException(\TypeError::class);

        new IronWorker('config.ini', 'port=8080');
    }

    public function testOptionNamesMustBeStrings(): void
    {
        $this->expectException(\TypeError::class);
        $this->expectExceptionMessage('option names');

        new IronWorker(['token', 'project_id']);
    }

    public function testTheTokenNeverShows(): void
    {
        $secret = 'sEcReT' . bin2hex(random_bytes(8));
        $worker = $this->worker(['token' => $secret]);

        ob_start();
        var_dump($worker);
        print_r($worker);
        echo json_encode($worker), var_export((array) $worker, true);
        $shown = ob_get_clean();

        try {
            $worker->getCodes();
            $this->fail('a wrong token was accepted');
        } catch (\IronWorker\UnauthorizedException $e) {
            $shown .= $e->getMessage() . $e->getServerMessage() . $e;
        }

        $this->assertStringNotContainsString($secret, $shown);
    }
}
