"""Paths, names and the helpers every part of the report shares: running commands, reading
results, formatting figures."""

import os
import pathlib
import re
import subprocess
import sys


ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
OUT = ROOT / "docs" / "bench"
REPORT = ROOT / "BENCHMARKS.md"
BENCHES = ["scope_fork", "capture", "macro_overhead", "concurrency", "stacktrace"]
OURS = ["ours-macro", "ours-closure"]
PEER = "sentry-core"
SIZES = ["0", "10", "100", "1000", "10000"]

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    log("+ " + " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, cwd=ROOT, check=True, **kw)


def output(cmd):
    return subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def crit(r, key):
    v = r["criterion"].get(key)
    return None if v is None else v["median_ns"]


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def ir(r, case, part="counts"):
    return r.get(part, {}).get(case, {}).get("ir_net")


def added(r, case, floor, part):
    a, b = ir(r, case, part), ir(r, floor, part)
    return None if a is None or b is None else a - b


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
