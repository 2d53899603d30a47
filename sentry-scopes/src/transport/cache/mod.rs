//! The offline cache: envelopes the server could not take, one file each, under `cache_dir`.
//!
//! Each process writes and reads only its own slot, a subdirectory it holds a lock on
//! (`slot.rs`), so processes sharing a `cache_dir` never send one file twice. A file is written
//! to a temporary name, synced, then renamed, so a crash leaves either the whole envelope or none
//! of it. Names start with the write time in nanoseconds, so sorting them sorts by age. After a
//! file is written the in-memory envelope is dropped: the file is the only copy, sent (and then
//! deleted) by this process or, after a crash, by the next one to start. If a crash comes after
//! the server accepted a cached envelope but before its file was deleted, it is sent again with
//! the same `event_id`, and Sentry-protocol servers store an event id once.
//!
//! Bad entries never block the good ones: anything that is not a regular file is ignored, a
//! file that cannot be read, is larger than any envelope this SDK writes, or cannot be deleted
//! after it was sent is skipped for the life of the process (and deleted when possible).

mod slot;

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::protocol::Uuid;

const SUFFIX: &str = ".envelope";
const TMP_SUFFIX: &str = ".tmp";
/// The largest envelope the cache writes or reads: Sentry's own limit for one envelope. A larger
/// file in the directory is not ours and is never read into memory.
pub(crate) const MAX_ENVELOPE_BYTES: u64 = 100 * 1024 * 1024;

/// This process's slot of a cache directory, bounded in count. Clones share the slot.
#[derive(Debug, Clone)]
pub(crate) struct Cache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    slot: slot::Slot,
    max: usize,
    /// Entries that must not be read again by this process: unreadable, too large, or sent
    /// but not deletable.
    skip: Mutex<HashSet<PathBuf>>,
}

/// Why a cached file gave no envelope bytes.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Larger than [`MAX_ENVELOPE_BYTES`]: not an envelope this SDK wrote.
    TooLarge(u64),
    /// The OS refused (permissions, gone, not a file).
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge(n) => write!(
                f,
                "{n} bytes, more than the {MAX_ENVELOPE_BYTES} of the largest envelope"
            ),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl Cache {
    /// Opens this process's slot of the cache in `dir` (creating what is missing), takes over
    /// envelopes left by processes that ended, and removes temporary files of interrupted
    /// writes. Returns the cache and how many envelopes it took over.
    pub(crate) fn open(dir: &Path, max: usize) -> io::Result<(Self, usize)> {
        let (slot, adopted) = slot::claim(dir)?;
        slot::remove_partial_writes(&slot.dir);
        let cache = Self {
            inner: Arc::new(Inner {
                slot,
                max: max.max(1),
                skip: Mutex::new(HashSet::new()),
            }),
        };
        Ok((cache, adopted))
    }

    fn dir(&self) -> &Path {
        &self.inner.slot.dir
    }

    fn skipped(&self) -> std::sync::MutexGuard<'_, HashSet<PathBuf>> {
        self.inner
            .skip
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes `bytes` as the newest entry, atomically, then removes the oldest entries beyond
    /// the bound and returns their contents (for the loss accounting).
    pub(crate) fn store(&self, bytes: &[u8]) -> io::Result<Vec<Vec<u8>>> {
        if bytes.len() as u64 > MAX_ENVELOPE_BYTES {
            return Err(io::Error::other(format!(
                "the envelope is {} bytes, more than the {MAX_ENVELOPE_BYTES} a server accepts",
                bytes.len()
            )));
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // Unique even for two writers in the same nanosecond (the app thread at shutdown and
        // the worker).
        let name = format!("{nanos:024}-{}{SUFFIX}", Uuid::new_v4().simple());
        let tmp = self.dir().join(format!(".{name}{TMP_SUFFIX}"));
        let result = (|| {
            let mut file = slot::private_file_options()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, self.dir().join(&name))
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(self.dir());
        let mut evicted = Vec::new();
        let entries = self.entries()?;
        for path in entries
            .iter()
            .take(entries.len().saturating_sub(self.inner.max))
        {
            // Read first, then remove: only the writer whose remove succeeds accounts for it.
            if let Ok(old) = self.read(path)
                && fs::remove_file(path).is_ok()
            {
                evicted.push(old);
            }
        }
        Ok(evicted)
    }

    /// The cached envelopes this process may still send, oldest first: regular files with the
    /// envelope suffix, not skipped.
    pub(crate) fn entries(&self) -> io::Result<Vec<PathBuf>> {
        let skip = self.skipped();
        let mut paths: Vec<PathBuf> = fs::read_dir(self.dir())?
            .flatten()
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.ends_with(SUFFIX) && !name.starts_with('.')
            })
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .filter(|p| !skip.contains(p))
            .collect();
        paths.sort();
        Ok(paths)
    }

    /// The oldest cached envelope, if any.
    pub(crate) fn oldest(&self) -> Option<PathBuf> {
        self.entries().ok()?.into_iter().next()
    }

    /// The bytes of a cached envelope, never more than [`MAX_ENVELOPE_BYTES`].
    pub(crate) fn read(&self, path: &Path) -> Result<Vec<u8>, ReadError> {
        let file = fs::File::open(path).map_err(ReadError::Io)?;
        let len = file.metadata().map_err(ReadError::Io)?.len();
        if len > MAX_ENVELOPE_BYTES {
            return Err(ReadError::TooLarge(len));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        // `take`: the file may have grown since `metadata`.
        file.take(MAX_ENVELOPE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(ReadError::Io)?;
        if bytes.len() as u64 > MAX_ENVELOPE_BYTES {
            return Err(ReadError::TooLarge(bytes.len() as u64));
        }
        Ok(bytes)
    }

    /// Deletes a cached envelope after it was sent or given up on. One that cannot be deleted
    /// is skipped from now on, so it is never sent twice by this process; `false` then.
    pub(crate) fn remove(&self, path: &Path) -> bool {
        let removed = match fs::remove_file(path) {
            Ok(()) => true,
            Err(e) => e.kind() == io::ErrorKind::NotFound,
        };
        if removed {
            sync_dir(self.dir());
        } else {
            self.skipped().insert(path.to_owned());
        }
        removed
    }

    /// Gives the slot up (at shutdown), so that the next client, in this process or another,
    /// takes over what is cached. This cache keeps working on the directory meanwhile: a
    /// request still in flight may finish and store or delete its envelope there.
    pub(crate) fn release(&self) {
        self.inner.slot.release();
    }

    /// Gives up on an entry that cannot be used: deleted when possible, skipped either way.
    pub(crate) fn discard(&self, path: &Path) {
        self.remove(path);
        self.skipped().insert(path.to_owned());
    }
}

/// Makes a rename or delete in `dir` durable (Unix); elsewhere a no-op.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests;
