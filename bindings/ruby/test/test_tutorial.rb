# frozen_string_literal: true

require_relative "helper"

# The tutorial scripts of examples/ruby, run unchanged as subprocesses with a generated
# config.ini (cwd = a temporary copy of examples/ruby), as scripts/tutorial.sh does.
class TestTutorial < Minitest::Test
  def script(name, *args)
    out, status = run_ruby(name, *args)
    assert status.success?, "#{name} #{args.join(" ")} failed:\n#{out}"
    out
  end

  def test_upload_run_check_and_get_log
    in_tmpdir do
      FileUtils.cp_r("#{TestSupport::EXAMPLES}/.", ".")
      TestSupport.write_config_ini("config.ini")

      assert_includes script("upload.rb"), "Upload successful."
      assert File.exist?("fibonacci.zip")

      task_id = script("run.rb", "--max=10").strip
      assert_match(/\A\h{24}\z/, task_id)

      status = nil
      120.times do
        status = script("checkTask.rb", "--task", task_id).strip
        break unless %w[queued preparing running].include?(status)

        sleep 0.5
      end
      assert_equal "complete", status

      assert_equal "[0, 1, 1, 2, 3, 5, 8]", script("getLog.rb", "--task=#{task_id}").strip

      default_id = script("run.rb").strip
      worker.waitFor(default_id)
      assert_includes script("getLog.rb", "--task", default_id), "89]"
    end
  end

  def test_the_worker_runs_locally_with_a_payload_file
    in_tmpdir do
      FileUtils.cp_r("#{TestSupport::EXAMPLES}/.", ".")
      File.write("payload.json", '{"max": 20}')
      expected = "MAGICALSTDOUTSEPARATOR[0,1,1,2,3,5,8,13]MAGICALSTDOUTSEPARATOR"
      assert_equal expected, script("fibonacci.rb", "-payload", "payload.json").strip
      assert_equal expected, script("fibonacci.rb", "-payload=payload.json").strip
    end
  end

  def test_placeholder_credentials_fail_clearly
    in_tmpdir do
      FileUtils.cp_r("#{TestSupport::EXAMPLES}/.", ".")
      File.write("config.ini", File.read("config.ini") +
                               "host = #{TestSupport.server.host}\nport = #{TestSupport.server.port}\n" \
                               "protocol = http\n")
      out, status = run_ruby("run.rb")
      refute status.success?
      assert_includes out, "IronWorker::UnauthorizedError"
    end
  end

  def test_get_log_without_task_option
    in_tmpdir do
      FileUtils.cp_r("#{TestSupport::EXAMPLES}/.", ".")
      out, status = run_ruby("getLog.rb")
      refute status.success?
      assert_includes out, "--task"
    end
  end
end
