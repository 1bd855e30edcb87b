# frozen_string_literal: true

# Runs the suite against the installed gem:
#   GEM_HOME=build/gems ruby bindings/ruby/test/run.rb [NAME_PATTERN]
# With IRON_WORKER_GC_STRESS=1 only the conversion tests run, with GC.stress enabled around
# every call into the extension (scripts/test-ruby.sh does both runs).

files =
  if ENV["IRON_WORKER_GC_STRESS"] == "1"
    [File.join(__dir__, "test_conversion.rb")]
  else
    Dir.glob(File.join(__dir__, "test_*.rb")).sort
  end
pattern = ARGV.shift
files = files.select { |file| File.basename(file).include?(pattern) } if pattern
files.each { |file| require file }
