"""The generated tables: goals, criterion medians, counts, paths, burst, memory, spans."""

from .common import PEER, SIZES, crit, fmt_ns, fmt_num, fmt_ratio, ratio
from .goals import goals, status


GROUPS = [
    ("fork", "bare fork (`#[with_scope]` with no items / `with_scope(|_| ())`)", SIZES),
    ("with_scope_tag", "1. `with_scope` setting one tag, n tags on the scope", SIZES),
    ("isolation_fork", "2. isolation fork + user + 2 tags, empty body, n tags on the scope", SIZES),
    ("capture", "3. `capture_message` inside `with_scope` (+1 tag), t tags / b breadcrumbs",
     ["t0-b0", "t10-b0", "t100-b0", "t0-b100", "t10-b100", "t100-b100"]),
    ("breadcrumb", "4. fork, then add one breadcrumb, 100 stored", ["100"]),
    ("nesting", "5. 1,000 nested `with_scope` levels, a new tag at each", ["1000"]),
    ("macro_overhead", "6. macro vs hand-written fork (10 tags on the scope)", ["sync", "async"]),
    ("threads", "7. n threads each forking its own parent, work shared in chunks; time per iteration = one fork on every thread",
     ["1", "2"]),
    ("threads_cpu", "7b. the same loops timed by each thread's CPU time (mean over the threads)",
     ["1", "2"]),
    ("threads_equal", "7c. the same loops with equal shares, until the slower thread is done",
     ["1", "2"]),
    ("async_tasks", "8. 10,000 tasks, isolation fork + tag, 3 awaits each, 2 tokio workers",
     ["10000"]),
]


def group_table(r, group, title, params):
    order = ["baseline", "baseline-wide", "hand-written", "ours-macro", "ours-closure", "sentry-core-push", PEER]
    funcs = sorted({k.split("/")[1] for k in r["criterion"] if k.split("/")[0] == group},
                   key=lambda f: order.index(f) if f in order else len(order))
    lines = [f"**{title}** (criterion median)", "",
             "| n | " + " | ".join(funcs) + " | " +
             " | ".join(f"{f} / {PEER}" for f in funcs if f.startswith("ours")) + " |",
             "|---|" + "---:|" * (len(funcs) + sum(f.startswith("ours") for f in funcs))]
    for p in params:
        vals = [crit(r, f"{group}/{f}/{p}") for f in funcs]
        if all(v is None for v in vals):
            continue
        peer = crit(r, f"{group}/{PEER}/{p}")
        ratios = [fmt_ratio(ratio(crit(r, f"{group}/{f}/{p}"), peer))
                  for f in funcs if f.startswith("ours")]
        lines.append(f"| {p} | " + " | ".join(fmt_ns(v) for v in vals) + " | " +
                     " | ".join(ratios) + " |")
    return "\n".join(lines)


def scaling_table(r):
    lines = ["**7d. two threads / one thread, in interleaved pairs** (`benches/thread_scaling.rs`: "
             "9 two-thread runs, each against the one-thread runs just before and after it)", "",
             "| loop | one thread, per iteration | median | min | max |",
             "|---|---:|---:|---:|---:|"]
    for name, v in r["scaling"].items():
        lines.append(f"| {name} | {fmt_ns(v['ns'])} | {v['median']:.2f} × | {v['min']:.2f} × | "
                     f"{v['max']:.2f} × |")
    return "\n".join(lines)


def counts_table(r):
    lines = ["| case | Ir / op | allocs / op | fastest batch | median batch |",
             "|---|---:|---:|---:|---:|"]
    for case, v in r["counts"].items():
        lines.append(f"| `{case}` | {fmt_num(v['ir_net'])} | {fmt_num(v['allocs'], 1)} | "
                     f"{fmt_ns(v['min_ns'])} | {fmt_ns(v['median_ns'])} |")
    return "\n".join(lines)


PATHS = [
    ("capture_http", "sentry",
     "**Capture through the HTTP transport** (`benches/counts_paths.rs`): `capture_message` with "
     "10 tags + 20 breadcrumbs on the scope, each SDK's own HTTP transport as `init(dsn)` sets "
     "it up, to a loopback server; batches of 20 captures with a flush between them. Ir: the "
     "capturing thread only (callgrind `--separate-threads=yes`); allocations: every thread, "
     "delivery included; times: the capturing thread's wall time per capture.", None),
    ("axum_layer", "sentry-tower",
     "**axum layer per request** (`benches/counts_paths.rs`): one request through a one-route "
     "`Router` with `ServiceExt::oneshot`, polled once, no sockets. *Added* = the variant minus "
     "`no-layer`. `sentry-tower` is `NewSentryLayer` + `SentryHttpLayer::new().enable_transaction()` "
     "as its docs set them up for axum; `sentry-tower-no-txn` leaves out `enable_transaction()` "
     "(then sentry neither names the transaction nor continues the incoming trace, which ours "
     "does).", "axum_layer/no-layer/request"),
    ("tracing_breadcrumb", "sentry-tracing",
     "**`tracing::info!` turned into a breadcrumb** (`benches/counts_paths.rs`): one `info!` "
     "with a field on a `registry()` with our `SentryTracingLayer::new()` or sentry-tracing's "
     "`BreadcrumbLayer` filtered to `INFO`. *Added* = the variant minus `registry-only`.",
     "tracing_breadcrumb/registry-only/info"),
]


SPANS = [
    ("span_lifecycle", "sentry-core",
     "**Transaction + one child** (`benches/span_counts.rs`): `start_transaction`, "
     "`start_child`, both finished; every trace sampled, the same release, environment, server "
     "name and os/rust/device contexts in both SDKs; each transport serialises the envelope it "
     "is given into a buffer (ours encodes it then, the same work the HTTP transport does on its "
     "thread).", None),
    ("span_child", "sentry-core",
     "**A child span** of a live transaction, started and finished (past 1,000 children both "
     "SDKs build the span and leave it out).", None),
    ("tracing_child", "sentry-tracing",
     "**A `tracing` span made a Sentry span**, below a live transaction: `info_span!` with two "
     "fields, `in_scope`, closed; our `SentryTracingLayer::new()` or sentry-tracing's "
     "`SpanLayer::new()` on a `registry()`. *Added* = the variant minus `registry-only`.",
     "tracing_child/registry-only"),
    ("tracing_root", "sentry-tracing",
     "**The same span with no transaction active**: it becomes a transaction, sent and "
     "serialised.", "tracing_root/registry-only"),
    ("span_macro", "hand-written",
     "**`span(..)` vs the same span by hand** (`start_span`, `enter`, `set_status`), below a "
     "live transaction.", None),
]


def paths_table(r, group, peer, floor, part="paths"):
    rows = {k.split("/")[1]: v for k, v in r.get(part, {}).items()
            if k.split("/")[0] == group}
    if not rows:
        return "(not measured)"
    peer_row = next((v for k, v in rows.items() if k == peer), {})
    floor_row = r.get(part, {}).get(floor, {}) if floor else {}

    def add(v, key):
        if not floor:
            return v.get(key)
        a, b = v.get(key), floor_row.get(key)
        return None if a is None or b is None else a - b

    lines = [f"| variant | Ir / op | Ir added | Ir{' added' if floor else ''} / {peer} | "
             "allocs / op | fastest batch | median batch | fastest, added |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, v in rows.items():
        is_floor = floor and floor.split("/")[1] == name
        lines.append(
            f"| {name} | {fmt_num(v['ir_net'])} | "
            f"{fmt_num(add(v, 'ir_net')) if floor else '–'} | "
            f"{'–' if is_floor else fmt_ratio(ratio(add(v, 'ir_net'), add(peer_row, 'ir_net')))} | "
            f"{fmt_num(v['allocs'], 1)} | {fmt_ns(v['min_ns'])} | {fmt_ns(v['median_ns'])} | "
            f"{fmt_ns(add(v, 'min_ns')) if floor else '–'} |")
    return "\n".join(lines)


def md_table(title, header, rows, left=1):
    """A titled Markdown table: the first `left` columns left-aligned, the others right-aligned."""
    lines = [title, "", "| " + " | ".join(header) + " |",
             "|" + "---|" * left + "---:|" * (len(header) - left)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def burst_table(r):
    b = r.get("burst")
    if not b:
        return "(not measured)"
    return md_table(
        "**Burst delivery** (`benches/burst.rs`): 10,000 `capture_message` calls from one "
        "thread as fast as it can, default HTTP transport and options (queue: ours 100, "
        "sentry 30), loopback server; events/s = events received ÷ (last arrival − first "
        "capture); *reported* = events that client reports counted as dropped; *lost* = "
        "10,000 − delivered − reported (worst of 15 rounds). Median of 15 alternating rounds. "
        "*reqwest-floor* is no SDK: reqwest alone, configured as our transport, posting 400 "
        "copies of our envelope on two threads over open connections while the bench thread "
        "spins; its *capture loop* is how long it spun.",
        ["sdk", "events / s", "delivered", "reported", "lost", "capture loop",
         "until last arrival"],
        [[name, fmt_num(v["per_second"]), fmt_num(v["delivered"]), fmt_num(v["reported"]),
          fmt_num(v["lost"]), f"{v['capture_ms']:.1f} ms", f"{v['delivery_ms']:.1f} ms"]
         for name, v in b.items()])


def memory_table(r):
    m = r.get("memory")
    if not m:
        return "(not measured)"
    rows = []
    for key, v in m.items():
        variant, case = key.split("/")
        peer = m.get(f"sentry-core/{case}", {}).get("net")
        shown = fmt_ratio(ratio(v["net"], peer)) if variant == "ours" else "–"
        rows.append([variant, case, fmt_num(v["bytes"]), fmt_num(v["net"]), shown])
    return md_table(
        "**Memory per live fork** (`benches/fork_memory.rs`): 100,000 futures, each holding an "
        "isolation fork, polled once and parked; live bytes as requested from the allocator, "
        "per future; *net* subtracts the same future without an SDK. `own`: each writes 20 "
        "tags + 20 breadcrumbs; `inherit`: the parent holds them, each writes one tag.",
        ["variant", "case", "bytes / future", "net bytes / fork", "net ours / sentry-core"],
        rows, left=2)


def generated_markdown(r):
    m = r["machine"]
    s = r["settings"]
    out = [
        f"Run of {m['date']}: {m['nproc']} CPUs ({m['cpu']}), {m['rustc']}, {m.get('valgrind')}; "
        f"load average {' / '.join(m['load_start'])} at the start and "
        f"{' / '.join(m.get('load_end', ['?']))} at the end. "
        f"Criterion 0.8.2: warm-up {s['warm_up']} s, measurement {s['measurement']} s, "
        f"100 samples (10 for `nesting` and `async_tasks`).",
        "",
        "### Goals",
        "",
        "| goal | variant | measured | status | from |",
        "|---|---|---:|---|---|",
    ]
    for goal, variant, measured, limit, higher, how in goals(r):
        shown = "–" if measured is None else (
            f"{measured:.1f}" if how in ("ns", "allocs") else
            f"{measured:,.0f}" if how.startswith("events,") else fmt_ratio(measured))
        out.append(f"| {goal} | {variant} | {shown} | {status(measured, limit, higher)} | {how} |")
    out += ["", "### Medians and ratios", ""]
    for group, title, params in GROUPS:
        out += [group_table(r, group, title, params), ""]
        if group == "threads_equal" and r.get("scaling"):
            out += [scaling_table(r), ""]
    out += ["### Instructions, allocations and undisturbed time per operation", "",
            "`benches/counts.rs`: Ir under callgrind (measured loop only, net of the "
            "`baseline/noop` loop), allocations from a counting allocator, and the fastest and "
            "median of 400 ~20 µs batches. `baseline/two-arc-clones` is two `Arc` clone+drop "
            "pairs: the floor of a fork that keeps two handles, on this machine, in this run.", "",
            counts_table(r), "", "### The paths around the scopes (issue 15)", ""]
    for group, peer, title, floor in PATHS:
        out += [title, "", paths_table(r, group, peer, floor), ""]
    out += [burst_table(r), "", memory_table(r), ""]
    out += ["### Spans and transactions (issue 16)", ""]
    for group, peer, title, floor in SPANS:
        out += [title, "", paths_table(r, group, peer, floor, "spans"), ""]
    return "\n".join(out)
