"""Time one steward merge on a 100,000-customer output.

    python bench/steward.py [--customers 100000] [--workdir /tmp/crm-steward-bench]

Generates the exports and runs the pipeline once (a couple of minutes) unless the work
folder already holds a published run, then times ``flows.steward.merge`` of two
golden ids (two single-record profiles, so the figure is the fixed cost of a
republish: read the latest run, recluster and re-survive the affected records, assign
ids over every record, write and publish the new run, render the report). Prints ids
and timings only.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/crm-steward-bench"))
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from flows import steward
    from flows.pipeline import run_pipeline
    from synth.generate import generate
    from transforms.publish import latest_run_dir

    data, out = args.workdir / "data", args.workdir / "out"
    pipeline_s = None
    if not (out / "latest").exists():
        t = time.perf_counter()
        generate(args.customers, data, seed=args.seed)
        gen_s = time.perf_counter() - t
        t = time.perf_counter()
        run_pipeline(data / "rules", out)
        pipeline_s = time.perf_counter() - t
        print(f"generated in {gen_s:.0f} s; pipeline (no Prefect) in {pipeline_s:.0f} s")

    run = latest_run_dir(out)
    xwalk = pd.read_parquet(run / "crosswalk.parquet")
    sizes = xwalk["golden_id"].value_counts()
    pair = sorted(sizes[sizes == 1].index)[:2]
    t = time.perf_counter()
    outcome = steward.merge(out, pair, "bench: timing one merge", by="bench",
                            rules_dir=data / "rules", force=True)
    merge_s = time.perf_counter() - t
    print(steward.format_outcome(outcome))
    print(json.dumps({
        "clean_records": int(len(xwalk)), "golden_profiles_before": int(len(sizes)),
        "merge_seconds": round(merge_s, 2), "full_pipeline_seconds":
        round(pipeline_s, 1) if pipeline_s else None,
    }, indent=2))


if __name__ == "__main__":
    main()
