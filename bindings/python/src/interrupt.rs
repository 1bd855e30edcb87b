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
pub(crate) struct Signals {
    raised: Arc<Mutex<Option<PyErr>>>,
    /// Whether the call runs on Python's main thread, the only one that runs handlers.
    main_thread: bool,
}

impl Signals {
    /// The signals of a call about to be made on the current thread.
    pub(crate) fn new(py: Python<'_>) -> Signals {
        Signals {
            raised: Arc::default(),
            main_thread: on_main_thread(py),
        }
    }

    /// The interrupt for one call: runs the pending signal handlers, fires if one raised.
    ///
    /// Off the main thread it never fires, and never takes the GIL from busy threads.
    pub(crate) fn interrupt(&self) -> Interrupt {
        if !self.main_thread {
            return Interrupt::never();
        }
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

/// Whether this is Python's main thread; when Python cannot tell, assume it is.
fn on_main_thread(py: Python<'_>) -> bool {
    let idents = py.import("threading").and_then(|threading| {
        let main: u64 = threading
            .call_method0("main_thread")?
            .getattr("ident")?
            .extract()?;
        let current: u64 = threading.call_method0("get_ident")?.extract()?;
        Ok(main == current)
    });
    idents.unwrap_or(true)
}

/// Locks the slot; a panic elsewhere cannot leave a half-written `Option` behind.
fn lock(slot: &Mutex<Option<PyErr>>) -> MutexGuard<'_, Option<PyErr>> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}
