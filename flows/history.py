"""``crm-golden history GOLDEN_ID``: a profile's membership run by run and the decisions
that touched it, names masked (also inside the stewards' free-text reasons).

Read-only: it takes the state lock only to read the ledger and the published map.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from flows import state
from flows.steward import StewardError, kind_text, load_latest
from transforms import decisions as dec
from transforms.mask import mask_name, mask_names_in_text


def _run_order(run_dir: Path) -> str:
    try:
        audit = json.loads((run_dir / "audit.json").read_text(encoding="utf-8"))
        return str(audit["run"]["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return run_dir.name


def history(output_dir: Path, golden_id: str) -> dict[str, Any]:
    """A profile's membership per run and the decisions that touched it, names masked.

    Follows every id that redirects (directly or not) to ``golden_id``'s current profile,
    so a merged-away id shows its past too.
    """

    output_dir = Path(output_dir)
    latest = load_latest(output_dir)
    gid = str(golden_id).strip()
    known = set(latest.index["golden_id"]) | set(latest.redirects["retired_id"])
    if gid not in known:
        raise StewardError(f"unknown golden id {golden_id!r}")
    current = latest.resolve(gid)
    family = {current} | set(latest.redirects.loc[latest.redirects["current_id"] == current,
                                                  "retired_id"])
    runs = sorted((p for p in (output_dir / "runs").iterdir()
                   if p.is_dir() and not p.name.endswith(".partial")
                   and (p / "crosswalk.parquet").is_file()), key=_run_order)
    timeline: list[dict[str, Any]] = []
    seen_keys: set[str] = set()
    names: set[str] = set()  # the profile's names as exported, to mask inside reasons
    previous: set[str] | None = None
    for run in runs:
        xw = pd.read_parquet(run / "crosswalk.parquet")
        rows = xw[xw["golden_id"].isin(family)]
        if rows.empty and previous is None:
            continue
        keys = rows["source"].astype(str) + ":" + rows["source_record_id"].astype(str)
        masked = _masked_names(run, rows, mask_name, names)
        members = [{"record": k, "golden_id": str(g), "name": masked.get(k)}
                   for k, g in sorted(zip(keys, rows["golden_id"], strict=True))]
        now = set(keys)
        timeline.append({
            "run_id": run.name, "golden_ids": sorted(set(rows["golden_id"].astype(str))),
            "members": members,
            "added": sorted(now - previous) if previous is not None else sorted(now),
            "removed": sorted(previous - now) if previous is not None else [],
        })
        gone = set(timeline[-1]["removed"])
        all_keys = xw["source"].astype(str) + ":" + xw["source_record_id"].astype(str)
        timeline[-1]["moved_to"] = dict(zip(all_keys[all_keys.isin(gone)],
                                            xw.loc[all_keys.isin(gone), "golden_id"].astype(str),
                                            strict=True))
        seen_keys |= now
        previous = now
    with state.locked(output_dir):
        published = state.read_state(output_dir).published
        ledger = state.read_ledger(state.state_dir(output_dir))
    touched = []
    undone = dec.undone_ids(ledger)
    for d in ledger:
        if set(d.get("golden_ids", [])) & family or set(d.get("records", [])) & seen_keys:
            touched.append({k: d.get(k) for k in ("decision_id", "kind", "at", "by", "run_id",
                                                  "records", "golden_ids", "undoes",
                                                  "forced")}
                           | {"published_run": published.get(str(d.get("decision_id"))),
                              "undone_by": undone.get(str(d.get("decision_id"))),
                              "reason": mask_names_in_text(d.get("reason"), names)})
    return {"golden_id": gid, "current_id": current, "ids": sorted(family),
            "runs": timeline, "decisions": touched}


NAME_COLUMNS = ["full_name", "given_name", "family_name", "middle_name", "name_given",
                "name_middle", "name_family"]


def _masked_names(run: Path, rows: pd.DataFrame, mask: Any,
                  seen: set[str] | None = None) -> dict[str, str | None]:
    """Masked display name per record key; every name column's text is added to ``seen``."""
    try:
        cols = [c for c in ["source", "source_record_id", *NAME_COLUMNS]
                if c in pq.read_schema(run / "clean_records.parquet").names]
        clean = pd.read_parquet(run / "clean_records.parquet", columns=cols)
    except (OSError, ValueError, KeyError):
        return {}
    keys = set(rows["source"].astype(str) + ":" + rows["source_record_id"].astype(str))
    ck = clean["source"].astype(str) + ":" + clean["source_record_id"].astype(str)
    clean = clean[ck.isin(keys)]
    if seen is not None:
        for col in NAME_COLUMNS:
            if col in clean.columns:
                seen.update(str(v) for v in clean[col].dropna())
    out = {}
    for rec in clean.to_dict("records"):
        parts = [str(rec[c]) for c in ("name_given", "name_family")
                 if rec.get(c) is not None and not pd.isna(rec[c])]
        out[f"{rec['source']}:{rec['source_record_id']}"] = mask(" ".join(parts)) or None
    return out


def format_history(hist: dict[str, Any]) -> str:
    """The history as text: per run, members (masked names) and changes; then decisions."""
    lines = [f"golden id {hist['golden_id']} -> current profile {hist['current_id']}"
             f" (ids: {', '.join(hist['ids'])})"]
    for run in hist["runs"]:
        lines.append(f"run {run['run_id']}: {len(run['members'])} records under "
                     f"{', '.join(run['golden_ids']) or '(none)'}")
        for m in run["members"]:
            mark = "+" if m["record"] in run["added"] else " "
            lines.append(f"  {mark} {m['record']:<28} {m['golden_id']}  {m['name'] or ''}")
        for k in run["removed"]:
            lines.append(f"  - {k:<28} now {run['moved_to'].get(k) or 'not delivered'}")
    lines.append(f"decisions ({len(hist['decisions'])}):")
    for d in hist["decisions"]:
        status = f"published in {d['published_run']}" if d.get("published_run") else "pending"
        if d.get("undone_by"):
            status += f"; undone by {d['undone_by']}"
        if d.get("forced"):
            status += "; forced over a hard conflict"
        lines.append(f"  {d['at']} {d['decision_id']} {kind_text(d)} by {d['by']} ({status}): "
                     f"{', '.join(d['records'][:6])}{' ...' if len(d['records']) > 6 else ''}"
                     f" | reason: {d['reason']}")
    return "\n".join(lines)
