//! The one error type of the core, with kinds a caller (or a binding) can match.

use std::path::PathBuf;

/// Result alias used across the core.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong, each message saying what was asked and what went wrong.
///
/// Messages never contain the token (see [`crate::Token`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Configuration is missing or malformed (names the file and key).
    #[error("configuration error: {0}")]
    Config(String),

    /// An input file or directory the user named does not exist.
    #[error("file not found: {}", path.display())]
    FileNotFound {
        /// The path as the user gave it.
        path: PathBuf,
    },

    /// Reading or writing a file failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("read", "write", "rename", ...).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// Building or inspecting an archive failed.
    #[error("packaging error: {0}")]
    Packaging(String),

    /// The server answered with a non-success status.
    #[error("HTTP {status} for {method} {path}: {msg}")]
    Http {
        /// HTTP status code.
        status: u16,
        /// The server's `msg` (or body text when it had no JSON `msg`).
        msg: String,
        /// Request method.
        method: String,
        /// Request path, without query string (so no `oauth=` token).
        path: String,
    },

    /// A request or a wait did not finish in time.
    #[error("timed out: {0}")]
    Timeout(String),

    /// The server could not be reached or the connection broke.
    #[error("connection error: {0}")]
    Connection(String),

    /// The server's answer could not be understood.
    #[error("invalid response: {0}")]
    Decode(String),

    /// An argument given by the caller is invalid (names the argument).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The caller's [`crate::client::Interrupt`] asked a waiting call to stop (says what it
    /// was doing). Bindings raise the interpreter's own pending exception instead, such as
    /// Python's `KeyboardInterrupt` or Ruby's `Timeout::Error`.
    ///
    /// A call stops only between polls or before resending a request that may be resent, so
    /// making the same call again never repeats an effect on the server (a task is not queued
    /// twice). `follow_log` made again writes the log again from its start.
    #[error("interrupted {0}")]
    Interrupted(String),
}

/// The kind of an [`Error`], for bindings mapping errors to exception classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::Config`].
    Config,
    /// See [`Error::FileNotFound`].
    FileNotFound,
    /// See [`Error::Io`].
    Io,
    /// See [`Error::Packaging`].
    Packaging,
    /// See [`Error::Http`].
    Http,
    /// See [`Error::Timeout`].
    Timeout,
    /// See [`Error::Connection`].
    Connection,
    /// See [`Error::Decode`].
    Decode,
    /// See [`Error::InvalidArgument`].
    InvalidArgument,
    /// See [`Error::Interrupted`].
    Interrupted,
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) => ErrorKind::Config,
            Error::FileNotFound { .. } => ErrorKind::FileNotFound,
            Error::Io { .. } => ErrorKind::Io,
            Error::Packaging(_) => ErrorKind::Packaging,
            Error::Http { .. } => ErrorKind::Http,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::Connection(_) => ErrorKind::Connection,
            Error::Decode(_) => ErrorKind::Decode,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::Interrupted(_) => ErrorKind::Interrupted,
        }
    }

    /// The HTTP status, for [`Error::Http`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's message, for [`Error::Http`].
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Error::Http { msg, .. } => Some(msg),
            _ => None,
        }
    }

    /// The path concerned, for file errors.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::FileNotFound { path } | Error::Io { path, .. } => Some(path),
            _ => None,
        }
    }
}
