//! `iron-worker serve`: the local server, until SIGINT or SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use iron_worker_server::{bind, generate_token, ServerConfig};

/// Options of `iron-worker serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Loopback by default: whoever holds the token can run code here.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,

    /// Port to listen on; 0 picks a free one (the line printed at start shows it).
    #[arg(long, default_value_t = 8080)]
    port: u16,

    /// Where state (SQLite), code packages and logs are kept.
    #[arg(long, default_value = ".iron-worker-data")]
    data_dir: PathBuf,

    /// The token clients must send. Without it and without IRON_TOKEN, one is generated
    /// and printed once.
    #[arg(long, env = "IRON_TOKEN", hide_env_values = true)]
    token: Option<String>,

    /// Tasks that may run at once (default: the number of CPU cores).
    #[arg(long)]
    workers: Option<usize>,

    /// Longest a task may run, in seconds; also the timeout of tasks queued without one.
    #[arg(long, default_value_t = 3600)]
    max_timeout: u64,
}

/// Runs the server; the exit code says whether it stopped cleanly.
pub fn run(args: ServeArgs) -> ExitCode {
    init_logging();

    let token = match args.token.filter(|t| !t.trim().is_empty()) {
        Some(token) => token,
        None => {
            let token = generate_token();
            // Printed once, on stderr, so stdout keeps exactly the "listening" line.
            eprintln!("iron-worker: no --token or IRON_TOKEN given; generated token: {token}");
            token
        }
    };

    let mut config = ServerConfig::new(args.data_dir, token);
    config.host = args.host;
    config.port = args.port;
    config.max_timeout_secs = args.max_timeout.max(1);
    if let Some(workers) = args.workers {
        if workers == 0 {
            eprintln!("iron-worker: --workers must be at least 1");
            return ExitCode::from(2);
        }
        config.workers = workers;
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("iron-worker: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };

    runtime.block_on(async move {
        let server = match bind(config).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("iron-worker: {e}");
                return ExitCode::FAILURE;
            }
        };

        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "iron-worker: listening on {}", server.url());
        let _ = stdout.flush();

        match server.run(shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("iron-worker: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("iron-worker: cannot watch SIGTERM: {e}");
                None
            }
        };
    let terminated = async {
        match terminate.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = interrupt => {}
        _ = terminated => {}
    }
}

/// Logs to stderr; `RUST_LOG` picks the level (default: info for the server).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("iron_worker_server=info,warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
