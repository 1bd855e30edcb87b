//! Python values <-> JSON values (`serde_json::Value`), the only currency of the core.
//!
//! Going in, only what JSON can say is accepted (dict with str keys, list, tuple, str, int,
//! float, bool, None); anything else is a `TypeError` naming the argument and the place inside
//! it, e.g. `payload['items'][2]: cannot send a set as JSON`. Coming out, objects become dicts
//! (in the server's key order), arrays lists, and numbers int or float.

use std::fmt::Write as _;

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
