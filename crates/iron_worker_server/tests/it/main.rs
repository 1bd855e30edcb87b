//! Integration tests of the local server: real HTTP on loopback, real worker processes.

// Test helpers may fail loudly: a failed unwrap here is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod api;
mod codes;
mod queueing;
mod races;
mod restart;
mod schedules;
mod tasks;
