<?php
// One timed benchmark step in PHP, run in a fresh interpreter by bench/bench.py.
//
//   PHP_INI_SCAN_DIR=:build/php php php_agent.php '<json spec>'
//
// Times only the calls a user would write (not the interpreter start) and prints one JSON line.

function now(): float
{
    return hrtime(true) / 1e9;
}

// Item 3: the tree zipped with ZipArchive (Debian php-zip) at deflate level 6.
function zipTree(array $spec): array
{
    $src = $spec['src'];
    $dest = $spec['dest'];
    $started = now();

    $zip = new ZipArchive();
    if ($zip->open($dest, ZipArchive::CREATE | ZipArchive::OVERWRITE) !== true) {
        throw new RuntimeException("cannot create $dest");
    }
    $files = new RecursiveIteratorIterator(
        new RecursiveDirectoryIterator($src, FilesystemIterator::SKIP_DOTS)
    );
    $paths = [];
    foreach ($files as $file) {
        if ($file->isFile()) {
            $paths[] = $file->getPathname();
        }
    }
    sort($paths);
    foreach ($paths as $path) {
        $name = substr($path, strlen($src) + 1);
        $zip->addFile($path, $name);
        $zip->setCompressionName($name, ZipArchive::CM_DEFLATE, 6);
    }
    // ZipArchive reads and deflates the files here.
    if (!$zip->close()) {
        throw new RuntimeException("cannot write $dest");
    }

    clearstatcache();
    return ['seconds' => now() - $started, 'bytes' => filesize($dest)];
}

// Item 7: per-call time of postTask and getTaskDetails through our extension.
function calls(array $spec): array
{
    $worker = new IronWorker($spec['config']);
    $code = $spec['code'];
    $n = $spec['calls'];

    // Delayed, so the queued tasks wait out of the dispatcher's way until the driver cancels them.
    $taskId = $worker->postTask($code, ['n' => -1], ['delay' => 3600])['tasks'][0]['id'];
    for ($i = 0; $i < 5; $i++) {
        $worker->getTaskDetails($taskId);
    }

    $started = now();
    for ($i = 0; $i < $n; $i++) {
        $worker->postTask($code, ['n' => $i], ['delay' => 3600]);
    }
    $post = now() - $started;

    $started = now();
    for ($i = 0; $i < $n; $i++) {
        $worker->getTaskDetails($taskId);
    }
    $get = now() - $started;

    return ['postTask' => $post / $n, 'getTaskDetails' => $get / $n];
}

$spec = json_decode($argv[1] ?? '', true);
if (!is_array($spec)) {
    fwrite(STDERR, "php_agent: the first argument must be a JSON spec\n");
    exit(2);
}
$result = match ($spec['step'] ?? '') {
    'zip' => zipTree($spec),
    'calls' => calls($spec),
    default => null,
};
if ($result === null) {
    fwrite(STDERR, "php_agent: unknown step\n");
    exit(2);
}
echo json_encode($result), "\n";
