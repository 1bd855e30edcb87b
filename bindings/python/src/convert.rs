//! Python values <-> JSON values (`serde_json::Value`), the only currency of the core.
//!
//! Going in, only what JSON can say is accepted (dict with str keys, list, tuple, str, int,
//! float, bool, None); anything else is a `TypeError` naming the argument and the place inside
//! it, e.g. `payload['items'][2]: cannot send a set as JSON`. Coming out, objects become dicts
//! (in the server's key order), arrays lists, and numbers int or float.
//!
//! Single arguments (ids, paths, flags, ints) are checked here too, so that a wrong type is a
//! `TypeError` naming the argument on every Python version: pyo3 names it only in a PEP 678
//! note, which Python < 3.11 cannot show.

use std::fmt::Write as _;
use std::path::PathBuf;

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Number, Value};

/// Deepest nesting accepted going in; deeper is almost always a structure that contains itself,
/// and recursing further would risk the interpreter's stack.
const MAX_DEPTH: usize = 200;

/// One step into a nested value, for error messages.
enum Step {
    Key(String),
    Index(usize),
}

/// Where a value sits: the argument's name and the steps into it.
struct Location<'a> {
    argument: &'a str,
    steps: Vec<Step>,
}

impl Location<'_> {
    fn describe(&self) -> String {
        let mut out = self.argument.to_string();
        for step in &self.steps {
            // Writing to a String cannot fail.
            let _ = match step {
                // Python's spelling, so the location can be pasted back into code.
                Step::Key(key) => write!(
                    out,
                    "['{}']",
                    key.replace('\\', "\\\\").replace('\'', "\\'")
                ),
                Step::Index(index) => write!(out, "[{index}]"),
            };
        }
        out
    }
}

/// Whether `datetime.datetime` values are accepted (schedule times) or refused (payloads).
#[derive(Clone, Copy, PartialEq)]
enum Datetimes {
    ToRfc3339,
    Refuse,
}

/// Converts a payload (or any JSON data) given for `argument`.
pub(crate) fn to_value(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<Value> {
    let mut location = Location {
        argument,
        steps: Vec::new(),
    };
    convert(obj, &mut location, Datetimes::Refuse)
}

/// Converts an option value: JSON data, or a `datetime` (sent as RFC 3339, UTC).
pub(crate) fn option_value(obj: &Bound<'_, PyAny>, argument: &str) -> PyResult<Value> {
    let mut location = Location {
        argument,
        steps: Vec::new(),
    };
    convert(obj, &mut location, Datetimes::ToRfc3339)
}

// ---- single arguments ---------------------------------------------------------------

/// A number or a numeric string, for configuration values such as `port`.
pub(crate) fn number_or_str(
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
) -> PyResult<Option<Value>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let accepted = value.is_instance_of::<PyInt>()
        || value.is_instance_of::<PyFloat>()
        || value.is_instance_of::<PyString>();
    if !accepted || value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a number or a str, not {}",
            type_name(value)
        )));
    }
    Ok(Some(option_value(value, name)?))
}

/// The type name of a value, for messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_string())
}

/// A str argument.
pub(crate) fn text(value: &Bound<'_, PyAny>, name: &str) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{name} must be a str, not {}",
            type_name(value)
        ))),
    }
}

/// A path argument: a str or an os.PathLike.
pub(crate) fn path(value: &Bound<'_, PyAny>, name: &str) -> PyResult<PathBuf> {
    value.extract::<PathBuf>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name} must be a str or os.PathLike, not {}",
            type_name(value)
        ))
    })
}

/// A list (or other sequence) of paths; a single str is refused rather than split into
/// characters.
pub(crate) fn paths(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<PathBuf>> {
    if value.is_instance_of::<PyString>() || value.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a list of file names, not a single {} (write [{}])",
            type_name(value),
            value.repr()?
        )));
    }
    let items = value.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name} must be a list of file names, not {}",
            type_name(value)
        ))
    })?;
    items
        .enumerate()
        .map(|(i, item)| path(&item?, &format!("{name}[{i}]")))
        .collect()
}

/// A bool argument, False when not given (True/False only: `overwrite="no"` is refused).
pub(crate) fn flag(value: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<bool> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(false);
    };
    match value.cast::<PyBool>() {
        Ok(b) => Ok(b.is_true()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{name} must be True or False, not {}",
            type_name(value)
        ))),
    }
}

/// An optional int argument of the range of `T`.
pub(crate) fn integer<T>(value: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<T>>
where
    T: for<'a, 'py> FromPyObject<'a, 'py>,
{
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if !value.is_instance_of::<PyInt>() || value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be an int, not {}",
            type_name(value)
        )));
    }
    value.extract::<T>().map(Some).map_err(|_| {
        PyValueError::new_err(format!(
            "{name} is out of range: {}",
            value.repr().map(|r| r.to_string()).unwrap_or_default()
        ))
    })
}

/// Converts optional `**options` into the map the core's `from_map` parsers take.
pub(crate) fn kwargs_map(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Map<String, Value>> {
    let mut map = Map::new();
    if let Some(kwargs) = kwargs {
        for (key, value) in kwargs.iter() {
            let key: String = key.extract()?;
            let value = option_value(&value, &key)?;
            map.insert(key, value);
        }
    }
    Ok(map)
}

/// Builds an options map from named arguments, leaving out the ones that are `None`.
pub(crate) fn named_map(
    pairs: &[(&str, Option<&Bound<'_, PyAny>>)],
) -> PyResult<Map<String, Value>> {
    let mut map = Map::new();
    for (name, value) in pairs {
        if let Some(value) = value {
            map.insert((*name).to_string(), option_value(value, name)?);
        }
    }
    Ok(map)
}

fn convert(obj: &Bound<'_, PyAny>, at: &mut Location<'_>, dt: Datetimes) -> PyResult<Value> {
    if at.steps.len() > MAX_DEPTH {
        return Err(PyValueError::new_err(format!(
            "{}: nested more than {MAX_DEPTH} levels deep (does it contain itself?)",
            at.describe()
        )));
    }

    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return int_value(obj, at);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let number = Number::from_f64(f.value()).ok_or_else(|| {
            PyValueError::new_err(format!("{}: {} cannot be sent as JSON", at.describe(), f))
        })?;
        return Ok(Value::Number(number));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        return dict_value(dict, at, dt);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (index, item) in obj.try_iter()?.enumerate() {
            at.steps.push(Step::Index(index));
            let value = convert(&item?, at, dt);
            at.steps.pop();
            items.push(value?);
        }
        return Ok(Value::Array(items));
    }
    if dt == Datetimes::ToRfc3339 && is_datetime(obj)? {
        return datetime_value(obj);
    }

    let what = if obj.is_instance_of::<PyBytes>() {
        "bytes (decode them to str first)".to_string()
    } else {
        format!("a {}", obj.get_type().name()?)
    };
    Err(PyTypeError::new_err(format!(
        "{}: cannot send {what} as JSON (expected dict, list, tuple, str, int, float, bool or None)",
        at.describe()
    )))
}

fn int_value(obj: &Bound<'_, PyAny>, at: &Location<'_>) -> PyResult<Value> {
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::from(i));
    }
    if let Ok(u) = obj.extract::<u64>() {
        return Ok(Value::from(u));
    }
    Err(PyOverflowError::new_err(format!(
        "{}: the integer {} does not fit in 64 bits, the range of JSON numbers here",
        at.describe(),
        obj
    )))
}

fn dict_value(dict: &Bound<'_, PyDict>, at: &mut Location<'_>, dt: Datetimes) -> PyResult<Value> {
    let mut map = Map::new();
    for (key, item) in dict.iter() {
        let key = match key.cast::<PyString>() {
            Ok(key) => key.to_cow()?.into_owned(),
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "{}: dict keys must be str, not {}",
                    at.describe(),
                    key.get_type().name()?
                )));
            }
        };

        at.steps.push(Step::Key(key.clone()));
        let value = convert(&item, at, dt);
        at.steps.pop();
        map.insert(key, value?);
    }
    Ok(Value::Object(map))
}

fn is_datetime(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let class = DATETIME.import(obj.py(), "datetime", "datetime")?;
    obj.is_instance(class)
}

/// A `datetime` as RFC 3339 in UTC; a naive one is taken as local time, as Python does.
fn datetime_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = obj.py();
    let utc = UTC.import(py, "datetime", "timezone")?.getattr("utc")?;

    let kwargs = PyDict::new(py);
    kwargs.set_item("timespec", "seconds")?;
    let text: String = obj
        .call_method1("astimezone", (utc,))?
        .call_method("isoformat", (), Some(&kwargs))?
        .extract()?;
    Ok(Value::String(text))
}

/// Converts a JSON value from the core into Python objects.
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
