//! Source context: the lines around a frame's line, when its source file is readable.
//!
//! Files are read once per process and kept as lines (each cut to [`MAX_LINE_CHARS`]). Limits
//! keep this cheap and bounded: only regular files of at most [`MAX_FILE_BYTES`] are read; the
//! cache holds at most [`MAX_FILES`] files and [`MAX_CACHED_BYTES`] of text, and is emptied when
//! either would be exceeded; a file that cannot be read is remembered as such. The lock is not
//! held while a file is read.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use crate::protocol::Frame;

/// Lines before and after the frame's line.
pub(crate) const CONTEXT_LINES: usize = 5;
/// Characters kept of a line; longer lines end in `…`.
pub(crate) const MAX_LINE_CHARS: usize = 200;
/// Source files larger than this are not read.
pub(crate) const MAX_FILE_BYTES: u64 = 512 * 1024;
/// Files the cache holds at most.
const MAX_FILES: usize = 256;
/// Bytes of cut lines the cache holds at most.
const MAX_CACHED_BYTES: usize = 16 * 1024 * 1024;

type Lines = Option<Arc<[Box<str>]>>;

#[derive(Default)]
struct Cache {
    files: HashMap<Arc<str>, Lines>,
    bytes: usize,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);

/// Sets `frame`'s `pre_context`, `context_line` and `post_context` from line `lineno` (1-based)
/// of the file at `path`; leaves them empty when the file cannot be read or is shorter.
pub(crate) fn add_context(frame: &mut Frame, path: &Arc<str>, lineno: u32) {
    let Some(lines) = lines_of(path) else {
        return;
    };
    let Some(at) = (lineno as usize)
        .checked_sub(1)
        .filter(|&i| i < lines.len())
    else {
        return;
    };
    let start = at.saturating_sub(CONTEXT_LINES);
    let end = (at + 1 + CONTEXT_LINES).min(lines.len());
    frame.pre_context = lines[start..at].iter().map(|l| l.to_string()).collect();
    frame.context_line = Some(lines[at].to_string());
    frame.post_context = lines[at + 1..end].iter().map(|l| l.to_string()).collect();
}

fn lines_of(path: &Arc<str>) -> Lines {
    if let Some(cached) = CACHE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .files
        .get(path)
    {
        return cached.clone();
    }
    let lines = read_lines(path);
    let size: usize = lines
        .as_ref()
        .map_or(0, |ls| ls.iter().map(|l| l.len() + 16).sum());
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.files.len() >= MAX_FILES || cache.bytes + size > MAX_CACHED_BYTES {
        *cache = Cache::default();
    }
    if size <= MAX_CACHED_BYTES {
        cache.bytes += size;
        cache.files.insert(path.clone(), lines.clone());
    }
    lines
}

fn read_lines(path: &str) -> Lines {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
        return None;
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)
        .ok()?;
    let text = String::from_utf8_lossy(&bytes);
    Some(text.lines().map(cut_line).collect())
}

fn cut_line(line: &str) -> Box<str> {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]).into(),
        None => line.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_at(path: &str, lineno: u32) -> Frame {
        let mut frame = Frame::default();
        add_context(&mut frame, &Arc::from(path), lineno);
        frame
    }

    #[test]
    fn a_readable_file_gives_five_lines_each_side() {
        let dir = std::env::temp_dir().join(format!("sentry-scopes-src-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lines.rs");
        let text: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, text).unwrap();
        let path = path.to_str().unwrap();

        let frame = frame_at(path, 10);
        assert_eq!(frame.context_line.as_deref(), Some("line 10"));
        assert_eq!(
            frame.pre_context,
            ["line 5", "line 6", "line 7", "line 8", "line 9"]
        );
        assert_eq!(frame.post_context.len(), 5);
        assert_eq!(frame.post_context[4], "line 15");

        let first = frame_at(path, 1);
        assert!(first.pre_context.is_empty());
        assert_eq!(first.context_line.as_deref(), Some("line 1"));
        let last = frame_at(path, 20);
        assert!(last.post_context.is_empty());
        assert_eq!(frame_at(path, 21).context_line, None, "past the end");
        assert_eq!(frame_at(path, 0).context_line, None);

        // Cached: the file's removal does not change what a frame gets.
        std::fs::remove_file(path).unwrap();
        assert_eq!(frame_at(path, 3).context_line.as_deref(), Some("line 3"));
        let _ = std::fs::remove_dir(&dir);
    }

    #[test]
    fn long_lines_are_cut_and_large_or_missing_files_skipped() {
        let long = "x".repeat(MAX_LINE_CHARS * 3);
        let cut = cut_line(&long);
        assert_eq!(cut.chars().count(), MAX_LINE_CHARS + 1);

        let dir = std::env::temp_dir();
        let big = dir.join(format!("sentry-scopes-big-{}.rs", std::process::id()));
        let line = "a".repeat(99) + "\n";
        let size = usize::try_from(MAX_FILE_BYTES).unwrap() / line.len() + 10;
        std::fs::write(&big, line.repeat(size)).unwrap();
        assert_eq!(frame_at(big.to_str().unwrap(), 1).context_line, None);
        std::fs::remove_file(&big).unwrap();

        assert_eq!(
            frame_at("/nonexistent/sentry-scopes/x.rs", 1).context_line,
            None
        );
        assert_eq!(frame_at("/", 1).context_line, None, "a directory");
    }
}
