//! Writing archives: files compressed on all cores, entries written in order.
//!
//! Worker threads claim files in archive order, read and compress each into memory, and hand
//! the result to the calling thread, which appends finished entries in order. Claims stop
//! while the files claimed but not yet written add up to [`IN_FLIGHT_BYTES`], so memory stays
//! bounded whatever the tree. Files above [`STREAM_THRESHOLD`] are streamed from disk by the
//! writing thread itself.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, PreparedZipFile, System, ZipArchive, ZipWriter};

use super::collect::{Entry, EntryKind};
use super::is_precompressed;
use crate::error::{Error, Result};

/// Files larger than this are streamed from disk by the writing thread instead of being
/// compressed in memory (16 MiB: large enough that trees of source files go parallel, small
/// enough that a few in flight cost little memory).
pub const STREAM_THRESHOLD: u64 = 16 * 1024 * 1024;

/// At most this much input (64 MiB) is claimed by compression threads and not yet written.
pub const IN_FLIGHT_BYTES: u64 = 64 * 1024 * 1024;

/// Deflate level 6: the default of Info-ZIP and Python's `zipfile`.
const DEFLATE_LEVEL: i64 = 6;

/// Streamed entries get ZIP64 sizes from this size on, so that deflate's small worst-case
/// growth of incompressible data cannot overflow the 32-bit fields mid-stream.
const STREAM_ZIP64_FROM: u64 = 0xF000_0000;

/// Output buffer of the archive file.
const WRITE_BUFFER: usize = 1024 * 1024;

/// Writes `entries` (sorted, unique) as a zip archive into `file`; `destination` names the
/// archive in error messages.
pub(super) fn write_archive(entries: &[Entry], file: &mut File, destination: &Path) -> Result<()> {
    let mut zip = ZipWriter::new(BufWriter::with_capacity(WRITE_BUFFER, &mut *file));
    let pipeline = Pipeline::new(entries);

    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(pipeline.compressible.max(1));

    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| pipeline.work());
        }
        let written = write_in_order(&pipeline, &mut zip, destination);
        pipeline.stop();
        written
    })?;

    let buffered = zip
        .finish()
        .map_err(|e| zip_error(destination, "finish", e))?;
    buffered
        .into_inner()
        .map_err(|e| Error::Io {
            action: "write",
            path: destination.to_path_buf(),
            source: e.into_error(),
        })?
        .flush()
        .map_err(|source| Error::Io {
            action: "write",
            path: destination.to_path_buf(),
            source,
        })
}

/// Copies every entry of `archive` (read from `src`) except `name` raw into `file`, then adds
/// `name` with `contents`.
pub(super) fn copy_with_extra<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    src: &Path,
    name: &str,
    contents: &[u8],
    file: &mut File,
) -> Result<()> {
    let mut zip = ZipWriter::new(BufWriter::with_capacity(WRITE_BUFFER, &mut *file));

    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| zip_error(src, "read entry of", e))?;
        if entry.name_raw() == name.as_bytes() {
            continue;
        }
        zip.raw_copy_file(entry)
            .map_err(|e| zip_error(src, "copy an entry of", e))?;
    }

    let prepared = prepare_bytes(name, 0o644, contents).map_err(|e| zip_error(src, "add", e))?;
    zip.add_prepared_file(prepared)
        .map_err(|e| zip_error(src, "add an entry to a copy of", e))?;

    let buffered = zip
        .finish()
        .map_err(|e| zip_error(src, "finish a copy of", e))?;
    buffered
        .into_inner()
        .map_err(|e| Error::Io {
            action: "write a copy of",
            path: src.to_path_buf(),
            source: e.into_error(),
        })?
        .flush()
        .map_err(|source| Error::Io {
            action: "write a copy of",
            path: src.to_path_buf(),
            source,
        })
}

/// Appends each entry in order, taking compressed files from the pipeline.
fn write_in_order<W: Write + Seek>(
    pipeline: &Pipeline<'_>,
    zip: &mut ZipWriter<W>,
    destination: &Path,
) -> Result<()> {
    for (index, entry) in pipeline.entries.iter().enumerate() {
        match &entry.kind {
            EntryKind::Folder => {
                zip.add_directory(&entry.name, options(entry.mode, CompressionMethod::Stored))
                    .map_err(|e| zip_error(destination, "add a folder to", e))?;
            }
            EntryKind::File { path, size } if *size > STREAM_THRESHOLD => {
                stream_file(zip, &entry.name, entry.mode, path, *size, destination)?;
            }
            EntryKind::File { .. } => {
                let prepared = pipeline.take(index)?;
                zip.add_prepared_file(prepared)
                    .map_err(|e| zip_error(destination, "add a file to", e))?;
            }
        }
        pipeline.written(index);
    }
    Ok(())
}

/// Compresses a large file straight from disk into the archive.
fn stream_file<W: Write + Seek>(
    zip: &mut ZipWriter<W>,
    name: &str,
    mode: u32,
    path: &Path,
    size: u64,
    destination: &Path,
) -> Result<()> {
    let method = if is_precompressed(name) {
        CompressionMethod::Stored
    } else {
        CompressionMethod::Deflated
    };
    let mut source = File::open(path).map_err(|source| read_error(path, source))?;

    let file_options = options(mode, method).large_file(size >= STREAM_ZIP64_FROM);
    zip.start_file(name, file_options)
        .map_err(|e| zip_error(destination, "add a file to", e))?;

    let mut buffer = vec![0u8; WRITE_BUFFER];
    loop {
        let read = match source.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(path, e)),
        };
        zip.write_all(&buffer[..read]).map_err(|source| Error::Io {
            action: "write",
            path: destination.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

/// Reads and compresses one file into memory.
fn prepare_file(entry: &Entry) -> Result<PreparedZipFile> {
    let EntryKind::File { path, .. } = &entry.kind else {
        return Err(Error::Packaging(format!(
            "internal error: {} is not a file",
            entry.name
        )));
    };

    let data = std::fs::read(path).map_err(|source| read_error(path, source))?;
    prepare_bytes(&entry.name, entry.mode, &data)
        .map_err(|e| Error::Packaging(format!("cannot compress {}: {e}", path.display())))
}

/// Compresses `data` as entry `name`; stores it when it is already compressed or deflate does
/// not make it smaller.
fn prepare_bytes(name: &str, mode: u32, data: &[u8]) -> zip::result::ZipResult<PreparedZipFile> {
    if !is_precompressed(name) && !data.is_empty() {
        let deflated =
            PreparedZipFile::from_data(name, options(mode, CompressionMethod::Deflated), data)?;
        if deflated.compressed_size() < data.len() as u64 {
            return Ok(deflated);
        }
    }
    PreparedZipFile::from_data(name, options(mode, CompressionMethod::Stored), data)
}

/// Entry options: fixed timestamp, Unix mode, the given method (level 6 for deflate).
fn options(mode: u32, method: CompressionMethod) -> SimpleFileOptions {
    let level = match method {
        CompressionMethod::Deflated => Some(DEFLATE_LEVEL),
        _ => None,
    };

    SimpleFileOptions::default()
        .compression_method(method)
        .compression_level(level)
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .unix_permissions(mode)
}

fn read_error(path: &Path, source: io::Error) -> Error {
    Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    }
}

fn zip_error(path: &Path, action: &str, error: zip::result::ZipError) -> Error {
    Error::Packaging(format!("cannot {action} {}: {error}", path.display()))
}

/// Work shared by the compression threads and the writing thread.
struct Pipeline<'a> {
    entries: &'a [Entry],
    /// How many entries the compression threads handle.
    compressible: usize,
    /// Claims stay within this many entries past the next one to write.
    max_ahead: usize,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// Next entry to consider claiming.
    next_claim: usize,
    /// Next entry the writer will write.
    next_write: usize,
    /// Sizes of entries claimed and not yet written.
    in_flight: u64,
    /// Compressed entries waiting to be written (or their error).
    done: BTreeMap<usize, Result<PreparedZipFile>>,
    /// Set on the first error or when writing ends: claim nothing more.
    stop: bool,
    /// Compression threads still running.
    workers: usize,
}

impl<'a> Pipeline<'a> {
    fn new(entries: &'a [Entry]) -> Self {
        let compressible = entries.iter().filter(|e| compressed_by_workers(e)).count();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

        Pipeline {
            entries,
            compressible,
            max_ahead: 16 * threads,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means another thread panicked; the state is still consistent
        // because every update is a single assignment.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn wait<'g>(&self, guard: MutexGuard<'g, State>) -> MutexGuard<'g, State> {
        self.changed
            .wait(guard)
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The body of a compression thread.
    fn work(&self) {
        let _running = WorkerGuard::register(self);

        while let Some(index) = self.claim() {
            let result = prepare_file(&self.entries[index]);
            let mut state = self.lock();
            if result.is_err() {
                state.stop = true;
            }
            state.done.insert(index, result);
            self.changed.notify_all();
        }
    }

    /// Claims the next file to compress, waiting while too much is in flight.
    fn claim(&self) -> Option<usize> {
        let mut state = self.lock();

        loop {
            if state.stop {
                return None;
            }
            while state.next_claim < self.entries.len()
                && !compressed_by_workers(&self.entries[state.next_claim])
            {
                state.next_claim += 1;
            }
            let index = state.next_claim;
            let entry = self.entries.get(index)?;

            let size = entry_size(entry);
            let within_budget = index < state.next_write + self.max_ahead
                && state.in_flight + size <= IN_FLIGHT_BYTES;
            if index == state.next_write || within_budget {
                state.next_claim += 1;
                state.in_flight += size;
                return Some(index);
            }
            state = self.wait(state);
        }
    }

    /// Waits for the compressed entry `index`.
    fn take(&self, index: usize) -> Result<PreparedZipFile> {
        let mut state = self.lock();

        loop {
            if let Some(result) = state.done.remove(&index) {
                return result;
            }
            if state.workers == 0 && state.next_claim > index {
                return Err(Error::Packaging(
                    "internal error: a compression thread stopped early".to_string(),
                ));
            }
            state = self.wait(state);
        }
    }

    /// Records that entry `index` is in the archive.
    fn written(&self, index: usize) {
        let mut state = self.lock();

        state.next_write = index + 1;
        if compressed_by_workers(&self.entries[index]) {
            state.in_flight = state
                .in_flight
                .saturating_sub(entry_size(&self.entries[index]));
        }
        self.changed.notify_all();
    }

    /// Tells the compression threads to finish.
    fn stop(&self) {
        self.lock().stop = true;
        self.changed.notify_all();
    }
}

/// Counts a compression thread as running until it returns (or unwinds).
struct WorkerGuard<'p, 'a>(&'p Pipeline<'a>);

impl<'p, 'a> WorkerGuard<'p, 'a> {
    fn register(pipeline: &'p Pipeline<'a>) -> Self {
        pipeline.lock().workers += 1;
        WorkerGuard(pipeline)
    }
}

impl Drop for WorkerGuard<'_, '_> {
    fn drop(&mut self) {
        self.0.lock().workers -= 1;
        self.0.changed.notify_all();
    }
}

/// Whether the compression threads handle this entry (small files) or the writer does.
fn compressed_by_workers(entry: &Entry) -> bool {
    matches!(entry.kind, EntryKind::File { size, .. } if size <= STREAM_THRESHOLD)
}

fn entry_size(entry: &Entry) -> u64 {
    match entry.kind {
        EntryKind::File { size, .. } => size,
        EntryKind::Folder => 0,
    }
}
