# frozen_string_literal: true

require_relative "helper"

# getArgs / getPayload / getConfig read the runtime contract (environment, then flags).
class TestWorkerSide < Minitest::Test
  SCRIPT = <<~'RUBY'
    require "iron_worker"
    require "json"
    puts JSON.generate("payload" => IronWorker.getPayload, "config" => IronWorker.get_config,
                       "args" => IronWorker.getArgs)
  RUBY

  def run_worker(*flags, env: {})
    File.write("worker.rb", SCRIPT)
    clean = %w[PAYLOAD_FILE CONFIG_FILE TASK_ID TASK_DIR].to_h { |key| [key, nil] }
    out, status = run_ruby("worker.rb", *flags, env: clean.merge(env))
    assert status.success?, out
    JSON.parse(out.lines.last)
  end

  def test_environment_variables
    in_tmpdir do
      File.write("payload.json", '{"max": 7}')
      File.write("config.json", '{"db": "x"}')
      result = run_worker(env: { "PAYLOAD_FILE" => "payload.json", "CONFIG_FILE" => "config.json",
                                 "TASK_ID" => "task-1", "TASK_DIR" => Dir.pwd })
      assert_equal({ "max" => 7 }, result["payload"])
      assert_equal({ "db" => "x" }, result["config"])
      assert_equal "task-1", result["args"]["task_id"]
    end
  end

  def test_flags_as_the_zip_era_runtime_passes_them
    in_tmpdir do
      File.write("p.json", '[1, 2]')
      result = run_worker("-id", "task-2", "-d", Dir.pwd, "-e", "production",
                          "-payload", "p.json", "-schedule_id", "sched-1")
      assert_equal [1, 2], result["payload"]
      assert_nil result["config"]
      assert_equal "task-2", result["args"]["task_id"]
      assert_equal "production", result["args"]["environment"]
      assert_equal "sched-1", result["args"]["schedule_id"]
    end
  end

  def test_no_payload
    in_tmpdir do
      result = run_worker
      assert_nil result["payload"]
      assert_nil result["config"]
    end
  end

  def test_unreadable_payload_file_is_an_error
    in_tmpdir do
      code = 'require "iron_worker"; begin; IronWorker.getPayload; rescue IronWorker::Error => e; ' \
             'puts e.class; end'
      out, = run_ruby("-e", code, env: { "PAYLOAD_FILE" => "missing.json" })
      assert_match(/IronWorker::\w*Error/, out)
    end
  end

  def test_no_arguments_accepted
    assert_raises(ArgumentError) { IronWorker.getPayload(true) }
  end
end
