<?php
/*
 * The Fibonacci worker: prints the sequence below "max" (from the payload; 100 without one)
 * as JSON between MAGICALSTDOUTSEPARATOR markers.
 *
 * Uploaded with postCode, it runs behind a generated runner that defines getPayload(). Run on
 * its own it reads the payload the way IronWorker hands it over (the PAYLOAD_FILE environment
 * variable or the -payload flag), so it needs nothing but PHP. Try it locally:
 *
 *     php fibonacci.php -payload payload.json
 */

/** The payload: getPayload() when a runner defines it, else PAYLOAD_FILE or -payload. */
function read_payload()
{
    if (function_exists('getPayload')) {
        return getPayload();
    }

    $path = getenv('PAYLOAD_FILE') ?: null;
    $args = array_slice($GLOBALS['argv'] ?? [], 1);
    foreach ($args as $i => $arg) {
        $parts = explode('=', ltrim($arg, '-'), 2);
        if ($path === null && $parts[0] === 'payload') {
            $path = $parts[1] ?? ($args[$i + 1] ?? null);
        }
    }
    if ($path === null) {
        return null;
    }

    $text = file_get_contents($path);
    if ($text === false) {
        fwrite(STDERR, "cannot read the payload file $path\n");
        exit(1);
    }
    return json_decode($text);
}

/** The Fibonacci numbers below $max, starting 0, 1, 1, 2, ... */
function fibonacci($max)
{
    $sequence = [];
    $num1 = 0;
    $num2 = 1;
    while ($num1 < $max) {
        $sequence[] = $num1;
        [$num1, $num2] = [$num2, $num1 + $num2];
    }
    return $sequence;
}

$payload = read_payload();
$max = isset($payload->max) ? (int) $payload->max : 100;

echo "MAGICALSTDOUTSEPARATOR" . json_encode(fibonacci($max)) . "MAGICALSTDOUTSEPARATOR\n";
