<?php
// Queues a FibWorker task and prints its id. Usage: php run.php [--max N]

$options = getopt("", array("max:"));
$max = isset($options["max"]) ? (int) $options["max"] : 100;

$worker = new IronWorker("config.ini");
$task = $worker->postTask("FibWorker", array("max" => $max));
echo $task['tasks'][0]['id'], "\n";
