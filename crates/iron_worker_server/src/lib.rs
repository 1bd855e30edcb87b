//! Local IronWorker-compatible server that really runs workers.
//!
//! It speaks the IronWorker v2 REST API closely enough that the official clients work
//! against it unchanged, and executes every task as a local process under the IronWorker
//! runtime contract. State is durable (SQLite, plus files for packages and logs).
//!
//! - [`api`](crate) routes: codes, tasks, schedules, project, stacks (the `api` module);
//! - the store: SQLite state under the data directory;
//! - the engine: dispatch under worker, concurrency, pause and priority rules; schedules;
//!   restart recovery;
//! - the executor: one task in its own directory, with logs, timeout and cancel.
//!
//! ```no_run
//! use iron_worker_server::{start_background, ServerConfig};
//!
//! let server = start_background(ServerConfig {
//!     port: 0,
//!     ..ServerConfig::new("/tmp/iron-data", "secret-token")
//! })?;
//! println!("listening on {}", server.url());
//! server.shutdown();
//! # Ok::<(), iron_worker_server::Error>(())
//! ```

mod api;
mod config;
mod engine;
mod error;
mod executor;
mod ids;
mod package;
mod process;
mod queue;
mod recorder;
mod store;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

pub use config::ServerConfig;
pub use error::Error;

use config::Paths;
use engine::Engine;
use recorder::Recorder;

/// How long open HTTP connections get to finish after shutdown begins.
const HTTP_DRAIN: Duration = Duration::from_secs(5);

/// How long running workers get to be reaped after they were killed.
const WORKER_DRAIN: Duration = Duration::from_secs(10);

/// A new random token, for a server started without one.
pub fn generate_token() -> String {
    ids::new_token()
}

/// A server bound to its address, not yet serving. Lets a caller learn the real port (with
/// port 0) before requests are served.
pub struct BoundServer {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    engine: Arc<Engine>,
    recorder: Arc<Recorder>,
}

impl std::fmt::Debug for BoundServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundServer")
            .field("addr", &self.addr)
            .finish()
    }
}

/// Prepares the data directory, opens the state, recovers after a crash, and binds.
pub async fn bind(config: ServerConfig) -> Result<BoundServer, Error> {
    if config.token.trim().is_empty() {
        return Err(Error::Config("the token must not be empty".to_string()));
    }
    if config.workers == 0 {
        return Err(Error::Config("workers must be at least 1".to_string()));
    }

    // Absolute, because workers run with their task directory as the working directory.
    let root = &config.data_dir;
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    let root = std::fs::canonicalize(root).map_err(|e| Error::io(root, e))?;
    let mut config = config;
    config.data_dir = root.clone();
    let paths = Paths { root };
    for dir in paths.dirs() {
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    }
    // Left-overs of interrupted uploads and unpacks.
    if let Ok(entries) = std::fs::read_dir(paths.tmp()) {
        for entry in entries.flatten() {
            let path = entry.path();
            let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
        }
    }

    let db = paths.database();
    let store = store::Store::open(&db)?;
    let recorder = Arc::new(Recorder::new(config.recorded_requests, &config.token));
    let addr_text = format!("{}:{}", config.host, config.port);
    let engine = Engine::new(config, paths, store);
    let recovered = engine.recover()?;
    if recovered > 0 {
        tracing::warn!(
            "{recovered} task(s) were running when the server last stopped; ended as errors"
        );
    }

    let listener = tokio::net::TcpListener::bind(&addr_text)
        .await
        .map_err(|source| Error::Bind {
            addr: addr_text.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind {
        addr: addr_text,
        source,
    })?;

    Ok(BoundServer {
        listener,
        addr,
        engine,
        recorder,
    })
}

impl BoundServer {
    /// The bound address (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until `shutdown` completes, then kills running workers and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
        let BoundServer {
            listener,
            engine,
            recorder,
            ..
        } = self;

        let dispatcher = tokio::spawn(Arc::clone(&engine).run());
        let app = api::app(api::AppState {
            engine: Arc::clone(&engine),
            recorder,
        });

        let (stop_http, http_stopped) = oneshot::channel::<()>();
        let mut http = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = http_stopped.await;
                })
                .await
        });

        let ended_by_itself = tokio::select! {
            _ = shutdown => None,
            result = &mut http => Some(result),
        };

        tracing::info!("shutting down");
        engine.begin_shutdown();
        let _ = stop_http.send(());
        let result = match ended_by_itself {
            Some(result) => result,
            None => match tokio::time::timeout(HTTP_DRAIN, &mut http).await {
                Ok(result) => result,
                Err(_) => {
                    http.abort();
                    Ok(Ok(()))
                }
            },
        };
        engine.wait_idle(WORKER_DRAIN).await;
        dispatcher.abort();

        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Error::Serve(e)),
            Err(e) => Err(Error::Thread(e.to_string())),
        }
    }
}

/// Binds and serves until `shutdown` completes (what `iron-worker serve` runs).
pub async fn serve(config: ServerConfig, shutdown: impl Future<Output = ()>) -> Result<(), Error> {
    bind(config).await?.run(shutdown).await
}

/// A server running on its own thread with its own tokio runtime (for tests and embedding).
/// Dropping it shuts it down and kills its running workers.
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), Error>>>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl RunningServer {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving, kills running workers, and waits for the thread to end.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            match thread.join() {
                Ok(Err(e)) => tracing::error!("local server stopped with an error: {e}"),
                Err(_) => tracing::error!("local server thread panicked"),
                Ok(Ok(())) => {}
            }
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Starts a server on a background thread and returns once it accepts connections.
pub fn start_background(config: ServerConfig) -> Result<RunningServer, Error> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SocketAddr, Error>>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();

    let thread = std::thread::Builder::new()
        .name("iron-worker-server".to_string())
        .spawn(move || -> Result<(), Error> {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("iron-worker-server")
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(Error::Thread(format!("tokio runtime: {e}"))));
                    return Ok(());
                }
            };
            runtime.block_on(async move {
                match bind(config).await {
                    Ok(bound) => {
                        let _ = ready_tx.send(Ok(bound.local_addr()));
                        bound
                            .run(async {
                                let _ = stop_rx.await;
                            })
                            .await
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        Ok(())
                    }
                }
            })
        })
        .map_err(|e| Error::Thread(e.to_string()))?;

    match ready_rx.recv() {
        Ok(Ok(addr)) => Ok(RunningServer {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(Error::Thread(
                "the server thread ended before it was ready".to_string(),
            ))
        }
    }
}
