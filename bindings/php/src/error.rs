//! The one place where core errors become PHP exceptions (docs/API.md, "Errors").
//!
//! The classes are declared in PHP (`php/prelude.php`) so that PHP code can construct and
//! extend them; here we only pick the class by `err.kind()` and `err.status()` and fill in
//! the constructor's arguments. The message is the core's `Display` text, which never holds
//! the token.

use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::types::Zval;
use ext_php_rs::zend::{ce, ClassEntry};
use iron_worker::{Error, ErrorKind};

/// The PHP class for a core error.
fn class_name(err: &Error) -> &'static str {
    match err.kind() {
        ErrorKind::Config => "IronWorker\\ConfigException",
        ErrorKind::Packaging => "IronWorker\\PackagingException",
        ErrorKind::FileNotFound => "IronWorker\\MissingFileException",
        ErrorKind::Http => match err.status() {
            Some(401) => "IronWorker\\UnauthorizedException",
            Some(404) => "IronWorker\\NotFoundException",
            Some(503) => "IronWorker\\ServiceUnavailableException",
            _ => "IronWorker\\HttpException",
        },
        ErrorKind::Timeout => "IronWorker\\TimeoutException",
        ErrorKind::Connection => "IronWorker\\NetworkException",
        ErrorKind::InvalidArgument => "IronWorker\\InvalidArgumentException",
        _ => "IronWorker\\Exception",
    }
}

/// Converts a core error into the exception to throw.
pub(crate) fn to_php(err: Error) -> PhpException {
    let message = err.to_string();
    let class_name = class_name(&err);
    let Some(class) = ClassEntry::try_find(class_name) else {
        // Only if the prelude failed to load; still say what went wrong.
        return PhpException::new(message, 0, ce::exception());
    };

    let built = match err.kind() {
        ErrorKind::Http => {
            let status = i64::from(err.status().unwrap_or(0));
            let server_message = err.server_message().unwrap_or_default().to_owned();
            construct(class, vec![&message, &status, &server_message])
        }
        ErrorKind::FileNotFound => {
            let path = err
                .path()
                .map(|path| path.to_string_lossy().into_owned())
                .unwrap_or_default();
            construct(class, vec![&message, &path])
        }
        _ => construct(class, vec![&message]),
    };

    match built {
        Some(object) => PhpException::new(message, 0, class).with_object(object),
        None => PhpException::new(message, 0, class),
    }
}

/// Instantiates `class` through its PHP constructor, so PHP-side state is set as usual.
fn construct(class: &ClassEntry, args: Vec<&dyn ext_php_rs::convert::IntoZvalDyn>) -> Option<Zval> {
    let object = class.new();
    object.try_call_method("__construct", args).ok()?;
    object.into_zval(false).ok()
}
