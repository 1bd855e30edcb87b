# Queues a FibWorker task and prints its id. Usage: ruby run.rb [--max N]
require "optparse"
require "iron_worker"

max = 100
OptionParser.new do |opts|
  opts.banner = "Usage: ruby run.rb [--max N]"
  opts.on("--max N", Integer, "compute the sequence below N (default 100)") { |n| max = n }
end.parse!

worker = IronWorker.new("config.ini")
task = worker.postTask("FibWorker", { "max" => max })
puts task["tasks"][0]["id"]
