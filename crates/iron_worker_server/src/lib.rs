//! Local IronWorker-compatible server: router, store, executor, scheduler.
