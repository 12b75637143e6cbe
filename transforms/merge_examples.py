"""Merge examples for the audit: a few auto-matched and review pairs per run, each
comparison's level, weight and masked values side by side, so a steward sees why the
model linked them (or asked) without opening the data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from transforms.audit_values import lookup, round_rate
from transforms.mask import mask_value

# What a steward reads for each comparison: display columns, not match keys.
EXAMPLE_COLUMNS: dict[str, list[str]] = {
    "given_name": ["name_given"], "family_name": ["name_family"], "middle_name": ["name_middle"],
    "email": ["email_norm"], "phone": ["phone_e164", "phone_2_e164"],
    "date_of_birth": ["date_of_birth_norm"],
    "address": ["street_norm", "postal_code_norm", "city_norm"],
    "tax_id": ["tax_id_norm"], "company": ["company_norm"],
}
EXAMPLES_PER_BAND = {"auto_match": 3, "review": 2}


def _example_value(record: Mapping[str, Any], columns: Sequence[str]) -> str | None:
    """The record's masked display value(s) for one comparison."""
    parts = []
    for col in columns:
        v = record.get(col)
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, datetime | date | pd.Timestamp):
            v = v.strftime("%Y-%m-%d")
        masked = mask_value(col, v)
        if masked:
            parts.append(masked)
    return " · ".join(parts) if parts else None


def _verdict(level: int, weight: float, level_name: str | None) -> str:
    """What a steward reads: the sign of the weight, not the level's rank."""
    if level < 0:
        return "no value"
    if level_name == "else" or weight < 0:
        return "disagrees"
    return "agrees" if weight > 0 else "neutral"


def _pick_examples(links: pd.DataFrame) -> list[int]:
    """Row positions: the strongest, median and weakest auto-matches, the strongest and
    weakest review pairs (deterministic: ties broken by record ids)."""
    picked: list[int] = []
    for band, n in EXAMPLES_PER_BAND.items():
        sub = links[links["band"].astype(str) == band]
        if sub.empty:
            continue
        sub = sub.sort_values(["match_weight", "left_record_id", "right_record_id"],
                              ascending=[False, True, True], kind="mergesort")
        spots = [0, len(sub) // 2, len(sub) - 1] if n == 3 else [0, len(sub) - 1]
        for i in dict.fromkeys(spots[:n]):
            picked.append(int(links.index.get_loc(sub.index[i])))
    return picked


def example_record_ids(links: pd.DataFrame) -> list[int]:
    """Record ids of the pairs :func:`merge_examples` explains (to read only those rows)."""
    if links.empty or "band" not in links.columns:
        return []
    links = links.reset_index(drop=True)
    picked = links.iloc[_pick_examples(links)]
    return sorted(set(picked["left_record_id"].astype(int)) |
                  set(picked["right_record_id"].astype(int)))


def merge_examples(links: pd.DataFrame | None, clean: pd.DataFrame | None,
                   parameters: Sequence[Mapping[str, Any]], rules: Any) -> list[dict]:
    """A few scored pairs explained side by side, masked: per comparison, both records'
    values, the level reached, its weight, and whether it agreed.

    ``links`` has ``lvl_<comparison>`` and ``w_<comparison>`` columns (``links.parquet``);
    level names come from the model's ``parameters`` (levels in order, ``else`` last).
    """
    if links is None or clean is None or links.empty or "band" not in links.columns:
        return []
    comps = [c[len("lvl_"):] for c in links.columns if c.startswith("lvl_")]
    names: dict[str, list[str]] = {}
    for prm in parameters:
        names.setdefault(str(prm.get("comparison")), []).append(str(prm.get("level")))
    configured = {c.name: list(c.columns) for c in lookup(rules, "matching.comparisons", [])}
    records = clean.set_index("record_id", drop=False)
    links = links.reset_index(drop=True)
    out = []
    for pos in _pick_examples(links):
        pair = links.iloc[pos]
        left = records.loc[int(pair["left_record_id"])].to_dict()
        right = records.loc[int(pair["right_record_id"])].to_dict()
        rows = []
        for comp in comps:
            level = int(pair[f"lvl_{comp}"])
            weight = float(pair.get(f"w_{comp}", 0.0))
            level_names = names.get(comp, [])
            level_name = level_names[level] if 0 <= level < len(level_names) else None
            cols = EXAMPLE_COLUMNS.get(comp) or configured.get(comp, [])[:1]
            rows.append({"comparison": comp, "left": _example_value(left, cols),
                         "right": _example_value(right, cols),
                         "level": "no value" if level < 0 else (level_name or str(level)),
                         "weight": round_rate(weight, 2),
                         "verdict": _verdict(level, weight, level_name)})
        agreed = [r for r in rows if r["verdict"] == "agrees"]
        agreed.sort(key=lambda r: -(r["weight"] or 0))
        band = str(pair["band"])
        out.append({
            "band": band,
            "match_weight": round_rate(pair["match_weight"], 2),
            "match_probability": round_rate(pair["match_probability"], 4),
            "left_source": str(left.get("source")), "right_source": str(right.get("source")),
            "comparisons": rows,
            "takeaway": (f"{'Merged' if band == 'auto_match' else 'Sent to review'} at weight "
                         f"{round_rate(pair['match_weight'], 1)}: "
                         + (", ".join(f"{r['comparison']} {r['level']} ({r['weight']:+.1f})"
                                      for r in agreed) or "no comparison agreed")
                         + "."),
        })
    return out
