<?php
// Prints the Fibonacci sequence from a task's log. Usage: php getLog.php --task TASK_ID

$options = getopt("", array("task:"));
if (!isset($options["task"])) {
    fwrite(STDERR, "usage: php getLog.php --task TASK_ID (the id run.php printed)\n");
    exit(2);
}
$task_id = $options["task"];

$worker = new IronWorker("config.ini");
try {
    $log = $worker->getLog($task_id);
} catch (IronWorker\NotFoundException $e) {
    fwrite(STDERR, "No log yet: is the task complete? (php checkTask.php --task $task_id)\n");
    exit(1);
}

$parts = explode("MAGICALSTDOUTSEPARATOR", $log);
if (count($parts) < 3) {
    fwrite(STDERR, "The log has no sequence between MAGICALSTDOUTSEPARATOR markers:\n$log\n");
    exit(1);
}
$sequence = json_decode($parts[1]);
echo implode(", ", $sequence), "\n";
