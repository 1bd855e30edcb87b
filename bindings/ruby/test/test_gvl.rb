# frozen_string_literal: true

require_relative "helper"

# The GVL is released during network calls and archive builds: other Ruby threads run.
class TestGvl < Minitest::Test
  # Counts in another thread while the block runs; returns how often it counted meanwhile.
  def count_during
    count = 0
    running = true
    counter = Thread.new do
      while running
        count += 1
        Thread.pass
      end
    end
    sleep 0.05 until count.positive?
    before = count
    yield
    during = count - before
    running = false
    counter.join
    during
  end

  def test_other_threads_run_during_wait_for
    task_id = post_echo({ "sleep" => 1 })
    ticks = count_during { assert_equal "complete", worker.waitFor(task_id)["status"] }
    assert_operator ticks, :>, 100, "the counting thread barely ran: the GVL was held"
  end

  def test_other_threads_run_during_an_archive_build
    in_tmpdir do
      File.binwrite("big.bin", Random.new(7).bytes(8 * 1024 * 1024))
      ticks = count_during { assert IronWorker.createZip("", ["big.bin"], "big.zip", true) }
      assert_operator ticks, :>, 100, "the counting thread barely ran: the GVL was held"
    end
  end

  def test_calls_from_several_threads_share_one_client
    ids = Array.new(4) { |i| Thread.new { post_echo({ "t" => i }) } }.map(&:value)
    statuses = ids.map { |id| Thread.new { worker.waitFor(id)["status"] } }.map(&:value)
    assert_equal ["complete"] * 4, statuses
  end

  def test_a_forked_child_can_use_the_parents_client
    worker.getProjectDetails # the parent has used its connection pool
    reader, writer = IO.pipe
    pid = fork do
      reader.close
      writer.write(worker.getProjectDetails["id"])
    rescue StandardError => e
      writer.write(e.inspect)
    ensure
      writer.close
      exit!(0) # no at_exit handlers (minitest, the server fixture) in the child
    end
    writer.close
    child_answer = reader.read
    Process.wait(pid)
    assert_equal TestSupport::PROJECT_ID, child_answer
    assert_equal TestSupport::PROJECT_ID, worker.getProjectDetails["id"]
  end
end
