//! Running core calls without the GVL, so other Ruby threads keep running meanwhile, and
//! letting Ruby interrupt the ones that wait.
//!
//! Every network call goes through [`call`] and every archive build through [`run`]. The
//! closure must own (or borrow from Rust) everything it touches: no Ruby object may be used
//! without the GVL.
//!
//! How an interrupt reaches a wait: Ruby calls the unblocking function we give
//! `rb_thread_call_without_gvl` when something wants the thread's attention (`Thread#raise`,
//! hence `Timeout.timeout`; `Thread#kill`; a signal such as Ctrl-C for the main thread). Ours
//! only sets a flag, which the core's [`Interrupt`] reads between polls and every 50 ms while
//! it sleeps; the core then returns `Interrupted`. On the way back Ruby runs the pending
//! interrupts itself, raising the `Interrupt`, `Timeout::Error` or `Thread#raise` exception.
//! If nothing was raised (a `trap` handler ran, or `Thread#wakeup`), the call is made again:
//! the core only reports `Interrupted` where running a call again is safe.
#![allow(unsafe_code)] // rb_thread_call_without_gvl is a C function taking callbacks.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use iron_worker::client::Interrupt;
use iron_worker::{Client, ErrorKind};
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
    // SAFETY: `data` is the `&mut Call<F, T>` passed by `without_gvl` below, alive for the
    // whole call, and only this thread touches it while the GVL is released.
    let call = unsafe { &mut *data.cast::<Call<F, T>>() };
    if let Some(func) = call.func.take() {
        call.outcome = Some(catch_unwind(AssertUnwindSafe(func)));
    }
    std::ptr::null_mut()
}

/// The unblocking function: raises the flag that `data` (an `AtomicBool`) points to.
///
/// Ruby may call it from another thread, at any moment of the call; it only stores a bool.
unsafe extern "C" fn unblock(data: *mut c_void) {
    // SAFETY: `data` is the `AtomicBool` given by `call` below, which outlives the blocking
    // region (Ruby forgets this function before `rb_thread_call_without_gvl` returns).
    let flag = unsafe { &*data.cast::<AtomicBool>() };
    flag.store(true, Ordering::SeqCst);
}

/// Runs `func` with the GVL released; `flag`, if given, is raised when Ruby interrupts.
///
/// An exception raised when the GVL is taken back (a pending interrupt) is the `Err`.
fn without_gvl<F, T>(ruby: &Ruby, func: F, flag: Option<&AtomicBool>) -> Result<Option<T>, Error>
where
    F: FnOnce() -> T,
{
    let mut call: Call<F, T> = Call {
        func: Some(func),
        outcome: None,
    };
    let data: *mut c_void = std::ptr::from_mut(&mut call).cast();
    let (ubf, ubf_data): (rb_sys::rb_unblock_function_t, *mut c_void) = match flag {
        Some(flag) => (Some(unblock), std::ptr::from_ref(flag).cast_mut().cast()),
        None => (None, std::ptr::null_mut()),
    };

    // `protect` turns an exception raised when the GVL is taken back (pending interrupts) into
    // an `Err`, instead of a longjmp through these Rust frames.
    magnus::rb_sys::protect(|| {
        // SAFETY: the callbacks match the C signatures, and `data` and `ubf_data` outlive the
        // call.
        unsafe {
            rb_sys::rb_thread_call_without_gvl(Some(trampoline::<F, T>), data, ubf, ubf_data);
        }
        ruby.qnil().as_raw()
    })?;

    match call.outcome {
        Some(Ok(value)) => Ok(Some(value)),
        Some(Err(payload)) => Err(error::panic(ruby, payload)),
        None => Ok(None),
    }
}

/// Runs `func` (an archive build, a file read) with the GVL released; it is not interrupted.
///
/// A pending Ruby interrupt is raised once it has returned.
pub fn run<F, T>(ruby: &Ruby, func: F) -> Result<T, Error>
where
    F: FnOnce() -> iron_worker::Result<T>,
{
    match without_gvl(ruby, func, None)? {
        Some(Ok(value)) => Ok(value),
        Some(Err(err)) => Err(error::core(ruby, &err)),
        None => Err(error::panic(ruby, Box::new("the call did not run"))),
    }
}

/// Runs `func` on `client` with the GVL released; a Ruby interrupt stops its waits.
///
/// `func` gets a handle on the client whose [`Interrupt`] is this call's flag. It may run more
/// than once: again after an interruption that raised nothing (see the module's doc).
pub fn call<F, T>(ruby: &Ruby, client: &Client, mut func: F) -> Result<T, Error>
where
    F: FnMut(&Client) -> iron_worker::Result<T>,
{
    loop {
        let flag = Arc::new(AtomicBool::new(false));
        let handle = client
            .clone()
            .with_interrupt(Interrupt::from_flag(Arc::clone(&flag)));

        match without_gvl(ruby, || func(&handle), Some(&flag))? {
            Some(Ok(value)) => return Ok(value),
            Some(Err(err)) if err.kind() == ErrorKind::Interrupted => continue,
            Some(Err(err)) => return Err(error::core(ruby, &err)),
            None => return Err(error::panic(ruby, Box::new("the call did not run"))),
        }
    }
}
