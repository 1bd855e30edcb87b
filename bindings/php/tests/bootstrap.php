<?php
// Fixtures of the PHP binding's suite: one local IronWorker server for the whole run (started
// on first use, on a free port, with a throwaway data dir and a random token), helper
// processes, and a base TestCase that runs each test in its own temporary directory.

namespace IronWorker\Tests;

use IronWorker;
use PHPUnit\Framework\TestCase as PHPUnitTestCase;

if (!extension_loaded('iron_worker')) {
    fwrite(STDERR, "the iron_worker extension is not loaded; run scripts/test-php.sh\n");
    exit(1);
}

// Child PHP processes (tutorial scripts, worker-side scripts) load the extension through
// PHP_INI_SCAN_DIR; when the suite itself was started with `php -d extension=...`, point them
// at the build's ini (scripts/build-php.sh writes it).
if ((getenv('PHP_INI_SCAN_DIR') ?: '') === '' && is_file(dirname(__DIR__, 3) . '/build/php/iron_worker.ini')) {
    putenv('PHP_INI_SCAN_DIR=:' . dirname(__DIR__, 3) . '/build/php');
}

// Tests change directory: make a relative server path absolute while it still resolves.
if ((getenv('IRON_WORKER_BIN') ?: '') !== '' && realpath(getenv('IRON_WORKER_BIN')) !== false) {
    putenv('IRON_WORKER_BIN=' . realpath(getenv('IRON_WORKER_BIN')));
}

/** A background process that prints "listening on ..." once ready; stopped at exit. */
final class Service
{
    /** @var resource */
    private $process;
    public string $line;
    public string $log;

    /** Starts `$command` and waits (up to 60 s) for its "listening on" line. */
    public function __construct(array $command, string $log, ?array $env = null)
    {
        $this->log = $log;
        $this->process = proc_open(
            $command,
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', $log, 'w'], 2 => ['file', $log, 'a']],
            $pipes,
            null,
            $env
        );
        if (!is_resource($this->process)) {
            throw new \RuntimeException('cannot start ' . implode(' ', $command));
        }
        register_shutdown_function([$this, 'stop']);

        for ($i = 0; $i < 600; $i++) {
            $text = (string) @file_get_contents($log);
            if (preg_match('/listening on (\S+)/', $text, $m)) {
                $this->line = $m[1];
                return;
            }
            if (!proc_get_status($this->process)['running']) {
                throw new \RuntimeException("$command[0] exited at start:\n$text");
            }
            usleep(100000);
        }
        $this->stop();
        throw new \RuntimeException("$command[0] did not listen within 60 s; see $log");
    }

    public function stop(): void
    {
        if (is_resource($this->process)) {
            proc_terminate($this->process, 15);
            proc_close($this->process);
        }
    }
}

/** The local IronWorker server shared by the suite. */
final class LocalServer
{
    private static ?LocalServer $instance = null;

    public string $host;
    public int $port;
    public string $token;
    public string $projectId;
    public string $dataDir;
    private Service $service;

    public static function get(): self
    {
        return self::$instance ??= new self();
    }

    private function __construct()
    {
        $bin = getenv('IRON_WORKER_BIN') ?: dirname(__DIR__, 3) . '/target/debug/iron-worker';
        if (!is_executable($bin)) {
            throw new \RuntimeException("no server binary at $bin: cargo build -p iron-worker-cli");
        }
        $this->token = bin2hex(random_bytes(16));
        $this->projectId = bin2hex(random_bytes(12));
        $this->dataDir = make_temp_dir('iron-worker-server');
        // Workers run with the server's environment: leave the extension out of it, so PHP
        // workers prove they need nothing but the generated runner.
        $env = getenv();
        unset($env['PHP_INI_SCAN_DIR']);
        $this->service = new Service(
            [$bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', $this->dataDir,
                '--token', $this->token],
            $this->dataDir . '.log',
            $env
        );
        $url = parse_url($this->service->line);
        $this->host = $url['host'];
        $this->port = $url['port'];
    }

    /** Constructor options reaching this server. */
    public function options(): array
    {
        return [
            'token' => $this->token,
            'project_id' => $this->projectId,
            'host' => $this->host,
            'port' => $this->port,
            'protocol' => 'http',
        ];
    }

    /** The tutorial's config.ini for this server. */
    public function configIni(): string
    {
        return "[iron_worker]\ntoken = {$this->token}\nproject_id = {$this->projectId}\n"
            . "host = {$this->host}\nport = {$this->port}\nprotocol = http\n";
    }
}

/** A server that answers 503 to everything (fixtures/always503.php); shared by the suite. */
function always503_port(): int
{
    static $service = null;
    $service ??= new Service(
        [PHP_BINARY, '-n', __DIR__ . '/fixtures/always503.php'],
        make_temp_dir('always503') . '.log'
    );
    return (int) $service->line;
}

/** A loopback port nothing listens on (bound, then released). */
function closed_port(): int
{
    $socket = stream_socket_server('tcp://127.0.0.1:0');
    $name = stream_socket_get_name($socket, false);
    fclose($socket);
    return (int) substr($name, strrpos($name, ':') + 1);
}

function make_temp_dir(string $prefix): string
{
    $dir = sys_get_temp_dir() . "/$prefix-" . bin2hex(random_bytes(6));
    mkdir($dir, 0700, true);
    return $dir;
}

function remove_tree(string $path): void
{
    if (is_dir($path) && !is_link($path)) {
        foreach (scandir($path) as $entry) {
            if ($entry !== '.' && $entry !== '..') {
                remove_tree("$path/$entry");
            }
        }
        rmdir($path);
    } elseif (file_exists($path) || is_link($path)) {
        unlink($path);
    }
}

/** Base of the suite's tests: a fresh current directory per test, and server helpers. */
abstract class TestCase extends PHPUnitTestCase
{
    protected string $dir;
    private string $previousDir;

    protected function setUp(): void
    {
        $this->previousDir = getcwd();
        $this->dir = make_temp_dir('iron-worker-php-test');
        chdir($this->dir);
    }

    protected function tearDown(): void
    {
        chdir($this->previousDir);
        remove_tree($this->dir);
    }

    protected function server(): LocalServer
    {
        return LocalServer::get();
    }

    /** A client of the local server. */
    protected function worker(array $options = []): IronWorker
    {
        return new IronWorker($options + $this->server()->options());
    }

    /** A unique code name, so tests never see each other's codes and tasks. */
    protected function codeName(string $base): string
    {
        return $base . '_' . bin2hex(random_bytes(4));
    }

    /** Writes `$source` as worker.php, zips it and uploads it as code `$name`. */
    protected function uploadPhpWorker(string $name, string $source, array $options = []): \IronWorker\Result
    {
        file_put_contents('worker.php', $source);
        IronWorker::createZip('', ['worker.php'], 'worker.zip', true);
        return $this->worker()->postCode('worker.php', 'worker.zip', $name, $options);
    }

    /** Queues a task and waits for its end; returns [task id, details]. */
    protected function runTask(string $name, $payload = null, array $options = []): array
    {
        $worker = $this->worker();
        $task = $worker->postTask($name, $payload, $options);
        $id = $task['tasks'][0]['id'];
        return [$id, $worker->waitFor($id, 0.05, 60)];
    }

    /**
     * Runs PHP with this process's environment (so PHP_INI_SCAN_DIR loads the extension) changed
     * by `$env` (a false value removes a variable); returns [exit code, stdout, stderr].
     */
    protected function runPhp(array $args, array $env = [], ?string $cwd = null): array
    {
        $environment = getenv();
        foreach ($env as $name => $value) {
            if ($value === false) {
                unset($environment[$name]);
            } else {
                $environment[$name] = (string) $value;
            }
        }
        // stderr goes to a file, so a chatty child never blocks on a full pipe.
        $errFile = tempnam(sys_get_temp_dir(), 'iron-worker-stderr');
        $process = proc_open(
            array_merge([PHP_BINARY], $args),
            [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $errFile, 'w']],
            $pipes,
            $cwd ?? getcwd(),
            $environment
        );
        $out = stream_get_contents($pipes[1]);
        fclose($pipes[1]);
        $code = proc_close($process);
        $err = (string) file_get_contents($errFile);
        unlink($errFile);
        return [$code, $out, $err];
    }

    /** The entry names of a zip, in archive order. */
    protected function zipEntries(string $zip): array
    {
        exec('unzip -Z1 ' . escapeshellarg($zip) . ' 2>&1', $lines, $code);
        $this->assertSame(0, $code, "unzip -Z1 $zip: " . implode("\n", $lines));
        return $lines;
    }
}
