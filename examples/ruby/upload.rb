# Packages fibonacci.rb and uploads it as the code package "FibWorker".
require "iron_worker"

worker = IronWorker.new("config.ini")

IronWorker.createZip("", ["fibonacci.rb"], "fibonacci.zip", true)
response = worker.postCode("fibonacci.rb", "fibonacci.zip", "FibWorker")
puts response["msg"]
