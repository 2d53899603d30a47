"""Running the benches and reading what they print."""

import concurrent.futures
import datetime
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

from .common import BENCHES, ROOT, TARGET, log, output, run


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
        # A group without parameters (`stacktrace`) has no value: `group/function`.
        key = "/".join(str(p) for p in (b["group_id"], b["function_id"], b.get("value_str"))
                       if p not in (None, ""))
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
