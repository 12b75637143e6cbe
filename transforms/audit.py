"""The run's audit: every figure of a run in one JSON-safe dict (``audit.json``).

Why it is built this way:

* :func:`build_audit` reduces every stage's output to counts, rates and masked samples
  in one JSON-safe dict. The HTML report (:mod:`transforms.report_html`) is drawn *only*
  from that dict, so every figure the page shows is in ``audit.json`` too, and a report
  can be re-rendered from an old ``audit.json``.
* Personal data never enters the dict unmasked: quarantine ``raw`` values and record
  ids are never read, samples and the largest profiles go through :mod:`transforms.mask`.
* Warning thresholds come from the rules (``rules.validation.thresholds``,
  ``rules.matching.cluster``) with safe defaults, so the steward, not the code, decides
  what deserves attention.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_golden.schema import IDENTITY_FIELDS
from transforms.audit_text import fmt_pct, fmt_ratio, fmt_seconds
from transforms.audit_values import as_frame, json_safe, lookup, round_rate
from transforms.mask import mask_email, mask_free_text, mask_name, mask_phone, mask_value
from transforms.merge_examples import merge_examples

AUDIT_FORMAT = "crm-golden-audit/1"

# Defaults when the rules do not say (see crm_golden/config/validation.py).
DEFAULT_INVALID_RATE = 0.05
DEFAULT_MAX_CLUSTER_SIZE = 50
RATE_DOUBLED_MIN = 0.01  # a rate must reach 1% to count as "doubled" (noise on tiny rates)
ROWS_DROP_WARNING = 0.5  # a source reading under half its previous rows
SAMPLES_PER_REASON = 3
SAMPLE_CANDIDATES = 200  # most frequent raw values tried per reason to find 3 distinct masks
TOP_REASONS_PER_FIELD = 3
MAX_REASONS = 60
LARGEST_PROFILES = 10

# --------------------------------------------------------------------------- sections


def _run_section(ctx: Any, rules: Any, files: Sequence[Mapping], previous_run: str | None,
                 version: str, finished: datetime) -> dict:
    started = getattr(ctx, "started", None)
    stage_seconds = {k: round_rate(v, 3) for k, v in dict(getattr(ctx, "stage_seconds", {})).items()}
    duration = (finished - started).total_seconds() if isinstance(started, datetime) else None
    try:
        rules_hash = rules.files_hash()
    except Exception:  # noqa: BLE001 - a missing rules folder must not break the report
        rules_hash = None
    file_rows = [
        {
            "source": f.get("source"),
            "file": f.get("file") or Path(str(f.get("path", ""))).name,
            "format": f.get("format"),
            "encoding": f.get("encoding"),
            "delimiter": f.get("delimiter"),
            "rows": f.get("rows"),
            "sha256": f.get("sha256"),
        }
        for f in files
    ]
    rows = sum(int(f["rows"] or 0) for f in file_rows)
    prev = f"compared with run {previous_run}" if previous_run else "first run, nothing to compare"
    takeaway = (f"Run took {fmt_seconds(duration)} over {len(file_rows)} input files "
                f"({rows:,} rows); {prev}.")
    return {
        "takeaway": takeaway,
        "run_id": getattr(ctx, "run_id", None),
        "started": started,
        "finished": finished,
        "duration_s": round_rate(duration, 3),
        "today": getattr(ctx, "today", None),
        "stage_seconds": stage_seconds,
        "files": file_rows,
        "rules_hash": rules_hash,
        "version": version,
        "previous_run": previous_run,
    }


def _inputs_section(accounting: pd.DataFrame, quarantine: pd.DataFrame) -> dict:
    acc = as_frame(accounting)
    q = as_frame(quarantine)
    by_reason: dict[str, dict[str, int]] = {}
    reason_rows = []
    if not q.empty and {"source", "reason"} <= set(q.columns):
        stage = q["stage"] if "stage" in q.columns else pd.Series("", index=q.index)
        grouped = (pd.DataFrame({"source": q["source"].astype(str), "stage": stage.astype(str),
                                 "reason": q["reason"].astype(str).map(mask_free_text)})
                   .groupby(["source", "stage", "reason"], sort=True).size())
        for (src, stg, reason), n in grouped.items():
            reason_rows.append({"source": src, "stage": stg, "reason": reason, "rows": int(n)})
            key = f"{stg}:{reason}" if stg else reason
            by_reason.setdefault(src, {})[key] = int(n)
    sources: list[dict[str, Any]] = []
    for row in acc.to_dict("records"):
        src = str(row.get("source"))
        read = int(row.get("rows_read", 0) or 0)
        clean = int(row.get("clean", 0) or 0)
        quar = int(row.get("quarantined", 0) or 0)
        supp = int(row.get("suppressed", 0) or 0)
        balanced = bool(row.get("balanced", read == clean + quar + supp))
        sources.append({"source": src, "rows_read": read, "clean": clean, "quarantined": quar,
                        "suppressed": supp, "balanced": balanced,
                        "thin_evidence": int(row.get("thin_evidence", 0) or 0),
                        "quarantine_reasons": by_reason.get(src, {})})
    totals = {k: sum(s[k] for s in sources)
              for k in ("rows_read", "clean", "quarantined", "suppressed")}
    thin_total = sum(s["thin_evidence"] for s in sources)
    passed = all(s["balanced"] for s in sources)
    if passed:
        takeaway = (f"{totals['rows_read']:,} rows in = {totals['clean']:,} clean + "
                    f"{totals['quarantined']:,} quarantined + {totals['suppressed']:,} suppressed"
                    f": the accounting invariant passed for all {len(sources)} sources.")
    else:
        bad = ", ".join(s["source"] for s in sources if not s["balanced"])
        takeaway = f"Rows were lost: the accounting invariant FAILED for {bad}."
    if thin_total:
        takeaway += (f" {thin_total:,} clean records are held by a name part and one other "
                     "attribute only (thin evidence).")
    return {"takeaway": takeaway, "sources": sources, "totals": totals,
            "thin_evidence": thin_total,
            "invariant_passed": passed, "quarantine_by_reason": reason_rows}


def _parse_reasons(text: Any) -> list[tuple[str, int]]:
    """``"bad_domain:3, no_at:1"`` -> ``[("bad_domain", 3), ("no_at", 1)]``."""
    out: list[tuple[str, int]] = []
    if not isinstance(text, str):
        return out
    for part in text.split(","):
        name, _, count = part.strip().rpartition(":")
        if name and count.strip().isdigit():
            out.append((name.strip(), int(count)))
    return out


def _quality_section(quality: pd.DataFrame, unmapped: pd.DataFrame,
                     samples: pd.DataFrame | None, rules: Any) -> dict:
    q = as_frame(quality)
    cells = []
    reasons: dict[tuple[str, str, str], int] = {}
    # Fields a source's rules file does not map are "not exported", not 0% complete.
    mapped = {src.name: set(src.columns) for src in (getattr(rules, "sources", None) or [])
              if hasattr(src, "columns")}
    for row in q.to_dict("records"):
        present = row.get("present")
        source_fields = mapped.get(str(row.get("source")))
        if source_fields is not None and str(row.get("field")) not in source_fields \
                and not present:
            row = {**row, "completeness": None}
        fixed_rate = row.get("fixed_rate")
        if fixed_rate is None and present:
            fixed_rate = (row.get("fixed") or 0) / present
        cells.append({
            "source": str(row.get("source")),
            "field": str(row.get("field")),
            "rows": row.get("rows"),
            "present": present,
            "valid": row.get("valid"),
            "fixed": row.get("fixed"),
            "invalid": row.get("invalid"),
            "completeness": round_rate(row.get("completeness")),
            "validity": round_rate(row.get("validity")),
            "fixed_rate": round_rate(fixed_rate),
            "invalid_rate": round_rate(row.get("invalid_rate")),
            "distinct_ratio": round_rate(row.get("distinct_ratio")),
        })
        for name, n in _parse_reasons(row.get("top_invalid_reasons")):
            reasons[(str(row.get("source")), str(row.get("field")), name)] = n
    # Samples: masked values per (source, field, reason), most frequent first.
    sample_map: dict[tuple[str, str, str], list[str]] = {}
    s = as_frame(samples)
    if not s.empty and {"source", "field", "reason", "value"} <= set(s.columns):
        s = s.dropna(subset=["value"])
        for (src, fld, rsn), grp in s.groupby(["source", "field", "reason"], sort=True):
            counts = grp["value"].astype(str).value_counts(sort=True)
            masked: list[str] = []
            for value in counts.index[:SAMPLE_CANDIDATES]:
                m = mask_value(str(fld), value)
                if m and m not in masked:
                    masked.append(m)
                if len(masked) >= SAMPLES_PER_REASON:
                    break
            sample_map[(str(src), str(fld), str(rsn))] = masked
            reasons.setdefault((str(src), str(fld), str(rsn)), int(len(grp)))
    # Top reasons per source × field, then the most frequent overall (bounded page size).
    ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    per_cell: dict[tuple[str, str], int] = {}
    invalid_reasons: list[dict[str, Any]] = []
    for (src, fld, rsn), n in ranked:
        per_cell[(src, fld)] = per_cell.get((src, fld), 0) + 1
        if per_cell[(src, fld)] <= TOP_REASONS_PER_FIELD and len(invalid_reasons) < MAX_REASONS:
            invalid_reasons.append({"source": src, "field": fld, "reason": rsn, "count": n,
                                    "samples": sample_map.get((src, fld, rsn), [])})
    # Unmapped vocabulary: counts per source/attribute (values masked if a frame has them).
    u = as_frame(unmapped)
    unmapped_rows: list[dict[str, Any]] = []
    if not u.empty:
        for row in u.to_dict("records"):
            n = row.get("unmapped", row.get("count", row.get("rows")))
            if n is not None and not pd.isna(n) and int(n) == 0:
                continue
            item: dict[str, Any] = {
                "source": str(row.get("source")),
                "attribute": str(row.get("attribute", row.get("vocabulary", ""))),
                "unmapped": None if n is None or pd.isna(n) else int(n)}
            if "present" in row:
                item["present"] = row.get("present")
            if "unmapped_distinct" in row:
                item["unmapped_distinct"] = row.get("unmapped_distinct")
            if "value" in row:
                item["value"] = mask_free_text(row.get("value"))
            unmapped_rows.append(item)
        unmapped_rows.sort(key=lambda r: (-(r["unmapped"] or 0), r["source"], r["attribute"]))
    scored = [c for c in cells if c["validity"] is not None and (c["present"] or 0) > 0]
    if scored:
        worst = min(scored, key=lambda c: (c["validity"], c["source"], c["field"]))
        breaches = sum(1 for c in scored if (c["invalid_rate"] or 0) > _invalid_limit(
            rules, c["field"]))
        takeaway = (f"Lowest validity: {worst['field']} in {worst['source']} "
                    f"({fmt_pct(worst['validity'])}); {breaches} source × field cells exceed "
                    f"their invalid-rate threshold; {len(unmapped_rows)} attributes have "
                    "unmapped vocabulary values.")
    else:
        takeaway = "No quality metrics were computed for this run."
    return {"takeaway": takeaway, "fields": cells, "invalid_reasons": invalid_reasons,
            "unmapped": unmapped_rows}


def _matching_section(link_metrics: Mapping, rules: Any) -> dict:
    m = dict(link_metrics or {})
    blocking = dict(m.get("blocking") or {})
    # the thresholds this run chose from its model's probabilities (transforms.bands)
    bands = dict(m.get("bands") or {
        "auto_match_weight": lookup(rules, "matching.bands.auto_match_weight"),
        "review_weight": lookup(rules, "matching.bands.review_weight"),
    })
    rules_stats = list(blocking.get("rules") or [])
    skipped = [{"rule": r.get("rule"), "blocks_skipped": r.get("blocks_skipped"),
                "pairs_skipped": r.get("pairs_skipped"), "max_block_size": r.get("max_block_size")}
               for r in rules_stats if (r.get("blocks_skipped") or 0) > 0]
    per_band = {k: int(v) for k, v in (m.get("pairs_per_band") or {}).items()}
    model = dict(m.get("model") or {})
    pairs = blocking.get("pairs")
    rr = blocking.get("reduction_ratio")
    if pairs is not None:
        takeaway = (f"{pairs:,} candidate pairs (reduction ratio {fmt_ratio(rr)}); "
                    f"{per_band.get('auto_match', 0):,} auto-matched, "
                    f"{per_band.get('review', 0):,} for review, "
                    f"{per_band.get('no_match', 0):,} below the review threshold.")
    else:
        takeaway = "No linking metrics were produced for this run."
    return {
        "takeaway": takeaway,
        "records": m.get("records"),
        "link_type": m.get("link_type"),
        "model_source": m.get("model_source"),
        "blocking": {"pairs": pairs, "total_comparisons": blocking.get("total_comparisons"),
                     "reduction_ratio": rr, "rules": rules_stats,
                     "notes": list(blocking.get("notes") or [])},
        "skipped_blocks": skipped,
        "comparison_notes": list(m.get("comparison_notes") or []),
        "model": {
            "prior": model.get("prior"),
            "prior_weight": round_rate(model.get("prior_weight"), 3),
            "lambda_candidates": round_rate(model.get("lambda_candidates"), 6),
            "training": dict(model.get("training") or {}),
            "parameters": list(model.get("parameters") or []),
        },
        "bands": bands,
        "weight_histogram": list(m.get("weight_histogram") or []),
        "pairs_per_band": per_band,
        "timings_s": dict(m.get("timings_s") or {}),
    }


def _source_columns(golden: pd.DataFrame) -> list[str]:
    return [c for c in golden.columns if c.endswith("__source")]


def _clusters_section(link_metrics: Mapping, golden: pd.DataFrame,
                      crosswalk: pd.DataFrame | None) -> dict:
    cl = dict((link_metrics or {}).get("clusters") or {})
    g = as_frame(golden)
    size_dist = {str(k): int(v) for k, v in (cl.get("size_distribution") or {}).items()}
    if not size_dist and "record_count" in g.columns:
        size_dist = {str(int(k)): int(v) for k, v in
                     g["record_count"].value_counts().sort_index().items()}
    # Winners: which source supplied each golden field, how often.
    winners = []
    for col in _source_columns(g):
        field = col[: -len("__source")]
        counts = g[col].dropna().astype(str).value_counts()
        total = int(counts.sum())
        for src, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            winners.append({"field": field, "source": src, "profiles": int(n),
                            "share": round_rate(n / total) if total else None})
    # Records per golden profile by source.
    by_source = []
    xw = as_frame(crosswalk)
    if not xw.empty and {"source", "golden_id"} <= set(xw.columns):
        per = xw.groupby(["source", "golden_id"], observed=True).size()
        for src, grp in per.groupby(level=0, observed=True):
            by_source.append({"source": str(src), "records": int(grp.sum()),
                              "profiles": int(grp.size),
                              "records_per_profile": round_rate(grp.mean(), 3),
                              "profiles_with_duplicates": int((grp > 1).sum())})
    elif "sources" in g.columns:
        exploded = g[["sources"]].explode("sources").dropna()
        for src, n in exploded["sources"].astype(str).value_counts().sort_index().items():
            by_source.append({"source": src, "profiles": int(n)})
    source_count = {}
    if "source_count" in g.columns:
        source_count = {str(int(k)): int(v) for k, v in
                        g["source_count"].value_counts().sort_index().items()}
    largest = _largest_profiles(g)
    records = int(g["record_count"].sum()) if "record_count" in g.columns else cl.get("records")
    profiles = int(len(g))
    per_profile = (records / profiles) if profiles and records else None
    max_size = max((int(k) for k in size_dist), default=0)
    merges_blocked: dict[str, int] = dict(cl.get("merges_blocked") or {})
    conflicts = {
        "merges_blocked": merges_blocked,
        "bridges_cut": cl.get("bridges_cut"),
        "merges_blocked_by_size_cap": cl.get("merges_blocked_by_size_cap"),
        "hard_components": cl.get("hard_components"),
        "must_link_edges": cl.get("must_link_edges"),
        "cannot_link_pairs": cl.get("cannot_link_pairs"),
    }
    takeaway = (f"{(records or 0):,} clean records became {profiles:,} golden profiles "
                f"({per_profile or 0:.2f} records per profile); largest cluster has "
                f"{max_size} records; {sum(merges_blocked.values()):,} merges "
                "blocked by conflicts.")
    return {
        "takeaway": takeaway,
        "clusters": cl.get("clusters", profiles),
        "golden_profiles": profiles,
        "records": records,
        "records_per_profile": round_rate(per_profile, 3),
        "size_distribution": size_dist,
        "largest_clusters": list(cl.get("largest_clusters") or []),
        "largest_profiles": largest,
        "conflicts": conflicts,
        "source_count_distribution": source_count,
        "records_by_source": by_source,
        "field_winners": winners,
    }


def _first_present(row: Mapping, names: Iterable[str]) -> Any:
    for n in names:
        v = row.get(n)
        if v is not None and not (isinstance(v, float) and math.isnan(v)) and v is not pd.NA:
            if isinstance(v, list | np.ndarray):
                if len(v):
                    return v[0]
                continue
            return v
    return None


def _largest_profiles(g: pd.DataFrame) -> list[dict]:
    """The biggest golden profiles with masked identity, to eyeball over-merging."""
    if g.empty or "record_count" not in g.columns:
        return []
    keys = ["record_count", "golden_id"] if "golden_id" in g.columns else ["record_count"]
    # sort the keys only, then take the few rows: sorting the whole golden table moved
    # every column of every profile (a third of the audit on 100k customers)
    first = g[keys].sort_values(keys, ascending=[False, True][: len(keys)],
                                kind="mergesort").head(LARGEST_PROFILES).index
    top = g.loc[first]
    out = []
    for row in top.to_dict("records"):
        given = _first_present(row, ["given_name", "name_given"])
        family = _first_present(row, ["family_name", "name_family"])
        name = " ".join(str(x) for x in (given, family) if x is not None) or None
        sources = row.get("sources")
        out.append({
            "golden_id": row.get("golden_id"),
            "records": int(row["record_count"]),
            "sources": [str(s) for s in sources] if isinstance(sources, list | np.ndarray)
            else [],
            "name": mask_name(name),
            "email": mask_email(_first_present(row, ["email", "emails"])),
            "phone": mask_phone(_first_present(row, ["phone", "phones"])),
        })
    return out


_AGE_COLUMNS = ("queued_since", "created", "created_at", "first_seen", "queued_at", "since")


def _review_summary(review: pd.DataFrame, today: Any) -> dict:
    r = as_frame(review)
    out: dict[str, Any] = {"pairs": int(len(r)), "age_days": None}
    if "match_weight" in r.columns and len(r):
        w = r["match_weight"].astype(float)
        out["weight_min"] = round_rate(w.min(), 2)
        out["weight_max"] = round_rate(w.max(), 2)
    col = next((c for c in _AGE_COLUMNS if c in r.columns), None)
    if col and len(r) and today is not None:
        when = pd.to_datetime(r[col], errors="coerce", utc=True).dt.tz_localize(None)
        age = (pd.Timestamp(today) - when.dt.normalize()).dt.days.dropna()
        if len(age):
            out["age_days"] = {
                "oldest": int(age.max()), "median": round_rate(age.median(), 1),
                "under_7": int((age < 7).sum()), "7_to_30": int(((age >= 7) & (age <= 30)).sum()),
                "over_30": int((age > 30).sum()),
            }
    return out


def _changes_section(churn: Mapping, decisions: Mapping, review: pd.DataFrame, today: Any,
                     current: dict, previous: dict | None, previous_run: str | None) -> dict:
    churn = {k: int(v) for k, v in (churn or {}).items()}
    rev = _review_summary(review, today)
    deltas = []
    if previous:
        current = {**current, "changes": {"review": rev}}

        def metric(audit: dict, path: str) -> Any:
            return lookup(audit, path)
        for label, path in [
            ("rows read", "inputs.totals.rows_read"),
            ("clean records", "inputs.totals.clean"),
            ("quarantined rows", "inputs.totals.quarantined"),
            ("candidate pairs", "matching.blocking.pairs"),
            ("auto-matched pairs", "matching.pairs_per_band.auto_match"),
            ("review pairs", "changes.review.pairs"),
            ("golden profiles", "clusters.golden_profiles"),
        ]:
            cur, prev = metric(current, path), metric(previous, path)
            if isinstance(cur, int | float) and isinstance(prev, int | float):
                deltas.append({"metric": label, "previous": prev, "current": cur,
                               "delta": round_rate(cur - prev, 4)})
    takeaway = (f"Golden ids: {churn.get('created', 0):,} created, {churn.get('kept', 0):,} kept, "
                f"{churn.get('merged', 0):,} merged, {churn.get('split', 0):,} split, "
                f"{churn.get('retired', 0):,} retired; {int(decisions.get('applied', 0)):,} "
                f"steward decisions applied; review queue {rev['pairs']:,} pairs"
                + (f" (oldest waiting {rev['age_days']['oldest']} days)."
                   if rev.get("age_days") else "."))
    if not previous_run:
        takeaway += " First run: every id is new."
    return {"takeaway": takeaway, "previous_run": previous_run, "churn": churn,
            "decisions": {k: int(v) for k, v in (decisions or {}).items()},
            "review": rev, "vs_previous": deltas}


# --------------------------------------------------------------------------- privacy


def privacy_section(privacy: Mapping | None) -> dict:
    """Erasures (counts and reason codes), suppressed rows per source, retention.

    ``privacy`` (from ``flows.privacy``): ``suppressed`` {source: {why: rows}},
    ``erasures`` {total, applied, by_reason}, ``suppression_list`` (hash count),
    ``retention`` {keep_runs, keep_days}, ``runs_pruned`` [run ids], ``rewritten``
    [{at, records, profiles, quarantine_rows, reason_code}] for a run rewritten by a later
    erasure. Never identifiers: an erasure is a count and a code here.
    """
    p = dict(privacy or {})
    suppressed: list[dict[str, Any]] = []
    for src, why in sorted((p.get("suppressed") or {}).items()):
        erased, opt_out = int(why.get("erased", 0)), int(why.get("opt_out", 0))
        suppressed.append({"source": str(src), "erased": erased, "opt_out": opt_out,
                           "total": erased + opt_out})
    total = sum(int(r["total"]) for r in suppressed)
    er = dict(p.get("erasures") or {})
    erasures = {"total": int(er.get("total", 0)), "applied": int(er.get("applied", 0)),
                "by_reason": {str(k): int(v) for k, v in sorted(
                    (er.get("by_reason") or {}).items())}}
    pruned = [str(r) for r in p.get("runs_pruned") or []]
    retention = dict(p.get("retention") or {})
    rewritten = [dict(r) for r in p.get("rewritten") or []]
    parts = [f"{erasures['total']:,} erasures on record ({erasures['applied']:,} applied by "
             f"this run)", f"{total:,} rows suppressed", f"{len(pruned):,} old runs pruned"]
    keep = [f"the newest {retention['keep_runs']} runs" if retention.get("keep_runs") else "",
            f"{retention['keep_days']} days" if retention.get("keep_days") else ""]
    policy = " and ".join(k for k in keep if k) or "every run"
    takeaway = "; ".join(parts) + f" (retention keeps {policy})."
    if rewritten:
        takeaway += (f" This run was rewritten by {len(rewritten)} later erasure(s): "
                     f"{sum(int(r.get('records', 0)) for r in rewritten):,} records removed.")
    return {"takeaway": takeaway, "erasures": erasures, "suppressed_by_source": suppressed,
            "suppressed_total": total, "suppression_list_size": int(
                p.get("suppression_list", 0)), "retention": {
                "keep_runs": retention.get("keep_runs"), "keep_days": retention.get("keep_days")},
            "runs_pruned": pruned, "rewritten_after_publication": rewritten}


def erased_audit(audit: Mapping, *, removed: Mapping[str, Mapping[str, int]],
                 quarantine: pd.DataFrame, golden: pd.DataFrame, crosswalk: pd.DataFrame,
                 removed_samples: Iterable[str], examples: list[dict] | None,
                 privacy: Mapping | None = None) -> dict:
    """``audit`` after an erasure took records out of its run: what named or showed them
    goes, the counts follow.

    ``removed``: per source, ``clean``/``quarantined``/``thin_evidence`` rows removed (they
    become ``suppressed``, so rows in = clean + quarantined + suppressed still holds);
    ``quarantine``, ``golden`` (without list columns but ``sources``) and ``crosswalk``:
    the run's tables after the erasure; ``removed_samples``: masked sample values of the
    erased records (dropped from the quality samples); ``examples``: merge examples
    recomputed without them (None: drop every example). ``privacy`` replaces the privacy
    section when given. Inputs, clusters and samples are recomputed; other figures stay
    those of the run.
    """
    out: dict[str, Any] = json.loads(json.dumps(audit, default=str))
    inputs = out.get("inputs") or {}
    rows = []
    for s in inputs.get("sources") or []:
        gone = removed.get(str(s.get("source"))) or {}
        clean = int(s.get("clean", 0)) - int(gone.get("clean", 0))
        quar = int(s.get("quarantined", 0)) - int(gone.get("quarantined", 0))
        supp = int(s.get("suppressed", 0)) + int(gone.get("clean", 0)) + \
            int(gone.get("quarantined", 0))
        rows.append({"source": s.get("source"), "rows_read": int(s.get("rows_read", 0)),
                     "clean": clean, "quarantined": quar, "suppressed": supp,
                     "balanced": int(s.get("rows_read", 0)) == clean + quar + supp,
                     "thin_evidence": int(s.get("thin_evidence", 0))
                     - int(gone.get("thin_evidence", 0))})
    if rows:
        out["inputs"] = _inputs_section(pd.DataFrame(rows), quarantine)
    drop = set(removed_samples)
    for item in (out.get("quality") or {}).get("invalid_reasons") or []:
        if item.get("samples"):
            item["samples"] = [v for v in item["samples"] if v not in drop]
    if "matching" in out:
        out["matching"]["examples"] = examples or []
    if "clusters" in out:
        prev = out["clusters"]
        sizes = crosswalk.groupby("golden_id").size() if len(crosswalk) else pd.Series(
            dtype="int64")
        link_clusters = {**(prev.get("conflicts") or {}), "clusters": int(len(sizes)),
                         "size_distribution": {str(int(k)): int(v) for k, v in
                                               sizes.value_counts().sort_index().items()},
                         "largest_clusters": list(prev.get("largest_clusters") or [])}
        out["clusters"] = _clusters_section({"clusters": link_clusters}, golden, crosswalk)
    if privacy is not None:
        out["privacy"] = privacy_section(privacy)
    return json_safe(out)


# --------------------------------------------------------------------------- warnings


def _invalid_limit(rules: Any, field: str) -> float:
    thresholds = lookup(rules, "validation.thresholds")
    if thresholds is not None and hasattr(thresholds, "invalid_rate_for"):
        try:
            return float(thresholds.invalid_rate_for(field))
        except Exception:  # noqa: BLE001
            pass
    per_field = lookup(thresholds, "invalid_rate_per_field", {}) or {}
    return float(per_field.get(field, lookup(thresholds, "invalid_rate_warning",
                                            DEFAULT_INVALID_RATE)))


def _warnings(audit: dict, previous: dict | None, rules: Any) -> list[dict]:
    out: list[dict] = []

    def warn(code: str, message: str, severity: str = "warning", **extra: Any) -> None:
        out.append({"severity": severity, "code": code, "message": message, **extra})

    for s in audit["inputs"]["sources"]:
        if s["rows_read"] == 0:
            warn("source_empty", f"Source {s['source']} has zero rows.", source=s["source"])
        if not s["balanced"]:
            warn("accounting_failed", f"Source {s['source']}: rows in ≠ clean + quarantined + "
                 "suppressed.", "error", source=s["source"])
    prev_sources = {s["source"]: s for s in lookup(previous, "inputs.sources", []) or []}
    for s in audit["inputs"]["sources"]:
        p = prev_sources.get(s["source"])
        if p and p.get("rows_read") and s["rows_read"] < ROWS_DROP_WARNING * p["rows_read"]:
            warn("rows_dropped", f"Source {s['source']} read {s['rows_read']:,} rows, down from "
                 f"{p['rows_read']:,} in the previous run.", source=s["source"],
                 value=s["rows_read"], previous=p["rows_read"])
    for p in prev_sources:
        if p not in {s["source"] for s in audit["inputs"]["sources"]}:
            warn("source_missing", f"Source {p} was in the previous run but not in this one.",
                 source=p)

    completeness_min = float(lookup(rules, "validation.thresholds.completeness_warning", 0.0))
    prev_cells = {(c["source"], c["field"]): c
                  for c in lookup(previous, "quality.fields", []) or []}
    for c in audit["quality"]["fields"]:
        rate, limit = c["invalid_rate"], _invalid_limit(rules, c["field"])
        where = f"{c['field']} in {c['source']}"
        if rate is not None and rate > limit:
            warn("invalid_rate", f"Invalid {where}: {fmt_pct(rate)} of present values "
                 f"(threshold {fmt_pct(limit)}).", source=c["source"], field=c["field"],
                 value=rate, threshold=limit)
        if c["completeness"] is not None and c["completeness"] < completeness_min:
            warn("completeness", f"Completeness of {where} is {fmt_pct(c['completeness'])} "
                 f"(threshold {fmt_pct(completeness_min)}).", source=c["source"],
                 field=c["field"], value=c["completeness"], threshold=completeness_min)
        prev_rate = (prev_cells.get((c["source"], c["field"])) or {}).get("invalid_rate")
        if (rate is not None and prev_rate is not None and rate >= RATE_DOUBLED_MIN
                and rate >= 2 * prev_rate):
            warn("invalid_rate_doubled", f"Invalid {where} rose from {fmt_pct(prev_rate)} to "
                 f"{fmt_pct(rate)} since the previous run.", source=c["source"],
                 field=c["field"], value=rate, previous=prev_rate)

    max_size = int(lookup(rules, "matching.cluster.max_cluster_size", DEFAULT_MAX_CLUSTER_SIZE))
    clusters = audit["clusters"]
    big = [int(k) for k, v in clusters["size_distribution"].items() if int(k) > max_size and v]
    if big:
        warn("cluster_too_large", f"{sum(clusters['size_distribution'][str(k)] for k in big)} "
             f"clusters exceed the size limit of {max_size} (largest {max(big)}).",
             value=max(big), threshold=max_size)
    capped = clusters["conflicts"].get("merges_blocked_by_size_cap") or 0
    if capped:
        warn("size_cap_hit", f"{capped:,} merges were refused by the cluster size cap of "
             f"{max_size}.", "info", value=capped, threshold=max_size)
    for s in audit["matching"]["skipped_blocks"]:
        warn("blocks_skipped", f"Blocking rule {s['rule']} skipped {s['blocks_skipped']:,} "
             f"oversized blocks ({(s['pairs_skipped'] or 0):,} pairs) above "
             f"{s['max_block_size']} records.", "info", rule=s["rule"])
    training = audit["matching"]["model"]["training"]
    if training and training.get("em_converged") is False:
        warn("em_not_converged", f"EM stopped after {training.get('em_iterations')} iterations "
             "without converging.", value=training.get("em_iterations"))
    stale = audit["changes"]["decisions"].get("stale", 0)
    if stale:
        warn("stale_decisions", f"{stale:,} steward decisions refer to records no longer "
             "present.", "info", value=stale)
    age = audit["changes"]["review"].get("age_days")
    if age and age.get("over_30"):
        warn("review_backlog", f"{age['over_30']:,} review pairs are older than 30 days.",
             value=age["over_30"])
    rank = {"error": 0, "warning": 1, "info": 2}
    return sorted(out, key=lambda w: rank.get(w["severity"], 3))


# --------------------------------------------------------------------------- build


def invalid_samples(records: pd.DataFrame, per_reason: int = 50) -> pd.DataFrame:
    """(source, field, reason, value) of invalid identity values, for ``build_audit(samples=)``.

    Takes the raw value of each field whose ``<field>_status`` is ``invalid`` from the
    normalized (or clean) records, at most ``per_reason`` most frequent values per
    source × field × reason. The values are personal: ``build_audit`` masks them, and this
    frame must not be written anywhere.
    """

    frames = []
    source = records["source"] if "source" in records.columns else pd.Series(
        "all", index=records.index)
    for field in IDENTITY_FIELDS:
        status, reason = f"{field}_status", f"{field}_reason"
        if field not in records.columns or status not in records.columns:
            continue
        bad = records[status].astype("string") == "invalid"
        if not bad.any():
            continue
        why = (records.loc[bad, reason] if reason in records.columns
               else pd.Series("invalid", index=records.index[bad]))
        part = pd.DataFrame({"source": source[bad].astype(str), "field": field,
                             "reason": why.astype("string").fillna("invalid"),
                             "value": records.loc[bad, field].astype("string")}).dropna()
        counts = part.value_counts(["source", "field", "reason", "value"], sort=True)
        top = counts.groupby(level=[0, 1, 2], sort=False).head(per_reason)
        frames.append(top.reset_index()[["source", "field", "reason", "value"]])
    if not frames:
        return pd.DataFrame(columns=["source", "field", "reason", "value"])
    return pd.concat(frames, ignore_index=True)


def _read_previous(ctx: Any, previous_run: str | None) -> dict | None:
    if not previous_run:
        return None
    path = Path(getattr(ctx, "output_dir", ".")) / "runs" / previous_run / "audit.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def build_audit(*, ctx: Any, rules: Any, files: Sequence[Mapping], accounting: pd.DataFrame,
                quarantine: pd.DataFrame, quality: pd.DataFrame, unmapped: pd.DataFrame,
                link_metrics: Mapping, golden: pd.DataFrame, churn: Mapping, review: pd.DataFrame,
                decisions: Mapping, previous_run: str | None, version: str,
                samples: pd.DataFrame | None = None,
                crosswalk: pd.DataFrame | None = None, links: pd.DataFrame | None = None,
                clean: pd.DataFrame | None = None, privacy: Mapping | None = None) -> dict:
    """Every figure of the run's audit as one JSON-serializable dict without personal data.

    ``samples`` (source, field, reason, value) are invalid values from the normalized
    records; they are masked here and at most three per reason are kept. ``crosswalk``
    (source, golden_id), when given, adds records per golden profile by source. ``links``
    (scored pairs with ``lvl_``/``w_`` columns) and ``clean`` add masked merge examples.
    Quarantine ``raw`` values and source record ids are never read. ``privacy`` feeds the
    privacy section (see :func:`privacy_section`).
    """
    finished = datetime.now(UTC)
    previous = _read_previous(ctx, previous_run)
    audit: dict[str, Any] = {"format": AUDIT_FORMAT}
    audit["run"] = _run_section(ctx, rules, files, previous_run, version, finished)
    audit["inputs"] = _inputs_section(accounting, quarantine)
    audit["quality"] = _quality_section(quality, unmapped, samples, rules)
    audit["matching"] = _matching_section(link_metrics, rules)
    audit["matching"]["examples"] = merge_examples(links, clean,
                                                   audit["matching"]["model"]["parameters"],
                                                   rules)
    audit["clusters"] = _clusters_section(link_metrics, golden, crosswalk)
    audit["changes"] = _changes_section(churn, decisions, review, getattr(ctx, "today", None),
                                        audit, previous, previous_run)
    audit["privacy"] = privacy_section(privacy)
    warnings = _warnings(audit, previous, rules)
    n_warn = sum(1 for w in warnings if w["severity"] in ("warning", "error"))
    n_info = len(warnings) - n_warn
    takeaway = (f"{n_warn} warnings and {n_info} notes outside the rules' thresholds"
                + (f"; first: {warnings[0]['message']}" if warnings else ".")
                if warnings else "Nothing outside the rules' thresholds.")
    audit["warnings"] = {"takeaway": takeaway, "count": n_warn, "notes": n_info,
                         "items": warnings,
                         "thresholds": {
                             "invalid_rate_warning": _invalid_limit(rules, "*"),
                             "completeness_warning": float(lookup(
                                 rules, "validation.thresholds.completeness_warning", 0.0)),
                             "max_cluster_size": int(lookup(
                                 rules, "matching.cluster.max_cluster_size",
                                 DEFAULT_MAX_CLUSTER_SIZE)),
                             "invalid_rate_doubled_min": RATE_DOUBLED_MIN,
                         }}
    return json_safe(audit)
