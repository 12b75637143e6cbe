"""Dev loop for linking quality and speed on generated data.

generate (cached per size/seed) -> ingest -> normalize/validate -> link -> pairwise
precision/recall/F1 of the clusters and of the auto-match pairs against truth.csv, plus
the honest-evaluation context DESIGN.md asks for (exact-key baseline, share of true pairs
with no strong identifier, namesake/family share).

    python bench/link_dev.py --customers 5000 [--seed 7] [--rules rules/matching.yaml]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_golden.config.matching import load_matching_rules  # noqa: E402
from crm_golden.config.rules import load_rules  # noqa: E402
from synth.generate import generate  # noqa: E402
from transforms.ingest import ingest_sources  # noqa: E402
from transforms.link import link_records  # noqa: E402


def _pair_codes(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)


def _prf(pred: np.ndarray, truth: np.ndarray) -> dict:
    tp = int(np.isin(pred, truth, assume_unique=True).sum())
    p = tp / max(pred.size, 1)
    r = tp / max(truth.size, 1)
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / max(p + r, 1e-12), 4), "pairs": int(pred.size)}


def cluster_pair_codes(ids: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    from transforms.block import within_block_pairs

    a, b, _, _ = within_block_pairs(ids, labels, None)
    return np.unique(_pair_codes(a, b, n))


def _load_rules(folder: Path):  # noqa: ANN202 - tolerate config modules in flux
    try:
        return load_rules(folder)
    except ImportError:
        from types import SimpleNamespace

        from crm_golden.config.sources import load_sources
        from crm_golden.config.validation import load_validation_rules
        from crm_golden.config.vocabularies import load_vocabularies

        return SimpleNamespace(
            sources=load_sources(folder),
            validation=load_validation_rules(folder / "validation.yaml"),
            vocabularies=load_vocabularies(folder / "vocabularies.yaml"))


def load_clean(customers: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    from flows.stages import source_defaults
    from transforms.normalize import normalize_records
    from transforms.validate import split_quarantine

    out = Path(f"/tmp/crm_link_dev_{customers}_{seed}")
    if not (out / "truth.csv").exists():
        generate(customers, out, seed)
    timing = {}
    cache = out / "clean.parquet"
    rules = _load_rules(out / "rules")
    if cache.exists() and cache.stat().st_mtime > max(
        p.stat().st_mtime for p in (ROOT / "transforms").glob("*.py")
        if p.name not in ("block.py", "compare.py", "model.py", "cluster.py", "link.py")
    ):
        clean = pd.read_parquet(cache)
    else:
        t = time.perf_counter()
        ing = ingest_sources(rules.sources)
        timing["ingest"] = time.perf_counter() - t
        t = time.perf_counter()
        res = normalize_records(ing.records, source_defaults(rules), rules.validation,
                                rules.vocabularies, date(2025, 1, 1))
        normalized = res[0] if isinstance(res, tuple) else res
        clean, _ = split_quarantine(normalized, rules.validation)
        clean = clean.reset_index(drop=True)
        timing["normalize"] = time.perf_counter() - t
        keep = [c for c in clean.columns if not c.startswith("attr")]
        clean[keep].to_parquet(cache)
        clean = clean[keep]
    truth = pd.read_csv(out / "truth.csv", dtype=str)
    return clean, truth, timing


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rules", default=str(ROOT / "rules" / "matching.yaml"))
    ap.add_argument("--show-errors", type=int, default=0)
    args = ap.parse_args()
    clean, truth, timing = load_clean(args.customers, args.seed)
    rules = load_matching_rules(args.rules)
    t = time.perf_counter()
    res = link_records(clean, rules)
    timing["link"] = time.perf_counter() - t

    # Ground truth over clean records (dense positions).
    key = clean["source"].astype(str) + "\x1f" + clean["source_record_id"].astype(str)
    tkey = truth["source"] + "\x1f" + truth["source_record_id"]
    ent = pd.Series(truth["entity_id"].to_numpy(), index=tkey).reindex(key.to_numpy())
    pos = np.arange(len(clean))
    n = len(clean)
    ent_code = pd.factorize(ent.to_numpy())[0]
    true_codes = cluster_pair_codes(pos, ent_code, n)
    rid_to_pos = pd.Series(pos, index=clean["record_id"].to_numpy())
    cl = res.clusters.set_index("record_id").reindex(clean["record_id"].to_numpy())
    pred_codes = cluster_pair_codes(pos, cl["cluster_id"].to_numpy(), n)
    auto = res.pairs[res.pairs["band"] == "auto_match"]
    auto_codes = np.unique(_pair_codes(rid_to_pos[auto["left_record_id"]].to_numpy(),
                                       rid_to_pos[auto["right_record_id"]].to_numpy(), n))
    m = res.metrics
    report = {
        "customers": args.customers,
        "records": n,
        "true_pairs": int(true_codes.size),
        "clusters_pairwise": _prf(pred_codes, true_codes),
        "auto_pairs": _prf(auto_codes, true_codes),
        "candidates": m["blocking"]["pairs"],
        "reduction_ratio": m["blocking"]["reduction_ratio"],
        "pairs_per_band": m["pairs_per_band"],
        "prior": m["model"]["prior"],
        "em": {k: m["model"]["training"][k] for k in ("em_iterations", "em_converged")},
        "cluster": {k: m["clusters"][k] for k in (
            "merges_blocked", "bridges_cut", "hard_components", "merges_blocked_by_size_cap")},
        "largest": m["clusters"]["largest_clusters"][:5],
        "timings_s": {**{k: round(v, 2) for k, v in timing.items()}, **m["timings_s"]},
    }
    # Blocking recall and exact-key baseline.
    from transforms.block import block_records

    b = block_records(clean.assign(record_id=pos), rules.blocking_rules, rules.link_type,
                      rules.max_block_size)
    report["blocking_recall"] = round(
        float(np.isin(true_codes, b.left * n + b.right).mean()), 4)
    base = []
    for col in ("email_key", "phone_e164", "tax_id_norm"):
        if col in clean.columns:
            code = pd.factorize(clean[col])[0]
            ok = code >= 0
            base.append(cluster_pair_codes(pos[ok], code[ok], n))
    base_codes = np.unique(np.concatenate(base)) if base else np.empty(0, np.int64)
    report["exact_key_baseline_pairs"] = _prf(base_codes, true_codes)
    report["true_pairs_without_strong_id"] = round(
        1 - float(np.isin(true_codes, base_codes).mean()), 4)
    print(json.dumps(report, indent=1))
    if args.show_errors:
        cols = [c for c in ("source", "given_key", "family_key", "email_key", "phone_e164",
                            "date_of_birth_norm", "postal_code_norm", "city_key",
                            "tax_id_norm") if c in clean.columns]
        fp = pred_codes[~np.isin(pred_codes, true_codes)]
        fn = true_codes[~np.isin(true_codes, pred_codes)]
        for label, codes in (("FALSE POSITIVE", fp), ("FALSE NEGATIVE", fn)):
            rng = np.random.default_rng(0)
            pick = rng.choice(codes, min(args.show_errors, codes.size), replace=False)
            for c in pick:
                a, bb = int(c // n), int(c % n)
                sel = res.pairs[((res.pairs.left_record_id == clean.record_id[a]) &
                                 (res.pairs.right_record_id == clean.record_id[bb]))]
                w = float(sel.match_weight.iloc[0]) if len(sel) else None
                print(label, "w=", w)
                print(clean.loc[[a, bb], cols].to_string(header=False))


if __name__ == "__main__":
    main()
