//! The local server for benchmark items 2 and 4: `iron-worker serve` with larger limits.
//!
//! The stock server refuses request bodies over 64 KB (the documented API limit; the official
//! client's 1,000-task batch is about 150 KB) and code uploads over 256 MB, and
//! `iron-worker serve` has no flag to raise either. So those two items run against this thin
//! wrapper of the same library (`iron_worker_server::bind`): same routes, storage, queue and
//! unpacking, only `max_body_bytes` and `max_upload_bytes` raised. Every other item is
//! measured on the real `iron-worker` binary.
//!
//! ```text
//! IRON_BENCH_TOKEN=... bench_server DATA_DIR MAX_UPLOAD_MB MAX_BODY_KB
//! ```
//!
//! Prints `iron-worker: listening on http://127.0.0.1:PORT` once it accepts connections and
//! runs until SIGTERM or SIGINT.

use std::io::Write;
use std::process::ExitCode;

use iron_worker_server::{bind, ServerConfig};

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let [data_dir, max_mb, max_body_kb] = argv.as_slice() else {
        eprintln!("usage: bench_server DATA_DIR MAX_UPLOAD_MB MAX_BODY_KB");
        return ExitCode::from(2);
    };
    let Ok(max_mb) = max_mb.parse::<u64>() else {
        eprintln!("bench_server: MAX_UPLOAD_MB must be a whole number (got {max_mb:?})");
        return ExitCode::from(2);
    };
    let Ok(max_body_kb) = max_body_kb.parse::<usize>() else {
        eprintln!("bench_server: MAX_BODY_KB must be a whole number (got {max_body_kb:?})");
        return ExitCode::from(2);
    };
    let Ok(token) = std::env::var("IRON_BENCH_TOKEN") else {
        eprintln!("bench_server: IRON_BENCH_TOKEN is not set");
        return ExitCode::from(2);
    };

    let mut config = ServerConfig::new(data_dir, token);
    config.port = 0;
    config.max_upload_bytes = max_mb * 1024 * 1024;
    config.max_body_bytes = max_body_kb * 1024;
    config.max_unpacked_bytes = config.max_unpacked_bytes.max(2 * config.max_upload_bytes);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench_server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };

    runtime.block_on(async move {
        let server = match bind(config).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("bench_server: {e}");
                return ExitCode::FAILURE;
            }
        };

        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "iron-worker: listening on {}", server.url());
        let _ = stdout.flush();

        match server.run(shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench_server: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Completes on SIGINT or SIGTERM (or at once if SIGTERM cannot be watched).
async fn shutdown_signal() {
    let Ok(mut terminate) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}
