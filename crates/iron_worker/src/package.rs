//! Packaging: `createZip` and `zipDirectory`, plus the helpers the client uses on uploads.
//!
//! # What goes into an archive
//! - [`create_zip`] stores each listed path under `base_dir` (a folder *inside* the archive,
//!   `""` for the root), named as given: `create_zip("lib", &["src/a.py"], ..)` stores
//!   `lib/src/a.py`. Paths are read relative to the current directory and must stay inside it:
//!   an absolute path or one with `..` is [`Error::InvalidArgument`], because the path is also
//!   the entry's name. A listed directory is added with everything below it; `"."` adds the
//!   current directory's contents.
//! - [`zip_directory`] stores a folder's contents with names relative to it, so the run file
//!   sits at the archive root.
//! - Nothing is skipped silently: hidden files and folders (`.git`, `.env`) are stored like any
//!   other, so zip a folder that holds only what the worker needs.
//! - The destination archive itself (and its temporary file) is never stored, even when it lies
//!   inside the folder being zipped.
//! - Every folder in the archive has its own entry (`name/`), so empty folders survive the trip
//!   to the worker.
//!
//! # Determinism
//! The same inputs give the same bytes, so an unchanged package can be recognised by its
//! checksum:
//! - entries are sorted by name (byte order) and written once each;
//! - every timestamp is 1980-01-01 00:00:00 (the earliest a zip can hold), so rebuilding an
//!   unchanged tree does not change the archive;
//! - each entry keeps its Unix permission bits (`mode & 0o777`; an executable stays executable),
//!   folders that exist only in the archive (`base_dir`) get `0o755`;
//! - files are deflated at level 6 (the default of Info-ZIP and Python's `zipfile`, a good
//!   speed/size balance), except files that are already compressed (`.zip`, `.gz`, `.jpg`,
//!   `.png`, ... see [`is_precompressed`]) and files deflate would not shrink, which are stored.
//!   Bytes are identical across runs of the same build; the deflate backend is zlib-rs.
//!
//! # Symlinks (a deliberate choice)
//! A package must be self-contained, and a worker runs on another machine, so links are
//! resolved while zipping, never stored as links:
//! - a path listed in `files` (or the `directory` given to [`zip_directory`]) is followed
//!   wherever it points: the caller named it;
//! - inside a folder being zipped, a link to a file or folder *inside that folder* is stored as
//!   the target's content under the link's name;
//! - a link that points outside that folder, a dangling link and a link loop are
//!   [`Error::Packaging`] errors naming the link, rather than a silent skip or a surprise copy
//!   of files from elsewhere.
//!
//! Sockets, FIFOs and devices cannot be zipped: an error names them.
//!
//! # Atomicity
//! The archive is written to a temporary file in the destination's folder, synced to disk and
//! renamed into place. A failure (a missing input, a full disk) leaves no partial file behind
//! and an existing destination untouched. The destination's folder must exist: creating
//! folders the caller did not ask for would hide typos, so a missing one is an error.
//!
//! # Speed
//! Files are read and compressed on all cores, then written in order; at most
//! [`IN_FLIGHT_BYTES`] of input is held in memory at once. Files larger than
//! [`STREAM_THRESHOLD`] are streamed from disk by the writing thread instead.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

mod collect;
mod write;

pub use write::{IN_FLIGHT_BYTES, STREAM_THRESHOLD};

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
    let base = collect::archive_folder(base_dir)?;
    if files.is_empty() {
        return Err(Error::InvalidArgument(
            "files is empty: list at least one file or folder to zip".to_string(),
        ));
    }

    let inputs = files
        .iter()
        .map(|file| collect::Input::check(file.as_ref()))
        .collect::<Result<Vec<_>>>()?;

    let Some(target) = Destination::check(destination, overwrite)? else {
        return Ok(false);
    };

    let entries = collect::from_inputs(&base, &inputs, target.existing_id)?;
    target.write(|file| write::write_archive(&entries, file, destination))
}

/// Zips the contents of `directory`, entries relative to it (the run file sits at the root).
///
/// Same return and overwrite rules as [`create_zip`].
pub fn zip_directory(directory: &Path, destination: &Path, overwrite: bool) -> Result<bool> {
    collect::check_directory(directory)?;

    let Some(target) = Destination::check(destination, overwrite)? else {
        return Ok(false);
    };

    let entries = collect::from_directory(directory, target.existing_id)?;
    if entries.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "directory {} has nothing to zip (it is empty)",
            directory.display()
        )));
    }
    target.write(|file| write::write_archive(&entries, file, destination))
}

/// Copies the archive `src_zip` to `dest` with one more file, `name`, holding `contents`.
///
/// Used to add the PHP runner to the *uploaded copy* of a user's package; the user's file is
/// never modified. An existing entry called `name` is replaced (a package downloaded from the
/// server already holds a runner). Other entries are copied byte for byte. `dest` is written
/// atomically and may be `src_zip` itself.
pub fn with_extra_file(src_zip: &Path, name: &str, contents: &[u8], dest: &Path) -> Result<()> {
    let entry_name = collect::entry_name(name)?;
    let mut archive = open_archive(src_zip)?;

    Destination::replacing(dest)?
        .write(|file| write::copy_with_extra(&mut archive, src_zip, &entry_name, contents, file))?;
    Ok(())
}

/// The names of the entries in `zip`, in the archive's order (folders end with `/`).
///
/// Lets a caller check that the run file is inside a package before uploading it.
pub fn list_entries(zip: &Path) -> Result<Vec<String>> {
    let archive = open_archive(zip)?;

    archive
        .file_names()
        .map(|name| {
            name.map(|n| n.into_owned()).map_err(|e| {
                Error::Packaging(format!(
                    "{} has an unreadable entry name: {e}",
                    zip.display()
                ))
            })
        })
        .collect()
}

/// Writes `destination` atomically: `fill` writes a temporary file in the same folder, which is
/// synced and renamed over `destination` only if `fill` succeeds.
///
/// An existing destination keeps its permission bits; a new one gets the usual `0o666` minus
/// the umask. On any error nothing is left behind and an old `destination` is intact.
pub fn write_atomically(
    destination: &Path,
    fill: impl FnOnce(&mut File) -> Result<()>,
) -> Result<()> {
    Destination::replacing(destination)?.write(fill)?;
    Ok(())
}

/// Whether a file name has the extension of an already-compressed format, which is stored
/// as is: deflating it again costs time and saves nothing.
pub fn is_precompressed(file_name: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "jar", "whl", "gem", "jpg", "jpeg", "png",
        "gif", "webp", "mp3", "mp4", "mov", "pdf", "woff", "woff2",
    ];

    let Some((_, ext)) = file_name.rsplit_once('.') else {
        return false;
    };
    EXTENSIONS
        .iter()
        .any(|known| known.eq_ignore_ascii_case(ext))
}

/// Opens an existing archive for reading, with errors naming it.
fn open_archive(path: &Path) -> Result<zip::ZipArchive<io::BufReader<File>>> {
    let file = File::open(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => Error::FileNotFound {
            path: path.to_path_buf(),
        },
        _ => Error::Io {
            action: "open",
            path: path.to_path_buf(),
            source,
        },
    })?;

    zip::ZipArchive::new(io::BufReader::new(file)).map_err(|e| {
        Error::Packaging(format!(
            "{} is not a readable zip archive: {e}",
            path.display()
        ))
    })
}

/// A checked destination: its folder exists and it may be (over)written.
struct Destination {
    path: PathBuf,
    folder: PathBuf,
    /// Whether a destination that appears while writing may be replaced.
    overwrite: bool,
    /// Identity of an existing destination, so that zipping its own folder skips it.
    existing_id: Option<collect::FileId>,
    /// Permission bits of an existing destination, kept when it is replaced.
    existing_permissions: Option<fs::Permissions>,
}

impl Destination {
    /// Checks `path`; `None` when it exists and must not be overwritten.
    fn check(path: &Path, overwrite: bool) -> Result<Option<Destination>> {
        if path.file_name().is_none() {
            return Err(Error::InvalidArgument(format!(
                "destination {:?} does not name a file",
                path.display().to_string()
            )));
        }

        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        match fs::metadata(&folder) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(Error::Packaging(format!(
                    "cannot write {}: {} is not a folder",
                    path.display(),
                    folder.display()
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::Packaging(format!(
                    "cannot write {}: its folder {} does not exist (create it first)",
                    path.display(),
                    folder.display()
                )))
            }
            Err(source) => {
                return Err(Error::Io {
                    action: "inspect the destination folder",
                    path: folder,
                    source,
                })
            }
        }

        let (existing_id, existing_permissions) = match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(Error::InvalidArgument(format!(
                    "destination {} is a directory, not a zip file",
                    path.display()
                )))
            }
            Ok(_) if !overwrite => return Ok(None),
            Ok(meta) => (collect::FileId::of(&meta), Some(meta.permissions())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => (None, None),
            Err(source) => {
                return Err(Error::Io {
                    action: "inspect the destination",
                    path: path.to_path_buf(),
                    source,
                })
            }
        };

        Ok(Some(Destination {
            path: path.to_path_buf(),
            folder,
            overwrite,
            existing_id,
            existing_permissions,
        }))
    }

    /// Checks `path` for writing whether or not it exists.
    fn replacing(path: &Path) -> Result<Destination> {
        Destination::check(path, true)?.ok_or_else(|| {
            Error::Packaging(format!(
                "internal error: {} may not be replaced",
                path.display()
            ))
        })
    }

    /// Runs `fill` on a temporary file beside the destination, then moves it into place.
    ///
    /// Returns `Ok(false)` when an overwrite was not allowed and the destination appeared in
    /// the meantime (it is left untouched).
    fn write(self, fill: impl FnOnce(&mut File) -> Result<()>) -> Result<bool> {
        let overwrite = self.overwrite;
        let mut temp = self.temp_file()?;

        fill(temp.as_file_mut())?;
        temp.as_file().sync_all().map_err(|source| Error::Io {
            action: "sync",
            path: temp.path().to_path_buf(),
            source,
        })?;
        if let Some(permissions) = &self.existing_permissions {
            temp.as_file()
                .set_permissions(permissions.clone())
                .map_err(|source| Error::Io {
                    action: "set permissions on",
                    path: temp.path().to_path_buf(),
                    source,
                })?;
        }

        let persisted = if overwrite {
            temp.persist(&self.path)
        } else {
            temp.persist_noclobber(&self.path)
        };
        match persisted {
            Ok(_) => {}
            Err(e) if !overwrite && e.error.kind() == io::ErrorKind::AlreadyExists => {
                return Ok(false)
            }
            Err(e) => {
                return Err(Error::Io {
                    action: "move the finished archive into place at",
                    path: self.path,
                    source: e.error,
                })
            }
        }

        // Make the rename itself durable. Some filesystems refuse to sync a folder; the file
        // is complete and in place either way, so that is not worth failing for.
        if let Ok(folder) = File::open(&self.folder) {
            let _ = folder.sync_all();
        }
        Ok(true)
    }

    /// Creates the temporary file, hidden and named after the destination.
    fn temp_file(&self) -> Result<tempfile::NamedTempFile> {
        let stem = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{stem}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }

        builder
            .tempfile_in(&self.folder)
            .map_err(|source| Error::Io {
                action: "create a temporary file in",
                path: self.folder.clone(),
                source,
            })
    }
}
