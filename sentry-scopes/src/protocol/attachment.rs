//! Attachments from files, and content types inferred from file names.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::{Attachment, AttachmentType};

/// The largest file [`attachment_from_path`] reads: 20 MiB, the default attachment size limit
/// of Sentry's other SDKs and what Sentry accepts for one attachment.
pub const MAX_ATTACHMENT_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// Reads the file at `path` into an [`Attachment`] named after the file, with a content type
/// inferred from its extension (`report.json` is `application/json`; an unknown extension
/// leaves it unset, sent as `application/octet-stream`).
///
/// The whole file is held in memory until the attachment is sent, so files larger than
/// [`MAX_ATTACHMENT_FILE_BYTES`] are refused without being read, and so is a file that grows
/// past it while being read.
///
/// ```
/// use sentry_scopes::protocol::attachment_from_path;
/// # let dir = std::env::temp_dir().join(format!("sentry-scopes-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("state.json");
/// std::fs::write(&path, br#"{"cart": 3}"#)?;
/// let attachment = attachment_from_path(&path)?;
/// assert_eq!(attachment.filename, "state.json");
/// assert_eq!(attachment.content_type.as_deref(), Some("application/json"));
/// sentry_scopes::get_isolation_scope().add_attachment(attachment);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// An [`io::Error`] whose message names the path: the path has no file name or is not a
/// regular file (`InvalidInput`), the file is larger than [`MAX_ATTACHMENT_FILE_BYTES`]
/// (`FileTooLarge`), or it cannot be opened or read (the kind the OS gave).
pub fn attachment_from_path(path: impl AsRef<Path>) -> io::Result<Attachment> {
    let path = path.as_ref();
    let context =
        |e: io::Error| io::Error::new(e.kind(), format!("attachment {}: {e}", path.display()));
    let Some(filename) = path.file_name() else {
        return Err(context(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path names no file; pass the path of a file",
        )));
    };
    let file = File::open(path).map_err(context)?;
    let metadata = file.metadata().map_err(context)?;
    if !metadata.is_file() {
        return Err(context(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file; pass the path of a file",
        )));
    }
    let too_large = || {
        context(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "larger than the {MAX_ATTACHMENT_FILE_BYTES}-byte attachment limit; attach a \
                 smaller file, or read the part you need into `Attachment::buffer`"
            ),
        ))
    };
    if metadata.len() > MAX_ATTACHMENT_FILE_BYTES {
        return Err(too_large());
    }
    let mut buffer = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(MAX_ATTACHMENT_FILE_BYTES + 1)
        .read_to_end(&mut buffer)
        .map_err(context)?;
    if buffer.len() as u64 > MAX_ATTACHMENT_FILE_BYTES {
        return Err(too_large());
    }
    Ok(with_inferred_content_type(Attachment {
        buffer,
        filename: filename.to_string_lossy().into_owned(),
        ..Attachment::default()
    }))
}

/// Gives a plain attachment (no special type) without a content type the one its file name's
/// extension maps to, as sentry-python does; anything else is returned unchanged.
pub(crate) fn with_inferred_content_type(mut attachment: Attachment) -> Attachment {
    let plain = matches!(attachment.ty, None | Some(AttachmentType::Attachment));
    if plain && attachment.content_type.is_none() {
        attachment.content_type = mime_guess::from_path(&attachment.filename)
            .first_raw()
            .map(str::to_owned);
    }
    attachment
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(filename: &str) -> Attachment {
        Attachment {
            filename: filename.to_owned(),
            ..Attachment::default()
        }
    }

    #[test]
    fn plain_attachments_get_the_content_type_of_their_extension() {
        let cases = [
            ("notes.txt", Some("text/plain")),
            ("state.JSON", Some("application/json")),
            ("screen.png", Some("image/png")),
            ("dump.no-such-extension", None),
            ("Makefile", None),
        ];
        for (filename, expected) in cases {
            let attachment = with_inferred_content_type(named(filename));
            assert_eq!(attachment.content_type.as_deref(), expected, "{filename}");
        }
    }

    #[test]
    fn a_given_content_type_or_a_special_attachment_type_is_kept() {
        let given = Attachment {
            content_type: Some("text/x-log".into()),
            ..named("app.txt")
        };
        assert_eq!(
            with_inferred_content_type(given).content_type.as_deref(),
            Some("text/x-log")
        );
        let minidump = Attachment {
            ty: Some(AttachmentType::Minidump),
            ..named("crash.txt")
        };
        assert_eq!(with_inferred_content_type(minidump).content_type, None);
    }
}
