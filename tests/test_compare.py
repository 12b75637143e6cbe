"""Comparison levels: order, null level, fuzzy/nickname/swap/date levels, tf, shared values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_golden.config.base import ConfigError
from crm_golden.config.matching import Comparison, Level, load_matching_rules
from transforms.compare import compare_pairs


def _rec(**cols: list) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"record_id": np.arange(n), **cols})


def _levels(rec: pd.DataFrame, comp: Comparison, pairs: list[tuple[int, int]]) -> list[str]:
    left = np.array([p[0] for p in pairs])
    right = np.array([p[1] for p in pairs])
    res = compare_pairs(rec, left, right, [comp])
    names = res.comparisons[0].level_names
    return ["null" if x < 0 else names[x] for x in res.levels[:, 0]]


GIVEN = Comparison(
    name="given",
    columns=["given_key", "given_canon"],
    tf_adjust=True,
    levels=[
        Level(name="exact", kind="exact"),
        Level(name="nickname", kind="nickname_equivalent"),
        Level(name="jw", kind="jaro_winkler", threshold=0.9),
        Level(name="swapped", kind="swapped", columns=["given_key", "family_1_key"]),
    ],
)


def test_name_levels_in_order() -> None:
    rec = _rec(
        given_key=["jose", "jose", "pepe", "joses", "maria", None, "lopez"],
        given_canon=["jose", "jose", "jose", "joses", "maria", None, "lopez"],
        family_1_key=["lopez", "lopez", "lopez", "lopez", "lopez", "lopez", "jose"],
    )
    got = _levels(rec, GIVEN, [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6)])
    assert got == ["exact", "nickname", "jw", "else", "null", "swapped"]


def test_tf_is_frequency_of_agreeing_value() -> None:
    rec = _rec(given_key=["ana", "ana", "ana", "ana", "zoe", "zoe"],
               given_canon=["ana", "ana", "ana", "ana", "zoe", "zoe"],
               family_1_key=["x"] * 6)
    res = compare_pairs(rec, np.array([0, 4, 0]), np.array([1, 5, 4]), [GIVEN])
    assert res.tf["given"][:2] == pytest.approx([4 / 6, 2 / 6])
    assert np.isnan(res.tf["given"][2])


def test_dates_levels() -> None:
    comp = Comparison(
        name="dob",
        columns=["date_of_birth_norm"],
        levels=[
            Level(name="exact", kind="exact"),
            Level(name="swap", kind="dob_swapped"),
            Level(name="typo", kind="damerau", threshold=1),
            Level(name="year", kind="within_days", threshold=366),
        ],
    )
    rec = _rec(date_of_birth_norm=pd.to_datetime(
        ["1980-03-05", "1980-03-05", "1980-05-03", "1980-03-08", "1980-11-30", "1970-01-01",
         None]))
    got = _levels(rec, comp, [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6)])
    assert got == ["exact", "swap", "typo", "year", "else", "null"]


def test_shared_and_placeholder_values() -> None:
    comp = Comparison(
        name="email",
        columns=["email_key"],
        null_when=["email_is_placeholder"],
        shared={"flag_columns": ["email_is_role"], "distinct_column": "given_canon",
                "max_distinct": 2},
        levels=[Level(name="shared", kind="exact_shared"), Level(name="exact", kind="exact")],
    )
    rec = _rec(
        email_key=["fam@x", "fam@x", "fam@x", "me@x", "me@x", "info@c", "info@c", "no@x", "no@x"],
        given_canon=["ana", "luis", "eva", "ana", "ana", "p", "q", "a", "a"],
        email_is_role=[False] * 5 + [True, True, False, False],
        email_is_placeholder=[False] * 7 + [True, True],
    )
    got = _levels(rec, comp, [(0, 1), (3, 4), (5, 6), (7, 8)])
    assert got == ["shared", "exact", "shared", "null"]


def test_absent_columns_are_skipped_with_note() -> None:
    comp = Comparison(name="email", columns=["email_key"],
                      levels=[Level(name="exact", kind="exact")])
    res = compare_pairs(_rec(given_key=["a", "b"]), np.array([0]), np.array([1]), [comp, GIVEN])
    assert [c.name for c in res.comparisons] == ["given"]
    assert any("email" in n for n in res.notes)


def test_either_surname_and_multi_column_exact() -> None:
    comp = Comparison(
        name="family", columns=["family_key", "family_1_key", "family_2_key"],
        levels=[Level(name="exact", kind="exact"),
                Level(name="one", kind="either_surname_equal")])
    rec = _rec(family_key=["garcia lopez", "garcia lopez", "lopez", "perez ruiz"],
               family_1_key=["garcia", "garcia", "lopez", "perez"],
               family_2_key=["lopez", "lopez", None, "ruiz"])
    assert _levels(rec, comp, [(0, 1), (0, 2), (0, 3)]) == ["exact", "one", "else"]


def test_default_rules_file_loads(tmp_path) -> None:
    rules = load_matching_rules("rules/matching.yaml")
    assert rules.bands.auto_match_weight is None  # chosen per run from probabilities
    assert 0.5 < rules.bands.auto_match_precision < 1
    bad = tmp_path / "m.yaml"
    bad.write_text("blocking_rules: [{name: a, keys: [x]}]\n"
                   "comparisons: [{name: c, columns: [x], levels: [{name: l, kind: fuzzy}]}]\n"
                   "bands: {auto_match_weight: 1, review_weight: 0}\n")
    with pytest.raises(ConfigError, match=r"m.yaml: comparisons.0.levels.0.kind"):
        load_matching_rules(bad)


def test_compound_given_name_level() -> None:
    comp = Comparison(name="given", columns=["given_key"], levels=[
        Level(name="exact", kind="exact"),
        Level(name="compound_part", kind="given_tokens_compatible")])
    rec = _rec(given_key=["juan", "juan antonio", "maria pilar", "pilar", "jose"])
    got = _levels(rec, comp, [(0, 1), (2, 3), (0, 4), (0, 0)])
    assert got == ["compound_part", "compound_part", "else", "exact"]


def test_shared_value_counts_people_not_spellings() -> None:
    """A mailbox written by "Walter" and "Wakter" is one person's; "Juan" and "Juana"
    (typo-close, but two genders) or "Ana" and "Luis" share theirs."""
    comp = Comparison(
        name="email", columns=["email_key"],
        shared={"distinct_column": "given_canon", "max_distinct": 1},
        levels=[Level(name="shared", kind="exact_shared"), Level(name="exact", kind="exact")])
    rec = _rec(
        email_key=["w@x", "w@x", "j@x", "j@x", "f@x", "f@x", "p@x", "p@x"],
        given_canon=["walter", "wakter", "juan", "juana", "ana", "luis", "pilar",
                     "maria pilar"],
    )
    assert _levels(rec, comp, [(0, 1), (2, 3), (4, 5), (6, 7)]) == [
        "exact", "shared", "shared", "exact"]


def test_second_surname_differs_level() -> None:
    """"Hernández Escobar" / "Hernández Pérez" is a parent and child, not "one surname
    equal"; a typo in the second surname or a missing one still is."""
    comp = Comparison(name="family", columns=["family_key", "family_1_key", "family_2_key"],
                      levels=[Level(name="exact", kind="exact"),
                              Level(name="other_second", kind="second_surname_differs",
                                    threshold=0.8),
                              Level(name="one", kind="either_surname_equal")])
    rec = _rec(family_key=["hernandez escobar", "hernandez perez", "hernandez",
                           "hernandez escovar", "lopez perez"],
               family_1_key=["hernandez", "hernandez", "hernandez", "hernandez", "lopez"],
               family_2_key=["escobar", "perez", None, "escovar", "perez"])
    assert _levels(rec, comp, [(0, 1), (0, 2), (0, 3), (1, 4)]) == [
        "other_second", "one", "one", "one"]


SHARED_EMAIL = Comparison(
    name="email", columns=["email_key"],
    shared={"distinct_column": "given_key", "swap_column": "family_1_key", "max_distinct": 1},
    levels=[Level(name="shared", kind="exact_shared"), Level(name="exact", kind="exact")])


def test_shared_value_counts_a_swapped_name_order_as_one_person() -> None:
    """"Gulnara Kovalskaya" and "Kovalskaya, Gulnara" read with the order swapped are one
    person on her mailbox; "Gulnara" and "Olga" of one family are two."""
    rec = _rec(email_key=["g@x", "g@x", "f@x", "f@x"],
               given_key=["gulnara", "kovalskaia", "gulnara", "olga"],
               family_1_key=["kovalskaia", "gulnara", "kovalskaia", "kovalskaia"])
    assert _levels(rec, SHARED_EMAIL, [(0, 1), (2, 3)]) == ["exact", "shared"]
    no_swap = SHARED_EMAIL.model_copy(update={"shared": SHARED_EMAIL.shared.model_copy(
        update={"swap_column": None})})
    assert _levels(rec, no_swap, [(0, 1)]) == ["shared"]


def test_one_persons_records_keep_the_evidence_of_a_value_that_looks_shared() -> None:
    """An unrecognised spelling ("anriusha") makes Andrei's mailbox look shared by two
    people: his two "andrei" records still agree on it, the odd one does not. On a
    couple's mailbox (a man and a woman among its names) even two "juan" records do not:
    a father and his junior."""
    rec = _rec(email_key=["a@x", "a@x", "a@x", "c@x", "c@x", "c@x"],
               given_key=["andrei", "andrei", "anriusha", "juan", "juan", "maria"],
               family_1_key=["danilov"] * 3 + ["garcia"] * 3)
    got = _levels(rec, SHARED_EMAIL, [(0, 1), (0, 2), (3, 4), (3, 5)])
    assert got == ["exact", "shared", "shared", "shared"]


def test_every_configured_level_kind_has_one_registered_test() -> None:
    from typing import get_args

    from crm_golden.config.matching import LevelKind
    from transforms.compare_levels import LEVEL_KINDS

    assert set(LEVEL_KINDS) == set(get_args(LevelKind))
