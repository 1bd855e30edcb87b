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

    /// Largest request body other than a code upload, such as a batch of tasks (default: 64K,
    /// the documented API limit). Bytes, or a number with K, M or G (binary units).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_body_bytes: Option<u64>,

    /// Largest code upload request (default: 256M). Bytes, or a number with K, M or G.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_upload_bytes: Option<u64>,

    /// Largest unpacked size of a code package, checked at upload (default: 1G). Bytes, or a
    /// number with K, M or G.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_unpacked_bytes: Option<u64>,
}

/// Parses a size given to a `--max-*-bytes` flag: bytes, or a whole number followed by K, M
/// or G (powers of 1024; `KB`, `KiB` and lowercase are accepted too). Zero is refused: it
/// would turn every request away.
fn parse_size(text: &str) -> Result<u64, String> {
    let expected = "expected a number of bytes, or one with K, M or G (e.g. 65536, 64K, 1G)";
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);

    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{text:?} is not a size: {expected}")),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size: {expected}"))?;
    let bytes = number
        .checked_mul(scale)
        .ok_or_else(|| format!("{text:?} is too large"))?;

    if bytes == 0 {
        return Err("the limit must be at least 1 byte".to_string());
    }
    Ok(bytes)
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
    if let Some(bytes) = args.max_body_bytes {
        let Ok(bytes) = usize::try_from(bytes) else {
            eprintln!("iron-worker: --max-body-bytes {bytes} does not fit in memory");
            return ExitCode::from(2);
        };
        config.max_body_bytes = bytes;
    }
    if let Some(bytes) = args.max_upload_bytes {
        config.max_upload_bytes = bytes;
    }
    if let Some(bytes) = args.max_unpacked_bytes {
        config.max_unpacked_bytes = bytes;
    }
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

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_take_bytes_or_binary_units() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64K"), Ok(64 * 1024));
        assert_eq!(parse_size("64kb"), Ok(64 * 1024));
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size(" 2 g "), Ok(2 << 30));
    }

    #[test]
    fn bad_sizes_are_refused_with_the_reason() {
        for bad in ["", "K", "-1", "1.5M", "12T", "ten", "1MM"] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.contains("is not a size"), "{bad:?}: {err}");
        }
        assert!(parse_size("0").unwrap_err().contains("at least 1 byte"));
        assert!(parse_size("99999999999999999999")
            .unwrap_err()
            .contains("is not a size"));
        assert!(parse_size("18014398509481984G")
            .unwrap_err()
            .contains("too large"));
    }
}
