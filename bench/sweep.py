"""Trade-off sweeps of rules/matching.yaml settings across the benchmark matrix.

    python bench/quality.py                     # once: prepares every dataset's clean records
    python bench/sweep.py cluster.cannot_link_bits=6,8,10,12
    python bench/sweep.py bands.auto_match_precision=0.98,0.99,0.995 --only fake_1000 loyalty

Linking does not change normalization, so each setting re-links the clean records a
previous ``bench/quality.py`` run published (``--work``, default /tmp/crm-golden-quality)
with the repository's default rules plus one override, and scores the clusters against the
truth. A key names list items by their ``name`` (``comparisons.email.u_given=[]``). Prints
one line per dataset and value: precision, recall, F1, over-merged and split counts. Labels
are used for scoring only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_golden.config.matching import MatchingRules  # noqa: E402
from transforms.evaluate import pairwise_metrics  # noqa: E402
from transforms.link import link_records  # noqa: E402

DEFAULT_DATASETS = ["generated_5000", "febrl3", "fake_1000", "loyalty", "registry"]


def override(cfg: dict[str, Any], key: str, value: Any) -> None:
    """Set ``dotted.key`` in the parsed YAML; a list step picks the item with that name."""
    *parents, leaf = key.split(".")
    node: Any = cfg
    for part in parents:
        if isinstance(node, list):
            node = next(item for item in node if item.get("name") == part)
        else:
            node = node.setdefault(part, {})
    node[leaf] = value


def relink(work: Path, dataset: str, rules: MatchingRules) -> dict[str, Any]:
    run = work / dataset / "out" / "latest"
    clean = pd.read_parquet(run / "clean_records.parquet")
    t0 = time.perf_counter()
    result = link_records(clean, rules, retrain=True)
    seconds = time.perf_counter() - t0
    crosswalk = clean[["record_id", "source", "source_record_id"]].merge(
        result.clusters, on="record_id")
    crosswalk["golden_id"] = crosswalk["cluster_id"].astype(str)
    truth = pd.read_csv(work / dataset / "truth.csv", dtype=str)
    metrics = pairwise_metrics(crosswalk, truth)
    metrics["seconds"] = round(seconds, 1)
    metrics["auto_match_weight"] = result.metrics["bands"]["auto_match_weight"]
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("setting", help="dotted.key=value1,value2,... (values as YAML)")
    parser.add_argument("--only", nargs="*", default=DEFAULT_DATASETS, metavar="DATASET")
    parser.add_argument("--work", type=Path, default=Path("/tmp/crm-golden-quality"))
    args = parser.parse_args()
    key, _, values = args.setting.partition("=")
    base = yaml.safe_load((ROOT / "rules" / "matching.yaml").read_text(encoding="utf-8"))
    print(f"{'dataset':<16} {key:>28} {'precision':>9} {'recall':>7} {'F1':>7} "
          f"{'over-merged':>11} {'split':>6} {'auto w':>6}")
    for dataset in args.only:
        for raw in yaml.safe_load(f"[{values}]"):
            cfg = yaml.safe_load(yaml.safe_dump(base))
            override(cfg, key, raw)
            m = relink(args.work, dataset, MatchingRules.model_validate(cfg))
            print(f"{dataset:<16} {str(raw):>28} {m['precision']:>9.4f} {m['recall']:>7.4f} "
                  f"{m['f1']:>7.4f} {m['over_merged_clusters']:>11} {m['split_entities']:>6} "
                  f"{m['auto_match_weight']:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
