# Prints a task's status. Usage: ruby checkTask.rb --task TASK_ID
require "optparse"
require "iron_worker"

task_id = nil
OptionParser.new do |opts|
  opts.banner = "Usage: ruby checkTask.rb --task TASK_ID"
  opts.on("--task TASK_ID", "the id run.rb printed") { |id| task_id = id }
end.parse!
abort "checkTask.rb: --task TASK_ID is required" unless task_id

worker = IronWorker.new("config.ini")
details = worker.getTaskDetails(task_id)
puts details["status"]
