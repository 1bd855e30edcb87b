<?php
// IDE stub of the iron_worker PHP extension: declarations only, never include it.
// Generated from the loaded extension by bindings/php/tools/stubgen.php; do not edit:
// PHP_INI_SCAN_DIR=:build/php php bindings/php/tools/stubgen.php > THIS_FILE

namespace {
    /**
     * A client of one IronWorker project, configured like the tutorial's `new IronWorker(...)`.
     *
     * ```php
     * $worker = new IronWorker("config.ini");
     * $task = $worker->postTask("FibWorker", ["max" => 10]);
     * echo $worker->getTaskDetails($task['tasks'][0]['id'])->status;
     * ```
     */
    class IronWorker
    {
        /**
         * Configures a client from a config file path or an options array, plus options.
         *
         * @param string|array|null $config path of an INI or JSON config file, or an options array
         * @param array|null $options token, project_id, host, port, protocol, api_version, timeout,
         *     upload_timeout, max_retries (they beat the file)
         * @throws \IronWorker\ConfigException when no token or project id is found
         */
        public function __construct(mixed $config = null, ?array $options = null) {}

        /**
         * Zips files (read relative to the current directory) under the folder `$base_dir` inside
         * the archive ("" = the archive root).
         *
         * @param string $base_dir folder inside the archive that the files go under
         * @param string[] $files the files to add
         * @param string $destination the zip to write (atomically)
         * @param bool $overwrite replace an existing destination
         * @return bool true when written; false when the destination exists and $overwrite is false
         * @throws \IronWorker\MissingFileException naming a file that does not exist
         */
        public static function createZip(
            string $base_dir,
            array $files,
            string $destination,
            bool $overwrite = false
        ): bool {}

        /**
         * Zips the contents of a directory, entries relative to it (the run file at the root).
         *
         * @param string $directory the directory to zip
         * @param string $destination the zip to write (atomically)
         * @param bool $overwrite replace an existing destination
         * @return bool true when written; false when the destination exists and $overwrite is false
         * @throws \IronWorker\MissingFileException when the directory does not exist
         */
        public static function zipDirectory(
            string $directory,
            string $destination,
            bool $overwrite = false
        ): bool {}

        /**
         * Inside a worker: everything the runtime passed, as an array: task_id, dir, payload,
         * config, schedule_id, payload_file, config_file, environment (absent ones are null).
         *
         * Payload and config are decoded as arrays, like the runner's getArgs().
         *
         * @return array
         */
        public static function getArgs(): mixed {}

        /**
         * Inside a worker: the task's payload, decoded like json_decode (objects by default).
         *
         * @param bool $assoc return JSON objects as arrays instead of stdClass
         * @return mixed null when the task has no payload
         */
        public static function getPayload(bool $assoc = false): mixed {}

        /**
         * Inside a worker: the code's config, decoded like json_decode (objects by default).
         *
         * @param bool $assoc return JSON objects as arrays instead of stdClass
         * @return mixed null when the code has no config
         */
        public static function getConfig(bool $assoc = false): mixed {}

        /**
         * Uploads a zip as code `$name`, run with `$runFilename` (a path inside the zip).
         *
         * A PHP worker gets a runner in the uploaded copy so it can call getPayload(), getArgs()
         * and getConfig() without this extension; your zip is not modified.
         *
         * @param string $runFilename the file to run, inside the zip
         * @param string $zipFilename the zip to upload
         * @param string $name the code's name
         * @param array|null $options runtime, stack, config, max_concurrency, retries,
         *     retries_delay, default_priority, env_vars
         * @return \IronWorker\Result id, msg, status_code, ...
         */
        public function postCode(
            string $runFilename,
            string $zipFilename,
            string $name,
            ?array $options = null
        ): mixed {}

        /**
         * Zips a directory and uploads it as code `$name` (zipDirectory + postCode).
         *
         * @param string $directory the directory holding the worker
         * @param string $runFilename the file to run, relative to the directory
         * @param string $name the code's name
         * @param array|null $options as for postCode
         * @return \IronWorker\Result as postCode
         */
        public function upload(
            string $directory,
            string $runFilename,
            string $name,
            ?array $options = null
        ): mixed {}

        /**
         * Lists code packages.
         *
         * @param int|null $page 0-based page
         * @param int|null $per_page items per page (at most 100)
         * @return \IronWorker\Result[]
         */
        public function getCodes(?int $page = null, ?int $per_page = null): mixed {}

        /**
         * One code package.
         *
         * @return \IronWorker\Result
         */
        public function getCodeDetails(string $code_id): mixed {}

        /**
         * Deletes a code package.
         *
         * @return \IronWorker\Result
         */
        public function deleteCode(string $code_id): mixed {}

        /**
         * Lists the revisions of a code package.
         *
         * @return \IronWorker\Result[]
         */
        public function getCodeRevisions(
            string $code_id,
            ?int $page = null,
            ?int $per_page = null
        ): mixed {}

        /**
         * Downloads a code package (the latest revision unless `$revision` is given).
         *
         * @param int|null $revision the revision number
         * @param string|null $destination write the zip there (atomically) instead of returning it
         * @return string the zip's bytes, or the destination path when one is given
         */
        public function downloadCode(
            string $code_id,
            ?int $revision = null,
            ?string $destination = null
        ): mixed {}

        /**
         * Stops dispatching the queued tasks of a code package.
         *
         * @return \IronWorker\Result
         */
        public function pauseTaskQueue(string $code_id): mixed {}

        /**
         * Resumes dispatching the queued tasks of a code package.
         *
         * @return \IronWorker\Result
         */
        public function resumeTaskQueue(string $code_id): mixed {}

        /**
         * Cancels every queued task of a code package.
         *
         * @return \IronWorker\Result
         */
        public function cancelAllTasks(string $code_id): mixed {}

        /**
         * Queues a task of code `$name`; the task id is `$task['tasks'][0]['id']`.
         *
         * @param string $name the code's name
         * @param mixed $payload any JSON value (arrays, stdClass, JsonSerializable, scalars)
         * @param array|null $options priority, timeout, delay, cluster, label
         * @return \IronWorker\Result the whole answer: msg, tasks
         */
        public function postTask(
            string $name,
            mixed $payload = null,
            ?array $options = null
        ): mixed {}

        /**
         * Queues one task per payload in one request; the ids come back in order.
         *
         * @param string $name the code's name
         * @param array $payloads a list of JSON values
         * @param array|null $options as for postTask, applied to every task
         * @return \IronWorker\Result the whole answer: msg, tasks
         */
        public function postTasks(string $name, array $payloads, ?array $options = null): mixed {}

        /**
         * Lists tasks, newest first.
         *
         * @param array|null $options page, per_page, code_name, status (string or list),
         *     from_time, to_time, label, cluster, or a flag per status (queued => true, ...)
         * @return \IronWorker\Result[]
         */
        public function getTasks(?array $options = null): mixed {}

        /**
         * One task: status, code_name, start_time, ...
         *
         * @return \IronWorker\Result
         */
        public function getTaskDetails(string $task_id): mixed {}

        /**
         * The task's log (stdout and stderr).
         *
         * @param string|null $destination stream the log into that file (atomically) instead of
         *   returning it, so a log of any size costs no memory
         * @return string the log, or the destination path when one is given
         * @throws \IronWorker\NotFoundException when the task has no log yet
         */
        public function getLog(string $task_id, ?string $destination = null): string {}

        /**
         * The task's stdout alone.
         */
        public function getStdout(string $task_id): string {}

        /**
         * Cancels a task.
         *
         * @return \IronWorker\Result
         */
        public function cancelTask(string $task_id): mixed {}

        /**
         * Queues a new task like a finished one.
         *
         * @param int|null $delay seconds to wait before running
         * @return \IronWorker\Result as postTask
         */
        public function retryTask(string $task_id, ?int $delay = null): mixed {}

        /**
         * Sets a task's progress.
         *
         * @param int|null $percent 0 to 100
         * @param string|null $msg a short message
         * @return \IronWorker\Result
         */
        public function setTaskProgress(
            string $task_id,
            ?int $percent = null,
            ?string $msg = null
        ): mixed {}

        /**
         * Waits until the task ends (complete, error, cancelled, killed, timeout) and returns it.
         *
         * @param int|float|null $sleep first pause between polls, in seconds (it grows)
         * @param int|float|null $max_wait_time give up after this many seconds (null or 0:
         *     the task's timeout plus a margin)
         * @return \IronWorker\Result the task's details
         * @throws \IronWorker\TimeoutException when the wait is over
         */
        public function waitFor(
            string $task_id,
            mixed $sleep = null,
            mixed $max_wait_time = null
        ): mixed {}

        /**
         * Schedules code `$name`; the schedule id is `$schedule['schedules'][0]['id']`.
         *
         * @param mixed $payload any JSON value
         * @param array|null $options start_at, delay, run_every, end_at, run_times, priority,
         *     timeout, cluster, label (times: RFC 3339, Unix seconds or DateTimeInterface)
         * @return \IronWorker\Result the whole answer: msg, schedules
         */
        public function postSchedule(
            string $name,
            mixed $payload = null,
            ?array $options = null
        ): mixed {}

        /**
         * Schedules one run of code `$name` in `$delay` seconds.
         *
         * @param mixed $payload any JSON value
         * @param int $delay seconds from now
         * @return \IronWorker\Result as postSchedule
         */
        public function postScheduleSimple(
            string $name,
            mixed $payload = null,
            int $delay = 1
        ): mixed {}

        /**
         * Schedules code `$name` from `$start_at`, optionally repeating.
         *
         * @param mixed $payload any JSON value
         * @param string|int|\DateTimeInterface $start_at first run (RFC 3339, Unix seconds or a date)
         * @param int|null $run_every seconds between runs (at least 60)
         * @param string|int|\DateTimeInterface|null $end_at no runs after this time
         * @param int|null $run_times at most this many runs
         * @param int|null $priority 0, 1 or 2
         * @return \IronWorker\Result as postSchedule
         */
        public function postScheduleAdvanced(
            string $name,
            mixed $payload,
            mixed $start_at,
            ?int $run_every = null,
            mixed $end_at = null,
            ?int $run_times = null,
            ?int $priority = null
        ): mixed {}

        /**
         * Lists schedules.
         *
         * @param int|null $page 0-based page
         * @param int|null $per_page items per page (at most 100)
         * @return \IronWorker\Result[]
         */
        public function getSchedules(?int $page = null, ?int $per_page = null): mixed {}

        /**
         * One schedule.
         *
         * @return \IronWorker\Result
         */
        public function getSchedule(string $schedule_id): mixed {}

        /**
         * Cancels a schedule.
         *
         * @return \IronWorker\Result
         */
        public function cancelSchedule(string $schedule_id): mixed {}

        /**
         * The project: id, name, ...
         *
         * @return \IronWorker\Result
         */
        public function getProjectDetails(): mixed {}
    }
}

namespace IronWorker {
    /**
     * Base of every error the IronWorker client raises.
     */
    class Exception extends \Exception
    {
    }

    /**
     * The configuration is missing or malformed (no token or project id, bad file, bad value).
     */
    class ConfigException extends \IronWorker\Exception
    {
    }

    /**
     * Building or inspecting a code package failed.
     */
    class PackagingException extends \IronWorker\Exception
    {
    }

    /**
     * A file or directory given to createZip, zipDirectory, postCode or upload does not exist.
     */
    class MissingFileException extends \IronWorker\PackagingException
    {
        /**
         * @param string $message the full message, naming the file
         * @param string $path the path as it was given
         */
        public function __construct(
            string $message = "",
            string $path = "",
            ?\Throwable $previous = null
        ) {}

        /**
         * The missing path, as it was given.
         */
        public function getPath(): string {}
    }

    /**
     * The server answered with an error status; getCode() is that status.
     */
    class HttpException extends \IronWorker\Exception
    {
        /**
         * @param string $message the full message (status, method, path and the server's message)
         * @param int $status the HTTP status, also given as the exception code
         * @param string $serverMessage the server's own message (its JSON "msg")
         */
        public function __construct(
            string $message = "",
            int $status = 0,
            string $serverMessage = "",
            ?\Throwable $previous = null
        ) {}

        /**
         * The HTTP status (the same as getCode()).
         */
        public function getStatus(): int {}

        /**
         * The server's own message, without the status, method and path.
         */
        public function getServerMessage(): string {}
    }

    /**
     * HTTP 401: the token is wrong or not valid for this project.
     */
    class UnauthorizedException extends \IronWorker\HttpException
    {
    }

    /**
     * HTTP 404: no such task, code, schedule or project (or no log yet).
     */
    class NotFoundException extends \IronWorker\HttpException
    {
    }

    /**
     * HTTP 503: the service is busy; raised once the client's retries are spent.
     */
    class ServiceUnavailableException extends \IronWorker\HttpException
    {
    }

    /**
     * A request, or waitFor, did not finish in time.
     */
    class TimeoutException extends \IronWorker\Exception
    {
    }

    /**
     * The server could not be reached or the connection broke.
     */
    class NetworkException extends \IronWorker\Exception
    {
    }

    /**
     * An argument or option has a wrong name or value (the message names it).
     */
    class InvalidArgumentException extends \IronWorker\Exception
    {
    }

    /**
     * A JSON object the server sent, usable as $result->status and $result['status'].
     *
     * Nested objects are Results too and JSON lists are PHP arrays. count(), foreach, print_r,
     * var_dump and json_encode see the object's fields.
     */
    class Result extends \ArrayObject implements \JsonSerializable
    {
        /**
         * @param array|object $fields the object's fields
         */
        public function __construct(object|array $fields = []) {}

        /**
         * The fields as a JSON object, even when there are none.
         */
        public function jsonSerialize(): mixed {}

        /**
         * The fields as plain PHP arrays, nested Results included.
         */
        public function toArray(): array {}

        /**
         * The fields alone, for var_dump and print_r.
         */
        public function __debugInfo(): array {}
    }
}
