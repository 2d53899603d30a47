//! Request bodies compressed with gzip, with one compressor reused for every body, and the rule
//! that keeps compression from ever being what limits how fast envelopes go out.
//!
//! flate2 builds a new deflate state (hundreds of KB, zeroed) for every `GzEncoder`; for bodies
//! of a few KB that allocation cost more than the compression. So the raw deflate stream comes
//! from one `flate2::Compress`, reset for each body, inside the fixed gzip framing (RFC 1952: a
//! 10-byte header, then the CRC-32 flate2 computes and the length). The deflate backend is
//! zlib-rs: resetting its state clears a 64 KiB hash table where miniz_oxide's cleared its
//! whole dictionary.
//!
//! The rule: gzip cuts envelopes 3–4× (an event with 10 tags and 20 breadcrumbs, 2.7 KB, to
//! 670 bytes; one with a stack trace, 7.7 KB, to 2.0 KB) and costs CPU: 30–60 µs for those two
//! on the 2-core machines the benches run on. When the transport is idle (nothing waiting
//! behind the body), bodies from 1 KiB on are compressed. When envelopes wait, a body is
//! compressed only while compressing takes at most a tenth of the time a request takes (a slow
//! link, where bytes cost time), so the rule lets compression take about a tenth of a backlog's
//! throughput at most; on a fast link (a server on the same host or network) the backlog goes
//! out uncompressed until it clears. Every 32nd skipped body is compressed anyway, to keep the
//! estimate current (on a loopback server, where compressing takes about 60 % of a request,
//! that costs about 2 % more).

use std::time::{Duration, Instant};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// Bodies at least this large are compressed.
pub(crate) const GZIP_MIN_BYTES: usize = 1024;
/// Under a backlog, compressing a body may take at most this share of a request.
const MAX_SHARE_OF_REQUEST: f64 = 0.1;
/// Under a backlog, one body in this many is compressed to measure what it costs.
const PROBE_EVERY: u32 = 32;

/// gzip header: magic, deflate, no flags, no time, no extra flags, unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Compresses request bodies, deciding per body whether to.
pub(crate) struct Compressor {
    deflate: Compress,
    /// Moving averages: nanoseconds to compress one KiB, and one request's duration.
    compress_ns_per_kib: Option<f64>,
    request: Option<f64>,
    skipped: u32,
}

impl Default for Compressor {
    fn default() -> Self {
        Self {
            deflate: Compress::new(Compression::default(), false),
            compress_ns_per_kib: None,
            request: None,
            skipped: 0,
        }
    }
}

impl Compressor {
    /// The body to send and whether it is gzipped; `backlog` envelopes wait behind it.
    pub(crate) fn body(&mut self, body: &[u8], backlog: usize) -> (Vec<u8>, bool) {
        if body.len() < GZIP_MIN_BYTES || (backlog > 0 && !self.worth_it(body.len())) {
            return (body.to_vec(), false);
        }
        let started = Instant::now();
        match self.gzip(body) {
            Some(out) => {
                let kib = body.len() as f64 / 1024.0;
                let per_kib = started.elapsed().as_nanos() as f64 / kib;
                self.compress_ns_per_kib = Some(average(self.compress_ns_per_kib, per_kib));
                (out, true)
            }
            None => (body.to_vec(), false),
        }
    }

    /// Records how long a request took.
    pub(crate) fn request_took(&mut self, took: Duration) {
        self.request = Some(average(self.request, took.as_nanos() as f64));
    }

    /// Whether compressing `len` bytes is cheap next to a request (see the module docs).
    fn worth_it(&mut self, len: usize) -> bool {
        let (Some(per_kib), Some(request)) = (self.compress_ns_per_kib, self.request) else {
            return true; // nothing measured yet
        };
        if per_kib * (len as f64 / 1024.0) <= request * MAX_SHARE_OF_REQUEST {
            return true;
        }
        self.skipped += 1;
        self.skipped.is_multiple_of(PROBE_EVERY)
    }

    /// `body` as a gzip member, or `None` if deflate failed.
    fn gzip(&mut self, body: &[u8]) -> Option<Vec<u8>> {
        self.deflate.reset();
        let mut out = Vec::with_capacity(body.len() / 4 + 64);
        out.extend_from_slice(&HEADER);
        loop {
            let consumed = usize::try_from(self.deflate.total_in()).ok()?;
            let status = self
                .deflate
                .compress_vec(&body[consumed..], &mut out, FlushCompress::Finish)
                .ok()?;
            if status == Status::StreamEnd {
                break;
            }
            out.reserve(out.capacity().max(1024));
        }
        let mut crc = Crc::new();
        crc.update(body);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        // ISIZE is the length modulo 2^32.
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        Some(out)
    }
}

/// An exponential moving average weighing the new sample by 1/8.
fn average(old: Option<f64>, sample: f64) -> f64 {
    old.map_or(sample, |o| o + (sample - o) / 8.0)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    #[test]
    fn bodies_round_trip_through_a_strict_decoder_with_one_reused_compressor() {
        let mut c = Compressor::default();
        for size in [1024, 5000, 100_000, 2 * 1024 * 1024] {
            let body: Vec<u8> = (0..size).map(|i| b"sentry envelope "[i % 16]).collect();
            let (gz, gzipped) = c.body(&body, 0);
            assert!(gzipped && gz.len() < body.len() / 4, "{size}");
            assert_eq!(gunzip(&gz), body);
        }
    }

    #[test]
    fn small_bodies_stay_plain() {
        let mut c = Compressor::default();
        assert_eq!(c.body(b"{}\n", 0), (b"{}\n".to_vec(), false));
    }

    #[test]
    fn a_backlog_on_a_fast_link_goes_out_uncompressed_and_an_idle_one_compressed() {
        let mut c = Compressor::default();
        let body = vec![b'x'; 8 * 1024];
        assert!(c.body(&body, 0).1, "first: nothing measured yet");
        c.compress_ns_per_kib = Some(10_000.0); // 80 µs for this body
        c.request_took(Duration::from_micros(50)); // a loopback server
        let sent: Vec<bool> = (0..64).map(|_| c.body(&body, 5).1).collect();
        assert_eq!(sent.iter().filter(|g| **g).count(), 2, "only the probes");
        assert!(c.body(&body, 0).1, "idle again: compressed");
        c.compress_ns_per_kib = Some(10_000.0);
        c.request = Some(Duration::from_micros(500).as_nanos() as f64);
        assert!(
            !c.body(&body, 5).1,
            "16 % of a request is more than a backlog may spend"
        );
        c.request = Some(Duration::from_micros(900).as_nanos() as f64);
        assert!(c.body(&body, 5).1, "under a tenth of a request is allowed");
        c.request = Some(Duration::from_millis(80).as_nanos() as f64); // a slow link
        assert!(c.body(&body, 5).1);
    }
}
