//! All error translation of the binding: core errors, panics and argument errors to Ruby.
//!
//! The exception classes are declared in Ruby (`lib/iron_worker/errors.rb`), so they are
//! documented and rescuable by name; this file only looks them up and raises them.

use std::any::Any;

use iron_worker::ErrorKind;
use magnus::{prelude::*, Error, ExceptionClass, KwArgs, RClass, RHash, Ruby};

/// The `IronWorker::` class raised for a core error: by kind, and for HTTP by status.
fn class_name(err: &iron_worker::Error) -> &'static str {
    match err.kind() {
        ErrorKind::Config => "ConfigError",
        ErrorKind::Packaging => "PackagingError",
        ErrorKind::FileNotFound => "MissingFileError",
        ErrorKind::Http => match err.status() {
            Some(401) => "UnauthorizedError",
            Some(404) => "NotFoundError",
            Some(503) => "ServiceUnavailableError",
            _ => "HTTPError",
        },
        ErrorKind::Timeout => "TimeoutError",
        ErrorKind::Connection => "NetworkError",
        ErrorKind::InvalidArgument => "InvalidArgumentError",
        _ => "Error",
    }
}

/// Looks up `IronWorker::<name>`, an exception class declared in Ruby.
fn exception_class(ruby: &Ruby, name: &str) -> Result<ExceptionClass, Error> {
    let outer: RClass = ruby.class_object().const_get("IronWorker")?;
    outer.const_get(name)
}

/// Instantiates `IronWorker::<name>` with a message and the keyword attributes in `kwargs`.
///
/// Should the class be missing (the extension loaded without `lib/`), a `RuntimeError` with
/// the same message is raised instead, so the message is never lost.
fn build(ruby: &Ruby, name: &str, message: String, kwargs: RHash) -> Error {
    let class = match exception_class(ruby, name) {
        Ok(class) => class,
        Err(_) => return Error::new(ruby.exception_runtime_error(), message),
    };

    match class.new_instance((message, KwArgs(kwargs))) {
        Ok(exception) => Error::from(exception),
        Err(err) => err,
    }
}

/// Converts a core error into the matching `IronWorker::` exception.
///
/// The message is the core's `Display` text, which never contains the token. HTTP errors
/// carry `status` and `msg`; file errors carry `path`.
pub fn core(ruby: &Ruby, err: &iron_worker::Error) -> Error {
    match attributes(ruby, err) {
        Ok(kwargs) => build(ruby, class_name(err), err.to_string(), kwargs),
        Err(failure) => failure,
    }
}

/// The keyword attributes of a core error. Each Ruby value goes into the Hash as soon as it
/// is made (none is kept on the Rust heap, where the GC would not see it).
fn attributes(ruby: &Ruby, err: &iron_worker::Error) -> Result<RHash, Error> {
    let kwargs = ruby.hash_new();

    if let Some(status) = err.status() {
        kwargs.aset(ruby.to_symbol("status"), i64::from(status))?;
    }
    if let Some(msg) = err.server_message() {
        kwargs.aset(ruby.to_symbol("msg"), ruby.str_new(msg))?;
    }
    if let Some(path) = err.path() {
        kwargs.aset(
            ruby.to_symbol("path"),
            ruby.str_new(&path.to_string_lossy()),
        )?;
    }
    Ok(kwargs)
}

/// Converts a panic caught in the core into `IronWorker::Error`, so the interpreter survives.
pub fn panic(ruby: &Ruby, payload: Box<dyn Any + Send>) -> Error {
    let detail = if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_owned()
    };
    let message = format!("internal error in the iron_worker core (a bug): {detail}");
    build(ruby, "Error", message, ruby.hash_new())
}

/// `IronWorker::Error` raised by the binding itself (an object used before `initialize`).
pub fn iron_error(ruby: &Ruby, message: String) -> Error {
    build(ruby, "Error", message, ruby.hash_new())
}

/// A Ruby `TypeError`: a value of the wrong type was passed.
pub fn type_error(ruby: &Ruby, message: String) -> Error {
    Error::new(ruby.exception_type_error(), message)
}

/// A Ruby `ArgumentError`: wrong number or names of arguments, or an unusable value.
pub fn argument_error(ruby: &Ruby, message: String) -> Error {
    Error::new(ruby.exception_arg_error(), message)
}

/// A Ruby `RangeError`: an integer too large for the API.
pub fn range_error(ruby: &Ruby, message: String) -> Error {
    Error::new(ruby.exception_range_error(), message)
}

/// A Ruby `FloatDomainError`: NaN or Infinity, which JSON cannot carry.
pub fn float_domain_error(ruby: &Ruby, message: String) -> Error {
    Error::new(ruby.exception_float_domain_error(), message)
}

/// Runs a core function that does no I/O (option parsing, worker context) with the GVL held,
/// turning its error or panic into a Ruby exception.
pub fn guard<T>(ruby: &Ruby, f: impl FnOnce() -> iron_worker::Result<T>) -> Result<T, Error> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(core(ruby, &err)),
        Err(payload) => Err(panic(ruby, payload)),
    }
}
