use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sentry-scopes-cache-{name}-{}",
        Uuid::new_v4().simple()
    ));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn contents(cache: &Cache) -> Vec<Vec<u8>> {
    cache
        .entries()
        .unwrap()
        .iter()
        .map(|p| cache.read(p).unwrap())
        .collect()
}

#[test]
fn stores_oldest_first_and_evicts_beyond_the_bound() {
    let dir = temp_dir("bound");
    let (cache, _) = Cache::open(&dir, 3).unwrap();
    for i in 0..5u8 {
        let evicted = cache.store(&[i]).unwrap();
        assert_eq!(evicted, if i < 3 { vec![] } else { vec![vec![i - 3]] });
    }
    assert_eq!(contents(&cache), [vec![2], vec![3], vec![4]]);
    let oldest = cache.oldest().unwrap();
    assert!(cache.remove(&oldest));
    assert_eq!(cache.entries().unwrap().len(), 2);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn open_removes_half_written_files_and_keeps_whole_ones() {
    let dir = temp_dir("tmp");
    let (cache, _) = Cache::open(&dir, 30).unwrap();
    cache.store(b"whole").unwrap();
    let slot = cache.dir().to_owned();
    fs::write(slot.join(".123-abc.envelope.tmp"), b"half").unwrap();
    drop(cache);
    let (cache, _) = Cache::open(&dir, 30).unwrap();
    assert_eq!(cache.dir(), slot, "the slot is free again");
    let names: Vec<_> = fs::read_dir(&slot)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".lock")
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert_eq!(contents(&cache), [b"whole".to_vec()]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn two_open_caches_on_one_directory_never_share_a_slot_and_the_survivor_takes_over() {
    let dir = temp_dir("slots");
    let (first, _) = Cache::open(&dir, 30).unwrap();
    let (second, adopted) = Cache::open(&dir, 30).unwrap();
    assert_eq!(adopted, 0);
    assert_ne!(first.dir(), second.dir());
    first.store(b"one").unwrap();
    second.store(b"two").unwrap();
    assert_eq!(contents(&first), [b"one".to_vec()]);
    assert_eq!(contents(&second), [b"two".to_vec()]);
    // A process that starts takes the first free slot, with what the last holder left there.
    let first_slot = first.dir().to_owned();
    drop(first);
    let (third, adopted) = Cache::open(&dir, 30).unwrap();
    assert_eq!((third.dir(), adopted), (first_slot.as_path(), 0));
    assert_eq!(contents(&third), [b"one".to_vec()]);
    // And it takes over the envelopes of every other free slot.
    drop(second);
    drop(third);
    let (fourth, adopted) = Cache::open(&dir, 30).unwrap();
    assert_eq!(adopted, 1);
    assert_eq!(contents(&fourth), [b"one".to_vec(), b"two".to_vec()]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn envelopes_of_the_flat_layout_are_taken_over() {
    let dir = temp_dir("flat");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("000000000000000000000001-a.envelope"), b"old").unwrap();
    let (cache, adopted) = Cache::open(&dir, 30).unwrap();
    assert_eq!(adopted, 1);
    assert_eq!(contents(&cache), [b"old".to_vec()]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn entries_that_are_not_regular_files_or_too_large_never_block_the_others() {
    let dir = temp_dir("bad");
    let (cache, _) = Cache::open(&dir, 30).unwrap();
    let slot = cache.dir().to_owned();
    fs::create_dir(slot.join("000000000000000000000001-dir.envelope")).unwrap();
    // Sparse: a gibibyte on paper, nothing on disk.
    let huge = slot.join("000000000000000000000002-huge.envelope");
    fs::File::create(&huge).unwrap().set_len(1 << 30).unwrap();
    cache.store(b"good").unwrap();
    let entries = cache.entries().unwrap();
    assert_eq!(
        entries.len(),
        2,
        "the directory is not an entry: {entries:?}"
    );
    assert!(matches!(
        cache.read(&entries[0]),
        Err(ReadError::TooLarge(n)) if n == 1 << 30
    ));
    cache.discard(&entries[0]);
    assert!(!huge.exists());
    assert_eq!(contents(&cache), [b"good".to_vec()]);
    assert!(
        cache
            .store(&vec![0; MAX_ENVELOPE_BYTES as usize + 1])
            .is_err()
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_entry_that_cannot_be_deleted_is_skipped_from_then_on() {
    let dir = temp_dir("undeletable");
    let (cache, _) = Cache::open(&dir, 30).unwrap();
    cache.store(b"a").unwrap();
    let path = cache.oldest().unwrap();
    // Stands in for a file the OS refuses to delete: `remove_file` fails on a directory.
    fs::remove_file(&path).unwrap();
    fs::create_dir(&path).unwrap();
    fs::write(path.join("x"), b"").unwrap();
    assert!(!cache.remove(&path));
    assert!(cache.skipped().contains(&path));
    fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn the_directory_and_its_files_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("modes");
    let (cache, _) = Cache::open(&dir.join("nested"), 30).unwrap();
    cache.store(b"secret").unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("nested")), 0o700);
    assert_eq!(mode(cache.dir()), 0o700);
    assert_eq!(mode(&cache.oldest().unwrap()), 0o600);
    fs::remove_dir_all(&dir).unwrap();
}
