"""The plots, written as SVG by hand (standard library only)."""

import math

from .common import OURS, OUT, PEER, SIZES, crit, fmt_axis, fmt_ns, fmt_ratio
from .goals import issue15_goals


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


def draw(r, out=OUT):
    out.mkdir(parents=True, exist_ok=True)
    for group, title in [("fork", "Bare fork"), ("with_scope_tag", "with_scope + one tag"),
                         ("isolation_fork", "Isolation fork + user + two tags")]:
        funcs = OURS + [PEER] + (["sentry-core-push"] if group == "fork" else [])
        series = {f: [(size_x(n), crit(r, f"{group}/{f}/{n}")) for n in SIZES] for f in funcs}
        svg_loglog(out / f"{group}.svg", f"{title}: time against scope size",
                   "tags already on the scope (0 drawn at 1)", "median time per operation",
                   series, SIZE_TICKS, hline=(20, "goal: 20 ns") if group == "fork" else None)
    series = {}
    for f in OURS + [PEER]:
        for b in ["0", "100"]:
            series[f"{f} b{b}"] = [(size_x(t), crit(r, f"capture/{f}/t{t}-b{b}"))
                                   for t in ["0", "10", "100"]]
    svg_loglog(out / "capture.svg", "capture_message inside with_scope: time against scope size",
               "tags on the scope (0 drawn at 1); solid: 0 breadcrumbs, dashed: 100",
               "median time per capture", series, SIZE_TICKS[:3])
    series = {f: [(size_x(n), r["counts"].get(f"with_scope_tag/{f}/{n}", {}).get("ir_net"))
                  for n in SIZES] for f in OURS + [PEER]}
    svg_loglog(out / "with_scope_tag_instructions.svg",
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


def draw_paths(r, out=OUT):
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
    svg_ratios(out / "paths.svg", "Issue 15: the paths around the scopes, ours / sentry 0.49.5",
               rows)
