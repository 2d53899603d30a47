//! The transport used without a DSN: every envelope is printed to stdout as readable JSON.

use std::io::Write;

use super::Transport;
use super::envelope::EncodedEnvelope;

/// Prints each envelope to stdout: the envelope header and every item header and payload, JSON
/// pretty-printed, binary payloads summarised by size. Shows exactly what would be sent.
#[derive(Debug, Default)]
pub(crate) struct PrintTransport;

impl PrintTransport {
    pub(crate) fn new() -> Self {
        Self
    }
}

impl Transport for PrintTransport {
    fn send_envelope(&self, envelope: EncodedEnvelope) {
        let text = render(envelope.as_bytes());
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

/// Renders an envelope as the lines it is made of, JSON pretty-printed.
pub(crate) fn render(bytes: &[u8]) -> String {
    let mut out = String::from("--- sentry envelope ---\n");
    let mut rest = bytes;
    while !rest.is_empty() {
        let (line, tail) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        rest = tail;
        // An item header announcing a length: the payload follows as exactly that many bytes.
        let header: Option<serde_json::Value> = serde_json::from_slice(line).ok();
        out.push_str(&pretty(line));
        out.push('\n');
        if let Some(len) = header
            .as_ref()
            .and_then(|h| h.get("length"))
            .and_then(serde_json::Value::as_u64)
            .and_then(|l| usize::try_from(l).ok())
        {
            let len = len.min(rest.len());
            let (payload, tail) = rest.split_at(len);
            out.push_str(&pretty(payload));
            out.push('\n');
            rest = tail.strip_prefix(b"\n").unwrap_or(tail);
        }
    }
    out
}

fn pretty(bytes: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        Err(_) => match std::str::from_utf8(bytes) {
            Ok(s) if !s.contains('\0') => s.to_owned(),
            _ => format!("<{} bytes of binary data>", bytes.len()),
        },
    }
}
