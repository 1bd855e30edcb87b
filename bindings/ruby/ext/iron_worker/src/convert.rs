//! Ruby values to and from JSON (`serde_json::Value`), the only currency of the core.
//!
//! Ruby to JSON is strict: `Hash` (String or Symbol keys), `Array`, `String`, `Symbol`,
//! `Integer`, `Float`, `true`, `false` and `nil`; anything else is a `TypeError` naming the
//! argument and the class. Arguments that are not payloads also take `Time` and any object
//! with `#to_path` (`Pathname`, `File`). JSON to Ruby gives `Hash` with String keys, `Array`,
//! `String`, `Integer`, `Float`, `true`, `false` and `nil`.
//!
//! No Ruby object is kept on the Rust heap: each converted child is handed to Ruby at once,
//! so the conversion is safe under `GC.stress`.

use std::fmt;

use magnus::value::ReprValue;
use magnus::{
    prelude::*, r_hash::ForEach, Error, Float, Integer, RArray, RHash, RString, Ruby, Symbol, Value,
};
use serde_json::{Map, Number, Value as Json};

use crate::error;

/// Deepest nesting accepted, as deep as the core's JSON parser reads back.
const MAX_DEPTH: usize = 128;

/// How a Ruby `Time` is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeAs {
    /// RFC 3339 text with the time's own offset (schedule times).
    Rfc3339,
    /// Whole Unix seconds (task list filters).
    UnixSeconds,
}

/// What a converted value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A payload: JSON types only.
    Payload,
    /// Any other argument or option: JSON types, plus `Time` and `#to_path` objects.
    Argument(TimeAs),
}

/// Where a value sits, for error messages: `postTask: payload["items"][2]`.
#[derive(Clone, Copy)]
pub enum Place<'a> {
    /// A named argument of a method.
    Root(&'a str, &'a str),
    /// A member of a Hash.
    Key(&'a Place<'a>, &'a str),
    /// An element of an Array.
    Index(&'a Place<'a>, usize),
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Root(method, name) => write!(f, "{method}: {name}"),
            Place::Key(parent, key) => write!(f, "{parent}[{key:?}]"),
            Place::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// The Ruby class name of a value, for error messages (`nil` for nil).
pub fn class_name(value: Value) -> String {
    if value.is_nil() {
        return "nil".to_owned();
    }
    value.class().to_string()
}

/// Converts a Ruby value to JSON.
pub fn to_json(ruby: &Ruby, value: Value, mode: Mode, place: &Place<'_>) -> Result<Json, Error> {
    to_json_at(ruby, value, mode, place, 0)
}

fn to_json_at(
    ruby: &Ruby,
    value: Value,
    mode: Mode,
    place: &Place<'_>,
    depth: usize,
) -> Result<Json, Error> {
    if depth > MAX_DEPTH {
        let msg = format!("{place}: nested more than {MAX_DEPTH} levels deep (a cycle?)");
        return Err(error::argument_error(ruby, msg));
    }

    if value.is_nil() {
        return Ok(Json::Null);
    }
    if value.is_kind_of(ruby.class_true_class()) {
        return Ok(Json::Bool(true));
    }
    if value.is_kind_of(ruby.class_false_class()) {
        return Ok(Json::Bool(false));
    }
    if let Some(string) = RString::from_value(value) {
        return string_to_json(ruby, string, place).map(Json::String);
    }
    if let Some(symbol) = Symbol::from_value(value) {
        return Ok(Json::String(symbol.name()?.into_owned()));
    }
    if let Some(integer) = Integer::from_value(value) {
        return integer_to_json(ruby, integer, place);
    }
    if let Some(float) = Float::from_value(value) {
        return float_to_json(ruby, float.to_f64(), place);
    }
    if let Some(array) = RArray::from_value(value) {
        return array_to_json(ruby, array, mode, place, depth);
    }
    if let Some(hash) = RHash::from_value(value) {
        return hash_to_json(ruby, hash, mode, place, depth).map(Json::Object);
    }

    if let Mode::Argument(time_as) = mode {
        if value.is_kind_of(ruby.class_time()) {
            return time_to_json(value, time_as);
        }
        if value.respond_to("to_path", false)? {
            let path: RString = value.funcall("to_path", ())?;
            return string_to_json(ruby, path, place).map(Json::String);
        }
    }

    let expected = match mode {
        Mode::Payload => {
            "a JSON value (Hash, Array, String, Symbol, Integer, Float, true, false, nil)"
        }
        Mode::Argument(_) => "a JSON value, Time or path",
    };
    let msg = format!("{place} must be {expected}, not {}", class_name(value));
    Err(error::type_error(ruby, msg))
}

/// Text of a Ruby String; it must be valid UTF-8 (or convertible to it).
pub fn string_to_json(ruby: &Ruby, string: RString, place: &Place<'_>) -> Result<String, Error> {
    string.to_string().map_err(|_| {
        let encoding = magnus::encoding::RbEncoding::from(string.enc_get())
            .name()
            .to_owned();
        let msg = format!("{place}: string is not valid UTF-8 (encoding {encoding})");
        error::argument_error(ruby, msg)
    })
}

fn integer_to_json(ruby: &Ruby, integer: Integer, place: &Place<'_>) -> Result<Json, Error> {
    if let Ok(small) = integer.to_i64() {
        return Ok(Json::Number(small.into()));
    }
    if let Ok(large) = integer.to_u64() {
        return Ok(Json::Number(large.into()));
    }
    let msg = format!("{place}: integer {integer} does not fit in 64 bits");
    Err(error::range_error(ruby, msg))
}

fn float_to_json(ruby: &Ruby, float: f64, place: &Place<'_>) -> Result<Json, Error> {
    match Number::from_f64(float) {
        Some(number) => Ok(Json::Number(number)),
        None => {
            let msg = format!("{place}: {float} cannot be sent as JSON");
            Err(error::float_domain_error(ruby, msg))
        }
    }
}

fn time_to_json(value: Value, time_as: TimeAs) -> Result<Json, Error> {
    match time_as {
        TimeAs::UnixSeconds => {
            let seconds: i64 = value.funcall("to_i", ())?;
            Ok(Json::Number(seconds.into()))
        }
        TimeAs::Rfc3339 => {
            let text: String = value.funcall("strftime", ("%Y-%m-%dT%H:%M:%S%:z",))?;
            Ok(Json::String(text))
        }
    }
}

fn array_to_json(
    ruby: &Ruby,
    array: RArray,
    mode: Mode,
    place: &Place<'_>,
    depth: usize,
) -> Result<Json, Error> {
    let mut items = Vec::with_capacity(array.len());

    // Indexing each time (rather than borrowing a slice) stays correct if the array changes.
    let mut index = 0;
    while index < array.len() {
        let item: Value = array.entry(index as isize)?;
        let item_place = Place::Index(place, index);
        items.push(to_json_at(ruby, item, mode, &item_place, depth + 1)?);
        index += 1;
    }

    Ok(Json::Array(items))
}

/// The name of a Hash key: a String or a Symbol.
pub fn key_name(ruby: &Ruby, key: Value, place: &Place<'_>) -> Result<String, Error> {
    if let Some(string) = RString::from_value(key) {
        return string_to_json(ruby, string, place);
    }
    if let Some(symbol) = Symbol::from_value(key) {
        return Ok(symbol.name()?.into_owned());
    }
    let msg = format!(
        "{place}: Hash keys must be Strings or Symbols, not {}",
        class_name(key)
    );
    Err(error::type_error(ruby, msg))
}

/// Converts a Hash to a JSON object; a key given both as String and Symbol is an error.
pub fn hash_to_json(
    ruby: &Ruby,
    hash: RHash,
    mode: Mode,
    place: &Place<'_>,
    depth: usize,
) -> Result<Map<String, Json>, Error> {
    let mut object = Map::new();

    hash.foreach(|key: Value, value: Value| {
        let name = key_name(ruby, key, place)?;
        if object.contains_key(&name) {
            let msg = format!("{place}: key {name:?} is given twice (as a String and a Symbol)");
            return Err(error::argument_error(ruby, msg));
        }

        let value_place = Place::Key(place, &name);
        let converted = to_json_at(ruby, value, mode, &value_place, depth + 1)?;
        object.insert(name, converted);
        Ok(ForEach::Continue)
    })?;

    Ok(object)
}

/// Converts JSON to Ruby: `Hash` with String keys, `Array`, `String`, numbers, booleans, nil.
pub fn to_ruby(ruby: &Ruby, json: &Json) -> Result<Value, Error> {
    let value = match json {
        Json::Null => ruby.qnil().as_value(),
        Json::Bool(true) => ruby.qtrue().as_value(),
        Json::Bool(false) => ruby.qfalse().as_value(),
        Json::Number(number) => number_to_ruby(ruby, number),
        Json::String(text) => ruby.str_new(text).as_value(),
        Json::Array(items) => {
            let array = ruby.ary_new_capa(items.len());
            for item in items {
                array.push(to_ruby(ruby, item)?)?;
            }
            array.as_value()
        }
        Json::Object(members) => {
            let hash = ruby.hash_new();
            for (key, member) in members {
                let member = to_ruby(ruby, member)?;
                hash.aset(ruby.str_new(key), member)?;
            }
            hash.as_value()
        }
    };
    Ok(value)
}

fn number_to_ruby(ruby: &Ruby, number: &Number) -> Value {
    if let Some(small) = number.as_i64() {
        ruby.integer_from_i64(small).as_value()
    } else if let Some(large) = number.as_u64() {
        ruby.integer_from_u64(large).as_value()
    } else {
        ruby.float_from_f64(number.as_f64().unwrap_or(f64::NAN))
            .as_value()
    }
}
