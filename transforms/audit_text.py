"""How a run's figures read as text: numbers formatted once for the report's takeaways
and tables, and the short markdown headline a Prefect artifact shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "n/a"
    return f"{s:,.3f} s" if s < 60 else f"{s / 60:,.1f} min ({s:,.0f} s)"


def fmt_pct(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    return f"{float(v) * 100:.{digits}f}%"


def fmt_ratio(v: Any) -> str:
    if v is None:
        return "–"
    return f"{float(v):.6f}"


# --------------------------------------------------------------------------- markdown


def headline_markdown(audit: dict, run_dir: Any) -> str:
    """Short markdown for the Prefect artifact: headline numbers and where the report is."""
    run, inp, cl, ch = audit["run"], audit["inputs"], audit["clusters"], audit["changes"]
    t = inp["totals"]
    churn = ch["churn"]
    bands = audit["matching"]["pairs_per_band"]
    lines = [
        f"### crm-golden run `{run.get('run_id')}`",
        "",
        "| metric | value |",
        "|---|---:|",
        f"| rows read | {t['rows_read']:,} |",
        f"| clean / quarantined / suppressed | {t['clean']:,} / {t['quarantined']:,} / "
        f"{t['suppressed']:,} |",
        f"| accounting invariant | {'passed' if inp['invariant_passed'] else 'FAILED'} |",
        f"| golden profiles | {cl.get('golden_profiles', 0):,} |",
        f"| auto-matched / review pairs | {bands.get('auto_match', 0):,} / "
        f"{bands.get('review', 0):,} |",
        f"| ids created / kept / merged / split / retired | {churn.get('created', 0):,} / "
        f"{churn.get('kept', 0):,} / {churn.get('merged', 0):,} / {churn.get('split', 0):,} / "
        f"{churn.get('retired', 0):,} |",
        f"| review queue | {ch['review']['pairs']:,} |",
        f"| duration | {fmt_seconds(run.get('duration_s'))} |",
        "",
    ]
    items = audit["warnings"]["items"]
    if items:
        lines.append(f"**{audit['warnings']['count']} warnings, {audit['warnings']['notes']} "
                     "notes:**")
        lines += [f"- {i['severity']}: {i['message']}" for i in items[:5]]
        if len(items) > 5:
            lines.append(f"- … and {len(items) - 5} more in the report")
    else:
        lines.append("No warnings.")
    report = Path(str(run_dir)) / "audit_report.html"
    lines += ["", f"Report: `{report}` · metrics: `{Path(str(run_dir)) / 'audit.json'}`"]
    return "\n".join(lines) + "\n"
