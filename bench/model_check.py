"""Learned m/u against the truth, per comparison level, for a finished run.

    python bench/model_check.py --output DIR/out --rules DIR/rules --truth DIR/truth.csv

Reads the run's clean records and model.json, computes every comparison's level for all
true matching pairs (true m) and for random pairs that are not matches (true u), and
prints them beside the learned m, u and weight. Labels are used for evaluation only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_golden.config.rules import load_rules  # noqa: E402
from transforms.compare import compare_pairs  # noqa: E402
from transforms.model import FSModel, random_pairs  # noqa: E402


def true_pairs(entity: np.ndarray, limit: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """All (or a seeded sample of) record pairs of the same entity, left < right."""
    frame = pd.DataFrame({"e": entity, "pos": np.arange(entity.size)}).dropna()
    pairs = frame.merge(frame, on="e")
    pairs = pairs[pairs["pos_x"] < pairs["pos_y"]]
    if len(pairs) > limit:
        pairs = pairs.sample(limit, random_state=seed)
    return pairs["pos_x"].to_numpy(np.int64), pairs["pos_y"].to_numpy(np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--rules", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=300_000)
    args = parser.parse_args()
    run = args.output / "latest"
    clean = pd.read_parquet(run / "clean_records.parquet")
    clean = clean.sort_values("record_id").reset_index(drop=True)
    clean["record_id"] = np.arange(len(clean))
    model = FSModel.from_json((run / "model.json").read_text(encoding="utf-8"))
    rules = load_rules(args.rules).matching
    truth = pd.read_csv(args.truth, dtype=str)
    entity = clean[["source", "source_record_id"]].astype(str).merge(
        truth, on=["source", "source_record_id"], how="left")["entity_id"].to_numpy(object)
    ta, tb = true_pairs(entity, args.pairs, 1)
    ra, rb = random_pairs(clean, args.pairs, 7, rules.link_type)
    non = entity[ra] != entity[rb]
    ra, rb = ra[non], rb[non]
    m_true = compare_pairs(clean, ta, tb, rules.comparisons)
    u_true = compare_pairs(clean, ra, rb, rules.comparisons)
    print(f"{len(clean)} records, {ta.size} true pairs, {ra.size} random non-match pairs; "
          f"prior learned {model.prior:.3g}, true "
          f"{ta.size / (len(clean) * (len(clean) - 1) / 2):.3g}")
    for i, comp in enumerate(model.comparisons):
        print(f"{comp.name}  (m source: {model.training.get('m_sources', {}).get(comp.name)})")
        lv_m, lv_u = m_true.levels[:, i], u_true.levels[:, i]
        mt = np.bincount(lv_m[lv_m >= 0], minlength=len(comp.level_names))
        ut = np.bincount(lv_u[lv_u >= 0], minlength=len(comp.level_names))
        mt = mt / max(mt.sum(), 1)
        ut = ut / max(ut.sum(), 1)
        w = comp.weights()
        for j, name in enumerate(comp.level_names):
            wt = np.log2(max(mt[j], 1e-6) / max(ut[j], 1e-8))
            print(f"   {name:<22} m {comp.m[j]:.4f} (true {mt[j]:.4f})  u {comp.u[j]:.2e} "
                  f"(true {ut[j]:.2e})  w {w[j]:6.1f} (true {wt:6.1f})")


if __name__ == "__main__":
    main()
