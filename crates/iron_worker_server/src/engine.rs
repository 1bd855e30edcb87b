//! The scheduler: fires schedules, dispatches queued tasks to the executor under the worker,
//! concurrency, pause and priority rules, cancels, and recovers after a restart.

use std::collections::hash_map::{Entry, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{oneshot, Notify};

use crate::api::error::{ApiError, ApiResult};
use crate::config::{Paths, ServerConfig};
use crate::ids::{now_ms, Millis};
use crate::queue::{self, QueueLimits, TaskSpec};
use crate::store::{self, CodeRow, Outcome, ScheduleRow, Store, TaskRow};
use crate::{executor, process};

/// Longest the dispatcher sleeps between passes when nothing wakes it.
const IDLE_TICK: Duration = Duration::from_millis(500);

/// Why a running task is being stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopReason {
    /// A client cancelled it.
    Cancel,
    /// The server is shutting down.
    Shutdown,
}

/// A task the executor is running.
struct Running {
    code_id: String,
    stop: Option<oneshot::Sender<StopReason>>,
}

/// Shared state of the scheduler and executor.
pub(crate) struct Engine {
    pub config: ServerConfig,
    pub paths: Paths,
    pub store: Store,
    running: Mutex<HashMap<String, Running>>,
    wake: Notify,
    stopping: AtomicBool,
}

impl Engine {
    pub fn new(config: ServerConfig, paths: Paths, store: Store) -> Arc<Self> {
        Arc::new(Engine {
            config,
            paths,
            store,
            running: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            stopping: AtomicBool::new(false),
        })
    }

    /// Queue limits from the config.
    pub fn limits(&self) -> QueueLimits {
        QueueLimits {
            max_timeout_secs: i64::try_from(self.config.max_timeout_secs).unwrap_or(i64::MAX),
            max_payload_bytes: self.config.max_payload_bytes,
        }
    }

    /// The running-task table. Lock order: this lock first, then the store's.
    fn running(&self) -> MutexGuard<'_, HashMap<String, Running>> {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Asks the dispatcher for a pass now (a task was queued, one ended, a queue resumed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Number of tasks being run now.
    pub fn running_count(&self) -> usize {
        self.running().len()
    }

    // ---- restart recovery --------------------------------------------------------------

    /// Ends every task a previous server left `running` as an error (auto-retried if its
    /// code has retries), after killing its processes if they survived. Queued tasks and
    /// schedules are simply kept.
    pub fn recover(&self) -> Result<usize, crate::Error> {
        let now = now_ms();
        let conn = self.store.lock();
        // One transaction: each task's end and its auto-retry are kept together.
        let tx = conn.unchecked_transaction()?;
        let mut stuck = store::tasks_with_status(&tx, "running")?;
        stuck.extend(store::tasks_with_status(&tx, "preparing")?);

        for task in &stuck {
            if let Some(pid) = task.pid {
                process::kill_leftover(pid, &task.id);
            }
            let outcome = Outcome {
                status: "error",
                msg: Some("The server restarted while the task was running".to_string()),
                error_class: Some("ServerRestart".to_string()),
                exit_code: None,
            };
            if store::finish_task(
                &tx,
                &task.id,
                &["running", "preparing"],
                &outcome,
                None,
                now,
            )? {
                if let Err(e) = queue::auto_retry(&tx, task, self.limits(), now) {
                    tracing::warn!(task = %task.id, "auto-retry after restart failed: {}", e.msg);
                }
            }
            let _ = std::fs::remove_dir_all(self.paths.task_dir(&task.id));
        }
        tx.commit()?;
        Ok(stuck.len())
    }

    // ---- the dispatcher loop -----------------------------------------------------------

    /// Runs until [`Engine::begin_shutdown`]: fires due schedules and starts ready tasks.
    pub async fn run(self: Arc<Self>) {
        while !self.stopping.load(Ordering::SeqCst) {
            let now = now_ms();
            if let Err(e) = self.fire_schedules(now) {
                tracing::error!("firing schedules failed: {}", e.msg);
            }
            if let Err(e) = self.dispatch(now) {
                tracing::error!("dispatching tasks failed: {}", e.msg);
            }

            let pause = self.next_pause(now_ms());
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// How long to sleep: until the next delayed task or schedule, at most [`IDLE_TICK`].
    fn next_pause(&self, now: Millis) -> Duration {
        let conn = self.store.lock();
        let next_task = store::next_run_after(&conn, now).ok().flatten();
        let next_schedule = store::next_schedule_time(&conn).ok().flatten();
        drop(conn);

        let idle = IDLE_TICK.as_millis() as i64;
        let wait = [next_task, next_schedule]
            .into_iter()
            .flatten()
            .map(|t| t - now)
            .fold(idle, i64::min)
            .clamp(5, idle);
        Duration::from_millis(wait as u64)
    }

    /// Starts ready tasks: highest priority first, then oldest; skips paused codes and codes
    /// at their `max_concurrency`; never more than `workers` at once.
    fn dispatch(self: &Arc<Self>, now: Millis) -> ApiResult<()> {
        let workers = self.config.workers.max(1);
        let mut running = self.running();
        if running.len() >= workers || self.stopping.load(Ordering::SeqCst) {
            return Ok(());
        }

        let conn = self.store.lock();
        let ready = store::ready_tasks(&conn, now, 1000)?;
        let mut started = Vec::new();
        // Each code's row and concurrency cap, looked up once per pass: many ready tasks
        // usually share a few codes.
        let mut codes: HashMap<String, Option<(CodeRow, Option<usize>)>> = HashMap::new();

        for task in ready {
            if running.len() >= workers {
                break;
            }

            let known = match codes.entry(task.code_id.clone()) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(slot) => slot.insert(code_and_cap(&conn, &task.code_id)?),
            };
            let Some((code, cap)) = known.as_ref() else {
                let outcome = failed("The code package was deleted before the task ran");
                store::finish_task(&conn, &task.id, &["queued"], &outcome, None, now)?;
                continue;
            };
            // `ready_tasks` leaves paused codes out; this only guards a change in between.
            if code.paused {
                continue;
            }
            if let Some(cap) = *cap {
                let busy = running.values().filter(|r| r.code_id == code.id).count();
                if busy >= cap {
                    continue;
                }
            }
            let Some(rev) = store::revision_by_id(&conn, &task.code_history_id)? else {
                let outcome = failed("The code revision of this task no longer exists");
                store::finish_task(&conn, &task.id, &["queued"], &outcome, None, now)?;
                continue;
            };

            if !store::mark_running(&conn, &task.id, now)? {
                continue;
            }
            let (stop_tx, stop_rx) = oneshot::channel();
            running.insert(
                task.id.clone(),
                Running {
                    code_id: task.code_id.clone(),
                    stop: Some(stop_tx),
                },
            );
            let mut task = task;
            task.status = "running".to_string();
            task.start_time = Some(now);
            started.push((task, rev, stop_rx));
        }
        drop(conn);
        drop(running);

        for (task, rev, stop_rx) in started {
            tracing::info!(task = %task.id, code = %task.code_name, "task started");
            tokio::spawn(executor::run(Arc::clone(self), task, rev, stop_rx));
        }
        Ok(())
    }

    /// Queues one task for every due schedule and moves each to its next time.
    ///
    /// One transaction: a task is never queued without its schedule moving on (which would
    /// fire it twice after a crash), nor the schedule moved without its task.
    fn fire_schedules(&self, now: Millis) -> ApiResult<()> {
        let conn = self.store.lock();
        let tx = conn.unchecked_transaction()?;
        let due = store::due_schedules(&tx, now)?;
        let fired = !due.is_empty();

        for mut s in due {
            let spec = TaskSpec {
                code_name: s.code_name.clone(),
                payload: s.payload.clone(),
                priority: s.priority,
                timeout: s.timeout,
                cluster: s.cluster.clone(),
                label: s.label.clone(),
                schedule_id: Some(s.id.clone()),
                ..TaskSpec::default()
            };
            match queue::queue_task(&tx, &s.project_id, &spec, self.limits(), "", now) {
                Ok(task) => {
                    tracing::info!(schedule = %s.id, task = %task.id, "schedule fired");
                }
                Err(e) => {
                    s.error_count += 1;
                    s.msg = Some(e.msg);
                }
            }
            s.run_count += 1;
            s.last_run_time = Some(now);
            advance_schedule(&mut s, now);
            s.updated_at = now;
            store::update_schedule(&tx, &s)?;
        }
        tx.commit()?;
        drop(conn);

        if fired {
            self.wake();
        }
        Ok(())
    }

    // ---- called by the executor and the API --------------------------------------------

    /// Records the end of a running task, queues its auto-retry, frees its worker slot.
    pub fn finish(&self, task: &TaskRow, outcome: &Outcome, log_size: i64) {
        let now = now_ms();
        {
            let conn = self.store.lock();
            if let Err(e) = self.record_end(&conn, task, outcome, log_size, now) {
                tracing::error!(task = %task.id, "recording the task's end failed: {e}");
            }
        }

        tracing::info!(task = %task.id, status = outcome.status, "task ended");
        self.running().remove(&task.id);
        self.wake();
    }

    /// Ends a running task and queues its auto-retry in one transaction, so that a crash
    /// cannot keep the end without the retry.
    fn record_end(
        &self,
        conn: &rusqlite::Connection,
        task: &TaskRow,
        outcome: &Outcome,
        log_size: i64,
        now: Millis,
    ) -> rusqlite::Result<()> {
        let tx = conn.unchecked_transaction()?;

        let ended = store::finish_task(&tx, &task.id, &["running"], outcome, Some(log_size), now)?;
        if !ended {
            // Cancelled while running: the status is already final; keep the log size.
            store::set_log_size(&tx, &task.id, log_size)?;
        } else if matches!(outcome.status, "error" | "timeout") {
            if let Err(e) = queue::auto_retry(&tx, task, self.limits(), now) {
                tracing::warn!(task = %task.id, "auto-retry failed: {}", e.msg);
            }
        }

        tx.commit()
    }

    /// Cancels a queued or running task (a running one is killed, with its process group).
    pub fn cancel(&self, project_id: &str, task_id: &str) -> ApiResult<()> {
        let now = now_ms();
        let mut running = self.running();
        let conn = self.store.lock();

        let task = store::task_in_project(&conn, project_id, task_id)?
            .ok_or_else(|| task_not_found(task_id))?;
        let outcome = Outcome {
            status: "cancelled",
            msg: Some("Cancelled by request".to_string()),
            error_class: None,
            exit_code: None,
        };
        if store::finish_task(&conn, task_id, &["queued", "running"], &outcome, None, now)? {
            if let Some(stop) = running.get_mut(task_id).and_then(|r| r.stop.take()) {
                let _ = stop.send(StopReason::Cancel);
            }
            return Ok(());
        }
        Err(ApiError::bad_request(format!(
            "Task {task_id} has already ended (status {}); only queued or running tasks can be \
             cancelled",
            task.status
        )))
    }

    /// Cancels every queued task of a code of the project; returns how many, or `None` if
    /// the project has no such code.
    pub fn cancel_all(&self, project_id: &str, code_id: &str) -> ApiResult<Option<usize>> {
        let mut conn = self.store.lock();
        let msg = "Cancelled by request";
        let n =
            store::cancel_queued_of_project_code(&mut conn, project_id, code_id, msg, now_ms())?;
        Ok(n)
    }

    // ---- shutdown ----------------------------------------------------------------------

    /// Stops dispatching and kills every running task (they end as errors saying the server
    /// stopped, and are auto-retried on the next start if their code has retries).
    pub fn begin_shutdown(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let mut running = self.running();
        for r in running.values_mut() {
            if let Some(stop) = r.stop.take() {
                let _ = stop.send(StopReason::Shutdown);
            }
        }
        drop(running);
        self.wake();
    }

    /// Waits (at most `limit`) until every running task has been reaped.
    pub async fn wait_idle(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.running_count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A code (by id, any project) and its concurrency cap, the `max_concurrency` of its latest
/// upload; `None` if the code is gone.
fn code_and_cap(
    conn: &rusqlite::Connection,
    code_id: &str,
) -> ApiResult<Option<(CodeRow, Option<usize>)>> {
    let Some(code) = store::code_any(conn, code_id)? else {
        return Ok(None);
    };
    let cap = store::revision_by_id(conn, &code.latest_history_id)?
        .and_then(|r| r.max_concurrency)
        .filter(|c| *c > 0)
        .map(|c| c as usize);
    Ok(Some((code, cap)))
}

/// An error outcome with a message.
pub(crate) fn failed(msg: impl Into<String>) -> Outcome {
    Outcome {
        status: "error",
        msg: Some(msg.into()),
        error_class: None,
        exit_code: None,
    }
}

/// The 404 for an unknown task.
pub(crate) fn task_not_found(task_id: &str) -> ApiError {
    ApiError::not_found(format!("Task not found: no task {task_id} in this project"))
}

/// Moves a schedule past a firing: done after `run_times` runs, after one run without
/// `run_every`, or when the next time is past `end_at`. Missed firings (server down) are
/// skipped rather than queued in a burst.
pub(crate) fn advance_schedule(s: &mut ScheduleRow, now: Millis) {
    let fired_at = s.next_start.unwrap_or(now);

    if let Some(max) = s.run_times {
        if s.run_count >= max {
            s.status = "complete".to_string();
            s.msg = Some("Ran max times.".to_string());
            s.next_start = None;
            return;
        }
    }
    let Some(every) = s.run_every.filter(|e| *e > 0) else {
        s.status = "complete".to_string();
        s.msg = Some("Ran once.".to_string());
        s.next_start = None;
        return;
    };

    let step = every * 1000;
    let mut next = fired_at + step;
    if next <= now {
        next += ((now - next) / step + 1) * step;
    }
    if s.end_at.is_some_and(|end| next > end) {
        s.status = "complete".to_string();
        s.msg = Some("Reached end_at.".to_string());
        s.next_start = None;
        return;
    }
    s.next_start = Some(next);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_advances_and_completes() {
        let mut s = ScheduleRow {
            status: "scheduled".into(),
            next_start: Some(1_000),
            run_every: Some(60),
            run_times: Some(2),
            run_count: 1,
            ..ScheduleRow::default()
        };
        advance_schedule(&mut s, 1_000);
        assert_eq!(s.next_start, Some(61_000));
        s.run_count = 2;
        advance_schedule(&mut s, 61_000);
        assert_eq!(s.status, "complete");
        assert_eq!(s.next_start, None);
    }

    #[test]
    fn missed_firings_are_skipped() {
        let mut s = ScheduleRow {
            status: "scheduled".into(),
            next_start: Some(0),
            run_every: Some(60),
            run_count: 1,
            ..ScheduleRow::default()
        };
        advance_schedule(&mut s, 600_500);
        assert_eq!(s.next_start, Some(660_000));
    }

    #[test]
    fn end_at_stops_it() {
        let mut s = ScheduleRow {
            status: "scheduled".into(),
            next_start: Some(0),
            run_every: Some(60),
            end_at: Some(30_000),
            run_count: 1,
            ..ScheduleRow::default()
        };
        advance_schedule(&mut s, 0);
        assert_eq!(s.status, "complete");
    }
}
