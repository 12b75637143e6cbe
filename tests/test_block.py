"""Blocking: vectorized within-block pairs, union without duplicates, caps, link_only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_golden.config.matching import BlockingRule
from transforms.block import block_records, within_block_pairs


def _records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": np.arange(6),
            "source": ["a", "a", "b", "b", "a", "b"],
            "family_1_key": ["garcia", "garcia", "garcia", "lopez", "lopez", None],
            "email_key": ["x@a.es", None, "x@a.es", "y@b.es", "y@b.es", "y@b.es"],
            "phone_e164": ["+341", None, None, "+342", None, None],
            "phone_2_e164": [None, "+341", None, None, "+342", None],
        }
    )


def test_within_block_pairs_enumerates_all_pairs_once() -> None:
    rows = np.array([10, 11, 12, 13, 14])
    codes = np.array([0, 1, 0, 0, 1])
    a, b, skipped, skipped_pairs = within_block_pairs(rows, codes, None)
    got = sorted(tuple(sorted(p)) for p in zip(a.tolist(), b.tolist(), strict=True))
    assert got == [(10, 12), (10, 13), (11, 14), (12, 13)]
    assert (skipped, skipped_pairs) == (0, 0)


def test_union_deduplicates_and_reports_per_rule() -> None:
    rules = [
        BlockingRule(name="surname", keys=["family_1_key"]),
        BlockingRule(name="email", keys=["email_key"]),
    ]
    res = block_records(_records(), rules)
    pairs = set(zip(res.left.tolist(), res.right.tolist(), strict=True))
    assert pairs == {(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5)}
    assert all(a < b for a, b in pairs)
    stats = {s["rule"]: s for s in res.rule_stats}
    assert stats["surname"]["pairs"] == 4 and stats["email"]["pairs"] == 4
    assert stats["email"]["new_pairs"] == 2  # (0,2) and (3,4) already found by surname
    assert res.total_comparisons == 15
    assert res.reduction_ratio == pytest.approx(1 - 6 / 15)


def test_cap_skips_big_blocks_and_reports_them() -> None:
    rules = [BlockingRule(name="surname", keys=["family_1_key"], max_block_size=2)]
    res = block_records(_records(), rules)
    assert set(zip(res.left.tolist(), res.right.tolist(), strict=True)) == {(3, 4)}
    st = res.rule_stats[0]
    assert st["blocks_skipped"] == 1 and st["pairs_skipped"] == 3


def test_link_only_keeps_cross_source_pairs() -> None:
    rules = [BlockingRule(name="surname", keys=["family_1_key"])]
    res = block_records(_records(), rules, link_type="link_only")
    assert set(zip(res.left.tolist(), res.right.tolist(), strict=True)) == {(0, 2), (1, 2), (3, 4)}
    assert res.total_comparisons == 9


def test_alternative_columns_and_substring_keys() -> None:
    rules = [
        BlockingRule(name="phone", keys=["phone_e164|phone_2_e164"]),
        BlockingRule(name="prefix", keys=["family_1_key[:3]", "source"]),
    ]
    res = block_records(_records(), rules)
    pairs = set(zip(res.left.tolist(), res.right.tolist(), strict=True))
    assert (0, 1) in pairs and (3, 4) in pairs  # phone found across the two columns
    assert (0, 4) not in pairs  # "gar" != "lop"


def test_absent_column_rule_is_skipped_with_note() -> None:
    rules = [BlockingRule(name="dob", keys=["date_of_birth_norm"])]
    res = block_records(_records(), rules)
    assert res.n_pairs == 0 and res.notes and res.rule_stats[0]["skipped"]


def test_record_order_does_not_matter() -> None:
    rec = _records()
    rules = [BlockingRule(name="surname", keys=["family_1_key"])]
    a = block_records(rec, rules)
    b = block_records(rec.iloc[::-1], rules)
    assert np.array_equal(a.left, b.left) and np.array_equal(a.right, b.right)
