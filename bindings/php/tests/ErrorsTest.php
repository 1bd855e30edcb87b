<?php
// Exception classes: the hierarchy of docs/API.md, catchable by name, constructible from PHP,
// and raised for real 401, 404, 503, connection and timeout failures.

namespace IronWorker\Tests;

use IronWorker;
use IronWorker\HttpException;
use IronWorker\NetworkException;
use IronWorker\NotFoundException;
use IronWorker\ServiceUnavailableException;
use IronWorker\UnauthorizedException;

final class ErrorsTest extends TestCase
{
    public function testHierarchy(): void
    {
        $parents = [
            'IronWorker\Exception' => 'Exception',
            'IronWorker\ConfigException' => 'IronWorker\Exception',
            'IronWorker\PackagingException' => 'IronWorker\Exception',
            'IronWorker\MissingFileException' => 'IronWorker\PackagingException',
            'IronWorker\HttpException' => 'IronWorker\Exception',
            'IronWorker\UnauthorizedException' => 'IronWorker\HttpException',
            'IronWorker\NotFoundException' => 'IronWorker\HttpException',
            'IronWorker\ServiceUnavailableException' => 'IronWorker\HttpException',
            'IronWorker\TimeoutException' => 'IronWorker\Exception',
            'IronWorker\NetworkException' => 'IronWorker\Exception',
            'IronWorker\InvalidArgumentException' => 'IronWorker\Exception',
        ];

        foreach ($parents as $class => $parent) {
            $this->assertSame($parent, get_parent_class($class), $class);
        }
    }

    public function testPhpCodeCanConstructThrowAndExtendThem(): void
    {
        $http = new NotFoundException('not here', 404, 'no such task');
        $missing = new \IronWorker\MissingFileException('file not found: x', 'x');
        $custom = new class ('mine') extends \IronWorker\Exception {
        };

        $this->assertSame(404, $http->getCode());
        $this->assertSame(404, $http->getStatus());
        $this->assertSame('no such task', $http->getServerMessage());
        $this->assertSame('x', $missing->getPath());
        $this->assertSame('mine', $custom->getMessage());
        try {
            throw new \IronWorker\ConfigException('by hand');
        } catch (\IronWorker\Exception $e) {
            $this->assertSame('by hand', $e->getMessage());
        }
    }

    public function testWrongTokenIsUnauthorized(): void
    {
        try {
            $this->worker(['token' => 'wrong-token'])->getCodes();
            $this->fail('no exception');
        } catch (UnauthorizedException $e) {
            $this->assertSame(401, $e->getCode());
            $this->assertSame(401, $e->getStatus());
            $this->assertNotSame('', $e->getServerMessage());
            $this->assertInstanceOf(HttpException::class, $e);
            $this->assertStringNotContainsString('wrong-token', (string) $e);
        }
    }

    public function testUnknownTaskIsNotFound(): void
    {
        $worker = $this->worker();
        $unknown = str_repeat('0', 24);

        foreach (['getTaskDetails', 'getLog', 'cancelTask'] as $method) {
            try {
                $worker->$method($unknown);
                $this->fail("$method: no exception");
            } catch (NotFoundException $e) {
                $this->assertSame(404, $e->getCode(), $method);
                $this->assertStringContainsString($unknown, $e->getMessage(), $method);
            }
        }
    }

    public function testUnknownScheduleAndCodeAreNotFound(): void
    {
        $worker = $this->worker();

        foreach (['getSchedule', 'cancelSchedule', 'getCodeDetails', 'deleteCode'] as $method) {
            try {
                $worker->$method(str_repeat('f', 24));
                $this->fail("$method: no exception");
            } catch (NotFoundException $e) {
                $this->assertSame(404, $e->getStatus(), $method);
            }
        }
    }

    public function testServiceUnavailable(): void
    {
        $worker = $this->worker(['host' => '127.0.0.1', 'port' => always503_port(), 'max_retries' => 0]);

        try {
            $worker->getTasks();
            $this->fail('no exception');
        } catch (ServiceUnavailableException $e) {
            $this->assertSame(503, $e->getCode());
            $this->assertStringContainsString('temporarily unavailable', $e->getServerMessage());
        }
    }

    public function testServiceUnavailableAfterRetries(): void
    {
        $worker = $this->worker(['host' => '127.0.0.1', 'port' => always503_port(), 'max_retries' => 1]);

        $this->expectException(ServiceUnavailableException::class);

        $worker->postTask('X', ['never' => 'queued']);
    }

    public function testNothingListeningIsANetworkError(): void
    {
        $worker = $this->worker(['host' => '127.0.0.1', 'port' => closed_port(), 'max_retries' => 0]);

        $this->expectException(NetworkException::class);

        $worker->getProjectDetails();
    }

    public function testEveryErrorIsAnIronWorkerException(): void
    {
        $caught = 0;
        $calls = [
            fn () => new IronWorker('missing.ini'),
            fn () => IronWorker::createZip('', ['missing'], 'x.zip', true),
            fn () => $this->worker()->getTaskDetails(str_repeat('1', 24)),
            fn () => $this->worker(['token' => 'bad'])->getTasks(),
            fn () => $this->worker()->getTasks(['bogus_filter' => 1]),
        ];

        foreach ($calls as $call) {
            try {
                $call();
            } catch (\IronWorker\Exception $e) {
                $caught++;
            }
        }

        $this->assertSame(count($calls), $caught);
    }
}
