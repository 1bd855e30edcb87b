//! Class methods of `IronWorker`: packaging (`createZip`, `zipDirectory`) and the worker side
//! (`getArgs`, `getPayload`, `getConfig`).

use std::path::Path;

use iron_worker::package;
use iron_worker::worker::TaskContext;
use magnus::value::ReprValue;
use magnus::{Error, Ruby, Value};

use crate::args::{bind, opt, req, Kind, Signature};
use crate::{convert, error, nogvl};

/// `IronWorker.createZip(base_dir, files, destination, overwrite = false)`: zips `files`
/// (read relative to the current directory) under the folder `base_dir` inside the archive.
///
/// Returns `false`, touching nothing, when `destination` exists and `overwrite` is false.
pub fn create_zip(ruby: &Ruby, args: &[Value]) -> Result<bool, Error> {
    static SIG: Signature = Signature {
        method: "createZip",
        params: &[
            req("base_dir", Kind::Path),
            req("files", Kind::PathList),
            req("destination", Kind::Path),
            opt("overwrite", Kind::Bool),
        ],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let base_dir = bound.string(ruby, 0)?;
    let files = bound.list(ruby, 1)?;
    let destination = bound.string(ruby, 2)?;
    let overwrite = bound.flag(ruby, 3, false)?;

    nogvl::run(ruby, || {
        package::create_zip(&base_dir, &files, Path::new(&destination), overwrite)
    })
}

/// `IronWorker.zipDirectory(directory, destination, overwrite = false)`: zips the contents of
/// `directory`, entries relative to it.
pub fn zip_directory(ruby: &Ruby, args: &[Value]) -> Result<bool, Error> {
    static SIG: Signature = Signature {
        method: "zipDirectory",
        params: &[
            req("directory", Kind::Path),
            req("destination", Kind::Path),
            opt("overwrite", Kind::Bool),
        ],
        options: None,
    };
    let bound = bind(ruby, &SIG, args)?;
    let directory = bound.string(ruby, 0)?;
    let destination = bound.string(ruby, 1)?;
    let overwrite = bound.flag(ruby, 2, false)?;

    nogvl::run(ruby, || {
        package::zip_directory(Path::new(&directory), Path::new(&destination), overwrite)
    })
}

/// Reads the runtime contract of the current process and converts one part of it.
fn from_task(
    ruby: &Ruby,
    args: &[Value],
    sig: &Signature,
    read: impl FnOnce(&TaskContext) -> iron_worker::Result<Option<serde_json::Value>>,
) -> Result<Value, Error> {
    bind(ruby, sig, args)?;
    let json = error::guard(ruby, || read(&TaskContext::from_process()))?;
    match json {
        Some(json) => convert::to_ruby(ruby, &json),
        None => Ok(ruby.qnil().as_value()),
    }
}

/// `IronWorker.getArgs`: task id, directory, payload, config, ... as a Hash.
pub fn get_args(ruby: &Ruby, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "getArgs",
        params: &[],
        options: None,
    };
    from_task(ruby, args, &SIG, |context| context.args().map(Some))
}

/// `IronWorker.getPayload`: the task's payload, parsed, or nil.
pub fn get_payload(ruby: &Ruby, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "getPayload",
        params: &[],
        options: None,
    };
    from_task(ruby, args, &SIG, TaskContext::payload)
}

/// `IronWorker.getConfig`: the code's config, parsed, or nil.
pub fn get_config(ruby: &Ruby, args: &[Value]) -> Result<Value, Error> {
    static SIG: Signature = Signature {
        method: "getConfig",
        params: &[],
        options: None,
    };
    from_task(ruby, args, &SIG, TaskContext::config)
}
