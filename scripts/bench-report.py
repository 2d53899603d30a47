#!/usr/bin/env python3
"""Runs the benchmarks and regenerates the report: BENCHMARKS.md (whole, from
docs/bench/template.md), docs/bench/*.svg and docs/bench/results.json.

    scripts/bench-report.py                   # everything (~15-20 min on 2 cores)
    scripts/bench-report.py --quick           # short criterion runs, for trying the script
    scripts/bench-report.py --from-results    # only re-render from docs/bench/results.json
    scripts/bench-report.py --check           # fail if BENCHMARKS.md or a plot is stale

Steps: criterion (benches/scope_fork.rs, capture.rs, macro_overhead.rs, concurrency.rs,
stacktrace.rs; JSON in $CARGO_TARGET_DIR/criterion), benches/thread_scaling.rs (one- and
two-thread runs in interleaved pairs), benches/burst.rs (10,000 captures to a loopback server),
benches/fork_memory.rs (bytes per live fork), then benches/counts.rs, counts_paths.rs and
span_counts.rs three ways each: allocations per op (counting allocator), min/median ns per op
over short batches (--time), and instructions per op under `valgrind --tool=callgrind`,
collecting only the measured loop (counts_paths with --separate-threads=yes, reading the main
thread's counts only). Python standard library only; the SVGs are written by hand
(scripts/benchreport/). Each bench is built right before it runs, one at a time.
"""

import argparse
import json
import pathlib
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from benchreport.common import OUT, log  # noqa: E402
from benchreport.document import check_report, write_report  # noqa: E402
from benchreport.goals import goals, status  # noqa: E402
from benchreport.measure import (machine, read_criterion, run_burst, run_counts,  # noqa: E402
                                 run_criterion, run_memory, run_scaling)
from benchreport.svg import draw, draw_paths  # noqa: E402


def measure(args):
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
    text = json.dumps(r, indent=1, sort_keys=True) + "\n"
    (OUT / "results.json").write_text(text)
    # Rendered from what was saved, so that `--from-results` and `--check` render the same.
    return json.loads(text)


def check(r):
    """Whether BENCHMARKS.md and the plots are what results.json and the template render to."""
    fresh = check_report(r)
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        draw(r, d)
        draw_paths(r, d)
        for svg in sorted(d.glob("*.svg")):
            if not (OUT / svg.name).exists() or (OUT / svg.name).read_text() != svg.read_text():
                log(f"docs/bench/{svg.name} is stale")
                fresh = False
    if not fresh:
        log("run `scripts/bench-report.py --from-results` and commit the result")
    return fresh


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="0.3 s warm-up, 1 s measurement")
    ap.add_argument("--warm-up", type=float, default=1.0)
    ap.add_argument("--measurement", type=float, default=3.0)
    ap.add_argument("--from-results", action="store_true",
                    help="re-render BENCHMARKS.md and the SVGs from docs/bench/results.json")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if BENCHMARKS.md or a plot differs from what "
                         "docs/bench/results.json and docs/bench/template.md render to")
    ap.add_argument("--no-callgrind", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.warm_up, args.measurement = 0.3, 1.0
    if args.check:
        sys.exit(0 if check(json.loads((OUT / "results.json").read_text())) else 1)
    r = json.loads((OUT / "results.json").read_text()) if args.from_results else measure(args)
    draw(r)
    draw_paths(r)
    write_report(r)
    for goal, variant, measured, limit, higher, how in goals(r):
        log(f"{status(measured, limit, higher):>12}  {goal} [{variant}]: "
            f"{'–' if measured is None else round(measured, 4)}")


if __name__ == "__main__":
    main()
