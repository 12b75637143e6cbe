"""What the remaining linking errors look like: false merges and missed matches, masked.

Reads a published run (``OUTPUT/latest``) and its ground truth and prints, with personal
values masked the way the audit report masks them (``transforms.mask``):

* false merges: clusters holding records of different true customers, each with the
  auto-match edge(s) that joined them and the comparison levels of those edges;
* missed matches: true pairs left in different clusters, with the pair's band and levels
  when it was scored, and what the two records have in common at all;
* a count of missed pairs by "what else besides the name do they share".

    python bench/link_errors.py --output /tmp/crm-golden-quality/generated_100000/out \\
        --truth /tmp/crm-golden-quality/generated_100000/truth.csv [--examples 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transforms.mask import mask_value  # noqa: E402

SHOWN = ["name_given", "name_family", "email_norm", "phone_e164", "date_of_birth_norm",
         "city_norm", "tax_id_norm"]
EVIDENCE = ["email_key", "phone_e164", "tax_id_norm", "date_of_birth_norm", "postal_code_norm",
            "street_key", "city_key", "company_key"]


def _masked(rec: pd.Series) -> str:
    parts = []
    for col in SHOWN:
        if col not in rec.index or pd.isna(rec[col]):
            continue
        value = rec[col]
        if col == "date_of_birth_norm":
            parts.append(f"born {pd.Timestamp(value).year}")  # the year only
        else:
            parts.append(str(mask_value(col, str(value))))
    return f"{rec['source']:<9} " + " | ".join(parts)


def _levels(pair: pd.Series, level_names: dict[str, list[str]]) -> str:
    out = []
    for comp, names in level_names.items():
        lvl = pair.get(f"lvl_{comp}")
        if lvl is None or pd.isna(lvl) or lvl < 0:
            continue
        out.append(f"{comp}={names[int(lvl)]}")
    return ", ".join(out)


def _shared_besides_names(a: pd.Series, b: pd.Series) -> str:
    same = [c.removesuffix("_key").removesuffix("_norm").removesuffix("_e164")
            for c in EVIDENCE
            if c in a.index and pd.notna(a[c]) and pd.notna(b[c]) and a[c] == b[c]]
    return "+".join(same) if same else "names only"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    run = args.output / "latest"
    clean = pd.read_parquet(run / "clean_records.parquet")
    xwalk = pd.read_parquet(run / "crosswalk.parquet")
    truth = pd.read_csv(args.truth, dtype=str)
    links = pd.read_parquet(run / "links.parquet")
    model = json.loads((run / "model.json").read_text())
    level_names = {c["name"]: c["level_names"] for c in model["comparisons"]}

    rec = (clean.merge(truth, on=["source", "source_record_id"], how="left")
           .merge(xwalk[["source", "source_record_id", "golden_id"]],
                  on=["source", "source_record_id"], how="left"))
    rec["record_id"] = rec["record_id"].astype(np.int64)
    rec = rec.set_index("record_id", drop=False)
    entity, golden = rec["entity_id"], rec["golden_id"]
    rng = np.random.default_rng(args.seed)

    # False merges: auto edges inside one golden profile joining two true customers.
    la, lb = links["left_record_id"].to_numpy(), links["right_record_id"].to_numpy()
    wrong = ((links["band"] == "auto_match").to_numpy()
             & (golden.reindex(la).to_numpy() == golden.reindex(lb).to_numpy())
             & (entity.reindex(la).to_numpy() != entity.reindex(lb).to_numpy()))
    bad = links[wrong]
    print(f"false merges: {bad['left_record_id'].map(golden).nunique()} golden profiles hold "
          f"more than one true customer; {len(bad)} auto-match edges join two of them")
    pick = bad.iloc[rng.permutation(len(bad))[: args.examples]]
    for _, edge in pick.iterrows():
        a, b = rec.loc[edge["left_record_id"]], rec.loc[edge["right_record_id"]]
        print(f"\n  match_weight {edge['match_weight']:.1f}: {_levels(edge, level_names)}")
        print(f"    {_masked(a)}\n    {_masked(b)}")

    # Missed matches: true pairs in different golden profiles.
    pairs = rec[["entity_id", "record_id"]].reset_index(drop=True)
    pairs = pairs.merge(pairs, on="entity_id")
    pairs = pairs[pairs["record_id_x"] < pairs["record_id_y"]]
    missed = pairs[golden.reindex(pairs["record_id_x"]).to_numpy()
                   != golden.reindex(pairs["record_id_y"]).to_numpy()]
    print(f"\nmissed matches: {len(missed)} of {len(pairs)} true pairs are in different "
          "golden profiles")
    x, y = missed["record_id_x"].to_numpy(), missed["record_id_y"].to_numpy()
    labels = np.full(x.size, "", dtype=object)
    for col in (c for c in EVIDENCE if c in rec.columns):
        codes = pd.Series(pd.factorize(rec[col].astype("string"), use_na_sentinel=True)[0],
                          index=rec.index)
        cx, cy = codes.reindex(x).to_numpy(), codes.reindex(y).to_numpy()
        name = col.removesuffix("_key").removesuffix("_norm").removesuffix("_e164")
        labels = np.where((cx >= 0) & (cx == cy), labels + "+" + name, labels)
    kinds = pd.Series(labels).str.lstrip("+").replace("", "names only")
    share = kinds.value_counts(normalize=True).head(6)
    print("  what they share besides names: "
          + ", ".join(f"{k} {v:.1%}" for k, v in share.items()))
    # Why name-only links cannot be precise: even a full name seen on exactly two records
    # belongs to two different people this often.
    named = rec.dropna(subset=["given_canon", "family_key"])
    size = named.groupby(["given_canon", "family_key"])["entity_id"].transform("size")
    two = named[size == 2].groupby(["given_canon", "family_key"])["entity_id"].nunique()
    print(f"  full names (given + surnames) on exactly two records: {len(two)}; "
          f"two different people in {(two > 1).mean():.1%} of them")
    n_surnames = two.index.get_level_values("family_key").str.count(" ") + 1
    for k, label in ((1, "one surname"), (2, "two surnames")):
        sel = two[n_surnames == k] if k == 1 else two[n_surnames >= 2]
        if len(sel):
            print(f"    {label}: {len(sel)} names, two different people in "
                  f"{(sel > 1).mean():.1%}")
    scored = links.set_index(["left_record_id", "right_record_id"])
    pick = missed.iloc[rng.permutation(len(missed))[: args.examples]]
    for _, p in pick.iterrows():
        a, b = rec.loc[p["record_id_x"]], rec.loc[p["record_id_y"]]
        key = (p["record_id_x"], p["record_id_y"])
        if key in scored.index:
            edge = scored.loc[key]
            how = f"{edge['band']} {edge['match_weight']:.1f}: {_levels(edge, level_names)}"
        else:
            how = "below the review band or not a candidate pair"
        print(f"\n  {how}; shares {_shared_besides_names(a, b)}")
        print(f"    {_masked(a)}\n    {_masked(b)}")


if __name__ == "__main__":
    main()
