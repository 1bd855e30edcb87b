//! Errors of starting and running the server (not API errors: see `api::error`).

use std::path::PathBuf;

/// Why the server could not start or stopped with a failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is unusable (e.g. an empty token).
    #[error("invalid server configuration: {0}")]
    Config(String),

    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },

    /// A file or directory under the data directory could not be used.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },

    /// The SQLite state database failed.
    #[error("state database: {0}")]
    Database(#[from] rusqlite::Error),

    /// Serving HTTP failed.
    #[error("server: {0}")]
    Serve(std::io::Error),

    /// The background server thread could not be started or died.
    #[error("server thread: {0}")]
    Thread(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
