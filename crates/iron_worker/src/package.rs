//! Packaging: `createZip` and `zipDirectory`.
//!
//! Archives are deterministic (sorted entries, fixed timestamps, Unix modes kept) and written
//! to a temporary file beside the destination, then renamed into place: no half-written zip
//! ever exists and a failure leaves the old destination intact.
//!
//! SKELETON: signatures are fixed; bodies are being written.

use std::path::Path;

use crate::error::Result;

/// Zips `files` (read relative to the current directory) under the folder `base_dir` inside
/// the archive (`""`: the archive root).
///
/// Returns `Ok(false)` without touching anything when `destination` exists and `overwrite` is
/// false; `Ok(true)` when the archive was written. A missing input is
/// [`crate::Error::FileNotFound`] naming it.
pub fn create_zip<P: AsRef<Path>>(
    base_dir: &str,
    files: &[P],
    destination: &Path,
    overwrite: bool,
) -> Result<bool> {
    let _ = (base_dir, files, destination, overwrite);
    todo!()
}

/// Zips the contents of `directory`, entries relative to it (the run file sits at the root).
///
/// Same return and overwrite rules as [`create_zip`].
pub fn zip_directory(directory: &Path, destination: &Path, overwrite: bool) -> Result<bool> {
    let _ = (directory, destination, overwrite);
    todo!()
}
