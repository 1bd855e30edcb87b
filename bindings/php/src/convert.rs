//! Conversion between PHP values and the core's JSON values.
//!
//! PHP to JSON follows `json_encode` (a list array is a JSON array, any other array an
//! object), plus two conveniences: a `DateTimeInterface` becomes its RFC 3339 text and a
//! `JsonSerializable` becomes what its `jsonSerialize()` returns. Anything else (resources,
//! closures, other objects, NaN) is a `TypeError` or `ValueError` naming the argument and
//! where inside it the value sits.
//!
//! JSON to PHP: an object becomes an `IronWorker\Result` (an `ArrayObject` reachable both as
//! `$x->key` and `$x['key']`) and a list becomes a PHP array. The worker-side helpers decode
//! with PHP's own `json_decode` instead, so that they return exactly what a worker written
//! without this extension would get.

use std::fmt;

use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::{PhpException, PhpResult};
use ext_php_rs::types::{ZendHashTable, ZendObject, Zval};
use ext_php_rs::zend::{ce, ClassEntry, ExecutorGlobals};
use serde_json::{Map, Number, Value};

/// Name of the PHP class a JSON object becomes (declared in `php/prelude.php`).
const RESULT_CLASS: &str = "IronWorker\\Result";

/// How deep a PHP value may nest; deeper is almost surely a reference cycle.
const MAX_DEPTH: usize = 256;

/// `DATE_RFC3339`, the format API.md promises for times given as `DateTimeInterface`.
const RFC3339_FORMAT: &str = "Y-m-d\\TH:i:sP";

/// Which argument of which method a value came from, for error messages.
#[derive(Clone, Copy)]
pub(crate) struct Arg {
    /// `IronWorker::postTask` and so on.
    pub(crate) method: &'static str,
    /// 1-based position, as PHP counts.
    pub(crate) position: u8,
    /// Parameter name without `$`.
    pub(crate) name: &'static str,
}

impl Arg {
    /// Names argument `position` (`$name`) of `method`.
    pub(crate) const fn new(method: &'static str, position: u8, name: &'static str) -> Self {
        Arg {
            method,
            position,
            name,
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}(): Argument #{} (${})",
            self.method, self.position, self.name
        )
    }
}

/// A `TypeError` about `arg`.
pub(crate) fn type_error(arg: &Arg, what: impl fmt::Display) -> PhpException {
    PhpException::new(format!("{arg} {what}"), 0, ce::type_error())
}

/// A `ValueError` about `arg`.
pub(crate) fn value_error(arg: &Arg, what: impl fmt::Display) -> PhpException {
    PhpException::new(format!("{arg} {what}"), 0, ce::value_error())
}

// ---- PHP to JSON -----------------------------------------------------------------------------

/// Converts any JSON-encodable PHP value given as `arg`.
pub(crate) fn to_json(zval: &Zval, arg: &Arg) -> PhpResult<Value> {
    Encoder { arg }.value(zval, &mut Vec::new())
}

/// Converts an options array (string keys) given as `arg`; `null` is no options.
pub(crate) fn to_options(
    table: Option<&ZendHashTable>,
    arg: &Arg,
) -> PhpResult<Map<String, Value>> {
    let Some(table) = table else {
        return Ok(Map::new());
    };

    let encoder = Encoder { arg };
    let mut map = Map::new();
    let mut iter = table.iter();
    while let Some((key, value)) = iter.next_zval() {
        let Some(key) = key.str() else {
            return Err(type_error(
                arg,
                format!(
                    "must have option names as keys, found the key {}",
                    key_text(&key)
                ),
            ));
        };
        let mut path = vec![format!("[{key:?}]")];
        map.insert(key.to_owned(), encoder.value(value, &mut path)?);
    }
    Ok(map)
}

/// Converts a list of strings (file names) given as `arg`.
pub(crate) fn to_strings(table: &ZendHashTable, arg: &Arg) -> PhpResult<Vec<String>> {
    let mut strings = Vec::with_capacity(table.len());
    let mut iter = table.iter();
    while let Some((key, value)) = iter.next_zval() {
        let Some(text) = value.dereference().str() else {
            return Err(type_error(
                arg,
                format!(
                    "must hold only strings, found {} at [{}]",
                    type_name(value),
                    key_text(&key)
                ),
            ));
        };
        strings.push(text.to_owned());
    }
    Ok(strings)
}

/// Walks a PHP value, building JSON; `path` tracks where we are for error messages.
struct Encoder<'a> {
    arg: &'a Arg,
}

impl Encoder<'_> {
    fn value(&self, zval: &Zval, path: &mut Vec<String>) -> PhpResult<Value> {
        let zval = zval.dereference();
        let zval = zval.indirect().unwrap_or(zval);

        if path.len() > MAX_DEPTH {
            return Err(self.bad_value(path, "nests too deeply (a reference cycle?)"));
        }
        if zval.is_null() {
            return Ok(Value::Null);
        }
        if let Some(flag) = zval.bool() {
            return Ok(Value::Bool(flag));
        }
        if let Some(number) = zval.long() {
            return Ok(Value::from(number));
        }
        if let Some(number) = zval.double() {
            return Number::from_f64(number)
                .map(Value::Number)
                .ok_or_else(|| self.bad_value(path, "is NAN or INF, which JSON cannot hold"));
        }
        if let Some(text) = zval.zend_str() {
            return match text.as_str() {
                Ok(text) => Ok(Value::String(text.to_owned())),
                Err(_) => Err(self.bad_value(path, "is a string that is not valid UTF-8")),
            };
        }
        if let Some(table) = zval.array() {
            return self.array(table, path);
        }
        if let Some(object) = zval.object() {
            return self.object(object, path);
        }
        Err(self.bad_type(path, zval))
    }

    fn array(&self, table: &ZendHashTable, path: &mut Vec<String>) -> PhpResult<Value> {
        if table.has_sequential_keys() {
            let mut list = Vec::with_capacity(table.len());
            for (index, value) in table.values().enumerate() {
                path.push(format!("[{index}]"));
                list.push(self.value(value, path)?);
                path.pop();
            }
            return Ok(Value::Array(list));
        }
        self.map(table, path).map(Value::Object)
    }

    fn map(&self, table: &ZendHashTable, path: &mut Vec<String>) -> PhpResult<Map<String, Value>> {
        let mut map = Map::new();
        let mut iter = table.iter();
        while let Some((key, value)) = iter.next_zval() {
            let key = if let Some(number) = key.long() {
                number.to_string()
            } else {
                match key.str() {
                    Some(text) => text.to_owned(),
                    None => {
                        return Err(self.bad_value(path, "has a key that is not valid UTF-8"));
                    }
                }
            };
            // An unset typed property leaves an UNDEF slot: it has no value to send.
            let value = value.indirect().unwrap_or(value);
            if value.get_type() == ext_php_rs::flags::DataType::Undef {
                continue;
            }
            path.push(format!("[{key:?}]"));
            let converted = self.value(value, path)?;
            path.pop();
            map.insert(key, converted);
        }
        Ok(map)
    }

    fn object(&self, object: &ZendObject, path: &mut Vec<String>) -> PhpResult<Value> {
        if let Some(date) = ClassEntry::try_find("DateTimeInterface") {
            if object.instance_of(date) {
                let text = object
                    .try_call_method("format", vec![&RFC3339_FORMAT])
                    .map_err(|err| self.bad_value(path, format!("cannot be formatted: {err}")))?;
                self.no_pending_exception(path, "format")?;
                return Ok(Value::String(text.string().unwrap_or_default()));
            }
        }
        if let Some(serializable) = ClassEntry::try_find("JsonSerializable") {
            if object.instance_of(serializable) && !is_result(object) {
                let data = object
                    .try_call_method("jsonSerialize", vec![])
                    .map_err(|err| self.bad_value(path, format!("jsonSerialize failed: {err}")))?;
                self.no_pending_exception(path, "jsonSerialize")?;
                path.push("->jsonSerialize()".to_owned());
                let value = self.value(&data, path)?;
                path.pop();
                return Ok(value);
            }
        }
        if let Some(array_object) = ClassEntry::try_find("ArrayObject") {
            if object.instance_of(array_object) {
                let copy = object
                    .try_call_method("getArrayCopy", vec![])
                    .map_err(|err| self.bad_value(path, format!("getArrayCopy failed: {err}")))?;
                self.no_pending_exception(path, "getArrayCopy")?;
                let Some(table) = copy.array() else {
                    return Err(self.bad_value(path, "getArrayCopy() did not give an array"));
                };
                return self.map(table, path).map(Value::Object);
            }
        }
        if object.get_class_entry() == ce::stdclass() {
            let table = object
                .get_properties()
                .map_err(|err| self.bad_value(path, format!("has unreadable properties: {err}")))?;
            return self.map(table, path).map(Value::Object);
        }
        let class = object
            .get_class_name()
            .unwrap_or_else(|_| "object".to_owned());
        Err(self.bad_path(path, format!("an object of class {class}")))
    }

    /// Stops the conversion when PHP code we called threw: that exception is what the caller
    /// sees (a pending exception wins over ours), and nothing is sent.
    fn no_pending_exception(&self, path: &[String], method: &str) -> PhpResult<()> {
        if ExecutorGlobals::has_exception() {
            return Err(self.bad_value(path, format!("threw in {method}()")));
        }
        Ok(())
    }

    fn bad_type(&self, path: &[String], zval: &Zval) -> PhpException {
        self.bad_path(path, type_name(zval))
    }

    fn bad_path(&self, path: &[String], found: impl fmt::Display) -> PhpException {
        let place = if path.is_empty() {
            String::new()
        } else {
            format!(" at {}", path_text(path))
        };
        type_error(
            self.arg,
            format!(
                "must be null, bool, int, float, string, array, stdClass, JsonSerializable or \
                 DateTimeInterface; found {found}{place}"
            ),
        )
    }

    fn bad_value(&self, path: &[String], what: impl fmt::Display) -> PhpException {
        let place = if path.is_empty() {
            "value".to_owned()
        } else {
            format!("value at {}", path_text(path))
        };
        value_error(self.arg, format!("has a {place} that {what}"))
    }
}

/// Where a value sits, e.g. `["a"][0]`; a deep path keeps its first and last steps.
fn path_text(path: &[String]) -> String {
    const SHOWN: usize = 4;
    if path.len() <= 2 * SHOWN {
        return path.concat();
    }
    format!(
        "{}...{}",
        path[..SHOWN].concat(),
        path[path.len() - SHOWN..].concat()
    )
}

/// Whether `object` is an `IronWorker\Result` (converted as a map, not through jsonSerialize).
fn is_result(object: &ZendObject) -> bool {
    ClassEntry::try_find(RESULT_CLASS).is_some_and(|result| object.instance_of(result))
}

/// PHP's name for the type of a value, as in its own TypeErrors.
pub(crate) fn type_name(zval: &Zval) -> String {
    let zval = zval.dereference();
    if let Some(object) = zval.object() {
        return object
            .get_class_name()
            .unwrap_or_else(|_| "object".to_owned());
    }
    let name = if zval.is_null() {
        "null"
    } else if zval.is_bool() {
        "bool"
    } else if zval.is_long() {
        "int"
    } else if zval.is_double() {
        "float"
    } else if zval.is_string() {
        "string"
    } else if zval.is_array() {
        "array"
    } else if zval.is_resource() {
        "resource"
    } else {
        "unknown"
    };
    name.to_owned()
}

fn key_text(key: &Zval) -> String {
    match (key.long(), key.str()) {
        (Some(number), _) => number.to_string(),
        (None, Some(text)) => format!("{text:?}"),
        (None, None) => "(not UTF-8)".to_owned(),
    }
}

// ---- JSON to PHP -----------------------------------------------------------------------------

/// Converts a JSON value from the server: objects become `IronWorker\Result`.
pub(crate) fn to_php(value: &Value) -> PhpResult<Zval> {
    let result_class = ClassEntry::try_find(RESULT_CLASS).ok_or_else(|| {
        PhpException::from_message(format!(
            "class {RESULT_CLASS} is not declared: the iron_worker extension did not start"
        ))
    })?;
    Decoder { result_class }.value(value)
}

/// Converts a JSON list answer to a PHP array (`null`, "no items", gives an empty array).
pub(crate) fn to_php_list(value: &Value) -> PhpResult<Zval> {
    match value {
        Value::Null => to_php(&Value::Array(Vec::new())),
        other => to_php(other),
    }
}

struct Decoder {
    result_class: &'static ClassEntry,
}

impl Decoder {
    fn value(&self, value: &Value) -> PhpResult<Zval> {
        let mut zval = Zval::new();
        match value {
            Value::Null => zval.set_null(),
            Value::Bool(flag) => zval.set_bool(*flag),
            Value::Number(number) => match number.as_i64() {
                Some(int) => zval.set_long(int),
                // Like json_decode: integers beyond PHP's int range become floats.
                None => zval.set_double(number.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(text) => zval.set_string(text, false).map_err(php_error)?,
            Value::Array(items) => {
                let mut table = ZendHashTable::with_capacity(len_u32(items.len()));
                for item in items {
                    table.push(self.value(item)?).map_err(php_error)?;
                }
                zval.set_hashtable(table);
            }
            Value::Object(map) => {
                return self.result(map)?.into_zval(false).map_err(php_error);
            }
        }
        Ok(zval)
    }

    fn result(&self, map: &Map<String, Value>) -> PhpResult<ZBox<ZendObject>> {
        let mut table = ZendHashTable::with_capacity(len_u32(map.len()));
        for (key, item) in map {
            table
                .insert(key.as_str(), self.value(item)?)
                .map_err(php_error)?;
        }
        let mut fields = Zval::new();
        fields.set_hashtable(table);

        let object = self.result_class.new();
        object
            .try_call_method("__construct", vec![&fields])
            .map_err(php_error)?;
        Ok(object)
    }
}

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// An engine-level failure (allocation, a NUL byte in a name) as a plain PHP Error.
pub(crate) fn php_error(err: ext_php_rs::error::Error) -> PhpException {
    PhpException::new(format!("iron_worker: {err}"), 0, ce::error())
}

/// Decodes JSON with PHP's `json_decode($json, $assoc)`, objects as `stdClass` unless `assoc`.
pub(crate) fn json_decode(value: &Value, assoc: bool) -> PhpResult<Zval> {
    let json = serde_json::to_string(value)
        .map_err(|err| PhpException::from_message(format!("iron_worker: {err}")))?;
    let decode =
        ext_php_rs::types::ZendCallable::try_from_name("json_decode").map_err(php_error)?;
    decode.try_call(vec![&json, &assoc]).map_err(php_error)
}
