"""Golden-id stability across two full pipeline runs on generated exports (issue 5).

Run 1 sees 90% of the generated records; run 2 sees all of them (10% new) with 5% of the
run-1 records changed (a new email or a new street, as after a move). Both runs go through
the real stages (normalize, link with the trained model reused, survive, ids) with the
registry and model carried from run 1 to run 2. Prints id churn, how many run-1 ids are still
active, and how many ids of profiles untouched by the changes were kept, plus stage times.

    python bench/id_stability.py --data /tmp/crm-golden-quality/generated_100000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows import stages  # noqa: E402
from flows.state import StateSnapshot  # noqa: E402
from synth.generate import generate  # noqa: E402


def run_once(ctx: stages.RunContext, rules, records: pd.DataFrame,
             previous: StateSnapshot) -> tuple[pd.DataFrame, dict, StateSnapshot]:
    """The stages on ``records`` from ``previous`` state; the state it leaves (in memory)."""
    ctx.state = previous
    norm = stages.stage_normalize(ctx, rules, records)
    linked = stages.stage_link(ctx, rules, norm.clean)
    golden = stages.stage_survive(ctx, rules, norm.clean, linked.clusters)
    after = StateSnapshot(registry=golden.registry, model_json=linked.model.to_json(),
                          model_rules_hash=stages.matching_hash(rules))
    return golden.crosswalk, {"churn": golden.churn, "seconds": dict(ctx.stage_seconds)}, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if not (args.data / "truth.csv").exists():
        generate(args.customers, args.data, seed=args.seed)
    out = args.data / "id_stability_out"
    shutil.rmtree(out, ignore_errors=True)
    rng = np.random.default_rng(args.seed)

    ctx1 = stages.new_run_context(args.data / "rules", out)
    rules = stages.stage_load_rules(ctx1)
    records = stages.stage_ingest(ctx1, rules).records
    new = rng.random(len(records)) < 0.10
    first = records[~new].reset_index(drop=True)
    first["record_id"] = np.arange(len(first))
    t = time.perf_counter()
    xwalk1, info1, state1 = run_once(ctx1, rules, first, StateSnapshot())
    print(f"run 1: {len(first):,} records, {xwalk1['golden_id'].nunique():,} golden ids, "
          f"{time.perf_counter() - t:.1f}s; stages {info1['seconds']}")

    # Run 2: every record, 5% of run-1 records changed (new email, or moved street).
    second = records.copy()
    old = np.flatnonzero(~new)
    changed = rng.choice(old, size=int(0.05 * len(old)), replace=False)
    half = changed[: len(changed) // 2]
    rest = changed[len(changed) // 2:]
    second.loc[half, "email"] = [f"changed{i}@example-mail.es" for i in range(len(half))]
    second.loc[rest, "street"] = [f"Calle Nueva {i}" for i in range(len(rest))]
    ctx2 = stages.new_run_context(args.data / "rules", out)
    t = time.perf_counter()
    xwalk2, info2, _ = run_once(ctx2, rules, second, state1)
    print(f"run 2: {len(second):,} records ({int(new.sum()):,} new, {len(changed):,} changed), "
          f"{xwalk2['golden_id'].nunique():,} golden ids, {time.perf_counter() - t:.1f}s")
    print(f"id churn in run 2: {info2['churn']}")
    print(f"stage seconds run 2: {info2['seconds']}")

    key = ["source", "source_record_id"]
    ids1 = set(xwalk1["golden_id"])
    ids2 = set(xwalk2["golden_id"])
    print(f"run-1 ids still active in run 2: {len(ids1 & ids2):,} of {len(ids1):,} "
          f"({len(ids1 & ids2) / len(ids1):.2%})")
    # Profiles untouched by the change: none of their run-1 records changed, and in run 2
    # they hold exactly the same records (no new record joined, none left).
    touched_keys = set(zip(records.loc[changed, "source"],
                           records.loc[changed, "source_record_id"], strict=True))
    m1 = xwalk1.assign(k=list(zip(xwalk1["source"], xwalk1["source_record_id"], strict=True)))
    m2 = xwalk2.assign(k=list(zip(xwalk2["source"], xwalk2["source_record_id"], strict=True)))
    members1 = m1.groupby("golden_id")["k"].apply(frozenset)
    members2 = m2.groupby("golden_id")["k"].apply(frozenset)
    by_members2 = {v: g for g, v in members2.items()}
    untouched = [g for g, mem in members1.items() if not (mem & touched_keys)
                 and mem in by_members2]
    kept = sum(1 for g in untouched if by_members2[members1[g]] == g)
    print(f"profiles with identical membership and no changed record: {len(untouched):,}; "
          f"kept their id: {kept:,}")
    moved = m1.merge(m2, on=key, suffixes=("_1", "_2"))
    print(f"run-1 records whose golden id changed: "
          f"{int((moved['golden_id_1'] != moved['golden_id_2']).sum()):,} of {len(moved):,}")


if __name__ == "__main__":
    main()
