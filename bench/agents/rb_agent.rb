# One timed benchmark step in Ruby, run in a fresh interpreter by bench/bench.py.
#
#   ruby rb_agent.rb '<json spec>'
#
# Times only the calls a user would write (not the interpreter start or the requires) and
# prints one JSON line.
require "json"

def now
  Process.clock_gettime(Process::CLOCK_MONOTONIC)
end

# Item 3: the tree zipped with rubyzip (Debian ruby-zip) at deflate level 6.
def zip_tree(spec)
  require "zip"
  require "find"

  src = spec.fetch("src")
  dest = spec.fetch("dest")
  Zip.default_compression = 6
  started = now
  Zip::File.open(dest, Zip::File::CREATE) do |zf|
    Find.find(src).sort.each do |path|
      next unless File.file?(path)

      zf.add(path.delete_prefix("#{src}/"), path)
    end
  end
  { "seconds" => now - started, "bytes" => File.size(dest) }
end

# Item 7: per-call time of postTask and getTaskDetails through our gem.
def calls(spec)
  require "iron_worker"

  worker = IronWorker.new(spec.fetch("config"))
  code = spec.fetch("code")
  n = spec.fetch("calls")

  # Delayed, so the queued tasks wait out of the dispatcher's way until the driver cancels them.
  task_id = worker.postTask(code, { "n" => -1 }, delay: 3600)["tasks"][0]["id"]
  5.times { worker.getTaskDetails(task_id) }

  started = now
  n.times { |i| worker.postTask(code, { "n" => i }, delay: 3600) }
  post = now - started

  started = now
  n.times { worker.getTaskDetails(task_id) }
  get = now - started
  { "postTask" => post / n, "getTaskDetails" => get / n }
end

spec = JSON.parse(ARGV.fetch(0))
result =
  case spec.fetch("step")
  when "zip" then zip_tree(spec)
  when "calls" then calls(spec)
  else abort "rb_agent: unknown step #{spec['step'].inspect}"
  end
puts JSON.generate(result)
