"""The audit report: ``audit.json`` rendered as one self-contained HTML page for an analyst.

The page is drawn only from the audit dict (:mod:`transforms.audit`) through the Jinja2
templates in ``transforms/templates`` (autoescaped, shipped as package data). It is one
file (inline CSS, inline SVG charts from :mod:`transforms.report_charts`, no scripts, no
external resources) so it opens from disk, in a mail attachment or on an air-gapped
machine, and prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from transforms.audit_text import fmt_pct, fmt_ratio
from transforms.report_charts import chart_accounting, chart_histogram, chart_sizes, chart_stages

TEMPLATE = "audit_report.html.j2"
SECTIONS = [
    ("run", "Run"),
    ("inputs", "Inputs and accounting"),
    ("quality", "Data quality"),
    ("matching", "Matching"),
    ("clusters", "Clusters and golden profiles"),
    ("changes", "Changes since the previous run"),
    ("privacy", "Privacy"),
    ("warnings", "Warnings"),
]

# A table cell as the templates' ``cell`` macro takes it: (value, kind of ``td``).
Cell = tuple[Any, str]

# --------------------------------------------------------------------------- formatting


def fmt_num(v: Any) -> str:
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
    return str(v)


def heat(v: Any, good_high: bool | None = True) -> str:
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


def _none_as_empty(value: Any) -> Any:
    """A missing value prints as an empty cell, not as ``None``."""
    return "" if value is None else value


ENV = Environment(
    loader=PackageLoader("transforms", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    finalize=_none_as_empty,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
ENV.filters.update(num=fmt_num, pct=fmt_pct, ratio=fmt_ratio, pyrepr=repr)
ENV.globals.update(heat=heat)

# --------------------------------------------------------------------------- view data
# Shapes the templates would find awkward (grids, type-dependent cells); no markup here.


@dataclass
class Grid:
    """A two-way table: ``rows`` in first-seen order, ``cols`` sorted, cells by (row, col)."""

    rows: list[str] = field(default_factory=list)
    cols: list[str] = field(default_factory=list)
    cells: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


@dataclass
class RecordsTable:
    """A training metric that is a list of records or a mapping, shown as its own table."""

    title: str
    headers: list[str]
    rows: list[list[Cell]]


def _grid(items: Iterable[dict[str, Any]], row: str, col: str) -> Grid:
    items = list(items)
    return Grid(rows=list(dict.fromkeys(i[row] for i in items)),
                cols=sorted({i[col] for i in items}),
                cells={(i[row], i[col]): i for i in items})


def _cell(value: Any) -> Cell:
    """A cell for a value of unknown type (numbers right-aligned, lists joined)."""
    if isinstance(value, bool) or value is None:
        return fmt_num(value), "text"
    if isinstance(value, int | float):
        return value, "num"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value), "text"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()), "text"
    return value, "text"


def _training_scalar(value: Any) -> Cell:
    """Numbers right-aligned, booleans as yes/no, anything else as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value, "num"
    return (fmt_num(value) if isinstance(value, bool) else value), "text"


def _records_table(name: str, value: list[Any] | dict[str, Any]) -> RecordsTable:
    """A metrics value that is a list of records (e.g. EM runs per rule) as its own table."""
    title = name.replace("_", " ")
    if isinstance(value, dict):
        return RecordsTable(title, ["Key", "Value"],
                            [[(k, "text"), _cell(v)] for k, v in value.items()])
    rows = [r for r in value if isinstance(r, dict)]
    if not rows:
        return RecordsTable(title, ["Value"], [[_cell(v)] for v in value])
    cols = list(dict.fromkeys(k for r in rows for k in r))
    return RecordsTable(title, [c.replace("_", " ") for c in cols],
                        [[_cell(r.get(c)) for c in cols] for r in rows])


def _view(audit: Mapping[str, Any]) -> dict[str, Any]:
    """Per-section data the templates lay out: grids, sorted sizes, training tables."""
    training = audit["matching"]["model"].get("training") or {}
    clusters = audit["clusters"]
    by_source = clusters["records_by_source"]
    return {
        "quality_grid": _grid(audit["quality"]["fields"], "field", "source"),
        "unmapped_has_value": any("value" in u for u in audit["quality"]["unmapped"]),
        "training": [(k.replace("_", " "), _training_scalar(v)) for k, v in training.items()
                     if not isinstance(v, list | dict)],
        "training_tables": [_records_table(k, v) for k, v in training.items()
                            if isinstance(v, list | dict)],
        "cluster_sizes": sorted((int(k), v) for k, v in clusters["size_distribution"].items()),
        "by_source_keys": [k for k in ("records", "profiles", "records_per_profile",
                                       "profiles_with_duplicates")
                           if by_source and k in by_source[0]],
        "winners": _grid(clusters["field_winners"], "field", "source"),
    }


_CHARTS: dict[str, Callable[..., Any]] = {
    "stages": chart_stages, "rows": chart_accounting, "weights": chart_histogram,
    "sizes": chart_sizes,
}


@lru_cache(maxsize=32)
def _chart(name: str, args: str) -> Any:
    """A chart drawn once per distinct input: a verb or an erasure re-renders reports whose
    charts mostly did not change, and drawing is most of a render's time."""
    return _CHARTS[name](*json.loads(args))


def _draw(name: str, *args: Any) -> Any:
    return _chart(name, json.dumps(args, default=str))  # key order matters: kept


def render_report(audit: dict[str, Any]) -> str:
    """The self-contained HTML report (inline CSS and SVG, no script, no network)."""
    run = audit["run"]
    matching = audit["matching"]
    charts = {
        "stages": _draw("stages", run.get("stage_seconds", {})),
        "rows": _draw("rows", audit["inputs"]["sources"]),
        "weights": _draw("weights", matching["weight_histogram"], matching["bands"]),
        "sizes": _draw("sizes", audit["clusters"]["size_distribution"]),
    }
    bad = {"inputs": not audit["inputs"]["invariant_passed"],
           "warnings": bool(audit["warnings"]["count"])}
    # an audit written before a section existed (e.g. privacy) renders without it
    sections = [(sid, title) for sid, title in SECTIONS if sid in audit]
    return ENV.get_template(TEMPLATE).render(
        audit=audit, run=run, sections=sections, bad=bad, charts=charts, view=_view(audit))
