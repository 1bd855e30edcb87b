# frozen_string_literal: true

# Shared fixture of the minitest suite: the INSTALLED gem (GEM_HOME=build/gems, never
# bindings/ruby/lib) against one real local server, started here on a free port with a
# throwaway data directory and a random token, and stopped after the run.

# Subprocesses run in other directories: make a relative GEM_HOME absolute first.
ENV["GEM_HOME"] = File.expand_path(ENV["GEM_HOME"]) if ENV["GEM_HOME"]

require "minitest/autorun"
require "json"
require "securerandom"
require "tmpdir"
require "fileutils"
require "open3"
require "rbconfig"
require "monitor"
require "iron_worker"

module TestSupport
  REPO = File.expand_path("../../..", __dir__)
  SOURCE_LIB = File.join(REPO, "bindings", "ruby", "lib")
  EXAMPLES = File.join(REPO, "examples", "ruby")
  TARGET = ENV.fetch("CARGO_TARGET_DIR", File.join(REPO, "target"))
  SERVER_BIN = ENV.fetch("IRON_WORKER_SERVER_BIN", File.join(TARGET, "debug", "iron-worker"))
  TOKEN = SecureRandom.hex(16)
  PROJECT_ID = SecureRandom.hex(12)
  MARK = "MAGICALSTDOUTSEPARATOR"
  # Guards the lazily created client and echo code (tests call them from several threads).
  ECHO_LOCK = Monitor.new

  # A worker that prints its payload and config as JSON between markers, can sleep, write to
  # stderr and exit with a given status; it needs no library, like the tutorial's worker.
  ECHO_WORKER = <<~'RUBY'
    require "json"
    read = ->(var, flag) do
      path = ENV[var].to_s.empty? ? nil : ENV[var]
      index = ARGV.index(flag)
      path ||= ARGV[index + 1] if index
      path && File.exist?(path) ? File.read(path) : nil
    end
    payload_text = read.call("PAYLOAD_FILE", "-payload")
    payload = payload_text && !payload_text.empty? ? JSON.parse(payload_text) : nil
    config = read.call("CONFIG_FILE", "-config")
    $stdout.puts "started"
    $stdout.flush
    sleep(payload["sleep"]) if payload.is_a?(Hash) && payload["sleep"]
    $stderr.puts "to stderr"
    $stdout.puts "MAGICALSTDOUTSEPARATOR#{JSON.generate("payload" => payload, "config" => config)}MAGICALSTDOUTSEPARATOR"
    exit(payload["exit"]) if payload.is_a?(Hash) && payload["exit"]
  RUBY

  # The local server, started once for the whole run.
  class Server
    attr_reader :url, :host, :port

    def initialize
      unless File.executable?(SERVER_BIN)
        abort "test: #{SERVER_BIN} is missing; run `cargo build -p iron-worker-cli` first"
      end

      @dir = Dir.mktmpdir("iron-worker-rb-test-")
      @log = File.join(@dir, "server.log")
      @pid = Process.spawn(SERVER_BIN, "serve", "--host", "127.0.0.1", "--port", "0",
                           "--data-dir", File.join(@dir, "data"), "--token", TOKEN,
                           out: @log, err: [:child, :out])
      wait_until_listening
    end

    def stop
      return unless @pid

      Process.kill("TERM", @pid)
      Process.wait(@pid)
    rescue Errno::ESRCH, Errno::ECHILD
      nil
    ensure
      @pid = nil
      FileUtils.rm_rf(@dir)
    end

    private

    def wait_until_listening
      600.times do
        line = File.exist?(@log) && File.foreach(@log).find { |l| l.include?("listening on") }
        if line
          @url = line[%r{http://\S+}]
          @host, port = @url.delete_prefix("http://").split(":")
          @port = Integer(port)
          return
        end
        if Process.wait(@pid, Process::WNOHANG)
          abort "test: the server exited at start:\n#{File.read(@log)}"
        end
        sleep 0.1
      end
      abort "test: the server printed no 'listening on' line within 60 s:\n#{File.read(@log)}"
    end
  end

  # Started once, by the main thread, when this file is loaded (see the end of the file).
  def self.server
    @server
  end

  def self.start_server
    @server ||= Server.new
  end

  # Options for IronWorker.new that reach the local server.
  def self.options(**overrides)
    { token: TOKEN, project_id: PROJECT_ID, host: server.host, port: server.port,
      protocol: "http" }.merge(overrides)
  end

  def self.worker
    ECHO_LOCK.synchronize { @worker ||= IronWorker.new(**options) }
  end

  # The name of the echo worker's code package, uploaded once.
  def self.echo_code
    ECHO_LOCK.synchronize { @echo_code ||= upload_echo }
  end

  def self.upload_echo
    name = "rb-echo-#{SecureRandom.hex(4)}"
    Dir.mktmpdir do |dir|
      File.write(File.join(dir, "echo.rb"), ECHO_WORKER)
      worker.upload(dir, "echo.rb", name)
    end
    name
  end

  # Writes config.ini for the local server, as the tutorial driver does.
  def self.write_config_ini(path, token: TOKEN)
    File.write(path, <<~INI)
      [iron_worker]
      token = #{token}
      project_id = #{PROJECT_ID}
      host = #{server.host}
      port = #{server.port}
      protocol = http
    INI
  end
end

TestSupport.start_server
Minitest.after_run { TestSupport.server.stop }

# Helpers mixed into every test class.
module IronWorkerTestHelpers
  def worker
    TestSupport.worker
  end

  def echo_code
    TestSupport.echo_code
  end

  # Runs the block in a fresh temporary directory (the current directory is restored).
  def in_tmpdir(&block)
    Dir.mktmpdir("iron-worker-rb-") { |dir| Dir.chdir(dir, &block) }
  end

  # Queues the echo worker and returns its task id.
  def post_echo(payload = nil, **options)
    worker.postTask(echo_code, payload, **options)["tasks"][0]["id"]
  end

  # What the echo worker printed between the markers: {"payload" => ..., "config" => ...}.
  def echoed(task_id)
    details = worker.waitFor(task_id, max_wait_time: 60)
    assert_equal "complete", details["status"], "task #{task_id}: #{details.inspect}"
    log = worker.getLog(task_id)
    JSON.parse(log.split(TestSupport::MARK)[1])
  end

  # Entries of a zip, via unzip(1).
  def zip_entries(path)
    out, status = Open3.capture2e("unzip", "-Z1", path)
    assert status.success?, out
    out.lines.map(&:chomp).sort
  end

  # Runs a Ruby script in a subprocess with the installed gem; returns [stdout+stderr, status].
  def run_ruby(*args, chdir: Dir.pwd, env: {})
    Open3.capture2e(env, RbConfig.ruby, *args, chdir: chdir)
  end

  # Enables GC.stress for the block when the suite runs in stress mode.
  def stressed
    return yield unless ENV["IRON_WORKER_GC_STRESS"] == "1"

    GC.stress = true
    begin
      yield
    ensure
      GC.stress = false
    end
  end
end

Minitest::Test.include(IronWorkerTestHelpers)
