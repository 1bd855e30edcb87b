//! The global options: where the client's configuration comes from, `--json` and `-v`.
//!
//! They may be given before or after the command (`iron-worker --json tasks` or
//! `iron-worker tasks --json`); after it wins. They become a [`ConfigOptions`] map, resolved
//! by the core's loader exactly as the Python, Ruby and PHP constructors resolve theirs.

use std::path::PathBuf;

use clap::{ArgAction, Args};
use iron_worker::{Client, ConfigOptions};
use serde_json::{Map, Value};

use crate::exit::CliError;

/// Options every client command accepts.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Config file (INI or JSON) with token, project_id, host, port, protocol.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// API token; beats every config file and IRON_TOKEN. Other local users can see it in
    /// the process list: prefer a config file or IRON_TOKEN.
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,

    /// Project id.
    #[arg(long, value_name = "ID")]
    project_id: Option<String>,

    /// API host (default worker-aws-us-east-1.iron.io).
    #[arg(long, value_name = "HOST")]
    host: Option<String>,

    /// API port (default 443).
    #[arg(long, value_name = "PORT")]
    port: Option<String>,

    /// http or https (default https).
    #[arg(long, value_name = "PROTOCOL")]
    protocol: Option<String>,

    /// Print the server's answers as JSON on stdout (one document per command); streamed
    /// logs then go to stderr.
    #[arg(long)]
    json: bool,

    /// Log each request to stderr (method, path, status, time; never the token). -vv logs
    /// more.
    #[arg(short, long, action = ArgAction::Count)]
    verbose: u8,
}

impl GlobalArgs {
    /// Whether any option was given.
    pub fn is_given(&self) -> bool {
        self.config.is_some()
            || self.token.is_some()
            || self.project_id.is_some()
            || self.host.is_some()
            || self.port.is_some()
            || self.protocol.is_some()
            || self.json
            || self.verbose > 0
    }

    /// The options given before the command, overridden by those given after it.
    pub fn merge(before: GlobalArgs, after: GlobalArgs) -> GlobalArgs {
        GlobalArgs {
            config: after.config.or(before.config),
            token: after.token.or(before.token),
            project_id: after.project_id.or(before.project_id),
            host: after.host.or(before.host),
            port: after.port.or(before.port),
            protocol: after.protocol.or(before.protocol),
            json: before.json || after.json,
            verbose: before.verbose.saturating_add(after.verbose),
        }
    }

    /// Whether `--json` was given.
    pub fn json(&self) -> bool {
        self.json
    }

    /// Builds the client: the options given here, then the config file and the environment.
    pub fn client(&self) -> Result<Client, CliError> {
        let mut values = Map::new();
        let given = [
            ("token", &self.token),
            ("project_id", &self.project_id),
            ("host", &self.host),
            ("port", &self.port),
            ("protocol", &self.protocol),
        ];
        for (key, value) in given {
            if let Some(value) = value {
                values.insert(key.to_string(), Value::from(value.as_str()));
            }
        }

        let options = ConfigOptions::from_map(self.config.clone(), &values)?;
        Ok(Client::from_options(&options)?)
    }

    /// Installs request logging on stderr when `-v` was given (the core logs each request
    /// with `tracing`; nothing it logs contains the token).
    pub fn init_logging(&self) {
        let level = match self.verbose {
            0 => return,
            1 => "iron_worker=debug",
            _ => "iron_worker=trace",
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(level))
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_target(false)
            .try_init();
    }
}
