# Conformance runner for Ruby: runs scenario.json's steps, one JSON line per step.
require "json"
require "digest"
require "iron_worker"

$saved = {}

def resolve(value)
  case value
  when String
    if value.start_with?("$")
      name, *path = value[1..].split(".")
      if $saved.key?(name)
        return path.reduce($saved[name]) { |cur, part| cur.is_a?(Array) ? cur[part.to_i] : cur[part] }
      end
    end
    value
  when Array then value.map { |v| resolve(v) }
  when Hash then value.transform_values { |v| resolve(v) }
  else value
  end
end

def plain(result)
  if result.is_a?(String) && result.encoding == Encoding::BINARY
    { "bytes_sha256" => Digest::SHA256.hexdigest(result), "length" => result.bytesize }
  else
    result
  end
end

def error_name(exc)
  exc.class.ancestors.each do |cls|
    next unless cls.is_a?(Class) && cls.name&.start_with?("IronWorker::")
    short = cls.name.split("::").last
    return short == "Error" ? "Error" : (short == "TimeoutError" ? "RequestTimeoutError" : short)
  end
  "Foreign:#{exc.class}"
end

steps = JSON.parse(File.read(ARGV[0]))["steps"]
worker = nil
steps.each do |step|
  args = resolve(step.fetch("args", []))
  options = resolve(step.fetch("options", {})).transform_keys(&:to_sym)
  begin
    result =
      if step.key?("new")
        worker = IronWorker.new(*resolve(step["new"]), **options)
        true
      elsif step.key?("static")
        IronWorker.public_send(step["static"], *args, **options)
      else
        worker.public_send(step["call"], *args, **options)
      end
    $saved[step["save"]] = result if step["save"]
    out = { "ok" => plain(result) }
  rescue StandardError => e
    status = e.respond_to?(:status) ? e.status : nil
    out = { "error" => error_name(e), "status" => status, "message" => e.message }
  end
  puts JSON.generate(out)
  $stdout.flush
end
