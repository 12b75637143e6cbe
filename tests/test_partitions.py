"""Partitions: bounds, in-order mapping with progress, dtype-stable concatenation, and
linking that gives the same pairs and scores for any partition size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_golden.config.matching import load_matching_rules
from tests.test_link import _clean
from transforms.compare import compare_in_partitions, compare_pairs, comparison_columns
from transforms.link import link_records
from transforms.partitions import (
    Partitioning,
    bounds,
    concat_rows,
    serial_map,
    step_progress,
)


def test_bounds_cover_every_index_once() -> None:
    assert bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert bounds(0, 4) == [(0, 0)]  # one empty partition: results keep their shape
    assert bounds(3, 100) == [(0, 3)]


def test_partition_sizes_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Partitioning(pairs=0)


def test_serial_map_keeps_item_order_and_reports_units() -> None:
    seen: list[tuple[str, int, int, str]] = []
    progress = step_progress(lambda *a: seen.append(a), "compare", 5, "pairs")
    cleaned = []
    out = serial_map(lambda k, a, b: k * (a + b), [(1, 2), (3, 4)], shared=(10,),
                     sizes=[3, 2], progress=progress, cleanup=lambda: cleaned.append(1))
    assert out == [30, 70]
    assert seen == [("compare", 0, 5, "pairs"), ("compare", 3, 5, "pairs"),
                    ("compare", 5, 5, "pairs")]
    assert cleaned == [1]


def test_concat_rows_keeps_missing_text_as_na_in_an_all_missing_chunk() -> None:
    whole = pd.DataFrame({"a": pd.array(["x", None, None, None], dtype="string"),
                          "n": pd.array([1, 2, None, 4], dtype="Int64")})
    parts = [whole.iloc[0:2], whole.iloc[2:4]]
    pd.testing.assert_frame_equal(concat_rows(parts), whole)


def test_comparison_columns_are_those_the_rules_name() -> None:
    rules = load_matching_rules("rules/matching.yaml")
    clean = _clean()
    cols = comparison_columns(clean, rules.comparisons)
    assert "record_id" in cols and "email_key" in cols and "given_key" in cols
    assert "truth" not in cols and "source_record_id" not in cols


def test_compare_in_tiny_partitions_equals_one_call() -> None:
    rules = load_matching_rules("rules/matching.yaml")
    clean = _clean().assign(record_id=np.arange(450))
    left = np.repeat(np.arange(0, 60), 3)
    right = (left + np.tile([1, 150, 300], 60)) % 450
    whole = compare_pairs(clean, left, right, rules.comparisons)
    parts = compare_in_partitions(clean, left, right, rules.comparisons, 7)
    np.testing.assert_array_equal(whole.levels, parts.levels)
    assert whole.tf.keys() == parts.tf.keys()
    for name in whole.tf:
        np.testing.assert_array_equal(whole.tf[name], parts.tf[name])


def test_link_in_tiny_partitions_gives_the_same_pairs_and_scores() -> None:
    rules = load_matching_rules("rules/matching.yaml")
    clean = _clean()
    one = link_records(clean, rules, partitioning=Partitioning(pairs=10**9))
    steps: list[str] = []
    tiny = link_records(clean, rules, partitioning=Partitioning(pairs=7),
                        report=lambda step, done, total, unit: steps.append(step))
    pd.testing.assert_frame_equal(one.pairs, tiny.pairs, check_exact=True)
    pd.testing.assert_frame_equal(one.clusters, tiny.clusters, check_exact=True)
    for key in ("blocking", "pairs_per_band", "bands", "weight_histogram", "clusters", "model"):
        assert one.metrics[key] == tiny.metrics[key], key
    assert {"compare", "score"} <= set(steps)
