<?php
// Conformance runner for PHP: runs scenario.json's steps, one JSON line per step.

$saved = [];

function resolve($value) {
    global $saved;
    if (is_string($value) && str_starts_with($value, '$')) {
        $path = explode('.', substr($value, 1));
        $name = array_shift($path);
        if (array_key_exists($name, $saved)) {
            $cur = $saved[$name];
            foreach ($path as $part) {
                $cur = $cur[is_numeric($part) ? (int)$part : $part];
            }
            return $cur;
        }
        return $value;
    }
    if (is_array($value)) {
        return array_map('resolve', $value);
    }
    return $value;
}

function error_name(Throwable $e) {
    for ($cls = get_class($e); $cls; $cls = get_parent_class($cls)) {
        if (str_starts_with($cls, 'IronWorker\\')) {
            $short = substr($cls, strlen('IronWorker\\'));
            $map = ['Exception' => 'Error', 'HttpException' => 'HTTPError',
                    'TimeoutException' => 'RequestTimeoutError'];
            return $map[$short] ?? preg_replace('/Exception$/', 'Error', $short);
        }
    }
    return 'Foreign:' . get_class($e);
}

// PHP offers only the tutorial's camelCase names (docs/API.md); scenarios that exercise the
// Python/Ruby snake_case aliases call the same method here.
function php_name(string $name): string {
    return lcfirst(str_replace('_', '', ucwords($name, '_')));
}

$steps = json_decode(file_get_contents($argv[1]), true)['steps'];
$worker = null;
foreach ($steps as $step) {
    $args = resolve($step['args'] ?? []);
    $options = resolve($step['options'] ?? []);
    try {
        if (array_key_exists('new', $step)) {
            $newArgs = resolve($step['new']);
            $worker = count($newArgs) ? new IronWorker(...$newArgs) : new IronWorker($options ?: null);
            $result = true;
        } elseif (isset($step['static'])) {
            $fn = php_name($step['static']);
            $result = $options ? IronWorker::$fn(...$args, options: $options) : IronWorker::$fn(...$args);
        } else {
            $fn = php_name($step['call']);
            $result = $options ? $worker->$fn(...$args, options: $options) : $worker->$fn(...$args);
        }
        if (isset($step['save'])) {
            $saved[$step['save']] = $result;
        }
        if (is_string($result) && !mb_check_encoding($result, 'UTF-8')) {
            $result = ['bytes_sha256' => hash('sha256', $result), 'length' => strlen($result)];
        }
        $out = ['ok' => $result];
    } catch (Throwable $e) {
        $status = ($e instanceof \IronWorker\HttpException) ? $e->getCode() : null;
        $out = ['error' => error_name($e), 'status' => $status, 'message' => $e->getMessage()];
    }
    echo json_encode($out, JSON_UNESCAPED_SLASHES), "\n";
}
