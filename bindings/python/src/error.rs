//! The one place where core errors become Python exceptions.
//!
//! The classes live in `iron_worker/exceptions.py` (so their hierarchy, with builtin bases like
//! `FileNotFoundError`, is plain Python); this file picks the class from the core's
//! [`ErrorKind`] and HTTP status and fills in `status`, `msg` and `path`. The message is the
//! core's `Display` text, which never contains the token.

use iron_worker::{Error, ErrorKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The module that defines the exception classes.
const EXCEPTIONS_MODULE: &str = "iron_worker.exceptions";

/// The name of the Python class for a core error.
fn class_name(err: &Error) -> &'static str {
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
        ErrorKind::Timeout => "RequestTimeoutError",
        ErrorKind::Connection => "NetworkError",
        ErrorKind::InvalidArgument => "InvalidArgumentError",
        // Io, Decode and any kind added later.
        _ => "IronWorkerError",
    }
}

/// Converts a core error into the matching `iron_worker` exception.
pub(crate) fn to_py_err(err: Error) -> PyErr {
    Python::attach(|py| match build(py, &err) {
        Ok(exception) => exception,
        // Only reachable if the package is broken (exceptions.py missing): say so, with the
        // original message.
        Err(import_error) => PyRuntimeError::new_err(format!(
            "{err} (and the iron_worker exception classes could not be loaded: {import_error})"
        )),
    })
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let class = py.import(EXCEPTIONS_MODULE)?.getattr(class_name(err))?;

    let kwargs = PyDict::new(py);
    if let Some(status) = err.status() {
        kwargs.set_item("status", status)?;
    }
    if let Some(msg) = err.server_message() {
        kwargs.set_item("msg", msg)?;
    }
    if let Some(path) = err.path() {
        kwargs.set_item("path", path.to_string_lossy())?;
    }

    let exception = class.call((err.to_string(),), Some(&kwargs))?;
    Ok(PyErr::from_value(exception))
}

/// `.into_py()` on core results, for the `?` in the binding's methods.
pub(crate) trait IntoPyResult<T> {
    /// Maps the error to its Python exception.
    fn into_py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for iron_worker::Result<T> {
    fn into_py(self) -> PyResult<T> {
        self.map_err(to_py_err)
    }
}
