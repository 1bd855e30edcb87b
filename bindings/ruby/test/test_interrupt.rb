# frozen_string_literal: true

require_relative "helper"
require "timeout"

# Ruby's interrupts stop waitFor while the task it waits for is still running: Timeout.timeout,
# Thread#raise, Thread#kill and Ctrl-C, each with Ruby's own exception. A trap handler that
# raises nothing lets the wait go on. Nothing here measures time: each test shows that waitFor
# came back (and how) while the task was still going, or that the wait survived.
class TestInterrupt < Minitest::Test
  PENDING = %w[queued preparing running].freeze

  # Raised into a waiting thread by Thread#raise.
  class StopWaiting < StandardError; end

  # The script of the Ctrl-C and trap tests; ARGV: options as JSON, the task id, a mode.
  CHILD = <<~'RUBY'
    require "json"
    require "iron_worker"

    options, task_id, mode = JSON.parse(ARGV[0], symbolize_names: true), ARGV[1], ARGV[2]
    worker = IronWorker.new(**options)
    trap("USR1") { puts "handled" } if mode == "trap"
    $stdout.sync = true

    puts "waiting"
    begin
      details = worker.waitFor(task_id)
      puts "returned #{details["status"]}"
    rescue Interrupt => e
      puts "interrupted in #{e.backtrace.first}"
      puts "still #{worker.getTaskDetails(task_id)["status"]}"
    end
  RUBY

  def setup
    @tasks = []
  end

  def teardown
    @tasks.each { |id| worker.cancelTask(id) if PENDING.include?(status(id)) }
  end

  # A task of the echo worker that sleeps `seconds`; cancelled after the test.
  def sleeping_task(seconds = 30)
    post_echo({ "sleep" => seconds }).tap { |id| @tasks << id }
  end

  def status(task_id)
    worker.getTaskDetails(task_id)["status"]
  end

  def test_timeout_stops_wait_for_with_timeout_error
    task_id = sleeping_task

    error = assert_raises(Timeout::Error) { Timeout.timeout(0.5) { worker.waitFor(task_id) } }

    assert_includes PENDING, status(task_id), "the task ended before the wait did"
    assert_match(/waitFor/, error.backtrace.join("\n"))
  end

  def test_thread_raise_stops_wait_for_with_that_exception
    task_id = sleeping_task
    waiting = Queue.new
    thread = Thread.new do
      waiting << true
      worker.waitFor(task_id)
      :returned
    rescue StopWaiting => e
      e
    end
    waiting.pop
    sleep 0.3 # not a measurement: lets the thread get into waitFor before the raise
    thread.raise(StopWaiting, "stop waiting")

    error = thread.value
    assert_instance_of StopWaiting, error
    assert_equal "stop waiting", error.message
    assert_match(/waitFor/, error.backtrace.first)
    assert_includes PENDING, status(task_id)
  end

  def test_thread_kill_ends_a_waiting_thread
    task_id = sleeping_task
    thread = Thread.new { worker.waitFor(task_id) }
    sleep 0.3 # not a measurement: lets the thread get into waitFor before the kill

    thread.kill
    thread.join

    refute thread.alive?
    assert_includes PENDING, status(task_id)
  end

  def test_the_client_works_after_an_interrupted_wait
    task_id = sleeping_task
    assert_raises(Timeout::Error) { Timeout.timeout(0.3) { worker.waitFor(task_id) } }

    assert_includes PENDING, worker.getTaskDetails(task_id)["status"]
    worker.cancelTask(task_id)
    assert_equal "cancelled", worker.waitFor(task_id)["status"]
  end

  # Starts CHILD; returns [pid, stdout reader] once the child says it is about to wait.
  def start_child(task_id, mode, dir)
    script = File.join(dir, "child.rb")
    File.write(script, CHILD)
    reader, writer = IO.pipe
    options = JSON.generate(TestSupport.options)
    pid = Process.spawn(RbConfig.ruby, script, options, task_id, mode, out: writer, err: writer)
    writer.close
    assert_equal "waiting\n", reader.gets
    sleep 0.5 # not a measurement: lets the child get into waitFor before the signal
    [pid, reader]
  end

  # The child's output once it has ended, and its exit status.
  def finish_child(pid, reader)
    out = reader.read
    reader.close
    _, status = Process.wait2(pid)
    [out, status]
  end

  def test_ctrl_c_stops_wait_for_with_interrupt
    task_id = sleeping_task
    Dir.mktmpdir("iron-worker-rb-") do |dir|
      pid, reader = start_child(task_id, "default", dir)
      Process.kill("INT", pid)
      out, status = finish_child(pid, reader)

      assert status.success?, out
      assert_match(/^interrupted in .*waitFor/, out)
      assert_match(/^still (queued|preparing|running)$/, out)
      refute_match(/^returned/, out)
    end
  end

  def test_a_trap_handler_that_raises_nothing_lets_the_wait_go_on
    task_id = sleeping_task(3)
    Dir.mktmpdir("iron-worker-rb-") do |dir|
      pid, reader = start_child(task_id, "trap", dir)
      Process.kill("USR1", pid)
      out, status = finish_child(pid, reader)

      assert status.success?, out
      assert_equal ["handled", "returned complete"], out.lines.map(&:chomp)
    end
  end
end
