"""Fellegi-Sunter: EM recovers m/u on a known mixture, scores, bands, tf, JSON round trip."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crm_golden.config.matching import Bands, Comparison, Level, ModelSettings
from transforms.bands import assign_bands, choose_bands
from transforms.compare import compare_pairs
from transforms.model import (
    FSModel,
    _joint_codes,
    _posterior_m,
    run_em,
    score_pairs,
    train_model,
)


def test_em_recovers_mixture() -> None:
    rng = np.random.default_rng(0)
    n_match, n_non = 2000, 18000
    m_true = [np.array([0.9, 0.1]), np.array([0.8, 0.15, 0.05]), np.array([0.7, 0.3])]
    u_true = [np.array([0.05, 0.95]), np.array([0.01, 0.09, 0.9]), np.array([0.1, 0.9])]
    cols = []
    for m, u in zip(m_true, u_true, strict=True):
        cols.append(np.concatenate([rng.choice(len(m), n_match, p=m),
                                    rng.choice(len(u), n_non, p=u)]))
    levels = np.column_stack(cols).astype(np.int8)
    levels[::50, 0] = -1  # some nulls, ignored by EM
    u0 = [np.array([0.5, 0.5]), np.array([0.3, 0.3, 0.4]), np.array([0.5, 0.5])]
    m, u, lam, _, conv = run_em(levels, [2, 3, 2], u0, ModelSettings())
    assert conv
    assert lam == pytest.approx(0.1, abs=0.02)
    assert m[1][0] == pytest.approx(0.8, abs=0.05)
    assert u[1][2] == pytest.approx(0.9, abs=0.03)


COMPS = [
    Comparison(name="given", columns=["given_key"], tf_adjust=True,
               levels=[Level(name="exact", kind="exact")]),
    Comparison(name="dob", columns=["date_of_birth_norm"],
               levels=[Level(name="exact", kind="exact")]),
]


def _records(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    names = np.array([f"name{i % 37}" for i in range(n)])
    names[:10] = "common"
    dob = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 15000, n), unit="D")
    return pd.DataFrame({"record_id": np.arange(n), "given_key": names,
                         "date_of_birth_norm": dob})


def test_train_score_bands_and_json_round_trip() -> None:
    rec = _records()
    # duplicates: records 200..399 copy names/dobs of 0..199
    rec.loc[200:, ["given_key", "date_of_birth_norm"]] = rec.loc[:199, [
        "given_key", "date_of_birth_norm"]].to_numpy()
    left = np.concatenate([np.arange(200), np.arange(0, 199)])
    right = np.concatenate([np.arange(200, 400), np.arange(1, 200)])
    comp = compare_pairs(rec, left, right, COMPS)
    model = train_model(rec, comp, COMPS, ModelSettings(u_random_pairs=5000), 400 * 399 // 2)
    assert 0 < model.prior < 0.01
    w = model.comparisons[1].weights()
    assert w[0] > 5 and w[1] < 0  # exact DOB strong evidence, disagreement negative
    scored = score_pairs(comp, model, left, right)
    choice = choose_bands(scored["match_weight"].to_numpy(),
                          Bands(auto_match_weight=3, review_weight=-2))
    scored["band"] = assign_bands(scored["match_weight"].to_numpy(), choice)
    assert {"match_weight", "match_probability", "band", "w_given", "lvl_dob"} <= set(
        scored.columns)
    assert (scored["band"].iloc[:200] == "auto_match").all()
    assert (scored["band"].iloc[200:] == "no_match").mean() > 0.9
    p = scored["match_probability"].to_numpy()
    assert np.allclose(p, 2 ** scored["match_weight"] / (1 + 2 ** scored["match_weight"]),
                       rtol=1e-4)
    # tf: agreeing on the common name is worth less than on a rarer one
    common = scored.loc[(scored["lvl_given"] == 0) & (scored.index < 10), "w_given"]
    rare = scored.loc[(scored["lvl_given"] == 0) & (scored.index >= 10) & (scored.index < 200), "w_given"]
    assert common.max() < rare.min()
    again = FSModel.from_json(model.to_json())
    assert again == model
    s2 = score_pairs(comp, again, left, right)
    assert np.array_equal(s2["match_weight"], scored["match_weight"])


def test_no_candidate_pairs_train_a_model_from_random_pairs_alone() -> None:
    """A tiny export (one source, 20 people) may have no candidate pair: nothing to learn
    m from, but the run must still publish singletons, not fail."""
    rec = _records(20)
    none = np.zeros(0, dtype=np.int64)
    comp = compare_pairs(rec, none, none, COMPS)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no 0/0 on the way
        model = train_model(rec, comp, COMPS, ModelSettings(u_random_pairs=1000), 190)
    assert all(np.isfinite(c.weights()).all() for c in model.comparisons)
    m, _, lam, iterations, converged = run_em(np.zeros((0, 2), np.int8), [3, 3],
                                              [np.full(3, 1 / 3)] * 2, ModelSettings())
    assert (iterations, converged, lam) == (0, True, 0.1) and len(m) == 2


def test_model_rejects_other_comparisons() -> None:
    rec = _records(50)
    comp = compare_pairs(rec, np.arange(10), np.arange(10, 20), COMPS)
    model = train_model(rec, comp, COMPS, ModelSettings(u_random_pairs=1000), 1225)
    other = compare_pairs(rec, np.arange(10), np.arange(10, 20), COMPS[:1])
    with pytest.raises(ValueError, match="retrain"):
        score_pairs(other, model, np.arange(10), np.arange(10, 20))
    with pytest.raises(ValueError):
        FSModel.from_json('{"format": "other"}')


def test_m_from_near_certain_pairs_of_the_rules() -> None:
    """m of a comparison follows its level shares among pairs a near-certain rule on
    *other* columns selects; comparisons every rule touches keep their EM estimate."""
    n = 300
    rng = np.random.default_rng(3)
    dob = pd.Timestamp("1950-01-01") + pd.to_timedelta(rng.integers(0, 15000, n), unit="D")
    dob2 = dob.to_numpy().copy()
    dob2[:30] = dob2[:30] + np.timedelta64(4000, "D")  # 10% of duplicates: other date
    rec = pd.DataFrame({
        "record_id": np.arange(2 * n),
        "email_key": np.tile([f"p{i}@x" for i in range(n)], 2),
        "given_key": np.tile([f"name{i}" for i in range(n)], 2),
        "date_of_birth_norm": np.concatenate([dob.to_numpy(), dob2]),
    })
    rec["given_canon"] = rec["given_key"]
    comps = [COMPS[1], Comparison(name="email", columns=["email_key"],
                                  levels=[Level(name="exact", kind="exact")])]
    model = _train_on_duplicates(rec, comps, n)
    assert model.training["m_sources"]["dob"].startswith(f"near_certain:{n}:")
    assert model.training["m_sources"]["email"] == "em"
    assert model.comparisons[0].m[0] == pytest.approx(0.9, abs=0.01)
    off = _train_on_duplicates(rec, comps, n, near_certain=False)
    assert set(off.training["m_sources"].values()) == {"em"}


def _train_on_duplicates(rec: pd.DataFrame, comps: list[Comparison], n: int,
                         near_certain: bool = True) -> FSModel:
    """Train on candidates (i, n + i): record i and its duplicate, with the near-certain
    rule email + given name."""
    left, right = np.arange(n), np.arange(n, 2 * n)
    result = compare_pairs(rec, left, right, comps)
    rules = [["email_key", "given_canon"]] if near_certain else []
    settings = ModelSettings(u_random_pairs=5000, near_certain_rules=rules,
                             em_min_rule_pairs=50)
    return train_model(rec, result, comps, settings, 2 * n * (2 * n - 1) // 2,
                       pairs=(left, right))


def test_a_level_on_a_rule_field_keeps_its_em_m() -> None:
    """A rule on the given name only picks pairs whose given names agree, so among them the
    family name's ``swapped`` level (family = the other's given name) never holds: its m
    there would be the floor, and a fully swapped name would count against a match. That
    level keeps its EM estimate; the other levels still come from the rule's pairs."""
    n = 300
    given = [f"given{i}" for i in range(n)]
    family = [f"family{i}" for i in range(n)]
    swapped = np.arange(n) < 30  # 10% of the duplicates have the two names swapped
    rec = pd.DataFrame({
        "record_id": np.arange(2 * n),
        "email_key": np.tile([f"p{i}@x" for i in range(n)], 2),
        "given_key": given + [f if s else g for g, f, s in zip(given, family, swapped,
                                                               strict=True)],
        "family_1_key": family + [g if s else f for g, f, s in zip(given, family, swapped,
                                                                  strict=True)],
    })
    rec["given_canon"] = rec["given_key"]
    rec["family_key"] = rec["family_1_key"]
    comps = [Comparison(name="family", columns=["family_key"], levels=[
        Level(name="exact", kind="exact"),
        Level(name="swapped", kind="swapped", columns=["family_1_key", "given_key"])])]
    model = _train_on_duplicates(rec, comps, n)
    assert model.training["m_sources"]["family"].startswith(f"near_certain:{n - 30}:")
    m = model.comparisons[0].m
    assert m[1] > 0.05  # EM saw the swaps; the rule's pairs could not (floor 1e-4)
    assert sum(m) == pytest.approx(1.0)


def test_dirichlet_concentration_trusts_counts_that_contradict_em() -> None:
    """Empirical Bayes: near-certain pairs that contradict EM (EM says 40% of matches
    disagree, 56 near-certain pairs all agree) get a small prior strength; counts that
    agree with EM get a large one."""
    from transforms.model import _dirichlet_concentration

    em = np.array([0.55, 0.05, 0.40])
    contradict = _dirichlet_concentration(np.array([53.0, 3.0, 0.0]), em)
    agree = _dirichlet_concentration(np.array([308.0, 28.0, 224.0]), em)
    assert contradict < 5 < 1000 < agree
    post = (np.array([53.0, 3.0, 0.0]) + contradict * em) / (56 + contradict)
    assert post[2] < 0.05


def test_prior_is_the_fixed_point_of_expected_matches() -> None:
    """With m and u known, prior * all pairs = the sum of the candidates' match
    probabilities under that prior: 300 true duplicates among 600 records."""
    n = 300
    rec = pd.DataFrame({"record_id": np.arange(2 * n),
                        "given_key": np.tile([f"name{i}" for i in range(n)], 2),
                        "date_of_birth_norm": np.tile(pd.date_range("1950-01-01", periods=n,
                                                                    freq="17D"), 2)})
    left, right = np.arange(n), np.arange(n, 2 * n)
    # candidates: the 300 duplicates and 300 random non-matching pairs
    rng = np.random.default_rng(2)
    other = (left + rng.integers(1, n - 1, n)) % n + n
    cand_l, cand_r = np.concatenate([left, left]), np.concatenate([right, other])
    result = compare_pairs(rec, cand_l, cand_r, COMPS)
    total = 2 * n * (2 * n - 1) // 2
    model = train_model(rec, result, COMPS, ModelSettings(u_random_pairs=20000), total)
    assert model.training["prior"]["source"] == "fixed_point"
    assert model.prior * total == pytest.approx(n, rel=0.1)
    p = score_pairs(result, model, cand_l, cand_r)["match_probability"].to_numpy()
    assert p.sum() == pytest.approx(model.prior * total, rel=0.02)


def test_conditional_u_discounts_agreement_that_comes_with_another_comparison() -> None:
    """Relatives share a surname and an address: among pairs with one surname, an equal
    street is far commoner than among random pairs, so for such pairs it weighs less."""
    from transforms.model import pairs_agreeing_on

    rng = np.random.default_rng(4)
    families = 400
    fam = np.repeat(np.arange(families), 3)  # households of three
    street = np.repeat(rng.permutation(families), 3)
    rec = pd.DataFrame({"record_id": np.arange(fam.size),
                        "family_key": [f"fam{f}" for f in fam],
                        "street_key": [f"street{s}" for s in street]})
    comps = [Comparison(name="family", columns=["family_key"],
                        levels=[Level(name="exact", kind="exact")]),
             Comparison(name="street", columns=["street_key"], u_given=["family"],
                        levels=[Level(name="exact", kind="exact")])]
    a, b = pairs_agreeing_on(pd.factorize(rec["family_key"])[0], 500, rng)
    assert (rec["family_key"].to_numpy()[a] == rec["family_key"].to_numpy()[b]).all()
    left = np.arange(0, fam.size - 1, 3)
    result = compare_pairs(rec, left, left + 1, comps)
    model = train_model(rec, result, comps, ModelSettings(u_random_pairs=20000),
                        fam.size * (fam.size - 1) // 2)
    street_params = model.comparisons[1]
    assert street_params.u_given == [["family"]]
    assert street_params.u_conditional[0][0] > 100 * street_params.u[0]
    weights = score_pairs(result, model, left, left + 1)["w_street"]
    assert (weights < street_params.weights()[0] - 5).all()  # conditional u applied


def test_joint_codes_are_the_multiindex_codes_in_order_of_first_appearance() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.choice(["x", "y", "z", "\0"], 500),
                          "b": rng.choice(["p", "q", "\0"], 500)}).astype("string")
    expected = pd.factorize(pd.MultiIndex.from_frame(frame))[0]
    assert np.array_equal(_joint_codes(frame), expected)


def test_a_handful_of_near_certain_pairs_does_not_set_m_alone() -> None:
    base = np.array([0.80, 0.15, 0.05])  # EM: 15% of matches at the typo level
    few, c = _posterior_m(np.array([3.0, 0.0, 0.0]), base)
    assert c >= 3 and few[1] > 0.05  # three agreeing pairs move EM, do not erase its levels
    many, c = _posterior_m(np.array([3000.0, 0.0, 0.0]), base)
    assert many[1] < 0.01  # thousands of pairs that contradict EM outweigh it
    agree, c = _posterior_m(np.array([800.0, 150.0, 50.0]), base)
    assert c > 1000 and np.allclose(agree, base, atol=0.01)  # agreement confirms EM
