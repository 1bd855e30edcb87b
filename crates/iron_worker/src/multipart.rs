//! The `multipart/form-data` body of a code upload, streamed from disk.
//!
//! The form has two parts: `data` (the JSON description of the code) and `file` (the zip).
//! The body is a chain of three readers (the headers and `data` part in memory, the zip file
//! itself, the closing boundary in memory), so memory use does not depend on the package size,
//! and its exact length is known up front for the `Content-Length` header.

use std::fmt;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::client::UploadProgress;
use crate::error::{Error, Result};

/// A code upload form: everything but the zip's bytes, which are read when sent.
#[derive(Debug)]
pub(crate) struct UploadForm {
    boundary: String,
    preamble: Vec<u8>,
    zip_path: PathBuf,
    zip_len: u64,
    epilogue: Vec<u8>,
    progress: Option<ProgressHook>,
}

/// The caller's progress callback; a newtype so that [`UploadForm`] can derive `Debug`.
#[derive(Clone)]
struct ProgressHook(Arc<UploadProgress>);

impl fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressHook")
    }
}

impl UploadForm {
    /// Describes the form for `data` and the zip at `zip_path` (which must exist).
    pub(crate) fn new(data: &Value, zip_path: &Path, file_name: &str) -> Result<UploadForm> {
        let zip_len = std::fs::metadata(zip_path)
            .map_err(|source| Error::Io {
                action: "read",
                path: zip_path.to_path_buf(),
                source,
            })?
            .len();

        let data = data.to_string();
        let boundary = loop {
            let candidate = format!(
                "iron-worker-{:016x}{:016x}",
                fastrand::u64(..),
                fastrand::u64(..)
            );
            if !data.contains(&candidate) {
                break candidate;
            }
        };

        let preamble = format!(
            "--{boundary}\r\n\
             Content-Disposition: form-data; name=\"data\"\r\n\
             Content-Type: application/json\r\n\
             \r\n\
             {data}\r\n\
             --{boundary}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
             Content-Type: application/zip\r\n\
             \r\n",
            quote_file_name(file_name),
        );
        let epilogue = format!("\r\n--{boundary}--\r\n");

        Ok(UploadForm {
            boundary,
            preamble: preamble.into_bytes(),
            zip_path: zip_path.to_path_buf(),
            zip_len,
            epilogue: epilogue.into_bytes(),
            progress: None,
        })
    }

    /// Reports the bytes read for sending to `progress`, as `(sent, total)`.
    ///
    /// Each attempt starts again from `(0, total)`, so a resent upload is reported from zero.
    pub(crate) fn with_progress(mut self, progress: Arc<UploadProgress>) -> UploadForm {
        self.progress = Some(ProgressHook(progress));
        self
    }

    /// The `Content-Type` header value, with the boundary.
    pub(crate) fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The exact number of bytes [`UploadForm::reader`] yields.
    pub(crate) fn content_length(&self) -> u64 {
        self.preamble.len() as u64 + self.zip_len + self.epilogue.len() as u64
    }

    /// A fresh reader over the whole body (the zip is opened again, so a retry can resend it).
    pub(crate) fn reader(&self) -> Result<Box<dyn Read + Send + 'static>> {
        let file = File::open(&self.zip_path).map_err(|source| Error::Io {
            action: "open",
            path: self.zip_path.clone(),
            source,
        })?;
        let zip = ExactFile {
            file,
            path: self.zip_path.clone(),
            remaining: self.zip_len,
        };

        let body = Cursor::new(self.preamble.clone())
            .chain(zip)
            .chain(Cursor::new(self.epilogue.clone()));

        let Some(ProgressHook(hook)) = &self.progress else {
            return Ok(Box::new(body));
        };
        let total = self.content_length();
        hook(0, total);
        Ok(Box::new(Counted {
            inner: body,
            sent: 0,
            total,
            hook: Arc::clone(hook),
        }))
    }
}

/// A body reader that reports how much of it has been read.
struct Counted<R> {
    inner: R,
    sent: u64,
    total: u64,
    hook: Arc<UploadProgress>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        if read > 0 {
            self.sent += read as u64;
            (self.hook)(self.sent, self.total);
        }
        Ok(read)
    }
}

/// Makes a file name safe inside a quoted `Content-Disposition` parameter.
fn quote_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.is_empty() {
        "package.zip".to_string()
    } else {
        cleaned
    }
}

/// The zip file, read up to exactly the length announced in `Content-Length`.
///
/// A file that shrank since it was measured fails with a [`LocalFileError`] naming it, instead
/// of sending a short body the server would wait for forever; a file that grew is cut at the
/// announced length (the server then rejects a truncated archive).
struct ExactFile {
    file: File,
    path: PathBuf,
    remaining: u64,
}

impl Read for ExactFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }

        let limit = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let read = match self.file.read(&mut buf[..limit]) {
            Ok(0) => {
                let what = "the file shrank while it was being uploaded".to_string();
                let source = io::Error::new(io::ErrorKind::UnexpectedEof, what);
                return Err(LocalFileError::wrap(&self.path, source));
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => return Err(LocalFileError::wrap(&self.path, e)),
        };

        self.remaining -= read as u64;
        Ok(read)
    }
}

/// An error reading the local zip during an upload, told apart from network errors.
#[derive(Debug)]
pub(crate) struct LocalFileError {
    pub(crate) path: PathBuf,
    pub(crate) source: io::Error,
}

impl LocalFileError {
    fn wrap(path: &Path, source: io::Error) -> io::Error {
        let kind = source.kind();
        io::Error::new(
            kind,
            LocalFileError {
                path: path.to_path_buf(),
                source,
            },
        )
    }

    /// Finds a [`LocalFileError`] inside an I/O error raised while sending.
    pub(crate) fn find(error: &io::Error) -> Option<&LocalFileError> {
        error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<LocalFileError>())
    }
}

impl fmt::Display for LocalFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for LocalFileError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn body_length_matches_content_length() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("w.zip");
        std::fs::File::create(&zip)
            .unwrap()
            .write_all(&[7u8; 1000])
            .unwrap();

        let data = serde_json::json!({"name": "w", "file_name": "a.py"});
        let form = UploadForm::new(&data, &zip, "w\".zip").unwrap();
        let mut body = Vec::new();
        form.reader().unwrap().read_to_end(&mut body).unwrap();

        assert_eq!(body.len() as u64, form.content_length());
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("filename=\"w_.zip\""));
        assert!(text.contains(r#"{"name":"w","file_name":"a.py"}"#));
        assert!(text.ends_with(&format!("\r\n--{}--\r\n", form.boundary)));
        assert!(form.content_type().ends_with(&form.boundary));
    }

    #[test]
    fn a_shrunken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("w.zip");
        std::fs::write(&zip, [1u8; 100]).unwrap();

        let form = UploadForm::new(&serde_json::json!({}), &zip, "w.zip").unwrap();
        std::fs::write(&zip, [1u8; 10]).unwrap();
        let err = form
            .reader()
            .unwrap()
            .read_to_end(&mut Vec::new())
            .unwrap_err();

        let local = LocalFileError::find(&err).unwrap();
        assert_eq!(local.path, zip);
        assert!(local.to_string().contains("shrank"));
    }
}
