"""The audit report's charts: matplotlib figures serialized as inline SVG at build time.

Inline SVG keeps the page self-contained (no script, no network, prints) and keeps the text
as text; each chart's ids carry its own prefix so several charts share one page.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# SVG references to rewrite with a chart's prefix: (text before the id, the id and its end).
_ID_REFERENCES = (r'(id=")([^"]+")', r"(url\(#)([^)]+\))", r'(href="#)([^"]+")')


@dataclass(frozen=True)
class Chart:
    """An inline SVG and its caption; the template wraps it in ``<figure>``."""

    svg: Markup
    label: str


def _svg(fig: Figure, label: str, prefix: str) -> Markup:
    """Serialize a matplotlib figure as inline SVG with text as text and unique ids."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg",
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    for pattern in _ID_REFERENCES:
        svg = re.sub(pattern, lambda m: m.group(1) + prefix + m.group(2), svg)
    svg = svg.replace("<svg ", Markup('<svg role="img" aria-label="{}" ').format(label), 1)
    return Markup(svg)  # matplotlib's own SVG; the one inserted label is escaped above


def _figure(draw: Callable[[Axes], None], label: str, key: str,
            size: tuple[float, float] = (8.0, 2.8), y_labels: Sequence[str] = (),
            top: float = 0.3) -> Chart:
    """One chart; ``key`` prefixes its SVG ids (unique within the page).

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
        return Chart(_svg(fig, label, f"{key}-"), label)


def chart_stages(stage_seconds: Mapping[str, float | None]) -> Chart | None:
    """Wall time per stage, to see where a run spends its time."""
    items = [(k, v) for k, v in stage_seconds.items() if k != "total" and v is not None]
    if not items:
        return None

    def draw(ax: Axes) -> None:
        names = [k for k, _ in items][::-1]
        vals = [v for _, v in items][::-1]
        ax.barh(names, vals, color="#2a5db0")
        ax.set_xlabel("seconds")
        for i, v in enumerate(vals):
            ax.text(v, i, f" {v:.2f}", va="center", fontsize=8)

    return _figure(draw, "Wall time per stage (seconds)", "stages",
                   (8.0, 0.22 * len(items) + 0.8), [k for k, _ in items])


def chart_accounting(sources: list[dict[str, Any]]) -> Chart | None:
    """Rows per source split into clean, quarantined and suppressed."""
    if not sources:
        return None

    def draw(ax: Axes) -> None:
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


def chart_histogram(hist: list[dict[str, Any]], bands: Mapping[str, Any]) -> Chart | None:
    """Match weights of the candidate pairs against the band thresholds."""
    if not hist:
        return None
    review = bands.get("review_weight")
    auto = bands.get("auto_match_weight")

    def draw(ax: Axes) -> None:
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


def chart_sizes(size_dist: Mapping[str, int]) -> Chart | None:
    """Clusters per size, to spot over-merging at a glance."""
    if not size_dist:
        return None

    def draw(ax: Axes) -> None:
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
