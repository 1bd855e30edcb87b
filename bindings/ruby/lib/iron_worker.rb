# frozen_string_literal: true

require_relative "iron_worker/version"
require_relative "iron_worker/errors"
require "iron_worker/iron_worker" # the Rust extension (iron_worker.so)

# A client of one IronWorker project, with the API of the "Your First Worker" tutorial.
#
# Every method exists under its tutorial name (`postTask`) and a snake_case alias
# (`post_task`). Arguments can be given positionally, in the order shown, or as keywords of
# the same names: `worker.postTask("FibWorker", {"max" => 10})` and
# `worker.postTask(name: "FibWorker", payload: {"max" => 10})` are the same call. Options
# (such as `priority: 1`) are keywords.
#
# Payloads are Hashes, Arrays, Strings, Integers, Floats, true, false or nil (Symbol keys
# and values become Strings); anything else raises `TypeError` naming the argument. Answers
# keep every field the server sent: Hashes with String keys, Arrays and Strings.
#
# Network calls and archive builds release the GVL, so other threads keep running. Errors
# are {IronWorker::Error} and its subclasses.
#
# @example The tutorial
#   worker = IronWorker.new("config.ini")
#   IronWorker.createZip("", ["fibonacci.rb"], "fibonacci.zip", true)
#   worker.postCode("fibonacci.rb", "fibonacci.zip", "FibWorker")
#   task = worker.postTask("FibWorker", {"max" => 10})
#   task_id = task["tasks"][0]["id"]
#   worker.waitFor(task_id)["status"] # => "complete"
#   worker.getLog(task_id)
#
# @!method initialize(config = nil, **options)
#   Configures the client. Options beat the config file, which beats `./iron.json` /
#   `./iron.ini`, `IRON_WORKER_*` and `IRON_*` variables, `~/.iron.json` / `~/.iron.ini`
#   and the defaults (https://worker-aws-us-east-1.iron.io:443, API version 2).
#   @param config [String, Pathname, Hash, nil] a config file (INI with an `[iron_worker]`
#     section, or JSON), or a Hash of options
#   @option options [String] :token the API token (never shown in errors or `inspect`)
#   @option options [String] :project_id the project id
#   @option options [String] :host API host
#   @option options [Integer] :port API port
#   @option options [String] :protocol `"https"` or `"http"` (alias `scheme`)
#   @option options [String, Integer] :api_version API version (alias `version`)
#   @option options [Numeric] :timeout seconds allowed for a request
#   @option options [Numeric] :upload_timeout seconds allowed for a code upload or download
#   @option options [Integer] :max_retries retries of a 503/504 or a failed connection
#   @raise [ConfigError] no token or project_id, or an unreadable config file
#
# @!method postCode(runFilename, zipFilename, name, **options)
#   Uploads a zip as code package `name`, run with `runFilename` (a path inside the zip).
#   @param runFilename [String] the file the worker runs; its extension gives the runtime
#   @param zipFilename [String, Pathname] the zip to upload (it is never modified)
#   @param name [String] the code name, used by {#postTask}
#   @option options [String] :runtime `python`, `php`, `ruby`, `node`, `sh`, `binary`
#   @option options [String, Hash] :config text given to every task (`CONFIG_FILE`)
#   @option options [Integer] :max_concurrency tasks of this code that may run at once
#   @option options [Integer] :retries automatic retries of a failed task (0-10)
#   @option options [Integer] :retries_delay seconds before each automatic retry
#   @option options [Integer] :default_priority priority of tasks queued without one
#   @option options [Hash] :env_vars environment variables of the worker
#   @option options [String] :stack stack (hosted service only)
#   @return [Hash] the server's answer: `"id"`, `"msg"`, `"status_code"`, ...
#   @raise [MissingFileError] the zip does not exist
#
# @!method upload(directory, runFilename, name, **options)
#   Zips `directory` (entries relative to it) and uploads it, like {#postCode}.
#   @return [Hash] the server's answer
#
# @!method getCodes(page = nil, per_page = nil)
#   @return [Array<Hash>] the project's code packages
#
# @!method getCodeDetails(code_id)
#   @return [Hash] one code package
#
# @!method deleteCode(code_id)
#   @return [Hash] the server's answer
#
# @!method getCodeRevisions(code_id, page = nil, per_page = nil)
#   @return [Array<Hash>] the revisions of a code package
#
# @!method downloadCode(code_id, revision = nil, destination = nil)
#   Downloads a code package (the latest revision unless `revision` is given).
#   @return [String] the zip as a binary String or, with `destination`, the path written
#     (atomically)
#
# @!method pauseTaskQueue(code_id)
#   Stops dispatching the queued tasks of a code package.
#   @return [Hash] the server's answer
#
# @!method resumeTaskQueue(code_id)
#   Resumes dispatching the queued tasks of a code package.
#   @return [Hash] the server's answer
#
# @!method cancelAllTasks(code_id)
#   Cancels every queued task of a code package.
#   @return [Hash] the server's answer
#
# @!method postTask(name, payload = nil, **options)
#   Queues one task of code `name`.
#   @param payload [Hash, Array, String, Numeric, Boolean, nil] given to the worker as JSON
#   @option options [Integer] :priority 0 (default), 1 or 2
#   @option options [Integer] :timeout seconds before the task is killed (default 3600)
#   @option options [Integer] :delay seconds to wait before running
#   @option options [String] :cluster cluster name
#   @option options [String] :label free-text label
#   @return [Hash] the whole answer: `task["tasks"][0]["id"]` is the task id
#
# @!method postTasks(name, payloads, **options)
#   Queues one task per payload in one request.
#   @param payloads [Array] the payloads
#   @return [Hash] the whole answer, one id per payload, in order
#
# @!method getTasks(**filter)
#   Lists tasks, newest first.
#   @option filter [Integer] :page 0-based page
#   @option filter [Integer] :per_page items per page (max 100)
#   @option filter [String] :code_name only tasks of this code
#   @option filter [String, Array<String>] :status only tasks in these statuses
#   @option filter [Time, Integer] :from_time created at or after (Unix seconds)
#   @option filter [Time, Integer] :to_time created at or before (Unix seconds)
#   @option filter [Boolean] :queued also `running`, `complete`, `error`, ... as flags
#   @return [Array<Hash>] the tasks
#
# @!method getTaskDetails(task_id)
#   @return [Hash] the task (`"status"` is `"queued"`, `"running"`, `"complete"`, ...)
#
# @!method getLog(task_id, destination = nil)
#   @return [String] the task's log (stdout and stderr) or, with `destination`, the path of
#     the file it was streamed into (atomically; any size, no memory held)
#   @raise [NotFoundError] the task does not exist or has no log yet
#
# @!method getStdout(task_id)
#   @return [String] the task's stdout alone
#
# @!method cancelTask(task_id)
#   @return [Hash] the server's answer
#
# @!method retryTask(task_id, delay = nil)
#   Queues a new task like a finished one, after `delay` seconds.
#   @return [Hash] the whole answer, as {#postTask}
#
# @!method setTaskProgress(task_id, percent = nil, msg = nil)
#   @param percent [Integer, nil] 0-100
#   @param msg [String, nil] a progress message
#   @return [Hash] the server's answer
#
# @!method waitFor(task_id, sleep = nil, max_wait_time = nil)
#   Polls the task until it has ended (`complete`, `error`, `cancelled`, `killed`,
#   `timeout`). An interrupt stops the wait at once with Ruby's own exception
#   (`Timeout.timeout`, `Thread#raise`, `Thread#kill`, Ctrl-C's `Interrupt`); a `trap`
#   handler that raises nothing lets it go on.
#   @param sleep [Numeric, nil] first pause between polls, in seconds
#   @param max_wait_time [Numeric, nil] give up after this many seconds (nil or 0: the
#     task's timeout plus a margin)
#   @return [Hash] the task's details
#   @raise [TimeoutError] the task was still running after `max_wait_time`
#
# @!method postSchedule(name, payload = nil, **options)
#   Schedules code `name`. Times may be Time objects, RFC 3339 strings or Unix seconds.
#   @option options [Time, String, Integer] :start_at first run
#   @option options [Integer] :delay seconds from now to the first run
#   @option options [Integer] :run_every seconds between runs (>= 60)
#   @option options [Time, String, Integer] :end_at no runs after this time
#   @option options [Integer] :run_times maximum number of runs
#   @option options [Integer] :priority priority of the queued tasks
#   @option options [Integer] :timeout timeout of the queued tasks
#   @option options [String] :cluster cluster name
#   @option options [String] :label free-text label
#   @return [Hash] the whole answer: `["schedules"][0]["id"]` is the schedule id
#
# @!method postScheduleSimple(name, payload = nil, delay = 1)
#   Schedules one run of code `name` after `delay` seconds.
#   @return [Hash] as {#postSchedule}
#
# @!method postScheduleAdvanced(name, payload, start_at, run_every = nil, end_at = nil, run_times = nil, priority = nil)
#   Schedules runs of code `name` from `start_at`.
#   @param start_at [Time, String, Integer] first run
#   @param end_at [Time, String, Integer, nil] no runs after this time
#   @return [Hash] as {#postSchedule}
#
# @!method getSchedules(page = nil, per_page = nil)
#   @return [Array<Hash>] the project's schedules
#
# @!method getSchedule(schedule_id)
#   @return [Hash] one schedule
#
# @!method cancelSchedule(schedule_id)
#   @return [Hash] the server's answer
#
# @!method getProjectDetails
#   @return [Hash] the project (`"id"`, `"name"`, ...)
#
# @!method self.createZip(base_dir, files, destination, overwrite = false)
#   Zips `files` (read relative to the current directory) under the folder `base_dir`
#   inside the archive (`""`: the archive root). The archive is deterministic and written
#   to a temporary file first, so no half-written zip ever exists.
#   @param base_dir [String] folder inside the archive
#   @param files [Array<String, Pathname>] the files to zip
#   @param destination [String, Pathname] the zip to write
#   @param overwrite [Boolean] replace an existing destination
#   @return [Boolean] true if written; false (touching nothing) if `destination` exists and
#     `overwrite` is false
#   @raise [MissingFileError] an input file does not exist ({Error#path} names it)
#
# @!method self.zipDirectory(directory, destination, overwrite = false)
#   Zips the contents of `directory`, entries relative to it (the run file sits at the
#   root of the archive).
#   @return [Boolean] as {.createZip}
#
# @!method self.getArgs
#   What the runtime told this worker process (inside a task).
#   @return [Hash] `"task_id"`, `"dir"`, `"payload"`, `"config"`, `"schedule_id"`,
#     `"environment"`, `"payload_file"`, `"config_file"`
#
# @!method self.getPayload
#   The task's payload (from `PAYLOAD_FILE` or the `-payload` flag), parsed as JSON.
#   @return [Object, nil] the payload, or nil without one
#
# @!method self.getConfig
#   The code's config (from `CONFIG_FILE` or the `-config` flag), parsed as JSON.
#   @return [Object, nil] the config, or nil if unset
class IronWorker
  # Class methods also answer on instances, as the tutorial's static methods do.
  %i[createZip create_zip zipDirectory zip_directory getArgs get_args getPayload get_payload
     getConfig get_config].each do |name|
    define_method(name) { |*args, **options| self.class.public_send(name, *args, **options) }
  end
end

# The snake_case aliases, defined by the extension (listed here for YARD).
# @!parse
#   class IronWorker
#     class << self
#       alias_method :create_zip, :createZip
#       alias_method :zip_directory, :zipDirectory
#       alias_method :get_args, :getArgs
#       alias_method :get_payload, :getPayload
#       alias_method :get_config, :getConfig
#     end
#     alias_method :post_code, :postCode
#     alias_method :get_codes, :getCodes
#     alias_method :get_code_details, :getCodeDetails
#     alias_method :delete_code, :deleteCode
#     alias_method :get_code_revisions, :getCodeRevisions
#     alias_method :download_code, :downloadCode
#     alias_method :pause_task_queue, :pauseTaskQueue
#     alias_method :resume_task_queue, :resumeTaskQueue
#     alias_method :cancel_all_tasks, :cancelAllTasks
#     alias_method :post_task, :postTask
#     alias_method :post_tasks, :postTasks
#     alias_method :get_tasks, :getTasks
#     alias_method :get_task_details, :getTaskDetails
#     alias_method :get_log, :getLog
#     alias_method :get_stdout, :getStdout
#     alias_method :cancel_task, :cancelTask
#     alias_method :retry_task, :retryTask
#     alias_method :set_task_progress, :setTaskProgress
#     alias_method :wait_for, :waitFor
#     alias_method :post_schedule, :postSchedule
#     alias_method :post_schedule_simple, :postScheduleSimple
#     alias_method :post_schedule_advanced, :postScheduleAdvanced
#     alias_method :get_schedules, :getSchedules
#     alias_method :get_schedule, :getSchedule
#     alias_method :cancel_schedule, :cancelSchedule
#     alias_method :get_project_details, :getProjectDetails
#   end
