# Prints the Fibonacci sequence from a task's log. Usage: ruby getLog.rb --task TASK_ID
require "json"
require "optparse"
require "iron_worker"

task_id = nil
OptionParser.new do |opts|
  opts.banner = "Usage: ruby getLog.rb --task TASK_ID"
  opts.on("--task TASK_ID", "the id run.rb printed") { |id| task_id = id }
end.parse!
abort "getLog.rb: --task TASK_ID is required" unless task_id

worker = IronWorker.new("config.ini")
begin
  log = worker.getLog(task_id)
rescue IronWorker::NotFoundError
  abort "No log yet: is the task complete? (ruby checkTask.rb --task #{task_id})"
end

parts = log.split("MAGICALSTDOUTSEPARATOR")
abort "The log has no sequence between MAGICALSTDOUTSEPARATOR markers:\n#{log}" if parts.length < 3
sequence = JSON.parse(parts[1])
p sequence
