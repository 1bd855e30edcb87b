//! Integration tests of the local server: real HTTP on loopback, real worker processes.

mod common;

mod api;
mod codes;
mod queueing;
mod schedules;
mod tasks;
