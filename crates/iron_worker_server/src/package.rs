//! Code packages on disk: checking an uploaded zip, unpacking it once per revision, and
//! giving each task its own copy.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use crate::config::Paths;
use crate::ids::new_id;

/// Why an archive was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PackageError {
    /// Not a zip, or a corrupt one.
    #[error("the uploaded file is not a valid zip archive: {0}")]
    NotZip(String),

    /// An entry would land outside the task directory.
    #[error("zip entry {name:?} is refused: {reason}")]
    Unsafe { name: String, reason: &'static str },

    /// The unpacked size is over the limit.
    #[error("the archive unpacks to more than the limit of {limit} bytes")]
    TooLarge { limit: u64 },

    /// The disk failed.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> PackageError + '_ {
    move |source| PackageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Checks an entry name: relative, no `..`, no NUL, no drive or backslash tricks.
fn safe_relative(name: &str) -> Result<PathBuf, &'static str> {
    if name.contains('\0') {
        return Err("its name contains a NUL byte");
    }
    if name.starts_with('/') || name.starts_with('\\') {
        return Err("it has an absolute path");
    }
    if name.len() >= 2 && name.as_bytes()[1] == b':' {
        return Err("it has a drive-letter path");
    }

    let mut out = PathBuf::new();
    for part in name.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return Err("its path contains `..` and would land outside the task directory"),
            p => out.push(p),
        }
    }
    Ok(out)
}

/// Checks that a symlink at `entry` (relative) pointing to `target` stays inside the root.
fn symlink_stays_inside(entry: &Path, target: &str) -> bool {
    if target.starts_with('/') || target.contains('\0') {
        return false;
    }

    let mut depth: i64 = entry.components().count() as i64 - 1;
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => depth += 1,
        }
    }
    true
}

/// What unpacking found.
#[derive(Debug, Default)]
pub(crate) struct Unpacked {
    /// Regular files, relative to the root (for checking `file_name`).
    pub files: Vec<PathBuf>,
    /// Bytes written.
    pub size: u64,
}

/// Checks every entry of the zip at `zip_path` and unpacks it into `dest` (which must not
/// exist). Refuses absolute paths, `..`, symlinks pointing out, and more than `max_bytes`
/// unpacked. On error `dest` is removed.
pub(crate) fn unpack(
    zip_path: &Path,
    dest: &Path,
    max_bytes: u64,
) -> Result<Unpacked, PackageError> {
    let result = unpack_inner(zip_path, dest, max_bytes);
    if result.is_err() {
        let _ = fs::remove_dir_all(dest);
    }
    result
}

fn unpack_inner(zip_path: &Path, dest: &Path, max_bytes: u64) -> Result<Unpacked, PackageError> {
    let file = fs::File::open(zip_path).map_err(io_err(zip_path))?;
    let mut archive = zip::ZipArchive::new(io::BufReader::new(file))
        .map_err(|e| PackageError::NotZip(e.to_string()))?;

    // First pass: names, symlinks and declared sizes, so nothing is written for a bad archive.
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| PackageError::NotZip(e.to_string()))?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        safe_relative(&name).map_err(|reason| PackageError::Unsafe {
            name: name.clone(),
            reason,
        })?;
        if entry.enclosed_name().is_none() {
            return Err(PackageError::Unsafe {
                name,
                reason: "its path would land outside the task directory",
            });
        }
        declared = declared.saturating_add(entry.size());
        if declared > max_bytes {
            return Err(PackageError::TooLarge { limit: max_bytes });
        }
    }

    fs::create_dir_all(dest).map_err(io_err(dest))?;
    let mut out = Unpacked::default();

    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| PackageError::NotZip(e.to_string()))?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let rel = safe_relative(&name).map_err(|reason| PackageError::Unsafe {
            name: name.clone(),
            reason,
        })?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        let path = dest.join(&rel);

        if entry.is_dir() {
            fs::create_dir_all(&path).map_err(io_err(&path))?;
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        remove_existing(&path)?;

        if entry.is_symlink() {
            let mut target = String::new();
            entry
                .by_ref()
                .take(4096)
                .read_to_string(&mut target)
                .map_err(|e| PackageError::NotZip(e.to_string()))?;
            if !symlink_stays_inside(&rel, &target) {
                return Err(PackageError::Unsafe {
                    name,
                    reason: "it is a symlink pointing outside the task directory",
                });
            }
            std::os::unix::fs::symlink(&target, &path).map_err(io_err(&path))?;
            continue;
        }

        let remaining = max_bytes.saturating_sub(out.size);
        let mut f = fs::File::create(&path).map_err(io_err(&path))?;
        let written = io::copy(&mut entry.by_ref().take(remaining + 1), &mut f)
            .map_err(|e| PackageError::NotZip(format!("entry {name:?}: {e}")))?;
        if written > remaining {
            return Err(PackageError::TooLarge { limit: max_bytes });
        }
        out.size += written;
        f.flush().map_err(io_err(&path))?;

        // Keep the archive's execute bits; always let the owner read and write.
        let mode = entry.unix_mode().map(|m| m & 0o777).unwrap_or(0o644) | 0o600;
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).map_err(io_err(&path))?;
        out.files.push(rel);
    }
    Ok(out)
}

/// Removes a file or symlink already at `path` (a later entry replaces an earlier one; never
/// write through a symlink).
fn remove_existing(path: &Path) -> Result<(), PackageError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path).map_err(io_err(path)),
        Ok(_) => fs::remove_file(path).map_err(io_err(path)),
        Err(_) => Ok(()),
    }
}

/// Makes sure the unpacked tree of a revision exists; unpacks its zip again if the cache was
/// removed. Safe to call from several tasks at once.
pub(crate) fn ensure_cache(
    paths: &Paths,
    revision_id: &str,
    has_zip: bool,
    max_bytes: u64,
) -> Result<PathBuf, PackageError> {
    let cache = paths.package_cache(revision_id);
    if cache.is_dir() {
        return Ok(cache);
    }

    let tmp = paths.tmp().join(format!("cache-{}", new_id()));
    if has_zip {
        unpack(&paths.package_zip(revision_id), &tmp, max_bytes)?;
    } else {
        fs::create_dir_all(&tmp).map_err(io_err(&tmp))?;
    }
    if let Err(e) = fs::rename(&tmp, &cache) {
        let _ = fs::remove_dir_all(&tmp);
        if !cache.is_dir() {
            return Err(PackageError::Io {
                path: cache,
                source: e,
            });
        }
    }
    Ok(cache)
}

/// Copies a tree: files with their permissions, symlinks as symlinks.
///
/// A copy, not hard links: a worker that writes to one of its files must not change the
/// cache that the next task starts from.
pub(crate) fn copy_tree(src: &Path, dst: &Path) -> io::Result<()> {
    fs::create_dir_all(dst)?;
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&from, &to)?;
        } else if kind.is_symlink() {
            let target = fs::read_link(&from)?;
            std::os::unix::fs::symlink(target, &to)?;
        } else {
            fs::copy(&from, &to)?;
        }
    }
    Ok(())
}

/// True if `rel` names a regular file (or a symlink to one) inside `root`.
pub(crate) fn has_file(root: &Path, rel: &str) -> bool {
    match safe_relative(rel) {
        Ok(p) if !p.as_os_str().is_empty() => root.join(p).is_file(),
        _ => false,
    }
}

/// Checks a run file name from the API (relative, no `..`).
pub(crate) fn check_run_file(rel: &str) -> Result<PathBuf, &'static str> {
    let p = safe_relative(rel)?;
    if p.as_os_str().is_empty() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err("it is empty");
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(safe_relative("a/b.py").is_ok());
        assert!(safe_relative("./a/b.py").is_ok());
        assert!(safe_relative("../x").is_err());
        assert!(safe_relative("a/../../x").is_err());
        assert!(safe_relative("/etc/passwd").is_err());
        assert!(safe_relative("C:\\x").is_err());
        assert!(safe_relative("a\\..\\..\\x").is_err());
    }

    #[test]
    fn symlinks() {
        assert!(symlink_stays_inside(Path::new("a/link"), "b.txt"));
        assert!(symlink_stays_inside(Path::new("a/link"), "../b.txt"));
        assert!(!symlink_stays_inside(Path::new("a/link"), "../../b.txt"));
        assert!(!symlink_stays_inside(Path::new("link"), "/etc/passwd"));
        assert!(!symlink_stays_inside(Path::new("link"), ".."));
    }
}
