"""Profiles a test can merge without --force: most pairs of random singletons differ on
something the model rules out (another address), which a merge now refuses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from flows import state, steward
from transforms.constraints import Constraints
from transforms.model import FSModel


def mergeable(out: Path, golden_ids: list[str] | None = None) -> list[str]:
    """Two single-record profiles (of ``golden_ids``, default all) with no hard conflict,
    found with one vectorized conflict check over all their pairs."""
    latest = steward.load_latest(out)
    rules = steward.load_rules_checked(steward.resolve_rules_dir(state.read_state(out), None),
                                       latest.audit)
    model = FSModel.from_json((latest.run_dir / "model.json").read_text(encoding="utf-8"))
    sizes = latest.index["golden_id"].value_counts()
    singles = set(sizes[sizes == 1].index) & set(golden_ids or sizes.index)
    ids = np.sort(latest.index.loc[latest.index["golden_id"].isin(singles), "record_id"]
                  .to_numpy(dtype=np.int64))
    clean = pq.read_table(latest.run_dir / "clean_records.parquet",
                          filters=[("record_id", "in", ids.tolist())]).to_pandas()
    clean = clean.sort_values("record_id").reset_index(drop=True)
    dense = clean.assign(record_id=np.arange(len(clean), dtype=np.int64))
    cons = Constraints.from_model(dense, model, rules.matching.comparisons,
                                  rules.matching.cluster)
    a, b = np.triu_indices(len(clean), 1)
    ok = np.flatnonzero(cons.conflict_masks(a, b)[1] == 0)
    assert ok.size, "no two profiles without a hard conflict"
    gid = latest.by_key["golden_id"]
    keys = clean["source"].astype(str) + ":" + clean["source_record_id"].astype(str)
    return sorted([str(gid[keys[a[ok[0]]]]), str(gid[keys[b[ok[0]]]])])
