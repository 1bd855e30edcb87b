//! Running core calls without the GVL, so other Ruby threads keep running meanwhile.
//!
//! Every network call and archive build goes through [`run`]. The closure must own (or
//! borrow from Rust) everything it touches: no Ruby object may be used without the GVL.
#![allow(unsafe_code)] // rb_thread_call_without_gvl is a C function taking a callback.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use magnus::rb_sys::AsRawValue;
use magnus::{Error, Ruby};

use crate::error;

/// The closure to run and, once it ran, its outcome (a panic is caught, never unwound into C).
struct Call<F, T> {
    func: Option<F>,
    outcome: Option<std::thread::Result<T>>,
}

/// The C callback: runs the closure stored in `data` (a `Call<F, T>`) without the GVL.
unsafe extern "C" fn trampoline<F, T>(data: *mut c_void) -> *mut c_void
where
    F: FnOnce() -> T,
{
    // SAFETY: `data` is the `&mut Call<F, T>` passed by `run` below, alive for the whole call,
    // and only this thread touches it while the GVL is released.
    let call = unsafe { &mut *data.cast::<Call<F, T>>() };
    if let Some(func) = call.func.take() {
        call.outcome = Some(catch_unwind(AssertUnwindSafe(func)));
    }
    std::ptr::null_mut()
}

/// Runs `func` with the GVL released and maps its error or panic to a Ruby exception.
///
/// A pending Ruby interrupt (`Thread#raise`, `Thread#kill`, a signal) is raised once the call
/// has returned; it cannot stop the call itself, because the core offers no way to cancel.
pub fn run<F, T>(ruby: &Ruby, func: F) -> Result<T, Error>
where
    F: FnOnce() -> iron_worker::Result<T>,
{
    let mut call: Call<F, iron_worker::Result<T>> = Call {
        func: Some(func),
        outcome: None,
    };
    let data: *mut c_void = std::ptr::from_mut(&mut call).cast();

    // `protect` turns an exception raised when the GVL is taken back (pending interrupts) into
    // an `Err`, instead of a longjmp through these Rust frames.
    magnus::rb_sys::protect(|| {
        // SAFETY: the callback matches the C signature, `data` outlives the call, and no
        // unblocking function is given (the core call cannot be interrupted).
        unsafe {
            rb_sys::rb_thread_call_without_gvl(
                Some(trampoline::<F, iron_worker::Result<T>>),
                data,
                None,
                std::ptr::null_mut(),
            );
        }
        ruby.qnil().as_raw()
    })?;

    match call.outcome {
        Some(Ok(Ok(value))) => Ok(value),
        Some(Ok(Err(err))) => Err(error::core(ruby, &err)),
        Some(Err(payload)) => Err(error::panic(ruby, payload)),
        None => Err(error::panic(ruby, Box::new("the call did not run"))),
    }
}
