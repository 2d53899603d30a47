"""The goals of the issues, judged on a run's results."""

import math

from .common import OURS, PEER, SIZES, added, crit, ir, ratio


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
                2.0, True, "events/s, median of 15 rounds"))
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
