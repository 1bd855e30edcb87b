# frozen_string_literal: true

require_relative "helper"

# Tasks: queue, list, details, logs, cancel, retry, progress, waitFor.
class TestTasks < Minitest::Test
  def test_post_task_positional_as_in_the_tutorial
    task = worker.postTask(echo_code, { "max" => 10 })
    assert_equal 1, task["tasks"].length
    task_id = task["tasks"][0]["id"]
    assert_match(/\A\h{24}\z/, task_id)
    assert_equal({ "max" => 10 }, echoed(task_id)["payload"])
  end

  def test_post_task_keywords_snake_case_and_options
    task = worker.post_task(name: echo_code, payload: { "max" => 5 }, priority: 1, timeout: 120,
                            label: "rb-label")
    task_id = task["tasks"][0]["id"]
    details = worker.get_task_details(task_id: task_id)
    assert_equal 1, details["priority"]
    assert_equal 120, details["timeout"]
    assert_equal({ "max" => 5 }, echoed(task_id)["payload"])
  end

  def test_post_task_without_payload
    task_id = worker.postTask(echo_code)["tasks"][0]["id"]
    assert_includes [nil, {}], echoed(task_id)["payload"]
  end

  def test_post_task_errors
    assert_raises(IronWorker::NotFoundError) { worker.postTask("no-such-code-#{SecureRandom.hex(3)}") }
    error = assert_raises(IronWorker::Error) { worker.postTask(echo_code, nil, priority: 7) }
    assert_includes error.message, "priority"
    error = assert_raises(IronWorker::Error) { worker.postTask(echo_code, nil, prority: 1) }
    assert_includes error.message, "prority"
    error = assert_raises(ArgumentError) { worker.postTask(echo_code, name: echo_code) }
    assert_includes error.message, "name"
    error = assert_raises(ArgumentError) { worker.postTask(payload: {}) }
    assert_includes error.message, "missing argument: name"
    error = assert_raises(TypeError) { worker.postTask(42) }
    assert_includes error.message, "name must be a String, not Integer"
  end

  def test_post_tasks_gives_ids_in_order
    answer = worker.postTasks(echo_code, [{ "n" => 1 }, { "n" => 2 }, { "n" => 3 }])
    ids = answer["tasks"].map { |task| task["id"] }
    assert_equal 3, ids.length
    assert_equal [1, 2, 3], ids.map { |id| echoed(id)["payload"]["n"] }

    answer = worker.post_tasks(name: echo_code, payloads: [{ "n" => 4 }], priority: 2)
    assert_equal 1, answer["tasks"].length
    assert_raises(TypeError) { worker.postTasks(echo_code, { "n" => 1 }) }
  end

  def test_get_tasks_with_filters
    task_id = post_echo({ "filter" => true }, label: "rb-filter")
    worker.waitFor(task_id)

    tasks = worker.getTasks(code_name: echo_code)
    assert_kind_of Array, tasks
    assert(tasks.any? { |task| task["id"] == task_id })
    assert(worker.get_tasks(code_name: echo_code, status: "complete").all? { |t| t["status"] == "complete" })
    assert_kind_of Array, worker.getTasks(code_name: echo_code, status: %w[complete error])
    assert_kind_of Array, worker.getTasks(code_name: echo_code, complete: true, per_page: 5, page: 0)
    recent = worker.getTasks(code_name: echo_code, from_time: Time.now - 3600)
    assert(recent.any? { |task| task["id"] == task_id })
    assert_empty worker.getTasks(code_name: echo_code, to_time: Time.at(0))
    assert_raises(IronWorker::Error) { worker.getTasks(status: "sleeping") }
  end

  def test_logs
    task_id = post_echo({ "log" => 1 })
    worker.waitFor(task_id)
    log = worker.getLog(task_id)
    assert_equal Encoding::UTF_8, log.encoding
    assert_includes log, "started"
    assert_includes log, "to stderr"
    stdout = worker.get_stdout(task_id: task_id)
    assert_includes stdout, "started"
    refute_includes stdout, "to stderr"
    assert_equal log, worker.get_log(task_id: task_id)
  end

  def test_get_log_with_a_destination_streams_it_into_the_file
    task_id = post_echo({ "log" => 1 })
    worker.waitFor(task_id)
    log = worker.getLog(task_id)
    in_tmpdir do
      assert_equal "task.log", worker.getLog(task_id, "task.log")
      assert_equal "kw.log", worker.get_log(task_id: task_id, destination: "kw.log")
      assert_equal log, File.read("task.log", encoding: "UTF-8")
      assert_equal log, File.read("kw.log", encoding: "UTF-8")
      assert_raises(IronWorker::NotFoundError) { worker.getLog("0123456789abcdef01234567", "gone.log") }
      assert_equal %w[kw.log task.log], Dir.children(".").sort
    end
  end

  def test_failed_task_status
    task_id = post_echo({ "exit" => 3 })
    assert_equal "error", worker.waitFor(task_id)["status"]
  end

  def test_cancel_a_delayed_task
    task_id = post_echo({ "never" => true }, delay: 600)
    assert_equal "queued", worker.getTaskDetails(task_id)["status"]
    assert_kind_of Hash, worker.cancelTask(task_id)
    assert_equal "cancelled", worker.getTaskDetails(task_id)["status"]

    other = post_echo({ "never" => true }, delay: 600)
    worker.cancel_task(task_id: other)
    assert_equal "cancelled", worker.getTaskDetails(other)["status"]

    error = assert_raises(IronWorker::HTTPError) { worker.cancelTask(task_id) }
    assert_equal 400, error.status
    assert_includes error.msg, "already ended"
  end

  def test_retry_task
    task_id = post_echo({ "retry" => 1 })
    worker.waitFor(task_id)
    retried = worker.retryTask(task_id)
    new_id = retried["tasks"][0]["id"]
    refute_equal task_id, new_id
    assert_equal({ "retry" => 1 }, echoed(new_id)["payload"])
    assert_kind_of Hash, worker.retry_task(task_id: task_id, delay: 0)
    assert_raises(TypeError) { worker.retryTask(task_id, "soon") }
  end

  def test_set_task_progress
    task_id = post_echo({ "sleep" => 2 })
    sleep 0.1 until worker.getTaskDetails(task_id)["status"] == "running"
    assert_kind_of Hash, worker.setTaskProgress(task_id, 50, "half way")
    details = worker.getTaskDetails(task_id)
    assert_equal 50, details["percent"]
    assert_equal "half way", details["msg"]
    assert_kind_of Hash, worker.set_task_progress(task_id: task_id, percent: 75)
    worker.waitFor(task_id)
  end

  def test_wait_for_forms_and_timeout
    task_id = post_echo({ "sleep" => 3 })
    error = assert_raises(IronWorker::TimeoutError) { worker.waitFor(task_id, 0.1, 0.5) }
    assert_kind_of IronWorker::Error, error
    done = worker.wait_for(task_id: task_id, sleep: 0.2, max_wait_time: 60)
    assert_equal "complete", done["status"]
    assert_equal "complete", worker.waitFor(task_id)["status"]
  end

  def test_unknown_task_is_not_found
    missing = SecureRandom.hex(12)
    %i[getTaskDetails getLog getStdout cancelTask].each do |name|
      error = assert_raises(IronWorker::NotFoundError, name.to_s) { worker.public_send(name, missing) }
      assert_equal 404, error.status
      assert_kind_of IronWorker::HTTPError, error
    end
  end
end
