"""End to end: link_records on a small frame with gaps in record_id, model reuse, metrics."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from crm_golden.config.matching import load_matching_rules
from transforms.link import build_review_queue, link_records


def _clean() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n_people = 300
    given = np.array([f"g{i % 97:02d}x" for i in range(n_people)], dtype=object)
    family = np.array([f"fam{i:03d}z" for i in range(n_people)], dtype=object)
    dob = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 20000, n_people), "D")
    email = np.array([f"p{i}@mail.test" for i in range(n_people)], dtype=object)
    dup = rng.choice(n_people, 150, replace=False)
    idx = np.concatenate([np.arange(n_people), dup])
    df = pd.DataFrame({
        "source": np.where(np.arange(idx.size) < n_people, "sales", "support"),
        "source_record_id": [str(i) for i in range(idx.size)],
        "given_key": given[idx], "given_canon": given[idx], "family_key": family[idx],
        "family_1_key": family[idx], "date_of_birth_norm": dob[idx],
        "date_of_birth_status": "valid", "email_key": email[idx],
    })
    df.loc[n_people::3, "email_key"] = None  # some duplicates only match on name + dob
    df["record_id"] = np.arange(idx.size) * 2 + 5  # gaps, as after quarantine
    df["truth"] = idx
    return df


def test_link_records_end_to_end() -> None:
    rules = load_matching_rules("rules/matching.yaml")
    clean = _clean()
    res = link_records(clean, rules)
    assert set(res.clusters["record_id"]) == set(clean["record_id"])
    lab = clean.set_index("record_id")["truth"]
    cl = res.clusters.set_index("record_id")["cluster_id"]
    same_pred = cl.groupby(lab).nunique()
    assert (same_pred == 1).mean() > 0.95  # duplicates found
    assert cl.groupby(cl).size().max() == 2  # no chaining
    assert set(res.clusters["cluster_id"]) <= set(clean["record_id"])
    json.dumps(res.metrics)  # serializable
    assert res.metrics["model_source"] == "trained"
    assert {"block", "compare", "train", "score", "cluster"} <= set(res.metrics["timings_s"])
    again = link_records(clean, rules, model=res.model)
    assert again.metrics["model_source"] == "reused"
    assert again.clusters.equals(res.clusters)
    q = build_review_queue(res.pairs, clean)
    assert {"l_source", "r_source", "match_weight"} <= set(q.columns)
