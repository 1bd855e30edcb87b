<?php
// Packages fibonacci.php and uploads it as the code package "FibWorker".

$worker = new IronWorker("config.ini");

IronWorker::createZip("", array("fibonacci.php"), "fibonacci.zip", true);
$response = $worker->postCode("fibonacci.php", "fibonacci.zip", "FibWorker");
echo $response->msg, "\n";
