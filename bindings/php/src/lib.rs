//! PHP extension `iron_worker`: the class `IronWorker` of the "Your First Worker" tutorial,
//! backed by the `iron_worker` core crate.
//!
//! - [`api`]: the `IronWorker` class (docs/API.md).
//! - [`convert`]: PHP values to and from the core's JSON values.
//! - [`error`]: core errors to `IronWorker\*Exception`.
//! - `php/prelude.php`: the exception classes and `IronWorker\Result`, declared in PHP at the
//!   start of each request so that PHP code can construct and extend them.

mod api;
mod convert;
mod error;

use ext_php_rs::php_eval;
use ext_php_rs::prelude::*;

/// PHP source declaring the classes PHP code must be able to construct (see the file).
const PRELUDE: &str = include_str!("../php/prelude.php");

/// `SUCCESS` in the Zend API.
const SUCCESS: i32 = 0;

/// Declares the prelude's classes for this request.
///
/// Classes declared by PHP code live for one request, so this runs at every request start
/// (RINIT). A failure is reported on stderr and the request goes on; calls that need the
/// classes then fail with a message naming the missing class.
extern "C" fn declare_php_classes(_type: i32, _module_number: i32) -> i32 {
    if let Err(err) = php_eval::execute(PRELUDE) {
        eprintln!("iron_worker: cannot declare the IronWorker\\* PHP classes: {err}");
    }
    SUCCESS
}

/// The module entry PHP loads.
#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .name("iron_worker")
        .class::<api::IronWorker>()
        .request_startup_function(declare_php_classes)
}
