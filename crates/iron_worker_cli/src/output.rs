//! What commands print: results on stdout (JSON with `--json`, plain text otherwise), notes
//! on stderr.
//!
//! Plain output is made for people and for simple scripts: a command that creates something
//! prints its id alone on a line, lists are aligned columns, details are `key: value` lines
//! holding every field the server sent.

use std::io::{self, Write};

use serde_json::Value;

/// How one column of a table gets its text from an item.
pub type Cell = fn(&Value) -> String;

/// Standard output, in the format chosen by `--json`.
#[derive(Debug)]
pub struct Out {
    json: bool,
}

impl Out {
    /// Output in JSON when `json` is set, plain text otherwise.
    pub fn new(json: bool) -> Out {
        Out { json }
    }

    /// Whether `--json` was given.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints a JSON document, indented.
    pub fn json(&self, value: &Value) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        serde_json::to_writer_pretty(&mut stdout, value)?;
        writeln!(stdout)?;
        stdout.flush()
    }

    /// Prints one line.
    pub fn line(&self, text: &str) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "{text}")?;
        stdout.flush()
    }

    /// Prints raw bytes (a log, a zip).
    pub fn bytes(&self, bytes: &[u8]) -> io::Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(bytes)?;
        stdout.flush()
    }

    /// Prints every field of an object as an aligned `key: value` line, in the server's order.
    pub fn details(&self, value: &Value) -> io::Result<()> {
        let Some(fields) = value.as_object() else {
            return self.line(&text(value));
        };
        let width = fields.keys().map(String::len).max().unwrap_or(0) + 1;

        let mut stdout = io::stdout().lock();
        for (key, value) in fields {
            writeln!(stdout, "{:<width$} {}", format!("{key}:"), text(value))?;
        }
        stdout.flush()
    }

    /// Prints the items of a JSON array as aligned columns under a header.
    pub fn table(&self, items: &Value, columns: &[(&str, Cell)]) -> io::Result<()> {
        let items = items.as_array().map(Vec::as_slice).unwrap_or_default();
        let mut rows: Vec<Vec<String>> = vec![columns.iter().map(|c| c.0.to_string()).collect()];
        rows.extend(
            items
                .iter()
                .map(|item| columns.iter().map(|(_, cell)| cell(item)).collect()),
        );

        let mut widths = vec![0; columns.len()];
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }

        let mut stdout = io::stdout().lock();
        for row in &rows {
            let mut line = String::new();
            for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
                if i + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<width$}  "));
                }
            }
            writeln!(stdout, "{}", line.trim_end())?;
        }
        stdout.flush()
    }
}

/// Prints a note for people on stderr (progress, statuses); never part of the result.
pub fn note(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "{text}");
}

/// A value as plain text: strings as they are, `null` as `-`, anything else as JSON.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

/// The text of one field of an item (`-` when absent).
pub fn field(item: &Value, name: &str) -> String {
    item.get(name).map(text).unwrap_or_else(|| "-".to_string())
}

/// Where a followed log is written (stdout, or stderr with `--json`); remembers whether its
/// reader went away, so that `... --follow | head` ends quietly.
pub struct LogSink {
    to_stderr: bool,
    closed: bool,
}

impl LogSink {
    /// The log sink for the output format: stderr when stdout is for JSON.
    pub fn new(out: &Out) -> LogSink {
        LogSink {
            to_stderr: out.is_json(),
            closed: false,
        }
    }

    /// Whether a write failed because the reader closed the pipe.
    pub fn closed(&self) -> bool {
        self.closed
    }

    fn watch(&mut self, result: io::Result<()>) -> io::Result<()> {
        if let Err(e) = &result {
            self.closed |= e.kind() == io::ErrorKind::BrokenPipe;
        }
        result
    }
}

impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = if self.to_stderr {
            io::stderr().lock().write_all(buf)
        } else {
            io::stdout().lock().write_all(buf)
        };
        self.watch(result).map(|()| buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = if self.to_stderr {
            io::stderr().lock().flush()
        } else {
            io::stdout().lock().flush()
        };
        self.watch(result)
    }
}
