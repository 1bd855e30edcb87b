//! Ctrl-C during a call that waits: the core asks, Python's signal handlers answer.
//!
//! A call runs without the GIL, so Python cannot run its signal handlers meanwhile. The core
//! asks an [`Interrupt`] between polls and every 50 ms while it sleeps; ours takes the GIL back
//! for a moment and runs the pending handlers (`PyErr_CheckSignals`). If one raises (Ctrl-C's
//! `KeyboardInterrupt`, or whatever a custom handler raises), the exception is kept and the core
//! returns `Interrupted`, which [`Signals::error`] turns back into that very exception. A
//! handler that returns normally lets the wait go on. Python runs handlers on the main thread
//! only, so a call made on another thread is never interrupted this way.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use iron_worker::client::Interrupt;
use iron_worker::{Error, ErrorKind};
use pyo3::prelude::*;

use crate::error::to_py_err;

/// The exception a signal handler raised during one call, if any.
#[derive(Default)]
pub(crate) struct Signals {
    raised: Arc<Mutex<Option<PyErr>>>,
}

impl Signals {
    /// The interrupt for one call: runs the pending signal handlers, fires if one raised.
    pub(crate) fn interrupt(&self) -> Interrupt {
        let raised = Arc::clone(&self.raised);
        Interrupt::new(move || {
            if lock(&raised).is_some() {
                return true;
            }
            match Python::attach(|py| py.check_signals()) {
                Ok(()) => false,
                Err(exception) => {
                    *lock(&raised) = Some(exception);
                    true
                }
            }
        })
    }

    /// The Python exception for a core error: the handler's own for an interruption.
    pub(crate) fn error(&self, err: Error) -> PyErr {
        if err.kind() == ErrorKind::Interrupted {
            if let Some(exception) = lock(&self.raised).take() {
                return exception;
            }
        }
        to_py_err(err)
    }
}

/// Locks the slot; a panic elsewhere cannot leave a half-written `Option` behind.
fn lock(slot: &Mutex<Option<PyErr>>) -> MutexGuard<'_, Option<PyErr>> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}
