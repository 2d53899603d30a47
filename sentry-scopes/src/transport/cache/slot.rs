//! One process's share of a cache directory: a `slot-N` subdirectory it holds a lock on.
//!
//! Several processes may be given the same `cache_dir` (workers of one service, say). Each takes
//! the first slot whose lock file no running process holds, and reads and writes envelopes only
//! there, so no two processes send the same file. The lock is an OS file lock: it ends with the
//! process, however the process ends, and the slot is free for the next one. A process that
//! starts also takes over the envelopes of every free slot (a process that ended with envelopes
//! left), and those of the flat layout of earlier versions, by renaming them into its own slot.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::{SUFFIX, TMP_SUFFIX};

/// How many processes may share one cache directory.
pub(super) const MAX_SLOTS: usize = 64;
const LOCK_FILE: &str = ".lock";

/// A slot this process holds until the value is dropped or [`Slot::release`]d.
#[derive(Debug)]
pub(super) struct Slot {
    pub(super) dir: PathBuf,
    /// Holds the lock; closing the file releases it.
    lock: Mutex<Option<File>>,
}

impl Slot {
    /// Lets another process, or a client installed later in this one, take the slot.
    pub(super) fn release(&self) {
        drop(
            self.lock
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }
}

/// Takes the first free slot of `root`, creating `root` and the slot as needed (owner-only
/// permissions on Unix: the envelopes hold user data). Returns the slot and how many envelopes
/// it took over from free slots and the old flat layout.
pub(super) fn claim(root: &Path) -> io::Result<(Slot, usize)> {
    create_private_dir(root)?;
    let mut mine = None;
    for n in 0..MAX_SLOTS {
        let dir = root.join(format!("slot-{n}"));
        create_private_dir(&dir)?;
        if let Some(lock) = try_lock(&dir)? {
            mine = Some(Slot {
                dir,
                lock: Mutex::new(Some(lock)),
            });
            break;
        }
    }
    let slot = mine.ok_or_else(|| {
        io::Error::other(format!(
            "all {MAX_SLOTS} slots are held by running processes; give this process a cache_dir \
             of its own"
        ))
    })?;
    let mut adopted = move_envelopes(root, &slot.dir);
    for n in 0..MAX_SLOTS {
        let other = root.join(format!("slot-{n}"));
        if other == slot.dir || !other.is_dir() {
            continue;
        }
        // Held only while its envelopes move: a process starting now may take it afterwards.
        if let Ok(Some(_lock)) = try_lock(&other) {
            adopted += move_envelopes(&other, &slot.dir);
            remove_partial_writes(&other);
        }
    }
    Ok((slot, adopted))
}

/// The lock file of `dir`, locked by this process; `None` when another process holds it.
/// On a file system without locks the slot is taken unlocked.
fn try_lock(dir: &Path) -> io::Result<Option<File>> {
    let file = private_file_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(LOCK_FILE))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => Ok(Some(file)),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Renames the finished envelope files of `from` into `to`; returns how many moved.
fn move_envelopes(from: &Path, to: &Path) -> usize {
    let Ok(entries) = fs::read_dir(from) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.ends_with(SUFFIX) && !name.starts_with('.')
        })
        .filter(|e| fs::rename(e.path(), to.join(e.file_name())).is_ok())
        .count()
}

/// Deletes the temporary files of writes that a crash interrupted in `dir`.
pub(super) fn remove_partial_writes(dir: &Path) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().ends_with(TMP_SUFFIX) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Creates `dir` (owner-only on Unix) unless it exists; an existing directory keeps its mode.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Options that create files readable and writable by the owner only (on Unix).
pub(super) fn private_file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}
