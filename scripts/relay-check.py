#!/usr/bin/env python3
"""Check envelopes the SDK produced with Sentry Relay's own normalizer (PyPI sentry-relay).

  relay-check.py [--lenient] FILE...

Run with a Python that has sentry-relay 0.10.1 (`scripts/e2e-server.sh relay-check FILE...`
does that). Each FILE holds one envelope as sent (gzip accepted).

Checked here, because the Relay bindings expose no envelope parser: the header line is a JSON
object with a UUID `event_id` and an RFC 3339 `sent_at`; every item header is JSON with a known
`type` and an exact `length` followed by a newline; an event's `event_id` matches the header.
Then every `event` and `transaction` payload goes through `StoreNormalizer.normalize_event`, the
code sentry.io runs on ingest (with the event type taken from the item type, as Relay does
when it extracts the event from an envelope): anything in its `errors` list, and every `_meta` entry (`err`:
invalid value, `val`: replaced, `rem`: trimmed) is a problem; with --lenient, `val` and `rem`
are only warnings. `client_report` payloads are checked against the client report format.

Prints one line per problem and `FILE: OK` or `FILE: INVALID`; exits 1 if any file is invalid.
"""
import argparse
import gzip
import json
import re
import sys

ITEM_TYPES = {
    "event", "transaction", "attachment", "session", "sessions", "client_report", "check_in",
    "user_report", "feedback", "profile", "profile_chunk", "replay_event", "replay_recording",
    "replay_video", "span", "log", "trace_metric", "statsd", "metric_buckets", "otel_log",
    "otel_span", "security", "form_data", "raw_security", "unreal_report", "nel",
}
DISCARD_REASONS = {
    "queue_overflow", "cache_overflow", "buffer_overflow", "ratelimit_backoff", "network_error",
    "sample_rate", "before_send", "event_processor", "send_error", "internal_sdk_error",
    "insufficient_data", "backpressure",
}
CATEGORIES = {
    "default", "error", "transaction", "security", "attachment", "session", "profile",
    "profile_chunk", "replay", "internal", "monitor", "span", "log_item", "log_byte", "feedback",
    "trace_metric", "trace_metric_byte", "metric_bucket",
}
UUID = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.I)
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$")


class Problems:
    def __init__(self, lenient):
        self.lenient = lenient
        self.errors = []
        self.warnings = []

    def error(self, where, msg):
        self.errors.append(f"{where}: {msg}")

    def meta(self, where, msg):
        (self.warnings if self.lenient else self.errors).append(f"{where}: {msg}")


def split_envelope(data, p):
    """Yield (item_header, payload) pairs after checking the framing."""
    header_line, sep, rest = data.partition(b"\n")
    try:
        header = json.loads(header_line)
    except ValueError as e:
        p.error("header", f"not JSON: {e}")
        return None, []
    if not isinstance(header, dict):
        p.error("header", "not a JSON object")
        return None, []
    if "event_id" in header and not (isinstance(header["event_id"], str) and UUID.match(header["event_id"])):
        p.error("header.event_id", f"not a UUID: {header['event_id']!r}")
    if "sent_at" in header and not (isinstance(header["sent_at"], str) and RFC3339.match(header["sent_at"])):
        p.error("header.sent_at", f"not RFC 3339: {header['sent_at']!r}")
    items, pos = [], 0
    while pos < len(rest):
        end = rest.find(b"\n", pos)
        line = rest[pos:] if end < 0 else rest[pos:end]
        pos = len(rest) if end < 0 else end + 1
        where = f"items[{len(items)}]"
        try:
            item_header = json.loads(line)
        except ValueError as e:
            p.error(where, f"item header not JSON ({e}): {line[:80]!r}")
            break
        if not isinstance(item_header, dict) or not isinstance(item_header.get("type"), str):
            p.error(where, f"item header without a type: {line[:80]!r}")
            break
        if item_header["type"] not in ITEM_TYPES:
            p.error(where, f"unknown item type {item_header['type']!r}")
        length = item_header.get("length")
        if length is None:
            end = rest.find(b"\n", pos)
            payload = rest[pos:] if end < 0 else rest[pos:end]
            pos = len(rest) if end < 0 else end + 1
        elif not isinstance(length, int) or length < 0:
            p.error(where, f"bad length {length!r}")
            break
        else:
            payload = rest[pos:pos + length]
            if len(payload) < length:
                p.error(where, f"length {length} but only {len(payload)} bytes follow")
            pos += length
            if pos < len(rest):
                if rest[pos:pos + 1] != b"\n":
                    p.error(where, "payload not followed by a newline: wrong length?")
                pos += 1
        items.append((item_header, payload))
    if not items:
        p.error("envelope", "no items")
    return header, items


def walk_meta(meta, path, p):
    if not isinstance(meta, dict):
        return
    for key, node in meta.items():
        if key == "" and isinstance(node, dict):
            for err in node.get("err") or []:
                p.error(path or "$", f"relay marked invalid: {json.dumps(err)}")
            if "val" in node:
                p.meta(path or "$", f"relay replaced the value {json.dumps(node['val'])[:120]}")
            if node.get("rem"):
                p.meta(path or "$", f"relay trimmed or removed: {json.dumps(node['rem'])[:120]}")
        else:
            walk_meta(node, f"{path}.{key}" if path else str(key), p)


def check_event(payload, where, header, item_type, normalizer, valid_platforms, p):
    try:
        raw = json.loads(payload)
    except ValueError as e:
        p.error(where, f"payload not JSON: {e}")
        return
    if not isinstance(raw, dict):
        p.error(where, "payload not a JSON object")
        return
    header_id = str((header or {}).get("event_id") or "").replace("-", "").lower()
    if not header_id:
        p.error("header.event_id", f"missing, but the envelope has a {item_type!r} item")
    elif str(raw.get("event_id", "")).replace("-", "").lower() != header_id:
        p.error(f"{where}.event_id", "differs from the envelope header's")
    if raw.get("platform") not in valid_platforms:
        p.error(f"{where}.platform", f"{raw.get('platform')!r} is not a platform Relay knows")
    # As Relay does when it takes the event out of the envelope: a transaction item's event is
    # a transaction whatever its payload says; an event item's type is left to inference.
    if item_type == "transaction":
        raw["type"] = "transaction"
    else:
        raw.pop("type", None)
    try:
        normalized = normalizer.normalize_event(raw_event=json.dumps(raw).encode())
    except Exception as e:  # the bindings raise their own error types
        p.error(where, f"Relay refused the payload: {e}")
        return
    if item_type == "transaction" and normalized.get("type") != "transaction":
        p.error(f"{where}.type", "a transaction item that does not normalize to a transaction")
    for err in normalized.get("errors") or []:
        p.error(f"{where}.{err.get('name') or ''}", f"Relay error {json.dumps(err)}")
    walk_meta(normalized.get("_meta") or {}, where, p)


def check_client_report(payload, where, p):
    try:
        report = json.loads(payload)
    except ValueError as e:
        p.error(where, f"payload not JSON: {e}")
        return
    if not isinstance(report, dict):
        p.error(where, "not a JSON object")
        return
    if not isinstance(report.get("timestamp"), (int, float, str)):
        p.error(f"{where}.timestamp", "missing or not a timestamp")
    discarded = report.get("discarded_events")
    if not isinstance(discarded, list) or not discarded:
        p.error(f"{where}.discarded_events", "missing or empty")
        return
    for i, d in enumerate(discarded):
        w = f"{where}.discarded_events[{i}]"
        if not isinstance(d, dict):
            p.error(w, "not an object")
            continue
        if d.get("reason") not in DISCARD_REASONS:
            p.error(f"{w}.reason", f"unknown reason {d.get('reason')!r}")
        if d.get("category") not in CATEGORIES:
            p.error(f"{w}.category", f"unknown category {d.get('category')!r}")
        if not isinstance(d.get("quantity"), int) or d["quantity"] < 0:
            p.error(f"{w}.quantity", f"not a count: {d.get('quantity')!r}")


def check_file(path, normalizer, valid_platforms, lenient):
    p = Problems(lenient)
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    header, items = split_envelope(data, p)
    for i, (item_header, payload) in enumerate(items):
        where, kind = f"items[{i}]", item_header["type"]
        if kind in ("event", "transaction"):
            check_event(payload, where, header, kind, normalizer, valid_platforms, p)
        elif kind == "client_report":
            check_client_report(payload, where, p)
        elif kind == "attachment" and not item_header.get("filename"):
            p.error(where, "attachment without a filename")
    kinds = ", ".join(h["type"] for h, _ in items)
    for w in p.warnings:
        print(f"{path}: warning: {w}")
    for e in p.errors:
        print(f"{path}: error: {e}")
    print(f"{path}: {'INVALID' if p.errors else 'OK'} ({kinds})")
    return not p.errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--lenient", action="store_true", help="Relay's replacements and trims are warnings")
    args = parser.parse_args()
    from sentry_relay.processing import VALID_PLATFORMS, StoreNormalizer

    normalizer = StoreNormalizer(project_id=1)
    results = [check_file(f, normalizer, VALID_PLATFORMS, args.lenient) for f in args.files]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
