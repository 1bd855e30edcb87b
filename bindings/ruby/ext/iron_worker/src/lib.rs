//! Ruby binding of the `iron_worker` core: class `IronWorker` with the tutorial's API.
//!
//! The binding converts values ([`convert`], [`args`]), maps errors ([`error`]) and releases
//! the GVL during network calls and archive builds ([`nogvl`]); every rule lives in the core.
//! The public documentation (YARD) and the exception classes are in `lib/`.

use magnus::{function, method, prelude::*, Error, Ruby};

mod args;
mod client;
mod convert;
mod error;
mod nogvl;
mod statics;

use client::IronWorker;

/// Class methods, by tutorial (camelCase) name, with their snake_case alias.
const CLASS_METHODS: &[(&str, &str)] = &[
    ("createZip", "create_zip"),
    ("zipDirectory", "zip_directory"),
    ("getArgs", "get_args"),
    ("getPayload", "get_payload"),
    ("getConfig", "get_config"),
];

/// Instance methods, by tutorial (camelCase) name, with their snake_case alias.
const INSTANCE_METHODS: &[(&str, &str)] = &[
    ("postCode", "post_code"),
    ("getCodes", "get_codes"),
    ("getCodeDetails", "get_code_details"),
    ("deleteCode", "delete_code"),
    ("getCodeRevisions", "get_code_revisions"),
    ("downloadCode", "download_code"),
    ("pauseTaskQueue", "pause_task_queue"),
    ("resumeTaskQueue", "resume_task_queue"),
    ("cancelAllTasks", "cancel_all_tasks"),
    ("postTask", "post_task"),
    ("postTasks", "post_tasks"),
    ("getTasks", "get_tasks"),
    ("getTaskDetails", "get_task_details"),
    ("getLog", "get_log"),
    ("getStdout", "get_stdout"),
    ("cancelTask", "cancel_task"),
    ("retryTask", "retry_task"),
    ("setTaskProgress", "set_task_progress"),
    ("waitFor", "wait_for"),
    ("postSchedule", "post_schedule"),
    ("postScheduleSimple", "post_schedule_simple"),
    ("postScheduleAdvanced", "post_schedule_advanced"),
    ("getSchedules", "get_schedules"),
    ("getSchedule", "get_schedule"),
    ("cancelSchedule", "cancel_schedule"),
    ("getProjectDetails", "get_project_details"),
];

#[magnus::init(name = "iron_worker")]
fn init(ruby: &Ruby) -> Result<(), Error> {
    // The exception classes are declared in Ruby; make sure they exist before any call.
    ruby.require("iron_worker/errors")?;

    let class = ruby.define_class("IronWorker", ruby.class_object())?;
    class.define_alloc_func::<IronWorker>();
    class.const_set("CORE_VERSION", iron_worker::VERSION)?;

    class.define_method("initialize", method!(client::initialize, -1))?;
    class.define_method("initialize_copy", method!(client::initialize_copy, 1))?;
    class.define_method("inspect", method!(client::inspect, 0))?;

    class.define_singleton_method("createZip", function!(statics::create_zip, -1))?;
    class.define_singleton_method("zipDirectory", function!(statics::zip_directory, -1))?;
    class.define_singleton_method("getArgs", function!(statics::get_args, -1))?;
    class.define_singleton_method("getPayload", function!(statics::get_payload, -1))?;
    class.define_singleton_method("getConfig", function!(statics::get_config, -1))?;

    class.define_method("postCode", method!(client::post_code, -1))?;
    class.define_method("upload", method!(client::upload, -1))?;
    class.define_method("getCodes", method!(client::get_codes, -1))?;
    class.define_method("getCodeDetails", method!(client::get_code_details, -1))?;
    class.define_method("deleteCode", method!(client::delete_code, -1))?;
    class.define_method("getCodeRevisions", method!(client::get_code_revisions, -1))?;
    class.define_method("downloadCode", method!(client::download_code, -1))?;
    class.define_method("pauseTaskQueue", method!(client::pause_task_queue, -1))?;
    class.define_method("resumeTaskQueue", method!(client::resume_task_queue, -1))?;
    class.define_method("cancelAllTasks", method!(client::cancel_all_tasks, -1))?;

    class.define_method("postTask", method!(client::post_task, -1))?;
    class.define_method("postTasks", method!(client::post_tasks, -1))?;
    class.define_method("getTasks", method!(client::get_tasks, -1))?;
    class.define_method("getTaskDetails", method!(client::get_task_details, -1))?;
    class.define_method("getLog", method!(client::get_log, -1))?;
    class.define_method("getStdout", method!(client::get_stdout, -1))?;
    class.define_method("cancelTask", method!(client::cancel_task, -1))?;
    class.define_method("retryTask", method!(client::retry_task, -1))?;
    class.define_method("setTaskProgress", method!(client::set_task_progress, -1))?;
    class.define_method("waitFor", method!(client::wait_for, -1))?;

    class.define_method("postSchedule", method!(client::post_schedule, -1))?;
    class.define_method(
        "postScheduleSimple",
        method!(client::post_schedule_simple, -1),
    )?;
    class.define_method(
        "postScheduleAdvanced",
        method!(client::post_schedule_advanced, -1),
    )?;
    class.define_method("getSchedules", method!(client::get_schedules, -1))?;
    class.define_method("getSchedule", method!(client::get_schedule, -1))?;
    class.define_method("cancelSchedule", method!(client::cancel_schedule, -1))?;
    class.define_method(
        "getProjectDetails",
        method!(client::get_project_details, -1),
    )?;

    let singleton = class.singleton_class()?;
    for (camel, snake) in CLASS_METHODS {
        singleton.define_alias(*snake, *camel)?;
    }
    for (camel, snake) in INSTANCE_METHODS {
        class.define_alias(*snake, *camel)?;
    }

    Ok(())
}
