//! Python binding of the `iron_worker` core: the native module `iron_worker._native`.
//!
//! The public package (`python/iron_worker/`) re-exports [`class::IronWorker`] with snake_case
//! aliases and defines the exception classes. This crate only converts values
//! ([`convert`]), maps core errors to those classes ([`error`]) and releases the GIL around
//! every network call and archive build, letting Ctrl-C stop a wait ([`interrupt`]). Every
//! rule stays in the core.
//!
//! Build it only through maturin (`pip install ./bindings/python`); see pyproject.toml.

mod class;
mod convert;
mod error;
mod interrupt;

/// The compiled part of the `iron_worker` package; import `iron_worker` instead.
#[pyo3::pymodule(name = "_native")]
mod native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::class::IronWorker;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", iron_worker::VERSION)
    }
}
