//! The offline cache: envelopes the server could not take, one file each, in `cache_dir`.
//!
//! A file is written to a temporary name, synced, then renamed, so a crash leaves either the
//! whole envelope or none of it. Names start with the write time in nanoseconds, so sorting them
//! sorts by age. After a file is written the in-memory envelope is dropped: the file is the only
//! copy, sent (and then deleted) by whichever process runs next. An envelope is therefore never
//! both cached and retried from memory. If a crash comes after the server accepted a cached
//! envelope but before its file was deleted, it is sent again at the next start with the same
//! `event_id`, and Sentry-protocol servers store an event id once.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::protocol::Uuid;

const SUFFIX: &str = ".envelope";
const TMP_SUFFIX: &str = ".tmp";

/// A directory of cached envelopes, bounded in count.
#[derive(Debug, Clone)]
pub(crate) struct Cache {
    dir: PathBuf,
    max: usize,
}

impl Cache {
    /// Opens (creating it if needed) the cache in `dir` and removes temporary files left by a
    /// crash in the middle of a write.
    pub(crate) fn open(dir: &Path, max: usize) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        for entry in fs::read_dir(dir)?.flatten() {
            if entry.file_name().to_string_lossy().ends_with(TMP_SUFFIX) {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(Self {
            dir: dir.to_owned(),
            max: max.max(1),
        })
    }

    /// Writes `bytes` as the newest entry, atomically, then removes the oldest entries beyond
    /// the bound and returns their contents (for the loss accounting).
    pub(crate) fn store(&self, bytes: &[u8]) -> io::Result<Vec<Vec<u8>>> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // Unique even for two writers in the same nanosecond (the app thread at shutdown and
        // the worker).
        let name = format!("{nanos:024}-{}{SUFFIX}", Uuid::new_v4().simple());
        let tmp = self.dir.join(format!(".{name}{TMP_SUFFIX}"));
        let result = (|| {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&tmp, self.dir.join(&name))
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(&self.dir);
        let mut evicted = Vec::new();
        let entries = self.entries()?;
        for path in entries.iter().take(entries.len().saturating_sub(self.max)) {
            // Read first, then remove: only the writer whose remove succeeds accounts for it.
            if let Ok(old) = fs::read(path)
                && fs::remove_file(path).is_ok()
            {
                evicted.push(old);
            }
        }
        Ok(evicted)
    }

    /// All cached envelopes, oldest first.
    pub(crate) fn entries(&self) -> io::Result<Vec<PathBuf>> {
        let mut paths: Vec<PathBuf> = fs::read_dir(&self.dir)?
            .flatten()
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.ends_with(SUFFIX) && !name.starts_with('.')
            })
            .map(|e| e.path())
            .collect();
        paths.sort();
        Ok(paths)
    }

    /// The oldest cached envelope, if any.
    pub(crate) fn oldest(&self) -> Option<PathBuf> {
        self.entries().ok()?.into_iter().next()
    }

    /// Deletes a cached envelope after it was sent or given up on.
    pub(crate) fn remove(&self, path: &Path) {
        let _ = fs::remove_file(path);
        sync_dir(&self.dir);
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
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "sentry-scopes-cache-{name}-{}",
            Uuid::new_v4().simple()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn stores_oldest_first_and_evicts_beyond_the_bound() {
        let dir = temp_dir("bound");
        let cache = Cache::open(&dir, 3).unwrap();
        for i in 0..5u8 {
            let evicted = cache.store(&[i]).unwrap();
            assert_eq!(evicted, if i < 3 { vec![] } else { vec![vec![i - 3]] });
        }
        let contents: Vec<Vec<u8>> = cache
            .entries()
            .unwrap()
            .iter()
            .map(|p| fs::read(p).unwrap())
            .collect();
        assert_eq!(contents, [vec![2], vec![3], vec![4]]);
        let oldest = cache.oldest().unwrap();
        cache.remove(&oldest);
        assert_eq!(cache.entries().unwrap().len(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn open_removes_half_written_files_and_keeps_whole_ones() {
        let dir = temp_dir("tmp");
        let cache = Cache::open(&dir, 30).unwrap();
        cache.store(b"whole").unwrap();
        fs::write(dir.join(".123-abc.envelope.tmp"), b"half").unwrap();
        let cache = Cache::open(&dir, 30).unwrap();
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert_eq!(fs::read(cache.oldest().unwrap()).unwrap(), b"whole");
        fs::remove_dir_all(&dir).unwrap();
    }
}
