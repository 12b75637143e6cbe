"""The audit report: ``audit.json`` rendered as one self-contained HTML page for an analyst.

The page is drawn only from the audit dict (:mod:`transforms.audit`), as one file (inline
CSS, inline SVG charts drawn by matplotlib at build time, no scripts, no external
resources) so it opens from disk, in a mail attachment or on an air-gapped machine, and prints.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from transforms.audit import fmt_pct as _pct
from transforms.audit import fmt_ratio as _ratio

SECTIONS = [
    ("run", "Run"),
    ("inputs", "Inputs and accounting"),
    ("quality", "Data quality"),
    ("matching", "Matching"),
    ("clusters", "Clusters and golden profiles"),
    ("changes", "Changes since the previous run"),
    ("warnings", "Warnings"),
]

# --------------------------------------------------------------------------- formatting


def _num(v: Any) -> str:
    """Integers with thousands separators, floats as stored (the JSON holds the same)."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v != 0 and abs(v) < 1e-3:
            return f"{v:.3e}"
        return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return html.escape(str(v))

# --------------------------------------------------------------------------- HTML pieces

_CSS = """
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#fff;--accent:#2a5db0;--warn:#b3261e;
--info:#845f00;--ok:#1e7a3c}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:var(--fg);background:var(--bg)}
header{padding:18px 24px 8px;border-bottom:1px solid var(--line)}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:var(--muted)}
nav{position:sticky;top:0;background:#f6f7f9;border-bottom:1px solid var(--line);padding:6px 24px;
z-index:2}
nav a{margin-right:14px;color:var(--accent);text-decoration:none;white-space:nowrap}
main{max-width:1180px;margin:0 auto;padding:8px 24px 40px}
section{border-bottom:1px solid var(--line);padding:10px 0 18px}
h2{font-size:19px;margin:14px 0 4px}
h3{font-size:15px;margin:16px 0 6px}
.takeaway{font-size:15px;font-weight:600;background:#eef3fb;border-left:4px solid var(--accent);
padding:8px 12px;margin:6px 0 12px}
.takeaway.bad{background:#fbeeee;border-color:var(--warn)}
table{border-collapse:collapse;margin:4px 0 10px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f2f4f7;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.mono,span.mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
td.mono{word-break:break-all}
td:first-child{white-space:nowrap}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:10px 24px}
.grid.wide{grid-template-columns:repeat(auto-fit,minmax(500px,1fr))}
.scroll{overflow-x:auto;max-width:100%}
figure{margin:8px 0 14px}
figure svg{width:100%;max-width:760px;height:auto;display:block}
figcaption{color:var(--muted);font-size:12px}
.muted{color:var(--muted)}
.sev-error,.sev-warning{color:var(--warn);font-weight:600}
.sev-info{color:var(--info)}
.ok{color:var(--ok);font-weight:600}
.heat td.num{min-width:58px}
footer{color:var(--muted);font-size:12px;padding:10px 24px}
@media print{
 @page{size:A4;margin:12mm}
 body{font-size:10.5px}
 nav{display:none}
 main{max-width:none;padding:0}
 section{break-inside:auto;border:0}
 h2,h3,.takeaway{break-after:avoid}
 table,figure{break-inside:avoid}
 table{font-size:9.5px}
 td.mono,span.mono{font-size:8.5px}
 .takeaway{font-size:11.5px}
 .scroll{overflow:visible}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v))


def _td(value: Any, kind: str = "text", style: str = "") -> str:
    """A table cell; numeric cells get class ``num`` (the tests check them against the JSON)."""
    st = f' style="{style}"' if style else ""
    if kind == "num":
        return f'<td class="num"{st}>{_num(value)}</td>'
    if kind == "pct":
        return f'<td class="num"{st}>{_pct(value)}</td>'
    if kind == "ratio":
        return f'<td class="num"{st}>{_ratio(value)}</td>'
    if kind == "mono":
        return f'<td class="mono"{st}>{_e(value)}</td>'
    return f"<td{st}>{_e(value)}</td>"


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "",
           caption: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(r) + "</tr>" for r in rows)
    cap = f"<caption class=\"muted\">{_e(caption)}</caption>" if caption else ""
    c = f' class="{cls}"' if cls else ""
    return f'<div class="scroll"><table{c}>{cap}<thead><tr>{head}</tr></thead>' \
           f"<tbody>{body}</tbody></table></div>"


def _heat(v: Any, good_high: bool = True) -> str:
    """Inline background for a heat-map cell: red (bad) to green (good), blue for neutral."""
    if v is None:
        return "background:#f4f4f4"
    f = min(max(float(v), 0.0), 1.0)
    if good_high is None:
        return f"background:hsl(215,70%,{96 - 30 * f:.0f}%)"
    # Quality problems live between 50% and 100%: spread the red-to-green scale there.
    f = min(max((f - 0.5) / 0.5, 0.0), 1.0)
    hue = 120 * (f if good_high else 1 - f)
    return f"background:hsl({hue:.0f},65%,82%)"


# --------------------------------------------------------------------------- charts

def _svg(fig: Any, label: str, prefix: str) -> str:
    """Serialize a matplotlib figure as inline SVG with text as text and unique ids."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg",
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{_e(label)}" ', 1)
    return svg


def _figure(draw: Any, label: str, key: str, size: tuple[float, float] = (8.0, 2.8),
            y_labels: Sequence[str] = (), top: float = 0.3) -> str:
    """One chart as ``<figure>``; ``key`` prefixes its SVG ids (unique within the page).

    Margins are fixed (in inches, the left one sized to the longest category label)
    rather than computed by a layout engine: it halves the drawing time and keeps every
    chart's plot area aligned.
    """

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "crm-golden",
                                "font.size": 9, "axes.spines.top": False,
                                "axes.spines.right": False}):
        width, height = size
        left = 0.75 + 0.075 * max((len(t) for t in y_labels), default=0)
        fig = Figure(figsize=size)
        fig.subplots_adjust(left=left / width, right=1 - 0.25 / width, bottom=0.5 / height,
                            top=1 - top / height)
        ax = fig.add_subplot()
        draw(ax)
        out = _svg(fig, label, f"{key}-")
    return f"<figure>{out}<figcaption>{_e(label)}</figcaption></figure>"


def _chart_stages(stage_seconds: Mapping[str, float]) -> str:
    items = [(k, v) for k, v in stage_seconds.items() if k != "total" and v is not None]
    if not items:
        return ""

    def draw(ax: Any) -> None:
        names = [k for k, _ in items][::-1]
        vals = [v for _, v in items][::-1]
        ax.barh(names, vals, color="#2a5db0")
        ax.set_xlabel("seconds")
        for i, v in enumerate(vals):
            ax.text(v, i, f" {v:.2f}", va="center", fontsize=8)

    return _figure(draw, "Wall time per stage (seconds)", "stages",
                   (8.0, 0.22 * len(items) + 0.8), [k for k, _ in items])


def _chart_accounting(sources: list[dict]) -> str:
    if not sources:
        return ""

    def draw(ax: Any) -> None:
        names = [s["source"] for s in sources][::-1]
        left = np.zeros(len(names))
        for key, color in (("clean", "#1e7a3c"), ("quarantined", "#b3261e"),
                           ("suppressed", "#8a8f99")):
            vals = np.array([s[key] for s in sources][::-1], dtype=float)
            ax.barh(names, vals, left=left, color=color, label=key)
            left += vals
        ax.set_xlabel("rows")
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=8,
                  frameon=False, borderaxespad=0.2)

    return _figure(draw, "Rows per source: clean, quarantined, suppressed", "rows",
                   (8.0, 0.28 * len(sources) + 1.0), [s["source"] for s in sources], top=0.4)


def _chart_histogram(hist: list[dict], bands: Mapping[str, Any]) -> str:
    if not hist:
        return ""
    review = bands.get("review_weight")
    auto = bands.get("auto_match_weight")

    def draw(ax: Any) -> None:
        lefts = [h["from"] for h in hist]
        widths = [h["to"] - h["from"] for h in hist]
        counts = [h["pairs"] for h in hist]
        colors = []
        for h in hist:
            mid = (h["from"] + h["to"]) / 2
            if auto is not None and mid >= auto:
                colors.append("#1e7a3c")
            elif review is not None and mid >= review:
                colors.append("#d08c00")
            else:
                colors.append("#8a8f99")
        ax.bar(lefts, counts, width=widths, align="edge", color=colors, edgecolor="white",
               linewidth=0.4)
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.7)
        ax.set_xlabel("match weight (log2 Bayes factor incl. prior)")
        ax.set_ylabel("pairs (log scale)")
        # Review label left of its line, auto-match label right of its: never overlapping.
        for x, name, color, ha in ((review, "review", "#d08c00", "right"),
                                   (auto, "auto-match", "#1e7a3c", "left")):
            if x is not None:
                ax.axvline(x, color=color, linestyle="--", linewidth=1.2)
                ax.text(x, ax.get_ylim()[1], f" {name} ≥ {x:g} ", color=color, fontsize=8,
                        va="bottom", ha=ha)

    return _figure(draw, "Match-weight histogram of candidate pairs with the band thresholds",
                   "weights")


def _chart_sizes(size_dist: Mapping[str, int]) -> str:
    if not size_dist:
        return ""

    def draw(ax: Any) -> None:
        sizes = sorted((int(k), v) for k, v in size_dist.items())
        counts = [v for _, v in sizes]
        ax.bar([str(k) for k, _ in sizes], counts, color="#2a5db0")
        for i, v in enumerate(counts):
            ax.text(i, v, f"{v:,}", ha="center", va="bottom", fontsize=7)
        if max(counts) > 50 * max(min(counts), 1):
            ax.set_yscale("log")
            ax.set_ylim(bottom=0.7)
            ax.set_ylabel("clusters (log scale)")
        else:
            ax.set_ylabel("clusters")
        ax.set_xlabel("records per cluster")

    return _figure(draw, "Cluster size distribution", "sizes", (8.0, 2.4))


# --------------------------------------------------------------------------- HTML sections


def _section(sid: str, title: str, takeaway: str, body: str, bad: bool = False) -> str:
    cls = "takeaway bad" if bad else "takeaway"
    return (f'<section id="{sid}"><h2>{_e(title)}</h2>'
            f'<p class="{cls}" data-takeaway="{sid}">{_e(takeaway)}</p>{body}</section>')


def _html_run(run: dict) -> str:
    facts = _table(["Item", "Value"], [
        [_td("run id"), _td(run.get("run_id"), "mono")],
        [_td("started"), _td(run.get("started"), "mono")],
        [_td("finished"), _td(run.get("finished"), "mono")],
        [_td("duration (s)"), _td(run.get("duration_s"), "num")],
        [_td("package version"), _td(run.get("version"), "mono")],
        [_td("rules files SHA-256"), _td(run.get("rules_hash"), "mono")],
        [_td("previous run compared"), _td(run.get("previous_run") or "none (first run)",
                                           "mono")],
    ])
    stages = _table(["Stage", "Seconds"], [[_td(k), _td(v, "num")]
                                           for k, v in run.get("stage_seconds", {}).items()])
    files = _table(["Source", "File", "Format", "Encoding", "Delimiter", "Rows", "SHA-256"], [
        [_td(f["source"]), _td(f["file"]), _td(f["format"]), _td(f["encoding"]),
         _td(repr(f["delimiter"]) if f.get("delimiter") else "", "mono"), _td(f["rows"], "num"),
         _td(f["sha256"], "mono")] for f in run.get("files", [])])
    return (f'<div class="grid"><div>{facts}</div><div>{stages}</div></div>'
            f"{_chart_stages(run.get('stage_seconds', {}))}<h3>Input files</h3>{files}")


def _html_inputs(inp: dict) -> str:
    rows = []
    for s in inp["sources"]:
        ok = '<td class="ok">passed</td>' if s["balanced"] else \
            '<td class="sev-error">FAILED</td>'
        rows.append([_td(s["source"]), _td(s["rows_read"], "num"), _td(s["clean"], "num"),
                     _td(s["quarantined"], "num"), _td(s["suppressed"], "num"), ok])
    t = inp["totals"]
    ok = "passed" if inp["invariant_passed"] else "FAILED"
    rows.append(["<th>all sources</th>", _td(t["rows_read"], "num"), _td(t["clean"], "num"),
                 _td(t["quarantined"], "num"), _td(t["suppressed"], "num"),
                 f'<td class="{"ok" if inp["invariant_passed"] else "sev-error"}">{ok}</td>'])
    acc = _table(["Source", "Rows read", "Clean", "Quarantined", "Suppressed",
                  "in = clean + quarantined + suppressed"], rows)
    reasons = _table(["Source", "Stage", "Reason", "Rows"], [
        [_td(r["source"]), _td(r["stage"]), _td(r["reason"], "mono"), _td(r["rows"], "num")]
        for r in inp["quarantine_by_reason"]]) if inp["quarantine_by_reason"] else \
        '<p class="muted">No row was quarantined.</p>'
    return f"{acc}{_chart_accounting(inp['sources'])}<h3>Quarantined by reason</h3>{reasons}"


_QUALITY_METRICS = [
    ("completeness", "Completeness (present / rows)", True),
    ("validity", "Validity ((valid + fixed) / present)", True),
    ("fixed_rate", "Fixed (fixed / present)", None),
    ("distinct_ratio", "Distinct ratio (distinct / present)", None),
]


def _html_quality(q: dict) -> str:
    cells = q["fields"]
    if not cells:
        return '<p class="muted">No quality metrics.</p>'
    sources = sorted({c["source"] for c in cells})
    fields = list(dict.fromkeys(c["field"] for c in cells))
    by = {(c["source"], c["field"]): c for c in cells}
    tables = []
    for key, title, good in _QUALITY_METRICS:
        rows = []
        for f in fields:
            row = [_td(f)]
            for s in sources:
                c = by.get((s, f))
                v = c.get(key) if c else None
                kind = "pct" if key != "distinct_ratio" else "num"
                row.append(_td(v, kind, _heat(v, good)) if v is not None
                           else _td("–", style=_heat(None)))
            rows.append(row)
        tables.append(f"<div><h3>{_e(title)}</h3>"
                      f"{_table(['Field', *sources], rows, 'heat')}</div>")
    reasons = _table(["Source", "Field", "Reason", "Count", "Masked samples"], [
        [_td(r["source"]), _td(r["field"]), _td(r["reason"], "mono"), _td(r["count"], "num"),
         _td(", ".join(r["samples"]) or "–", "mono")] for r in q["invalid_reasons"]]) \
        if q["invalid_reasons"] else '<p class="muted">No invalid values.</p>'
    unmapped = '<p class="muted">Every vocabulary value was mapped.</p>'
    if q["unmapped"]:
        has_value = any("value" in u for u in q["unmapped"])
        headers = ["Source", "Attribute", *(["Value (masked)"] if has_value else []),
                   "Unmapped values", "Distinct unmapped", "Present"]
        unmapped = _table(headers, [
            [_td(u["source"]), _td(u["attribute"]),
             *([_td(u.get("value"), "mono")] if has_value else []),
             _td(u.get("unmapped"), "num"), _td(u.get("unmapped_distinct"), "num"),
             _td(u.get("present"), "num")] for u in q["unmapped"]])
    return (f'<div class="grid wide">{"".join(tables)}</div>'
            f"<h3>Top invalid reasons</h3>{reasons}<h3>Unmapped vocabulary values</h3>{unmapped}")


def _html_matching(m: dict) -> str:
    b = m["blocking"]
    summary = _table(["Item", "Value"], [
        [_td("records compared"), _td(m.get("records"), "num")],
        [_td("link type"), _td(m.get("link_type"))],
        [_td("candidate pairs"), _td(b.get("pairs"), "num")],
        [_td("all possible pairs"), _td(b.get("total_comparisons"), "num")],
        [_td("reduction ratio"), _td(b.get("reduction_ratio"), "ratio")],
        [_td("model"), _td(m.get("model_source"))],
        [_td("prior P(match)"), _td(m["model"].get("prior"), "num")],
        [_td("prior weight"), _td(m["model"].get("prior_weight"), "num")],
        [_td("review threshold (weight)"), _td(m["bands"].get("review_weight"), "num")],
        [_td("auto-match threshold (weight)"), _td(m["bands"].get("auto_match_weight"), "num")],
    ])
    bands = _table(["Band", "Pairs"], [[_td(k), _td(v, "num")]
                                       for k, v in m["pairs_per_band"].items()])
    rules = _table(["Blocking rule", "Pairs", "New pairs", "Blocks skipped", "Pairs skipped",
                    "Max block size"], [
        [_td(r.get("rule")), _td(r.get("pairs"), "num"), _td(r.get("new_pairs"), "num"),
         _td(r.get("blocks_skipped"), "num"), _td(r.get("pairs_skipped"), "num"),
         _td(r.get("max_block_size"), "num")] for r in b.get("rules", [])])
    skipped = '<p class="muted">No oversized block was skipped.</p>'
    if m["skipped_blocks"]:
        skipped = _table(["Rule", "Blocks skipped", "Pairs skipped", "Max block size"], [
            [_td(s["rule"]), _td(s["blocks_skipped"], "num"), _td(s["pairs_skipped"], "num"),
             _td(s["max_block_size"], "num")] for s in m["skipped_blocks"]])
    params = _table(["Comparison", "Level", "m", "u", "Weight (log2 m/u)", "TF-adjusted"], [
        [_td(p.get("comparison")), _td(p.get("level")), _td(p.get("m"), "num"),
         _td(p.get("u"), "num"), _td(p.get("weight"), "num"),
         _td("yes" if p.get("tf_adjusted") else "no")]
        for p in m["model"].get("parameters", [])]) if m["model"].get("parameters") else \
        '<p class="muted">No model parameters.</p>'
    training = m["model"].get("training") or {}
    scalars = {k: v for k, v in training.items() if not isinstance(v, list | dict)}
    train = _table(["Training", "Value"], [
        [_td(k.replace("_", " ")), _td(v, "num") if isinstance(v, int | float)
         and not isinstance(v, bool) else _td(_num(v) if isinstance(v, bool) else v)]
        for k, v in scalars.items()]) if scalars else ""
    nested = "".join(_records_table(k, v) for k, v in training.items()
                     if isinstance(v, list | dict))
    notes = "".join(f"<li>{_e(n)}</li>" for n in
                    [*m["blocking"].get("notes", []), *m.get("comparison_notes", [])])
    notes = f"<h3>Notes</h3><ul>{notes}</ul>" if notes else ""
    return (f'<div class="grid"><div>{summary}</div><div>{bands}{train}</div></div>'
            f"{_chart_histogram(m['weight_histogram'], m['bands'])}"
            f"<h3>Candidate pairs per blocking rule</h3>{rules}"
            f"<h3>Skipped oversized blocks</h3>{skipped}"
            f"<h3>Learned m/u and weights per comparison level</h3>{params}{nested}{notes}")


def _cell(value: Any) -> str:
    """A cell for a value of unknown type (numbers right-aligned, lists joined)."""
    if isinstance(value, bool) or value is None:
        return _td(_num(value))
    if isinstance(value, int | float):
        return _td(value, "num")
    if isinstance(value, list):
        return _td(", ".join(str(v) for v in value))
    if isinstance(value, dict):
        return _td(", ".join(f"{k}: {v}" for k, v in value.items()))
    return _td(value)


def _records_table(name: str, value: list | dict) -> str:
    """A metrics value that is a list of records (e.g. EM runs per rule) as its own table."""
    title = f"<h3>Training: {_e(name.replace('_', ' '))}</h3>"
    if isinstance(value, dict):
        return title + _table(["Key", "Value"], [[_td(k), _cell(v)] for k, v in value.items()])
    rows = [r for r in value if isinstance(r, dict)]
    if not rows:
        return title + _table(["Value"], [[_cell(v)] for v in value])
    cols = list(dict.fromkeys(k for r in rows for k in r))
    return title + _table([c.replace("_", " ") for c in cols],
                          [[_cell(r.get(c)) for c in cols] for r in rows])


def _html_clusters(c: dict) -> str:
    summary = _table(["Item", "Value"], [
        [_td("clusters"), _td(c.get("clusters"), "num")],
        [_td("golden profiles"), _td(c.get("golden_profiles"), "num")],
        [_td("clean records"), _td(c.get("records"), "num")],
        [_td("records per profile"), _td(c.get("records_per_profile"), "num")],
    ])
    sizes = _table(["Records per cluster", "Clusters"], [
        [_td(int(k), "num"), _td(v, "num")]
        for k, v in sorted(c["size_distribution"].items(), key=lambda kv: int(kv[0]))])
    conf = c["conflicts"]
    conflict_rows = [[_td(f"merges blocked: {k}"), _td(v, "num")]
                     for k, v in conf.get("merges_blocked", {}).items()]
    conflict_rows += [[_td(k.replace("_", " ")), _td(conf.get(k), "num")]
                      for k in ("bridges_cut", "merges_blocked_by_size_cap", "hard_components",
                                "must_link_edges", "cannot_link_pairs") if conf.get(k) is not None]
    conflicts = _table(["Conflict that split clusters", "Count"], conflict_rows)
    largest = _table(["Golden id", "Records", "Sources", "Name", "Email", "Phone"], [
        [_td(p.get("golden_id"), "mono"), _td(p["records"], "num"), _td(", ".join(p["sources"])),
         _td(p.get("name"), "mono"), _td(p.get("email"), "mono"), _td(p.get("phone"), "mono")]
        for p in c["largest_profiles"]]) if c["largest_profiles"] else \
        '<p class="muted">No golden profiles.</p>'
    by_source = '<p class="muted">Not available.</p>'
    if c["records_by_source"]:
        keys = [k for k in ("records", "profiles", "records_per_profile",
                            "profiles_with_duplicates") if k in c["records_by_source"][0]]
        by_source = _table(["Source", *[k.replace("_", " ") for k in keys]], [
            [_td(r["source"]), *[_td(r.get(k), "num") for k in keys]]
            for r in c["records_by_source"]])
    spread = _table(["Sources per profile", "Profiles"], [
        [_td(int(k), "num"), _td(v, "num")]
        for k, v in c["source_count_distribution"].items()]) \
        if c["source_count_distribution"] else ""
    fields = list(dict.fromkeys(w["field"] for w in c["field_winners"]))
    srcs = sorted({w["source"] for w in c["field_winners"]})
    by = {(w["field"], w["source"]): w for w in c["field_winners"]}
    winners = _table(["Field", *srcs], [
        [_td(f), *[(_td(by[(f, s)]["profiles"], "num", _heat(by[(f, s)]["share"], None))
                    if (f, s) in by else _td("–", style=_heat(None))) for s in srcs]]
        for f in fields], "heat") if fields else '<p class="muted">No lineage columns.</p>'
    return (f'<div class="grid"><div>{summary}{sizes}</div><div>{conflicts}{spread}</div></div>'
            f"{_chart_sizes(c['size_distribution'])}"
            f"<h3>Largest golden profiles (masked)</h3>{largest}"
            f"<h3>Records per golden profile by source</h3>{by_source}"
            f"<h3>Which source won each field (profiles)</h3>{winners}")


def _html_changes(ch: dict) -> str:
    churn = _table(["Golden ids", "Count"], [[_td(k), _td(v, "num")]
                                              for k, v in ch["churn"].items()])
    dec = _table(["Steward decisions", "Count"], [[_td(k), _td(v, "num")]
                                                   for k, v in ch["decisions"].items()])
    rev = ch["review"]
    rows = [[_td("pairs waiting"), _td(rev["pairs"], "num")]]
    for k in ("weight_min", "weight_max"):
        if k in rev:
            rows.append([_td(k.replace("_", " ")), _td(rev[k], "num")])
    if rev.get("age_days"):
        rows += [[_td(f"age {k.replace('_', ' ')} (days)" if k in ("oldest", "median")
                      else f"pairs aged {k.replace('_', ' ')} days"), _td(v, "num")]
                 for k, v in rev["age_days"].items()]
    else:
        rows.append([_td("age"), _td("not tracked by the review queue yet")])
    review = _table(["Review queue", "Value"], rows)
    deltas = _table(["Metric", "Previous run", "This run", "Change"], [
        [_td(d["metric"]), _td(d["previous"], "num"), _td(d["current"], "num"),
         _td(d["delta"], "num")] for d in ch["vs_previous"]]) if ch["vs_previous"] else \
        '<p class="muted">No previous audit to compare with.</p>'
    return (f'<div class="grid"><div>{churn}</div><div>{dec}{review}</div></div>'
            f"<h3>Compared with {_e(ch.get('previous_run') or 'no previous run')}</h3>{deltas}")


def _html_warnings(w: dict) -> str:
    if not w["items"]:
        body = '<p class="ok">No warning.</p>'
    else:
        body = _table(["Severity", "Check", "Message"], [
            [f'<td class="sev-{_e(i["severity"])}">{_e(i["severity"])}</td>',
             _td(i["code"], "mono"), _td(i["message"])] for i in w["items"]])
    th = _table(["Threshold", "Value"], [[_td(k.replace("_", " ")), _td(v, "num")]
                                         for k, v in w["thresholds"].items()])
    return f"{body}<h3>Thresholds in force</h3>{th}"


def render_report(audit: dict) -> str:
    """The self-contained HTML report (inline CSS and SVG, no script, no network)."""
    run = audit["run"]
    parts = {
        "run": _html_run(run),
        "inputs": _html_inputs(audit["inputs"]),
        "quality": _html_quality(audit["quality"]),
        "matching": _html_matching(audit["matching"]),
        "clusters": _html_clusters(audit["clusters"]),
        "changes": _html_changes(audit["changes"]),
        "warnings": _html_warnings(audit["warnings"]),
    }
    bad = {"inputs": not audit["inputs"]["invariant_passed"],
           "warnings": bool(audit["warnings"]["count"])}
    sections = "".join(_section(sid, title, audit[sid]["takeaway"], parts[sid], bad.get(sid, False))
                       for sid, title in SECTIONS)
    nav = "".join(f'<a href="#{sid}">{_e(title)}</a>' for sid, title in SECTIONS)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>crm-golden audit — run {_e(run.get('run_id'))}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<header><h1>crm-golden audit report</h1><p>Run <span class=\"mono\">"
        f"{_e(run.get('run_id'))}</span> · finished {_e(run.get('finished'))} · version "
        f"{_e(run.get('version'))} · personal data is masked throughout.</p></header>"
        f"<nav>{nav}</nav><main>{sections}</main>"
        f"<footer>Generated by crm-golden {_e(run.get('version'))} from audit.json "
        f"({_e(audit.get('format'))}).</footer></body></html>\n"
    )

