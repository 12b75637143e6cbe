"""Bands come from the model's probabilities: a target precision, not a number of bits."""

from __future__ import annotations

import numpy as np
import pytest

from crm_golden.config.matching import Bands
from transforms.bands import assign_bands, choose_bands, probability, weight_of


def test_auto_band_is_the_largest_prefix_whose_expected_precision_meets_the_target() -> None:
    # 90 near-certain pairs (p ~ 1), then pairs at p = 0.9, 0.8, ... : the band grows until
    # the mean probability would fall below 0.99.
    weights = np.concatenate([np.full(90, 20.0), [weight_of(0.95)] * 10,
                              [weight_of(0.6)] * 10, [weight_of(0.05)] * 10])
    choice = choose_bands(weights, Bands(auto_match_precision=0.99))
    p = probability(weights)
    band = weights >= choice.auto_match_weight
    assert p[band].mean() >= 0.99
    assert band.sum() == 100  # the ten 0.95 pairs fit (mean 0.995), the 0.6 ones do not
    assert choice.expected_precision == pytest.approx(p[band].mean())
    assert choice.expected_recall == pytest.approx(p[band].sum() / p.sum())
    assert choice.source == "target_precision"


def test_a_lower_target_takes_more_pairs_and_review_starts_at_its_probability() -> None:
    weights = np.concatenate([np.full(50, 20.0), [weight_of(0.7)] * 50, [weight_of(0.3)] * 50])
    strict = choose_bands(weights, Bands(auto_match_precision=0.99, review_min_probability=0.5))
    loose = choose_bands(weights, Bands(auto_match_precision=0.8, review_min_probability=0.5))
    assert loose.auto_match_weight < strict.auto_match_weight
    bands = assign_bands(weights, strict)
    assert (bands[:50] == "auto_match").all()
    assert (bands[50:100] == "review").all()
    assert (bands[100:] == "no_match").all()
    assert strict.expected_review_matches == pytest.approx(50 * 0.7)


def test_never_auto_matches_a_pair_more_likely_a_non_match() -> None:
    weights = np.full(10, weight_of(0.3))  # target unreachable even at a low bar
    choice = choose_bands(weights, Bands(auto_match_precision=0.6))
    assert choice.auto_match_weight >= 0.0
    assert (assign_bands(weights, choice) != "auto_match").all()


def test_configured_weights_override_the_choice() -> None:
    weights = np.array([10.0, 5.0, 1.0, -3.0])
    choice = choose_bands(weights, Bands(auto_match_weight=6, review_weight=0))
    assert choice.source == "configured"
    assert list(assign_bands(weights, choice)) == ["auto_match", "review", "review", "no_match"]


def test_a_pair_only_a_household_value_supports_goes_to_review_unless_a_personal_id_agrees() -> None:
    import pandas as pd

    from crm_golden.config.matching import Ambiguity
    from transforms.bands import household_only

    names = {"given_name": ["exact", "else"], "address": ["street_postcode", "else"],
             "date_of_birth": ["exact", "else"], "phone": ["shared_exact", "exact", "else"]}
    scored = pd.DataFrame({
        # father and junior (no birth date on one side), the same with one birth date,
        # a shared landline only, a personal mobile, no household value at all
        "lvl_given_name": [0, 0, 0, 0, 0],
        "lvl_address": [0, 0, -1, -1, 1],
        "lvl_date_of_birth": [-1, 0, -1, -1, -1],
        "lvl_phone": [-1, -1, 0, 1, -1],
    })
    rule = Ambiguity(household_levels=["address.street_postcode", "phone.shared_exact"],
                     personal_levels=["date_of_birth.exact", "phone.exact"])
    assert household_only(scored, names, rule).tolist() == [True, False, True, False, False]
    # a level this data did not compute is ignored
    assert not household_only(scored, names, Ambiguity(household_levels=["email.x"])).any()
