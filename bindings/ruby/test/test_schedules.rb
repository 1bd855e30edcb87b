# frozen_string_literal: true

require_relative "helper"
require "time"

# Schedules (plain, simple, advanced) and the project.
class TestSchedules < Minitest::Test
  def schedule_id(answer)
    assert_equal 1, answer["schedules"].length
    answer["schedules"][0]["id"]
  end

  def test_post_schedule_with_time_objects
    start = Time.now + 3600
    answer = worker.postSchedule(echo_code, { "s" => 1 }, start_at: start, run_every: 3600,
                                                          run_times: 3, label: "rb-schedule")
    id = schedule_id(answer)
    details = worker.getSchedule(id)
    assert_equal echo_code, details["code_name"]
    assert_equal 3600, details["run_every"]
    assert_equal start.to_i, Time.parse(details["start_at"]).to_i

    schedules = worker.getSchedules
    assert(schedules.any? { |schedule| schedule["id"] == id })
    assert_kind_of Array, worker.get_schedules(0, 10)
    assert_kind_of Array, worker.getSchedules(page: 0, per_page: 10)

    assert_kind_of Hash, worker.cancelSchedule(id)
    assert_equal "cancelled", worker.get_schedule(schedule_id: id)["status"]
  end

  def test_post_schedule_keywords_and_snake_case
    answer = worker.post_schedule(name: echo_code, payload: { "s" => 2 }, delay: 3600,
                                  run_times: 1)
    id = schedule_id(answer)
    assert_kind_of Hash, worker.cancel_schedule(schedule_id: id)
  end

  def test_post_schedule_simple_runs_once
    id = schedule_id(worker.postScheduleSimple(echo_code, { "simple" => true }))
    task = nil
    200.times do
      task = worker.getTasks(code_name: echo_code).find { |t| t["schedule_id"] == id }
      break if task

      sleep 0.1
    end
    refute_nil task, "the schedule queued no task within 20 s"
    assert_equal({ "simple" => true }, echoed(task["id"])["payload"])

    other = schedule_id(worker.post_schedule_simple(name: echo_code, delay: 3600))
    worker.cancelSchedule(other)
  end

  def test_post_schedule_advanced
    start = Time.now + 7200
    answer = worker.postScheduleAdvanced(echo_code, nil, start, 600, start + 86_400, 5, 1)
    id = schedule_id(answer)
    details = worker.getSchedule(id)
    assert_equal 600, details["run_every"]
    assert_equal 5, details["run_times"]
    worker.cancelSchedule(id)

    rfc3339 = (Time.now.utc + 3600).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = worker.post_schedule_advanced(name: echo_code, start_at: rfc3339, run_every: 3600)
    worker.cancelSchedule(schedule_id(answer))

    answer = worker.postScheduleAdvanced(echo_code, { "x" => 1 }, Time.now.to_i + 3600)
    worker.cancelSchedule(schedule_id(answer))
  end

  def test_schedule_errors
    error = assert_raises(ArgumentError) { worker.postScheduleAdvanced(echo_code, nil) }
    assert_includes error.message, "start_at"
    error = assert_raises(IronWorker::Error) { worker.postSchedule(echo_code, nil, run_evry: 60) }
    assert_includes error.message, "run_evry"
    assert_raises(IronWorker::NotFoundError) { worker.getSchedule(SecureRandom.hex(12)) }
  end

  def test_project_details
    project = worker.getProjectDetails
    assert_equal TestSupport::PROJECT_ID, project["id"]
    assert_equal project, worker.get_project_details
    assert_raises(ArgumentError) { worker.getProjectDetails(1) }
  end
end
