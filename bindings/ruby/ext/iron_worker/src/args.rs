//! Binding Ruby arguments to a method's parameters, positionally or by keyword.
//!
//! Each method declares a [`Signature`]: its parameters in PHP's positional order and whether
//! it takes extra keyword options. `postTask("FibWorker", {"max" => 10}, priority: 1)` and
//! `postTask(name: "FibWorker", payload: {"max" => 10}, priority: 1)` bind the same way.
//! Options are passed on untouched (as JSON) to the core's `*Options::from_map`, which owns
//! their names, defaults and validation.

use magnus::value::ReprValue;
use magnus::{
    r_hash::ForEach, scan_args::scan_args, Error, Integer, RArray, RHash, RString, Ruby, Symbol,
    Value,
};
use serde_json::{Map, Value as Json};

use crate::convert::{self, Mode, Place, TimeAs};
use crate::error;

/// What a parameter accepts.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A String (or Symbol), such as a name or an id.
    Str,
    /// A file path: a String or anything with `#to_path`.
    Path,
    /// An Integer.
    Int,
    /// `true` or `false`.
    Bool,
    /// An Array of paths.
    PathList,
    /// A payload: any JSON value.
    Payload,
    /// An Array of payloads.
    PayloadList,
    /// A value passed on to the core's option parser (JSON, `Time` converted as given).
    Option(TimeAs),
}

/// One parameter: its keyword name (also used in messages), kind and whether it is required.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Keyword name.
    pub name: &'static str,
    /// Accepted values.
    pub kind: Kind,
    /// Whether the call fails without it.
    pub required: bool,
}

/// A required parameter.
pub const fn req(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        kind,
        required: true,
    }
}

/// An optional parameter (`nil` when not given).
pub const fn opt(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        kind,
        required: false,
    }
}

/// The parameters of one Ruby method.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    /// The tutorial's (camelCase) method name, used in messages.
    pub method: &'static str,
    /// Parameters in positional order.
    pub params: &'static [Param],
    /// Whether other keywords are options for the core, and how a `Time` among them is sent.
    pub options: Option<TimeAs>,
}

/// One converted argument.
#[derive(Debug, Clone)]
pub enum Arg {
    /// From [`Kind::Str`] or [`Kind::Path`].
    Str(String),
    /// From [`Kind::Int`].
    Int(i64),
    /// From [`Kind::Bool`].
    Bool(bool),
    /// From [`Kind::PathList`].
    List(Vec<String>),
    /// From [`Kind::Payload`], [`Kind::PayloadList`] or [`Kind::Option`].
    Json(Json),
}

/// The arguments of one call, converted to Rust values (no Ruby object is kept).
#[derive(Debug)]
pub struct Bound {
    method: &'static str,
    values: Vec<Option<Arg>>,
    /// Extra keywords, for the core's option parser.
    pub options: Map<String, Json>,
}

/// Binds `args` (as received by a method of arity -1) to `sig`.
pub fn bind(ruby: &Ruby, sig: &Signature, args: &[Value]) -> Result<Bound, Error> {
    let scanned = scan_args::<(), (), RArray, (), RHash, ()>(args)?;
    let positional: RArray = scanned.splat;
    let keywords: RHash = scanned.keywords;

    let count = positional.len();
    if count > sig.params.len() {
        let required = sig.params.iter().filter(|p| p.required).count();
        let expected = if required == sig.params.len() {
            required.to_string()
        } else {
            format!("{required}..{}", sig.params.len())
        };
        let msg = format!(
            "{}: wrong number of arguments (given {count}, expected {expected})",
            sig.method
        );
        return Err(error::argument_error(ruby, msg));
    }

    let mut given = vec![false; sig.params.len()];
    let mut values: Vec<Option<Arg>> = vec![None; sig.params.len()];
    for index in 0..count {
        let value: Value = positional.entry(index as isize)?;
        given[index] = true;
        values[index] = convert(ruby, sig.method, &sig.params[index], value)?;
    }

    let mut options = Map::new();
    let keyword_place = Place::Root(sig.method, "keywords");
    keywords.foreach(|key: Value, value: Value| {
        let name = convert::key_name(ruby, key, &keyword_place)?;

        if let Some(index) = sig.params.iter().position(|p| p.name == name) {
            if given[index] {
                let msg = format!(
                    "{}: {name} is given both positionally and as a keyword",
                    sig.method
                );
                return Err(error::argument_error(ruby, msg));
            }
            given[index] = true;
            values[index] = convert(ruby, sig.method, &sig.params[index], value)?;
        } else if let Some(time_as) = sig.options {
            if options.contains_key(&name) {
                let msg = format!("{}: keyword {name} is given twice", sig.method);
                return Err(error::argument_error(ruby, msg));
            }
            let place = Place::Root(sig.method, &name);
            let converted = convert::to_json(ruby, value, Mode::Argument(time_as), &place)?;
            options.insert(name, converted);
        } else {
            let msg = format!("{}: unknown keyword: {name}", sig.method);
            return Err(error::argument_error(ruby, msg));
        }
        Ok(ForEach::Continue)
    })?;

    for (index, param) in sig.params.iter().enumerate() {
        if !param.required {
            continue;
        }
        if !given[index] {
            let msg = format!("{}: missing argument: {}", sig.method, param.name);
            return Err(error::argument_error(ruby, msg));
        }
        if values[index].is_none() {
            let msg = format!(
                "{}: {} must be {}, not nil",
                sig.method,
                param.name,
                expected(param.kind)
            );
            return Err(error::type_error(ruby, msg));
        }
    }

    Ok(Bound {
        method: sig.method,
        values,
        options,
    })
}

/// How a kind is described in a `TypeError`.
fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Str => "a String",
        Kind::Path => "a String or Pathname",
        Kind::Int => "an Integer",
        Kind::Bool => "true or false",
        Kind::PathList => "an Array of Strings",
        Kind::Payload | Kind::Option(_) => "a JSON value",
        Kind::PayloadList => "an Array of payloads",
    }
}

/// A path: a String or the `#to_path` of an object (`Pathname`, `File`).
fn path_text(ruby: &Ruby, value: Value, place: &Place<'_>) -> Result<Option<String>, Error> {
    if let Some(string) = RString::from_value(value) {
        return convert::string_to_json(ruby, string, place).map(Some);
    }
    if !value.is_kind_of(ruby.class_symbol()) && value.respond_to("to_path", false)? {
        let string: RString = value.funcall("to_path", ())?;
        return convert::string_to_json(ruby, string, place).map(Some);
    }
    Ok(None)
}

/// Converts one argument; `nil` is "not given" (`None`).
fn convert(ruby: &Ruby, method: &str, param: &Param, value: Value) -> Result<Option<Arg>, Error> {
    if value.is_nil() {
        return Ok(None);
    }

    let place = Place::Root(method, param.name);
    let mismatch = || {
        let msg = format!(
            "{place} must be {}, not {}",
            expected(param.kind),
            convert::class_name(value)
        );
        error::type_error(ruby, msg)
    };

    let arg = match param.kind {
        Kind::Str => {
            if let Some(string) = RString::from_value(value) {
                Arg::Str(convert::string_to_json(ruby, string, &place)?)
            } else if let Some(symbol) = Symbol::from_value(value) {
                Arg::Str(symbol.name()?.into_owned())
            } else {
                return Err(mismatch());
            }
        }
        Kind::Path => match path_text(ruby, value, &place)? {
            Some(text) => Arg::Str(text),
            None => return Err(mismatch()),
        },
        Kind::Int => match Integer::from_value(value) {
            Some(integer) => Arg::Int(integer.to_i64().map_err(|_| {
                let msg = format!("{place}: integer {integer} does not fit in 64 bits");
                error::range_error(ruby, msg)
            })?),
            None => return Err(mismatch()),
        },
        Kind::Bool => {
            if value.is_kind_of(ruby.class_true_class()) {
                Arg::Bool(true)
            } else if value.is_kind_of(ruby.class_false_class()) {
                Arg::Bool(false)
            } else {
                return Err(mismatch());
            }
        }
        Kind::PathList => {
            let array = RArray::from_value(value).ok_or_else(mismatch)?;
            let mut paths = Vec::with_capacity(array.len());
            let mut index = 0;
            while index < array.len() {
                let item: Value = array.entry(index as isize)?;
                let item_place = Place::Index(&place, index);
                match path_text(ruby, item, &item_place)? {
                    Some(text) => paths.push(text),
                    None => {
                        let msg = format!(
                            "{item_place} must be a String or Pathname, not {}",
                            convert::class_name(item)
                        );
                        return Err(error::type_error(ruby, msg));
                    }
                }
                index += 1;
            }
            Arg::List(paths)
        }
        Kind::Payload => Arg::Json(convert::to_json(ruby, value, Mode::Payload, &place)?),
        Kind::PayloadList => {
            if RArray::from_value(value).is_none() {
                return Err(mismatch());
            }
            Arg::Json(convert::to_json(ruby, value, Mode::Payload, &place)?)
        }
        Kind::Option(time_as) => Arg::Json(convert::to_json(
            ruby,
            value,
            Mode::Argument(time_as),
            &place,
        )?),
    };
    Ok(Some(arg))
}

impl Bound {
    /// An internal error for an accessor that does not match the signature (a binding bug).
    fn mismatch(&self, ruby: &Ruby, index: usize) -> Error {
        let msg = format!(
            "{}: argument {index} has an unexpected type (a bug)",
            self.method
        );
        error::argument_error(ruby, msg)
    }

    /// A required String or path parameter.
    pub fn string(&self, ruby: &Ruby, index: usize) -> Result<String, Error> {
        match self.values.get(index) {
            Some(Some(Arg::Str(text))) => Ok(text.clone()),
            _ => Err(self.mismatch(ruby, index)),
        }
    }

    /// An optional String or path parameter.
    pub fn opt_string(&self, ruby: &Ruby, index: usize) -> Result<Option<String>, Error> {
        match self.values.get(index) {
            Some(None) => Ok(None),
            Some(Some(Arg::Str(text))) => Ok(Some(text.clone())),
            _ => Err(self.mismatch(ruby, index)),
        }
    }

    /// An optional Integer parameter.
    pub fn opt_int(&self, ruby: &Ruby, index: usize) -> Result<Option<i64>, Error> {
        match self.values.get(index) {
            Some(None) => Ok(None),
            Some(Some(Arg::Int(number))) => Ok(Some(*number)),
            _ => Err(self.mismatch(ruby, index)),
        }
    }

    /// A boolean parameter, `default` when not given.
    pub fn flag(&self, ruby: &Ruby, index: usize, default: bool) -> Result<bool, Error> {
        match self.values.get(index) {
            Some(None) => Ok(default),
            Some(Some(Arg::Bool(flag))) => Ok(*flag),
            _ => Err(self.mismatch(ruby, index)),
        }
    }

    /// A required list of paths.
    pub fn list(&self, ruby: &Ruby, index: usize) -> Result<Vec<String>, Error> {
        match self.values.get(index) {
            Some(Some(Arg::List(items))) => Ok(items.clone()),
            _ => Err(self.mismatch(ruby, index)),
        }
    }

    /// A JSON parameter (payload or option), `None` when not given.
    pub fn json(&self, ruby: &Ruby, index: usize) -> Result<Option<Json>, Error> {
        match self.values.get(index) {
            Some(None) => Ok(None),
            Some(Some(Arg::Json(json))) => Ok(Some(json.clone())),
            _ => Err(self.mismatch(ruby, index)),
        }
    }

    /// Puts JSON parameters into the options map under their own names (e.g. `page`), for
    /// the core's option parsers; parameters not given are left out.
    pub fn options_with(
        &self,
        ruby: &Ruby,
        params: &[(usize, &str)],
    ) -> Result<Map<String, Json>, Error> {
        let mut map = self.options.clone();
        for (index, name) in params {
            if let Some(json) = self.json(ruby, *index)? {
                map.insert((*name).to_owned(), json);
            }
        }
        Ok(map)
    }
}
