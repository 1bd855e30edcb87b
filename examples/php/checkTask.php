<?php
// Prints a task's status. Usage: php checkTask.php --task TASK_ID

$options = getopt("", array("task:"));
if (!isset($options["task"])) {
    fwrite(STDERR, "usage: php checkTask.php --task TASK_ID (the id run.php printed)\n");
    exit(2);
}

$worker = new IronWorker("config.ini");
$details = $worker->getTaskDetails($options["task"]);
echo $details->status, "\n";
