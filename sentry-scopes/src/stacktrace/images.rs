//! The images loaded into the process (the executable and its shared libraries), read once with
//! `findshlibs`: what a server needs to map a frame's `instruction_addr` to an uploaded debug
//! file.

use std::borrow::Cow;
use std::sync::OnceLock;

use findshlibs::{SharedLibrary, SharedLibraryId, TARGET_SUPPORTED, TargetSharedLibrary};
use sentry_types::protocol::v7::{DebugImage, DebugMeta, SymbolicDebugImage};
use sentry_types::{CodeId, DebugId, Uuid};

use crate::protocol::Event;

/// The `debug_meta` of every event with a stack trace, computed at the first such event
/// (no images if reading them panics: the capture path must not).
pub(crate) fn debug_meta() -> &'static DebugMeta {
    static META: OnceLock<DebugMeta> = OnceLock::new();
    META.get_or_init(|| DebugMeta {
        images: crate::debug::call_user("reading the debug images", read_images)
            .unwrap_or_default(),
        ..DebugMeta::default()
    })
}

/// Gives `event` the process's debug images when it carries a stack trace and no `debug_meta`
/// of its own. Events without frames do without: the images are only needed to symbolicate
/// addresses.
pub(crate) fn attach_debug_meta(event: &mut Event<'static>) {
    if event.debug_meta.is_empty() && has_addresses(event) {
        event.debug_meta = Cow::Borrowed(debug_meta());
    }
}

fn has_addresses(event: &Event<'_>) -> bool {
    let exceptions = event.exception.values.iter().map(|e| &e.stacktrace);
    let threads = event.threads.values.iter().map(|t| &t.stacktrace);
    exceptions
        .chain(threads)
        .chain(std::iter::once(&event.stacktrace))
        .flatten()
        .any(|trace| trace.frames.iter().any(|f| f.instruction_addr.is_some()))
}

/// The architecture as Sentry names it.
fn arch() -> Option<String> {
    let name = match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "x86" => "x86",
        "aarch64" => "arm64",
        "arm" => "arm",
        _ => return None,
    };
    Some(name.to_owned())
}

fn read_images() -> Vec<DebugImage> {
    let mut images = Vec::new();
    if !TARGET_SUPPORTED {
        return images;
    }
    TargetSharedLibrary::each(|lib| {
        if let Some(image) = image_of(lib) {
            images.push(image.into());
        }
    });
    images
}

fn image_of(lib: &TargetSharedLibrary<'_>) -> Option<SymbolicDebugImage> {
    let id = debug_id(&lib.debug_id()?)?;
    let mut name = lib.name().to_string_lossy().into_owned();
    if name.is_empty() {
        // The executable itself has no name in the loader's list on Linux.
        name = std::env::current_exe()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "<main>".to_owned());
    }
    // On Windows the bias is the module's base address, which symbolication is relative to.
    let (image_addr, image_vmaddr) = if cfg!(windows) {
        (lib.virtual_memory_bias().0, 0)
    } else {
        (lib.actual_load_addr().0, lib.stated_load_addr().0)
    };
    Some(SymbolicDebugImage {
        name,
        arch: arch(),
        image_addr: image_addr.into(),
        image_size: lib.len() as u64,
        image_vmaddr: image_vmaddr.into(),
        id,
        code_id: lib.id().map(|id| CodeId::new(id.to_string())),
        debug_file: lib.debug_name().map(|n| n.to_string_lossy().into_owned()),
    })
}

/// The debug id Sentry keys debug files by.
fn debug_id(id: &SharedLibraryId) -> Option<DebugId> {
    match id {
        SharedLibraryId::Uuid(bytes) => Some(DebugId::from_uuid(Uuid::from_bytes(*bytes))),
        SharedLibraryId::GnuBuildId(build_id) => Some(debug_id_from_build_id(build_id)),
        SharedLibraryId::PdbSignature(guid, age) => DebugId::from_guid_age(guid, *age).ok(),
        SharedLibraryId::PeSignature(..) => None,
    }
}

/// An ELF build id as a debug id: its first 16 bytes (zero-padded) read as a GUID, whose first
/// three fields are stored in the byte order of the target (so reversed on little-endian
/// machines), as Breakpad and Sentry's symbolicator derive it.
fn debug_id_from_build_id(build_id: &[u8]) -> DebugId {
    let mut bytes = [0u8; 16];
    let n = build_id.len().min(16);
    bytes[..n].copy_from_slice(&build_id[..n]);
    if cfg!(target_endian = "little") {
        bytes[..4].reverse();
        bytes[4..6].reverse();
        bytes[6..8].reverse();
    }
    DebugId::from_uuid(Uuid::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_id_becomes_the_guid_the_symbolicator_expects() {
        // Sentry's documentation example: build id 68220ae2c65d65c1b6aaa12fa6765a6e…
        let build_id = [
            0x68, 0x22, 0x0a, 0xe2, 0xc6, 0x5d, 0x65, 0xc1, 0xb6, 0xaa, 0xa1, 0x2f, 0xa6, 0x76,
            0x5a, 0x6e, 0xc2, 0xf5, 0xf4, 0x34,
        ];
        let id = debug_id_from_build_id(&build_id);
        if cfg!(target_endian = "little") {
            assert_eq!(id.to_string(), "e20a2268-5dc6-c165-b6aa-a12fa6765a6e");
        }
        let short = debug_id_from_build_id(&[1, 2, 3]);
        assert!(short.to_string().ends_with("0000-000000000000"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_test_executable_is_among_the_images_with_ids_and_addresses() {
        let images = &debug_meta().images;
        assert!(!images.is_empty());
        let exe = std::env::current_exe().unwrap();
        let main = images
            .iter()
            .find_map(|i| match i {
                DebugImage::Symbolic(s) if s.name == exe.to_string_lossy() => Some(s),
                _ => None,
            })
            .expect("the executable's image");
        assert!(main.image_addr.0 > 0 && main.image_size > 0);
        assert!(!main.id.is_nil());
        assert!(main.code_id.is_some());
        // Computed once: the same list every time.
        assert!(std::ptr::eq(debug_meta(), debug_meta()));
        // This function's own code lies inside the executable's image.
        let here = the_test_executable_is_among_the_images_with_ids_and_addresses as *const ();
        let addr = here.addr() as u64;
        assert!(
            (main.image_addr.0..main.image_addr.0 + main.image_size).contains(&addr),
            "{addr:#x} not in {main:?}"
        );
    }
}
