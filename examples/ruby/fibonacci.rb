# The Fibonacci worker: prints the sequence below a maximum, between MAGICALSTDOUTSEPARATOR.
#
# It reads its payload the way IronWorker hands it over (the PAYLOAD_FILE environment
# variable, or the -payload flag), so it needs nothing but Ruby on the server. Try it locally:
#
#   ruby fibonacci.rb -payload payload.json
require "json"

# The payload file's path: PAYLOAD_FILE, else the -payload flag (also --payload, -payload=FILE).
def payload_path
  return ENV["PAYLOAD_FILE"] unless ENV.fetch("PAYLOAD_FILE", "").empty?

  ARGV.each_with_index do |arg, index|
    name, value = arg.sub(/\A--?/, "").split("=", 2)
    return value || ARGV[index + 1] if name == "payload"
  end
  nil
end

# The "max" of the payload, or `default` without a payload.
def read_max(default = 100)
  path = payload_path
  return default unless path

  payload = JSON.parse(File.read(path)) || {}
  Integer(payload.fetch("max", default))
end

# The Fibonacci numbers below `maximum`, starting 0, 1, 1, 2, ...
def fibonacci(maximum)
  sequence = []
  a, b = 0, 1
  while a < maximum
    sequence << a
    a, b = b, a + b
  end
  sequence
end

puts "MAGICALSTDOUTSEPARATOR#{JSON.generate(fibonacci(read_max))}MAGICALSTDOUTSEPARATOR"
