#!/usr/bin/env python3
"""Runs the benchmarks and regenerates the report: docs/bench/*.svg, docs/bench/results.json and
the generated section of BENCHMARKS.md (between the BEGIN/END GENERATED markers).

    scripts/bench-report.py                   # everything (~10-15 min on 2 cores)
    scripts/bench-report.py --quick           # short criterion runs, for trying the script
    scripts/bench-report.py --from-results    # only redraw from docs/bench/results.json

Steps: criterion (benches/scope_fork.rs, capture.rs, macro_overhead.rs, concurrency.rs; JSON in
$CARGO_TARGET_DIR/criterion), benches/thread_scaling.rs (one- and two-thread runs in interleaved
pairs), benches/burst.rs (10,000 captures to a loopback server), benches/fork_memory.rs (bytes
per live fork), then benches/counts.rs and benches/counts_paths.rs three ways each: allocations
per op (counting allocator), min/median ns per op over short batches (--time), and instructions
per op under `valgrind --tool=callgrind`, collecting only the measured loop (counts_paths with
--separate-threads=yes, reading the main thread's counts only). Python standard library only;
the SVGs are written by hand. Each bench is built right before it runs, one at a time.
"""

import argparse
import concurrent.futures
import datetime
import json
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
OUT = ROOT / "docs" / "bench"
REPORT = ROOT / "BENCHMARKS.md"
BENCHES = ["scope_fork", "capture", "macro_overhead", "concurrency"]
OURS = ["ours-macro", "ours-closure"]
PEER = "sentry-core"
SIZES = ["0", "10", "100", "1000", "10000"]
BEGIN, END = "<!-- BEGIN GENERATED -->", "<!-- END GENERATED -->"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    log("+ " + " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, cwd=ROOT, check=True, **kw)


def output(cmd):
    return subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout


# --- measuring -------------------------------------------------------------------------------


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": output(["nproc"]).strip(),
        "cpu": cpu,
        "rustc": output(["rustc", "-V"]).strip(),
        "valgrind": output(["valgrind", "--version"]).strip() if shutil.which("valgrind") else None,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": open("/proc/loadavg").read().split()[:3],
    }


def run_criterion(warm_up, measurement):
    shutil.rmtree(TARGET / "criterion", ignore_errors=True)  # results only, never the build
    cmd = ["cargo", "bench", "-p", "sentry-scopes-suite"]
    for b in BENCHES:
        cmd += ["--bench", b]
    run(cmd + ["--", "--warm-up-time", str(warm_up), "--measurement-time", str(measurement),
               "--noplot"])


def read_criterion():
    res = {}
    for bj in sorted((TARGET / "criterion").glob("**/new/benchmark.json")):
        b = json.loads(bj.read_text())
        e = json.loads((bj.parent / "estimates.json").read_text())["median"]
        key = f'{b["group_id"]}/{b["function_id"]}/{b["value_str"]}'
        res[key] = {
            "median_ns": e["point_estimate"],
            "lo_ns": e["confidence_interval"]["lower_bound"],
            "hi_ns": e["confidence_interval"]["upper_bound"],
        }
    return res


def run_scaling():
    """`scaling/<loop> median min max ns` lines of benches/thread_scaling.rs."""
    log("+ cargo bench --bench thread_scaling")
    text = output(["cargo", "bench", "-p", "sentry-scopes-suite", "--bench", "thread_scaling"])
    return {name.split("/", 1)[1]: dict(zip(["median", "min", "max", "ns"], values))
            for name, values in table(text, 4).items() if name.startswith("scaling/")}


def bench_binary(name):
    out = output(["cargo", "bench", "-p", "sentry-scopes-suite", "--bench", name, "--no-run",
                  "--message-format=json"])
    for line in out.splitlines():
        try:
            m = json.loads(line)
        except json.JSONDecodeError:
            continue
        if m.get("reason") == "compiler-artifact" and m["target"]["name"] == name \
                and m.get("executable"):
            return m["executable"]
    sys.exit(f"could not find the {name} bench executable")


def table(text, columns):
    rows = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == columns + 1 and "/" in parts[0]:
            try:
                rows[parts[0]] = [float(p) for p in parts[1:]]
            except ValueError:
                continue
    return rows


def iterations(case):
    heavy = case.startswith(("capture/", "capture_http/", "capture_processor/")) \
        or re.search(r"sentry-core.*/(1000|10000)$", case)
    return 20 if heavy else 200


def callgrind(exe, case, threads):
    """Ir per op of `case`; with `threads`, of the main thread only."""
    n = iterations(case)
    with tempfile.TemporaryDirectory() as d:
        out = pathlib.Path(d) / "cg.out"
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
               "--toggle-collect=*harness::measured*", f"--callgrind-out-file={out}"]
        if threads:
            cmd.append("--separate-threads=yes")
        subprocess.run(cmd + [exe, "--run", case, str(n)], cwd=ROOT, check=True,
                       capture_output=True)
        # With --separate-threads, one file per thread, `-01` the main thread's.
        path = pathlib.Path(f"{out}-01") if threads else out
        for line in open(path):
            if line.startswith("totals:"):
                return int(line.split()[1]) / n
    raise RuntimeError(f"no totals for {case}")


def run_counts(bench, with_callgrind, threads=False):
    exe = bench_binary(bench)
    log(f"+ {exe} (allocations), --time, callgrind")
    allocs = table(output([exe]), 1)
    times = table(output([exe, "--time"]), 2)
    cases = output([exe, "--list"]).split()
    ir = {}
    if with_callgrind:
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for case, value in zip(cases, pool.map(lambda c: callgrind(exe, c, threads), cases)):
                ir[case] = value
    noop = ir.get("baseline/noop", 0.0)
    return {
        case: {
            "allocs": allocs.get(case, [None])[0],
            "min_ns": times.get(case, [None, None])[0],
            "median_ns": times.get(case, [None, None])[1],
            "ir": ir.get(case),
            "ir_net": None if case not in ir else ir[case] - noop,
        }
        for case in cases
    }


def run_burst():
    """`burst/<sdk> events/s delivered reported lost capture_ms delivery_ms` of benches/burst.rs."""
    log("+ cargo bench --bench burst")
    text = output(["cargo", "bench", "-p", "sentry-scopes-suite", "--bench", "burst"])
    keys = ["per_second", "delivered", "reported", "lost", "capture_ms", "delivery_ms"]
    return {name.split("/", 1)[1]: dict(zip(keys, values))
            for name, values in table(text, 6).items() if name.startswith("burst/")}


def run_memory():
    """`memory/<variant>/<case> bytes net` of benches/fork_memory.rs."""
    log("+ cargo bench --bench fork_memory")
    text = output(["cargo", "bench", "-p", "sentry-scopes-suite", "--bench", "fork_memory"])
    return {name.split("/", 1)[1]: {"bytes": values[0], "net": values[1]}
            for name, values in table(text, 2).items() if name.startswith("memory/")}


# --- judging ---------------------------------------------------------------------------------


def crit(r, key):
    v = r["criterion"].get(key)
    return None if v is None else v["median_ns"]


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def goals(r):
    """(goal, variant, measured, limit, higher_is_better, how)"""
    out = []
    c = r["counts"]
    for size, limit in [("10", 0.5), ("100", 0.1), ("1000", 0.02)]:
        for v in OURS:
            out.append((f"with_scope + 1 tag, {size} tags: ≤ {limit} × sentry-core", v,
                        ratio(crit(r, f"with_scope_tag/{v}/{size}"),
                              crit(r, f"with_scope_tag/{PEER}/{size}")), limit, False, "time"))
    for v in OURS:
        out.append(("own time at 10,000 tags ≤ 3 × own time at 0 tags", v,
                    ratio(crit(r, f"with_scope_tag/{v}/10000"), crit(r, f"with_scope_tag/{v}/0")),
                    3.0, False, "time"))
    for v in OURS:
        out.append(("isolation fork + user + 2 tags, 100 tags: ≤ 0.1 × sentry-core", v,
                    ratio(crit(r, f"isolation_fork/{v}/100"),
                          crit(r, f"isolation_fork/{PEER}/100")), 0.1, False, "time"))
    for v in OURS:
        out.append(("capture, 100 tags + 100 breadcrumbs: ≤ 0.5 × sentry-core", v,
                    ratio(crit(r, f"capture/{v}/t100-b100"), crit(r, f"capture/{PEER}/t100-b100")),
                    0.5, False, "time"))
    out.append(("fork + breadcrumb, 100 stored: ≤ 0.1 × sentry-core", "ours-closure",
                ratio(crit(r, "breadcrumb/ours-closure/100"), crit(r, f"breadcrumb/{PEER}/100")),
                0.1, False, "time"))
    for v in OURS:
        out.append(("nesting, 1,000 levels: ≤ 0.05 × sentry-core", v,
                    ratio(crit(r, f"nesting/{v}/1000"), crit(r, f"nesting/{PEER}/1000")),
                    0.05, False, "time"))
    for kind in ["sync", "async"]:
        a = c.get(f"macro_overhead/ours-macro/{kind}", {}).get("ir")
        b = c.get(f"macro_overhead/hand-written/{kind}", {}).get("ir")
        out.append((f"macro within 5 % of the hand-written fork ({kind})", "ours-macro",
                    ratio(a, b), 1.05, False, "Ir"))
    loops = ["baseline", "baseline-wide"] + OURS + [PEER]
    for v in loops:
        out.append(("two threads ≥ 1.8 × the throughput of one", v,
                    r.get("scaling", {}).get(v, {}).get("median"), 1.8, True,
                    "interleaved pairs, median"))
    for group, how in [("threads", "criterion, wall time"), ("threads_cpu", "criterion, CPU time")]:
        for v in loops:
            t1, t2 = crit(r, f"{group}/{v}/1"), crit(r, f"{group}/{v}/2")
            out.append(("two threads ≥ 1.8 × the throughput of one", v,
                        None if not t1 or not t2 else 2 * t1 / t2, 1.8, True, how))
    fork = [c.get(f"fork/ours-macro/{n}", {}) for n in SIZES]
    out.append(("bare fork ≤ 20 ns (fastest of 400 batches)", "ours-macro",
                max((f.get("min_ns") or math.inf) for f in fork), 20.0, False, "ns"))
    out.append(("bare fork ≤ 20 ns (criterion median)", "ours-macro",
                max((crit(r, f"fork/ours-macro/{n}") or math.inf) for n in SIZES), 20.0, False,
                "ns"))
    out.append(("bare fork: 0 allocations at every size", "ours-macro",
                max((f.get("allocs") if f.get("allocs") is not None else math.inf) for f in fork),
                0.0, False, "allocs"))
    irs = [f.get("ir") for f in fork if f.get("ir")]
    out.append(("bare fork independent of scope size (Ir at 10,000 / Ir at 0)", "ours-macro",
                (max(irs) / min(irs)) if irs else None, 1.0, False, "Ir"))
    return out + issue15_goals(r) + issue16_goals(r)


def ir(r, case, part="counts"):
    return r.get(part, {}).get(case, {}).get("ir_net")


def added(r, case, floor, part):
    a, b = ir(r, case, part), ir(r, floor, part)
    return None if a is None or b is None else a - b


def issue15_goals(r):
    """The goals of issue 15, ours / sentry 0.49.5 unless said otherwise."""
    out = []
    for v in OURS:
        out.append(("15: capture, 100 tags + 100 breadcrumbs: ≤ 0.25 × sentry-core", v,
                    ratio(ir(r, f"capture/{v}/t100-b100"), ir(r, f"capture/{PEER}/t100-b100")),
                    0.25, False, "Ir"))
        out.append(("15: capture, 100 tags + 100 breadcrumbs: ≤ 0.25 × sentry-core", v,
                    ratio(crit(r, f"capture/{v}/t100-b100"), crit(r, f"capture/{PEER}/t100-b100")),
                    0.25, False, "time"))
    out.append(("15: capture through the HTTP transport, 10 tags + 20 breadcrumbs: ≤ 0.3 × sentry",
                "ours", ratio(ir(r, "capture_http/ours/t10-b20", "paths"),
                              ir(r, "capture_http/sentry/t10-b20", "paths")),
                0.3, False, "Ir, capturing thread"))
    b = r.get("burst", {})
    out.append(("15: burst of 10,000 captures: events delivered per second ≥ 2 × sentry", "ours",
                ratio(b.get("ours", {}).get("per_second"), b.get("sentry", {}).get("per_second")),
                2.0, True, "events/s, median of 9 rounds"))
    lost = b.get("ours", {}).get("lost")
    out.append(("15: burst: every event not delivered is in a client report (events lost)", "ours",
                lost, 0.0, False, "events, worst round"))
    floor = "axum_layer/no-layer/request"
    for peer in ["sentry-tower", "sentry-tower-no-txn"]:
        out.append(("15: axum layer, instructions added per request: ≤ 0.6 × sentry-tower",
                    f"ours vs {peer}",
                    ratio(added(r, "axum_layer/ours/request", floor, "paths"),
                          added(r, f"axum_layer/{peer}/request", floor, "paths")),
                    0.6, False, "Ir, no-layer subtracted"))
    out.append(("15: `tracing::info!` as a breadcrumb: ≤ 0.6 × sentry-tracing", "ours",
                ratio(ir(r, "tracing_breadcrumb/ours/info", "paths"),
                      ir(r, "tracing_breadcrumb/sentry-tracing/info", "paths")),
                0.6, False, "Ir, whole call"))
    floor = "tracing_breadcrumb/registry-only/info"
    out.append(("15: `tracing::info!` as a breadcrumb: ≤ 0.6 × sentry-tracing", "ours",
                ratio(added(r, "tracing_breadcrumb/ours/info", floor, "paths"),
                      added(r, "tracing_breadcrumb/sentry-tracing/info", floor, "paths")),
                0.6, False, "Ir, registry subtracted"))
    mem = r.get("memory", {})
    for key, how in [("net", "bytes, baseline future subtracted"), ("bytes", "bytes per future")]:
        out.append(("15: memory per live fork writing its own 20 tags + 20 breadcrumbs: ≤ 0.7 × "
                    "sentry-core", "ours-macro",
                    ratio(mem.get("ours/own", {}).get(key), mem.get("sentry-core/own", {}).get(key)),
                    0.7, False, how))
    for group, what in [("isolation_fork", "fork + user + 2 tags"),
                        ("isolation_fork_bare", "fork alone")]:
        for v in OURS:
            out.append((f"15: isolation fork, empty scopes ({what}): ≤ 0.5 × sentry-core", v,
                        ratio(ir(r, f"{group}/{v}/0"), ir(r, f"{group}/{PEER}/0")),
                        0.5, False, "Ir"))
    worst = [ratio(ir(r, f"fork/ours-closure/{n}"), ir(r, f"fork/ours-macro/{n}")) for n in SIZES]
    worst = [w for w in worst if w is not None]
    out.append(("15: `with_scope(|s| ..)` closure fork within 2 × the macro's fork", "ours-closure",
                max(worst) if worst else None, 2.0, False, "Ir, worst size"))
    for v in OURS:
        out.append(("15 stretch: capture, 100 tags + 100 breadcrumbs: ≤ 0.1 × sentry-core", v,
                    ratio(ir(r, f"capture/{v}/t100-b100"), ir(r, f"capture/{PEER}/t100-b100")),
                    0.1, False, "Ir"))
    out.append(("15 stretch: capture through the HTTP transport: ≤ 0.1 × sentry", "ours",
                ratio(ir(r, "capture_http/ours/t10-b20", "paths"),
                      ir(r, "capture_http/sentry/t10-b20", "paths")),
                0.1, False, "Ir, capturing thread"))
    return out


def issue16_goals(r):
    """The cost goals of issue 16, in instructions (`benches/span_counts.rs`)."""
    out = [("16: transaction + one child, started, finished and sent: ≤ 0.5 × sentry-core",
            "sentry-scopes", ratio(ir(r, "span_lifecycle/sentry-scopes", "spans"),
                                   ir(r, "span_lifecycle/sentry-core", "spans")),
            0.5, False, "Ir, serialised by the transport")]
    for group, what in [("tracing_child", "child of a live transaction"),
                        ("tracing_root", "a transaction of its own, sent")]:
        out.append((f"16: a `tracing` span made a Sentry span ({what}): ≤ 0.5 × sentry-tracing",
                    "sentry-scopes", ratio(ir(r, f"{group}/sentry-scopes", "spans"),
                                           ir(r, f"{group}/sentry-tracing", "spans")),
                    0.5, False, "Ir, whole span"))
        floor = f"{group}/registry-only"
        out.append((f"16: a `tracing` span made a Sentry span ({what}): ≤ 0.5 × sentry-tracing",
                    "sentry-scopes", ratio(added(r, f"{group}/sentry-scopes", floor, "spans"),
                                           added(r, f"{group}/sentry-tracing", floor, "spans")),
                    0.5, False, "Ir, registry subtracted"))
    for kind in ["sync", "async"]:
        out.append((f"16: `span(..)` within 5 % of the same span by hand ({kind})", "ours-macro",
                    ratio(ir(r, f"span_macro/ours-macro/{kind}", "spans"),
                          ir(r, f"span_macro/hand-written/{kind}", "spans")),
                    1.05, False, "Ir"))
    return out


def status(measured, limit, higher):
    if measured is None:
        return "not measured"
    return "met" if (measured >= limit if higher else measured <= limit) else "**missed**"


# --- report ----------------------------------------------------------------------------------


def fmt_ns(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


def fmt_ratio(x):
    if x is None:
        return "–"
    if x < 0.01:
        return f"{x:.2g}"
    return f"{x:.3f}" if x < 0.1 else f"{x:.2f}"


def fmt_axis(ns):
    return re.sub(r"\.0+ ", " ", fmt_ns(ns))


def fmt_num(x, digits=0):
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"


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
        "10,000 − delivered − reported (worst of 9 rounds). Median of 9 alternating rounds.",
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


def write_report(r):
    text = REPORT.read_text() if REPORT.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        sys.exit(f"{REPORT} lacks the {BEGIN} / {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    REPORT.write_text(f"{head}{BEGIN}\n{generated_markdown(r)}\n{END}{tail}")


# --- SVG -------------------------------------------------------------------------------------

COLORS = {"ours-macro": "#1f6feb", "ours-closure": "#2da44e", "sentry-core": "#cf222e",
          "sentry-core-push": "#e16f24", "hand-written": "#8250df", "baseline": "#6e7781"}
DASHES = {"b100": "6 4"}


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fmt_count(n):
    for div, unit in [(1e6, "M"), (1e3, "k")]:
        if n >= div:
            return f"{n / div:g}{unit}"
    return f"{n:g}"


def svg_start(w, h, title_x, title):
    """The opening elements of a plot: the canvas, a white background and the title."""
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">',
            f'<rect width="{w}" height="{h}" fill="white"/>',
            f'<text x="{title_x}" y="22" font-size="15" font-weight="bold">{esc(title)}</text>']


def svg_loglog(path, title, xlabel, ylabel, series, xticks, yunit="ns", hline=None):
    """series: {name: [(x, y)]} with x, y > 0; xticks: [(x, label)]; hline: (y, label)."""
    w, h, ml, mr, mt, mb = 720, 420, 78, 190, 40, 52
    pts = [p for s in series.values() for p in s if p[1] and p[1] > 0]
    if not pts:
        return
    if hline:
        pts.append((1, hline[0]))
    x0, x1 = math.log10(min(x for x, _ in xticks)), math.log10(max(x for x, _ in xticks))
    y0 = math.floor(math.log10(min(y for _, y in pts)))
    y1 = math.ceil(math.log10(max(y for _, y in pts)))
    if y1 == y0:
        y1 += 1

    def px(x):
        return ml + (math.log10(x) - x0) / (x1 - x0 or 1) * (w - ml - mr)

    def py(y):
        return h - mb - (math.log10(y) - y0) / (y1 - y0) * (h - mt - mb)

    o = svg_start(w, h, ml, title)
    for d in range(y0, y1 + 1):
        y = py(10 ** d)
        o.append(f'<line x1="{ml}" y1="{y:.1f}" x2="{w - mr}" y2="{y:.1f}" stroke="#d0d7de"/>')
        o.append(f'<text x="{ml - 6}" y="{y + 4:.1f}" text-anchor="end">'
                 f'{esc(fmt_axis(10 ** d) if yunit == "ns" else fmt_count(10 ** d))}</text>')
        if d < y1:
            for k in range(2, 10):
                yy = py(k * 10 ** d)
                o.append(f'<line x1="{ml}" y1="{yy:.1f}" x2="{w - mr}" y2="{yy:.1f}" '
                         f'stroke="#f0f2f4"/>')
    for x, label in xticks:
        xx = px(x)
        o.append(f'<line x1="{xx:.1f}" y1="{mt}" x2="{xx:.1f}" y2="{h - mb}" stroke="#d0d7de"/>')
        o.append(f'<text x="{xx:.1f}" y="{h - mb + 16}" text-anchor="middle">{esc(label)}</text>')
    o.append(f'<rect x="{ml}" y="{mt}" width="{w - ml - mr}" height="{h - mt - mb}" '
             f'fill="none" stroke="#57606a"/>')
    o.append(f'<text x="{(ml + w - mr) / 2}" y="{h - 12}" text-anchor="middle">{esc(xlabel)}</text>')
    o.append(f'<text x="16" y="{(mt + h - mb) / 2}" text-anchor="middle" '
             f'transform="rotate(-90 16 {(mt + h - mb) / 2})">{esc(ylabel)}</text>')
    if hline:
        y = py(hline[0])
        o.append(f'<line x1="{ml}" y1="{y:.1f}" x2="{w - mr}" y2="{y:.1f}" stroke="#57606a" '
                 f'stroke-dasharray="2 3"/>')
        o.append(f'<text x="{w - mr - 4}" y="{y - 4:.1f}" text-anchor="end" fill="#57606a">'
                 f'{esc(hline[1])}</text>')
    for i, (name, s) in enumerate(series.items()):
        s = [(x, y) for x, y in s if y and y > 0]
        base = name.split(" ")[0]
        color = COLORS.get(base, "#24292f")
        dash = next((d for k, d in DASHES.items() if k in name), None)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(s) > 1:
            poly = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in s)
            o.append(f'<polyline points="{poly}" fill="none" stroke="{color}" '
                     f'stroke-width="2"{dash_attr}/>')
        for x, y in s:
            o.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{color}">'
                     f'<title>{esc(name)}: {esc(fmt_ns(y) if yunit == "ns" else f"{y:,.0f}")}'
                     f'</title></circle>')
        ly = mt + 14 + i * 20
        o.append(f'<line x1="{w - mr + 14}" y1="{ly - 4}" x2="{w - mr + 40}" y2="{ly - 4}" '
                 f'stroke="{color}" stroke-width="2"{dash_attr}/>')
        o.append(f'<text x="{w - mr + 46}" y="{ly}">{esc(name)}</text>')
    o.append("</svg>")
    path.write_text("\n".join(o) + "\n")


def size_x(n):
    return max(int(n), 1)


SIZE_TICKS = [(1, "0"), (10, "10"), (100, "100"), (1000, "1,000"), (10000, "10,000")]


def draw(r):
    OUT.mkdir(parents=True, exist_ok=True)
    for group, title in [("fork", "Bare fork"), ("with_scope_tag", "with_scope + one tag"),
                         ("isolation_fork", "Isolation fork + user + two tags")]:
        funcs = OURS + [PEER] + (["sentry-core-push"] if group == "fork" else [])
        series = {f: [(size_x(n), crit(r, f"{group}/{f}/{n}")) for n in SIZES] for f in funcs}
        svg_loglog(OUT / f"{group}.svg", f"{title}: time against scope size",
                   "tags already on the scope (0 drawn at 1)", "median time per operation",
                   series, SIZE_TICKS, hline=(20, "goal: 20 ns") if group == "fork" else None)
    series = {}
    for f in OURS + [PEER]:
        for b in ["0", "100"]:
            series[f"{f} b{b}"] = [(size_x(t), crit(r, f"capture/{f}/t{t}-b{b}"))
                                   for t in ["0", "10", "100"]]
    svg_loglog(OUT / "capture.svg", "capture_message inside with_scope: time against scope size",
               "tags on the scope (0 drawn at 1); solid: 0 breadcrumbs, dashed: 100",
               "median time per capture", series, SIZE_TICKS[:3])
    series = {f: [(size_x(n), r["counts"].get(f"with_scope_tag/{f}/{n}", {}).get("ir_net"))
                  for n in SIZES] for f in OURS + [PEER]}
    svg_loglog(OUT / "with_scope_tag_instructions.svg",
               "with_scope + one tag: instructions against scope size (callgrind)",
               "tags already on the scope (0 drawn at 1)", "instructions per operation",
               series, SIZE_TICKS, yunit="Ir")


def svg_ratios(path, title, rows):
    """Horizontal bars on a log axis: rows of (label, ratio, goal, higher_is_better)."""
    rows = [row for row in rows if row[1]]
    if not rows:
        return
    w, ml, mr, mt, bar = 760, 330, 30, 44, 22
    h = mt + len(rows) * (bar + 8) + 46
    lo, hi = -2, 1  # 0.01 .. 10

    def px(x):
        x = min(max(x, 10 ** lo), 10 ** hi)
        return ml + (math.log10(x) - lo) / (hi - lo) * (w - ml - mr)

    o = svg_start(w, h, 10, title)
    for d in range(lo, hi + 1):
        x = px(10 ** d)
        o.append(f'<line x1="{x:.1f}" y1="{mt - 6}" x2="{x:.1f}" y2="{h - 40}" stroke="#d0d7de"/>')
        o.append(f'<text x="{x:.1f}" y="{h - 26}" text-anchor="middle">{10 ** d:g}</text>')
    x1 = px(1)
    o.append(f'<line x1="{x1:.1f}" y1="{mt - 6}" x2="{x1:.1f}" y2="{h - 40}" stroke="#57606a"/>')
    o.append(f'<text x="{(ml + w - mr) / 2}" y="{h - 8}" text-anchor="middle">ours / sentry, '
             f'or as labelled (log scale; | = goal; green: met, red: missed)</text>')
    for i, (label, value, goal, higher) in enumerate(rows):
        y = mt + i * (bar + 8)
        met = value >= goal if higher else value <= goal
        color = "#2da44e" if met else "#cf222e"
        x0, xv = px(10 ** lo), px(value)
        o.append(f'<text x="{ml - 8}" y="{y + bar / 2 + 4}" text-anchor="end">{esc(label)}</text>')
        o.append(f'<rect x="{x0:.1f}" y="{y}" width="{xv - x0:.1f}" height="{bar}" '
                 f'fill="{color}"/>')
        o.append(f'<text x="{xv + 4:.1f}" y="{y + bar / 2 + 4}">{fmt_ratio(value)}</text>')
        xg = px(goal)
        o.append(f'<line x1="{xg:.1f}" y1="{y - 3}" x2="{xg:.1f}" y2="{y + bar + 3}" '
                 f'stroke="#24292f" stroke-width="3"/>')
    o.append("</svg>")
    path.write_text("\n".join(o) + "\n")


def draw_paths(r):
    """The issue-15 ratios, one bar each (the first variant of each goal)."""
    short = ["capture, 100 tags + 100 breadcrumbs", "capture via HTTP, capturing thread",
             "burst: events delivered per second", "axum layer: added per request",
             "tracing info! → breadcrumb", "memory per fork with own writes",
             "isolation fork + user + 2 tags", "isolation fork alone",
             "closure fork / macro fork"]
    rows, seen = [], []
    for goal, variant, measured, limit, higher, how in issue15_goals(r):
        if not goal.startswith("15:") or goal in seen or "lost" in goal:
            continue
        seen.append(goal)
        label = short[len(seen) - 1] if len(seen) <= len(short) else goal[4:40]
        if measured is not None:
            rows.append((f"{label} ({how.split(',')[0]})", measured, limit, higher))
    svg_ratios(OUT / "paths.svg", "Issue 15: the paths around the scopes, ours / sentry 0.49.5",
               rows)


# --- main ------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="0.3 s warm-up, 1 s measurement")
    ap.add_argument("--warm-up", type=float, default=1.0)
    ap.add_argument("--measurement", type=float, default=3.0)
    ap.add_argument("--from-results", action="store_true",
                    help="redraw the SVGs and BENCHMARKS.md from docs/bench/results.json")
    ap.add_argument("--no-callgrind", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.warm_up, args.measurement = 0.3, 1.0
    if args.from_results:
        r = json.loads((OUT / "results.json").read_text())
    else:
        r = {"machine": machine(),
             "settings": {"warm_up": args.warm_up, "measurement": args.measurement}}
        run_criterion(args.warm_up, args.measurement)
        r["criterion"] = read_criterion()
        r["scaling"] = run_scaling()
        r["burst"] = run_burst()
        r["memory"] = run_memory()
        cg = not args.no_callgrind and shutil.which("valgrind") is not None
        r["counts"] = run_counts("counts", cg)
        r["paths"] = run_counts("counts_paths", cg, threads=True)
        r["spans"] = run_counts("span_counts", cg)
        r["machine"]["load_end"] = open("/proc/loadavg").read().split()[:3]
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "results.json").write_text(json.dumps(r, indent=1, sort_keys=True) + "\n")
    draw(r)
    draw_paths(r)
    write_report(r)
    for goal, variant, measured, limit, higher, how in goals(r):
        log(f"{status(measured, limit, higher):>12}  {goal} [{variant}]: "
            f"{'–' if measured is None else round(measured, 4)}")


if __name__ == "__main__":
    main()
