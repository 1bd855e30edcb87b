//! `IronWorker` instances: one `iron_worker::Client` each, and the API's instance methods.
//!
//! Every method binds its arguments (see [`crate::args`]), converts them to Rust values,
//! releases the GVL for the network call (see [`crate::nogvl`], which also lets Ruby interrupt
//! a wait) and converts the answer back.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use iron_worker::{
    Client, CodeOptions, ConfigOptions, Page, ScheduleOptions, TaskFilter, TaskOptions, WaitOptions,
};
use magnus::value::ReprValue;
use magnus::{r_hash::ForEach, scan_args::scan_args, Error, RHash, RString, Ruby, Value};
use serde_json::{Map, Value as Json};

use crate::args::{bind, opt, req, Kind, Signature};
use crate::convert::{self, Mode, Place, TimeAs};
use crate::{error, nogvl};

/// The Ruby class `IronWorker`: a configured client of one IronWorker project.
///
/// Allocated empty (so it can be subclassed) and configured once by `#initialize`.
#[derive(Default)]
#[magnus::wrap(class = "IronWorker", free_immediately, size)]
pub struct IronWorker {
    client: OnceLock<Arc<Client>>,
}

impl IronWorker {
    /// The client, shared (not borrowed) so it outlives a call made without the GVL.
    fn client(&self, ruby: &Ruby) -> Result<Arc<Client>, Error> {
        match self.client.get() {
            Some(client) => Ok(Arc::clone(client)),
            None => Err(error::iron_error(
                ruby,
                "IronWorker#initialize was not called".into(),
            )),
        }
    }
}

/// `IronWorker.new(config = nil, **options)`: `config` is a config file path or a Hash of
/// options; keywords are options too (token, project_id, host, port, protocol, ...).
pub fn initialize(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<(), Error> {
    let scanned = scan_args::<(), (Option<Value>,), (), (), RHash, ()>(args)?;
    let (config,) = scanned.optional;
    let keywords = scanned.keywords;
    let place = Place::Root("IronWorker.new", "config");

    let mut config_file: Option<PathBuf> = None;
    let mut values = Map::new();
    if let Some(config) = config.filter(|value| !value.is_nil()) {
        if let Some(hash) = RHash::from_value(config) {
            values = convert::hash_to_json(ruby, hash, Mode::Argument(TimeAs::Rfc3339), &place, 0)?;
        } else if let Some(path) = config_path(ruby, config, &place)? {
            config_file = Some(PathBuf::from(path));
        } else {
            let msg = format!(
                "{place} must be a config file path or a Hash of options, not {}",
                convert::class_name(config)
            );
            return Err(error::type_error(ruby, msg));
        }
    }

    let keyword_place = Place::Root("IronWorker.new", "keywords");
    keywords.foreach(|key: Value, value: Value| {
        let name = convert::key_name(ruby, key, &keyword_place)?;
        if values.contains_key(&name) {
            let msg = format!("IronWorker.new: {name} is given both in the Hash and as a keyword");
            return Err(error::argument_error(ruby, msg));
        }
        let option_place = Place::Root("IronWorker.new", &name);
        let json = convert::to_json(ruby, value, Mode::Argument(TimeAs::Rfc3339), &option_place)?;
        values.insert(name, json);
        Ok(ForEach::Continue)
    })?;

    let options = error::guard(ruby, || ConfigOptions::from_map(config_file, &values))?;
    let client = error::guard(ruby, || Client::from_options(&options))?;

    if rb_self.client.set(Arc::new(client)).is_err() {
        return Err(error::iron_error(
            ruby,
            "IronWorker#initialize was already called".into(),
        ));
    }
    Ok(())
}

/// A config file path: a String or the `#to_path` of an object; `None` for other types.
fn config_path(ruby: &Ruby, value: Value, place: &Place<'_>) -> Result<Option<String>, Error> {
    if let Some(string) = RString::from_value(value) {
        return convert::string_to_json(ruby, string, place).map(Some);
    }
    if value.respond_to("to_path", false)? {
        let string: RString = value.funcall("to_path", ())?;
        return convert::string_to_json(ruby, string, place).map(Some);
    }
    Ok(None)
}

/// `#dup` / `#clone` share the original's client (it is thread-safe).
pub fn initialize_copy(ruby: &Ruby, rb_self: &IronWorker, other: &IronWorker) -> Result<(), Error> {
    let client = other.client(ruby)?;
    if rb_self.client.set(client).is_err() {
        return Err(error::iron_error(
            ruby,
            "IronWorker#initialize was already called".into(),
        ));
    }
    Ok(())
}

/// `#inspect`: the endpoint and project, never the token.
pub fn inspect(rb_self: &IronWorker) -> String {
    match rb_self.client.get() {
        Some(client) => {
            let config = client.config();
            format!(
                "#<IronWorker project_id={:?} endpoint=\"{}://{}:{}\">",
                config.project_id, config.protocol, config.host, config.port
            )
        }
        None => "#<IronWorker (not initialized)>".to_owned(),
    }
}

/// Runs `call` on the client without the GVL and converts its JSON answer to Ruby.
fn answer(
    ruby: &Ruby,
    rb_self: &IronWorker,
    call: impl FnMut(&Client) -> iron_worker::Result<Json>,
) -> Result<Value, Error> {
    let client = rb_self.client(ruby)?;
    let json = nogvl::call(ruby, &client, call)?;
    convert::to_ruby(ruby, &json)
}

/// A method taking one id and answering JSON.
fn by_id(
    ruby: &Ruby,
    rb_self: &IronWorker,
    args: &[Value],
    sig: &Signature,
    call: impl Fn(&Client, &str) -> iron_worker::Result<Json>,
) -> Result<Value, Error> {
    let bound = bind(ruby, sig, args)?;
    let id = bound.string(ruby, 0)?;
    answer(ruby, rb_self, |client| call(client, &id))
}

/// Declares the signature of a method taking a single id parameter.
const fn id_sig(method: &'static str, param: &'static [crate::args::Param]) -> Signature {
    Signature {
        method,
        params: param,
        options: None,
    }
}

const CODE_ID: &[crate::args::Param] = &[req("code_id", Kind::Str)];
const TASK_ID: &[crate::args::Param] = &[req("task_id", Kind::Str)];
const SCHEDULE_ID: &[crate::args::Param] = &[req("schedule_id", Kind::Str)];
const PAGE: Kind = Kind::Option(TimeAs::UnixSeconds);

// ---- code packages -----------------------------------------------------------------------

/// `postCode(runFilename, zipFilename, name, **options)`.
pub fn post_code(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "postCode",
        params: &[
            req("runFilename", Kind::Path),
            req("zipFilename", Kind::Path),
            req("name", Kind::Str),
        ],
        options: Some(TimeAs::Rfc3339),
    };
    let bound = bind(ruby, &SIG, args)?;
    let run_filename = bound.string(ruby, 0)?;
    let zip_filename = PathBuf::from(bound.string(ruby, 1)?);
    let name = bound.string(ruby, 2)?;
    let options = error::guard(ruby, || CodeOptions::from_map(&bound.options))?;

    answer(ruby, rb_self, |client| {
        client.post_code(&run_filename, &zip_filename, &name, &options)
    })
}

/// `upload(directory, runFilename, name, **options)`.
pub fn upload(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "upload",
        params: &[
            req("directory", Kind::Path),
            req("runFilename", Kind::Path),
            req("name", Kind::Str),
        ],
        options: Some(TimeAs::Rfc3339),
    };
    let bound = bind(ruby, &SIG, args)?;
    let directory = PathBuf::from(bound.string(ruby, 0)?);
    let run_filename = bound.string(ruby, 1)?;
    let name = bound.string(ruby, 2)?;
    let options = error::guard(ruby, || CodeOptions::from_map(&bound.options))?;

    answer(ruby, rb_self, |client| {
        client.upload(&directory, &run_filename, &name, &options)
    })
}

/// `getCodes(page = nil, per_page = nil)`.
pub fn get_codes(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "getCodes",
        params: &[opt("page", PAGE), opt("per_page", PAGE)],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let map = bound.options_with(ruby, &[(0, "page"), (1, "per_page")])?;
    let page = error::guard(ruby, || Page::from_map(&map))?;

    answer(ruby, rb_self, |client| client.get_codes(&page))
}

/// `getCodeDetails(code_id)`.
pub fn get_code_details(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = id_sig("getCodeDetails", CODE_ID);
    by_id(ruby, rb_self, args, &SIG, |client, id| {
        client.get_code_details(id)
    })
}

/// `deleteCode(code_id)`.
pub fn delete_code(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = id_sig("deleteCode", CODE_ID);
    by_id(ruby, rb_self, args, &SIG, |client, id| {
        client.delete_code(id)
    })
}

/// `getCodeRevisions(code_id, page = nil, per_page = nil)`.
pub fn get_code_revisions(
    ruby: &Ruby,
    rb_self: &IronWorker,
    args: &[Value],
) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "getCodeRevisions",
        params: &[
            req("code_id", Kind::Str),
            opt("page", PAGE),
            opt("per_page", PAGE),
        ],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let code_id = bound.string(ruby, 0)?;
    let map = bound.options_with(ruby, &[(1, "page"), (2, "per_page")])?;
    let page = error::guard(ruby, || Page::from_map(&map))?;

    answer(ruby, rb_self, |client| {
        client.get_code_revisions(&code_id, &page)
    })
}

/// `downloadCode(code_id, revision = nil, destination = nil)`: the zip as a binary String,
/// or, with `destination`, the path of the file written.
pub fn download_code(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "downloadCode",
        params: &[
            req("code_id", Kind::Str),
            opt("revision", Kind::Int),
            opt("destination", Kind::Path),
        ],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let code_id = bound.string(ruby, 0)?;
    let revision = match bound.opt_int(ruby, 1)? {
        None => None,
        Some(number) => Some(u32::try_from(number).map_err(|_| {
            let msg = format!(
                "downloadCode: revision {number} is out of range (0..{})",
                u32::MAX
            );
            error::range_error(ruby, msg)
        })?),
    };
    let destination = bound.opt_string(ruby, 2)?;
    let client = rb_self.client(ruby)?;

    match destination {
        Some(destination) => {
            nogvl::call(ruby, &client, |client| {
                client.download_code_to(&code_id, revision, Path::new(&destination))
            })?;
            Ok(ruby.str_new(&destination).as_value())
        }
        None => {
            let bytes = nogvl::call(ruby, &client, |client| {
                client.download_code(&code_id, revision)
            })?;
            Ok(ruby.str_from_slice(&bytes).as_value())
        }
    }
}

/// `pauseTaskQueue(code_id)`.
pub fn pause_task_queue(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = id_sig("pauseTaskQueue", CODE_ID);
    by_id(ruby, rb_self, args, &SIG, |client, id| {
        client.pause_task_queue(id)
    })
}

/// `resumeTaskQueue(code_id)`.
pub fn resume_task_queue(
    ruby: &Ruby,
    rb_self: &IronWorker,
    args: &[Value],
) -> Result<Value, Error> {
    static SIG: Signature = id_sig("resumeTaskQueue", CODE_ID);
    by_id(ruby, rb_self, args, &SIG, |client, id| {
        client.resume_task_queue(id)
    })
}

/// `cancelAllTasks(code_id)`.
pub fn cancel_all_tasks(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = id_sig("cancelAllTasks", CODE_ID);
    by_id(ruby, rb_self, args, &SIG, |client, id| {
        client.cancel_all_tasks(id)
    })
}

// ---- tasks -------------------------------------------------------------------------------

/// `postTask(name, payload = nil, **options)`: the whole answer (`["tasks"][0]["id"]`).
pub fn post_task(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "postTask",
        params: &[req("name", Kind::Str), opt("payload", Kind::Payload)],
        options: Some(TimeAs::Rfc3339),
    };
    let bound = bind(ruby, &SIG, args)?;
    let name = bound.string(ruby, 0)?;
    let payload = bound.json(ruby, 1)?;
    let options = error::guard(ruby, || TaskOptions::from_map(&bound.options))?;

    answer(ruby, rb_self, |client| {
        client.post_task(&name, payload.as_ref(), &options)
    })
}

/// `postTasks(name, payloads, **options)`: one task per payload, ids in order.
pub fn post_tasks(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "postTasks",
        params: &[req("name", Kind::Str), req("payloads", Kind::PayloadList)],
        options: Some(TimeAs::Rfc3339),
    };
    let bound = bind(ruby, &SIG, args)?;
    let name = bound.string(ruby, 0)?;
    let payloads = match bound.json(ruby, 1)? {
        Some(Json::Array(items)) => items,
        _ => Vec::new(),
    };
    let options = error::guard(ruby, || TaskOptions::from_map(&bound.options))?;

    answer(ruby, rb_self, |client| {
        client.post_tasks(&name, &payloads, &options)
    })
}

/// `getTasks(**filter)`: `Time` filters are sent as Unix seconds.
pub fn get_tasks(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "getTasks",
        params: &[],
        options: Some(TimeAs::UnixSeconds),
    };
    let bound = bind(ruby, &SIG, args)?;
    let filter = error::guard(ruby, || TaskFilter::from_map(&bound.options))?;

    answer(ruby, rb_self, |client| client.get_tasks(&filter))
}

/// `getTaskDetails(task_id)`.
pub fn get_task_details(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = id_sig("getTaskDetails", TASK_ID);
    by_id(ruby, rb_self, args, &SIG, |client, id| {
        client.get_task_details(id)
    })
}

/// Runs a text-returning task call (`getStdout`) and gives a UTF-8 String.
fn text(
    ruby: &Ruby,
    rb_self: &IronWorker,
    args: &[Value],
    sig: &Signature,
    call: impl Fn(&Client, &str) -> iron_worker::Result<String>,
) -> Result<Value, Error> {
    let bound = bind(ruby, sig, args)?;
    let task_id = bound.string(ruby, 0)?;
    let client = rb_self.client(ruby)?;
    let text = nogvl::call(ruby, &client, |client| call(client, &task_id))?;
    Ok(ruby.str_new(&text).as_value())
}

/// `getLog(task_id, destination = nil)`: stdout and stderr of the task as a String or, with
/// `destination`, streamed into that file (atomically) and the path returned.
pub fn get_log(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "getLog",
        params: &[req("task_id", Kind::Str), opt("destination", Kind::Path)],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let task_id = bound.string(ruby, 0)?;
    let destination = bound.opt_string(ruby, 1)?;
    let client = rb_self.client(ruby)?;

    match destination {
        Some(destination) => {
            nogvl::call(ruby, &client, |client| {
                client.get_log_to(&task_id, Path::new(&destination))
            })?;
            Ok(ruby.str_new(&destination).as_value())
        }
        None => {
            let log = nogvl::call(ruby, &client, |client| client.get_log(&task_id))?;
            Ok(ruby.str_new(&log).as_value())
        }
    }
}

/// `getStdout(task_id)`: stdout of the task alone.
pub fn get_stdout(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = id_sig("getStdout", TASK_ID);
    text(ruby, rb_self, args, &SIG, |client, id| {
        client.get_stdout(id)
    })
}

/// `cancelTask(task_id)`.
pub fn cancel_task(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = id_sig("cancelTask", TASK_ID);
    by_id(ruby, rb_self, args, &SIG, |client, id| {
        client.cancel_task(id)
    })
}

/// `retryTask(task_id, delay = nil)`.
pub fn retry_task(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "retryTask",
        params: &[req("task_id", Kind::Str), opt("delay", Kind::Int)],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let task_id = bound.string(ruby, 0)?;
    let delay = bound.opt_int(ruby, 1)?;

    answer(ruby, rb_self, |client| client.retry_task(&task_id, delay))
}

/// `setTaskProgress(task_id, percent = nil, msg = nil)`.
pub fn set_task_progress(
    ruby: &Ruby,
    rb_self: &IronWorker,
    args: &[Value],
) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "setTaskProgress",
        params: &[
            req("task_id", Kind::Str),
            opt("percent", Kind::Int),
            opt("msg", Kind::Str),
        ],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let task_id = bound.string(ruby, 0)?;
    let percent = bound.opt_int(ruby, 1)?;
    let msg = bound.opt_string(ruby, 2)?;

    answer(ruby, rb_self, |client| {
        client.set_task_progress(&task_id, percent, msg.as_deref())
    })
}

/// `waitFor(task_id, sleep = nil, max_wait_time = nil, **options)`: the task's details once
/// it has ended; `IronWorker::TimeoutError` after `max_wait_time` seconds.
pub fn wait_for(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "waitFor",
        params: &[
            req("task_id", Kind::Str),
            opt("sleep", PAGE),
            opt("max_wait_time", PAGE),
        ],
        options: Some(TimeAs::UnixSeconds),
    };
    let bound = bind(ruby, &SIG, args)?;
    let task_id = bound.string(ruby, 0)?;
    let map = bound.options_with(ruby, &[(1, "sleep"), (2, "max_wait_time")])?;
    let options = error::guard(ruby, || WaitOptions::from_map(&map))?;

    answer(ruby, rb_self, |client| client.wait_for(&task_id, &options))
}

// ---- schedules and project ---------------------------------------------------------------

/// Parses schedule options and posts the schedule.
fn schedule(
    ruby: &Ruby,
    rb_self: &IronWorker,
    name: String,
    payload: Option<Json>,
    map: &Map<String, Json>,
) -> Result<Value, Error> {
    let options = error::guard(ruby, || ScheduleOptions::from_map(map))?;
    answer(ruby, rb_self, |client| {
        client.post_schedule(&name, payload.as_ref(), &options)
    })
}

/// `postSchedule(name, payload = nil, **options)`: the whole answer
/// (`["schedules"][0]["id"]`); a `Time` is sent as RFC 3339.
pub fn post_schedule(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "postSchedule",
        params: &[req("name", Kind::Str), opt("payload", Kind::Payload)],
        options: Some(TimeAs::Rfc3339),
    };
    let bound = bind(ruby, &SIG, args)?;
    let name = bound.string(ruby, 0)?;
    let payload = bound.json(ruby, 1)?;

    schedule(ruby, rb_self, name, payload, &bound.options)
}

/// `postScheduleSimple(name, payload = nil, delay = 1)`: one run after `delay` seconds.
pub fn post_schedule_simple(
    ruby: &Ruby,
    rb_self: &IronWorker,
    args: &[Value],
) -> Result<Value, Error> {
    const SCHEDULE_TIME: Kind = Kind::Option(TimeAs::Rfc3339);
    static SIG: Signature = Signature {
        method: "postScheduleSimple",
        params: &[
            req("name", Kind::Str),
            opt("payload", Kind::Payload),
            opt("delay", SCHEDULE_TIME),
        ],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let name = bound.string(ruby, 0)?;
    let payload = bound.json(ruby, 1)?;
    let mut map = bound.options_with(ruby, &[(2, "delay")])?;
    // The documented signature's default (docs/API.md): one second from now.
    map.entry("delay").or_insert(Json::from(1));

    schedule(ruby, rb_self, name, payload, &map)
}

/// `postScheduleAdvanced(name, payload, start_at, run_every = nil, end_at = nil,
/// run_times = nil, priority = nil)`; a `Time` is sent as RFC 3339.
pub fn post_schedule_advanced(
    ruby: &Ruby,
    rb_self: &IronWorker,
    args: &[Value],
) -> Result<Value, Error> {
    const SCHEDULE_TIME: Kind = Kind::Option(TimeAs::Rfc3339);
    static SIG: Signature = Signature {
        method: "postScheduleAdvanced",
        params: &[
            req("name", Kind::Str),
            opt("payload", Kind::Payload),
            req("start_at", SCHEDULE_TIME),
            opt("run_every", SCHEDULE_TIME),
            opt("end_at", SCHEDULE_TIME),
            opt("run_times", SCHEDULE_TIME),
            opt("priority", SCHEDULE_TIME),
        ],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let name = bound.string(ruby, 0)?;
    let payload = bound.json(ruby, 1)?;
    let map = bound.options_with(
        ruby,
        &[
            (2, "start_at"),
            (3, "run_every"),
            (4, "end_at"),
            (5, "run_times"),
            (6, "priority"),
        ],
    )?;

    schedule(ruby, rb_self, name, payload, &map)
}

/// `getSchedules(page = nil, per_page = nil)`.
pub fn get_schedules(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "getSchedules",
        params: &[opt("page", PAGE), opt("per_page", PAGE)],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let map = bound.options_with(ruby, &[(0, "page"), (1, "per_page")])?;
    let page = error::guard(ruby, || Page::from_map(&map))?;

    answer(ruby, rb_self, |client| client.get_schedules(&page))
}

/// `getSchedule(schedule_id)`.
pub fn get_schedule(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = id_sig("getSchedule", SCHEDULE_ID);
    by_id(ruby, rb_self, args, &SIG, |client, id| {
        client.get_schedule(id)
    })
}

/// `cancelSchedule(schedule_id)`.
pub fn cancel_schedule(ruby: &Ruby, rb_self: &IronWorker, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = id_sig("cancelSchedule", SCHEDULE_ID);
    by_id(ruby, rb_self, args, &SIG, |client, id| {
        client.cancel_schedule(id)
    })
}

/// `getProjectDetails()`.
pub fn get_project_details(
    ruby: &Ruby,
    rb_self: &IronWorker,
    args: &[Value],
) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "getProjectDetails",
        params: &[],
        options: None,
    };
    bind(ruby, &SIG, args)?;
    answer(ruby, rb_self, |client| client.get_project_details())
}
