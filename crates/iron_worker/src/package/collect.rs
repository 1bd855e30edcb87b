//! Turning the caller's paths into a sorted list of archive entries (see the parent module's
//! documentation for the rules on names, folders and symlinks).

use std::collections::BTreeMap;
use std::fs::{self, Metadata};
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// Mode of folders that exist only inside the archive (`base_dir`).
const ARCHIVE_ONLY_FOLDER_MODE: u32 = 0o755;

/// One entry to write, in archive order.
#[derive(Debug)]
pub(super) struct Entry {
    /// Name inside the archive; folders end with `/`.
    pub name: String,
    /// Unix permission bits (`mode & 0o777`).
    pub mode: u32,
    /// What the entry holds.
    pub kind: EntryKind,
}

/// The content of an [`Entry`].
#[derive(Debug)]
pub(super) enum EntryKind {
    /// A folder entry (no content).
    Folder,
    /// A regular file read from `path` (which may go through a symlink).
    File {
        /// Where to read it.
        path: PathBuf,
        /// Its size when it was listed.
        size: u64,
    },
}

/// Identity of a file on disk (device and inode), to recognise the destination archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileId(u64, u64);

impl FileId {
    /// The identity of the file `meta` describes (`None` where the platform has no inodes).
    pub(super) fn of(meta: &Metadata) -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(FileId(meta.dev(), meta.ino()))
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }
}

/// A path listed in `files`, checked to exist and to make a valid entry name.
#[derive(Debug)]
pub(super) struct Input {
    /// The path as given (read relative to the current directory).
    path: PathBuf,
    /// Its normalised components, which become the entry name (empty for `.`).
    components: Vec<String>,
    /// Its metadata, symlinks followed.
    meta: Metadata,
}

impl Input {
    /// Checks one path of `files`: relative, inside the current directory, existing.
    pub(super) fn check(path: &Path) -> Result<Input> {
        if path.as_os_str().is_empty() {
            return Err(Error::InvalidArgument(
                "files contains an empty path".to_string(),
            ));
        }

        let components = relative_components(path).map_err(|why| {
            Error::InvalidArgument(format!(
                "file {} cannot be zipped by that path: {why} (paths in files become entry \
                 names; change to the folder first, or use zip_directory)",
                path.display()
            ))
        })?;

        let meta = followed_metadata(path)?;
        Ok(Input {
            path: path.to_path_buf(),
            components,
            meta,
        })
    }
}

/// Normalises `base_dir` into an entry-name prefix: `""` or `"a/b/"`.
pub(super) fn archive_folder(base_dir: &str) -> Result<String> {
    let components = relative_components(Path::new(base_dir)).map_err(|why| {
        Error::InvalidArgument(format!(
            "base_dir {base_dir:?} is not a folder inside the archive: {why}"
        ))
    })?;

    Ok(components.iter().map(|c| format!("{c}/")).collect())
}

/// Checks an entry name given by a caller (not read from disk): relative, no `..`, a file.
pub(super) fn entry_name(name: &str) -> Result<String> {
    let components = relative_components(Path::new(name))
        .map_err(|why| Error::InvalidArgument(format!("entry name {name:?} is invalid: {why}")))?;

    if components.is_empty() || name.ends_with('/') {
        return Err(Error::InvalidArgument(format!(
            "entry name {name:?} does not name a file"
        )));
    }
    Ok(components.join("/"))
}

/// Checks the folder given to `zip_directory`.
pub(super) fn check_directory(directory: &Path) -> Result<()> {
    if directory.as_os_str().is_empty() {
        return Err(Error::InvalidArgument(
            "directory is empty: name a folder to zip (\".\" for the current one)".to_string(),
        ));
    }

    let meta = followed_metadata(directory)?;
    if !meta.is_dir() {
        return Err(Error::InvalidArgument(format!(
            "{} is not a directory (use create_zip for single files)",
            directory.display()
        )));
    }
    Ok(())
}

/// Lists the entries for `create_zip`: each input under `base` (an [`archive_folder`]).
pub(super) fn from_inputs(
    base: &str,
    inputs: &[Input],
    destination: Option<FileId>,
) -> Result<Vec<Entry>> {
    let mut collector = Collector {
        entries: BTreeMap::new(),
        destination,
    };
    collector.add_archive_folders(base);

    for input in inputs {
        let mut name = base.to_string();
        let mut disk = PathBuf::new();
        for (i, component) in input.components.iter().enumerate() {
            disk.push(component);
            name.push_str(component);
            if i + 1 == input.components.len() && !input.meta.is_dir() {
                break;
            }
            name.push('/');

            let meta = if i + 1 == input.components.len() {
                input.meta.clone()
            } else {
                followed_metadata(&disk)?
            };
            collector.add_folder(&name, &meta);
        }

        if input.meta.is_dir() {
            let root = canonical(&input.path)?;
            collector.walk(&input.path, &root, &root, &name, &mut vec![root.clone()])?;
        } else if input.meta.is_file() {
            if destination.is_some() && FileId::of(&input.meta) == destination {
                return Err(Error::InvalidArgument(format!(
                    "file {} is the destination archive itself",
                    input.path.display()
                )));
            }
            collector.add_file(name, input.path.clone(), &input.meta);
        } else {
            return Err(special_file(&input.path));
        }
    }

    Ok(collector.entries.into_values().collect())
}

/// Lists the entries for `zip_directory`: the folder's contents, named relative to it.
pub(super) fn from_directory(directory: &Path, destination: Option<FileId>) -> Result<Vec<Entry>> {
    let mut collector = Collector {
        entries: BTreeMap::new(),
        destination,
    };
    let root = canonical(directory)?;

    collector.walk(directory, &root, &root, "", &mut vec![root.clone()])?;
    Ok(collector.entries.into_values().collect())
}

/// Gathers entries by name (sorted, each name once).
struct Collector {
    entries: BTreeMap<String, Entry>,
    destination: Option<FileId>,
}

impl Collector {
    /// Adds `a/`, `a/b/` for a prefix `a/b/`.
    fn add_archive_folders(&mut self, prefix: &str) {
        let mut end = 0;
        while let Some(slash) = prefix[end..].find('/') {
            end += slash + 1;
            self.entries
                .entry(prefix[..end].to_string())
                .or_insert_with(|| Entry {
                    name: prefix[..end].to_string(),
                    mode: ARCHIVE_ONLY_FOLDER_MODE,
                    kind: EntryKind::Folder,
                });
        }
    }

    /// Adds a folder entry (`name` ends with `/`).
    fn add_folder(&mut self, name: &str, meta: &Metadata) {
        self.entries
            .entry(name.to_string())
            .or_insert_with(|| Entry {
                name: name.to_string(),
                mode: mode_of(meta, ARCHIVE_ONLY_FOLDER_MODE),
                kind: EntryKind::Folder,
            });
    }

    /// Adds a regular file entry.
    fn add_file(&mut self, name: String, path: PathBuf, meta: &Metadata) {
        let mode = mode_of(meta, 0o644);
        self.entries.entry(name.clone()).or_insert(Entry {
            name,
            mode,
            kind: EntryKind::File {
                path,
                size: meta.len(),
            },
        });
    }

    /// Adds everything below the folder `dir` (whose real path is `real`) under `prefix`.
    ///
    /// `root` is the real path of the folder being zipped (symlinks must stay inside it) and
    /// `open` holds the real paths of the folders being walked (to detect link loops).
    fn walk(
        &mut self,
        dir: &Path,
        real: &Path,
        root: &Path,
        prefix: &str,
        open: &mut Vec<PathBuf>,
    ) -> Result<()> {
        let mut children = fs::read_dir(dir)
            .and_then(|entries| entries.collect::<io::Result<Vec<_>>>())
            .map_err(|source| Error::Io {
                action: "read the folder",
                path: dir.to_path_buf(),
                source,
            })?;
        children.sort_by_key(|child| child.file_name());

        for child in children {
            let path = child.path();
            let Some(file_name) = child.file_name().to_str().map(str::to_string) else {
                return Err(Error::InvalidArgument(format!(
                    "file name of {} is not valid UTF-8, which a zip entry name must be",
                    path.display()
                )));
            };
            check_component(&file_name).map_err(|why| {
                Error::InvalidArgument(format!("{} cannot be zipped: {why}", path.display()))
            })?;
            let name = format!("{prefix}{file_name}");

            let own_meta = fs::symlink_metadata(&path).map_err(|source| Error::Io {
                action: "inspect",
                path: path.clone(),
                source,
            })?;

            let (meta, child_real) = if own_meta.file_type().is_symlink() {
                let target = resolve_link(&path, root)?;
                let meta = followed_metadata(&path)?;
                (meta, target)
            } else {
                (own_meta, real.join(&file_name))
            };

            if meta.is_dir() {
                if open.contains(&child_real) {
                    return Err(Error::Packaging(format!(
                        "symlink {} makes a loop (it points to {}, a folder that contains it)",
                        path.display(),
                        child_real.display()
                    )));
                }
                let folder_name = format!("{name}/");
                self.add_folder(&folder_name, &meta);

                open.push(child_real.clone());
                self.walk(&path, &child_real, root, &folder_name, open)?;
                open.pop();
            } else if meta.is_file() {
                if self.destination.is_some() && FileId::of(&meta) == self.destination {
                    continue;
                }
                self.add_file(name, path, &meta);
            } else {
                return Err(special_file(&path));
            }
        }
        Ok(())
    }
}

/// Resolves the symlink `link` found inside `root`; its target must exist inside `root`.
fn resolve_link(link: &Path, root: &Path) -> Result<PathBuf> {
    let target = match fs::canonicalize(link) {
        Ok(target) => target,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let points_to = fs::read_link(link)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".to_string());
            return Err(Error::Packaging(format!(
                "symlink {} points to {points_to}, which does not exist",
                link.display()
            )));
        }
        Err(e) => {
            return Err(Error::Packaging(format!(
                "cannot resolve symlink {}: {e}",
                link.display()
            )))
        }
    };

    if !target.starts_with(root) {
        return Err(Error::Packaging(format!(
            "symlink {} points outside the folder being zipped (to {}); copy the file into \
             the folder, or list it in files explicitly",
            link.display(),
            target.display()
        )));
    }
    Ok(target)
}

/// The real (canonical) path of a folder being zipped.
fn canonical(path: &Path) -> Result<PathBuf> {
    fs::canonicalize(path).map_err(|source| Error::Io {
        action: "resolve",
        path: path.to_path_buf(),
        source,
    })
}

/// Metadata with symlinks followed; a missing path is [`Error::FileNotFound`], a dangling
/// symlink a packaging error saying so.
fn followed_metadata(path: &Path) -> Result<Metadata> {
    match fs::metadata(path) {
        Ok(meta) => Ok(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Ok(target) = fs::read_link(path) {
                return Err(Error::Packaging(format!(
                    "symlink {} points to {}, which does not exist",
                    path.display(),
                    target.display()
                )));
            }
            Err(Error::FileNotFound {
                path: path.to_path_buf(),
            })
        }
        Err(source) => Err(Error::Io {
            action: "inspect",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The error for a socket, FIFO or device.
fn special_file(path: &Path) -> Error {
    Error::Packaging(format!(
        "{} is not a regular file, folder or symlink (a socket, FIFO or device) and cannot \
         be zipped",
        path.display()
    ))
}

/// The permission bits of `meta`, or `default` where the platform has none.
fn mode_of(meta: &Metadata, default: u32) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = default;
        meta.permissions().mode() & 0o777
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        default
    }
}

/// Splits a relative path into its normal components (`.` dropped); explains a refusal.
fn relative_components(path: &Path) -> std::result::Result<Vec<String>, String> {
    let mut components = Vec::new();

    for component in path.components() {
        match component {
            Component::Normal(part) => {
                let Some(part) = part.to_str() else {
                    return Err("it is not valid UTF-8, which a zip entry name must be".into());
                };
                check_component(part)?;
                components.push(part.to_string());
            }
            Component::CurDir => {}
            Component::ParentDir => return Err("it contains \"..\"".into()),
            Component::RootDir | Component::Prefix(_) => return Err("it is absolute".into()),
        }
    }
    Ok(components)
}

/// Refuses name parts that unzip tools would read differently from what is on disk.
fn check_component(part: &str) -> std::result::Result<(), String> {
    if part.contains('\\') {
        return Err("a backslash in a name is read as a folder separator by unzip tools".into());
    }
    Ok(())
}
