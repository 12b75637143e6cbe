"""Parsing one phone: the fast path == libphonenumber."""

import random

import pandas as pd
import phonenumbers

from transforms.phone_metadata import TYPE_NAMES
from transforms.phone_parse import _fast_parse


def test_fast_path_agrees_with_libphonenumber():
    """Every number the column-wise path calls valid, libphonenumber calls valid the same way."""
    rng = random.Random(3)
    regions = ["ES", "MX", "RU", "US", "GB", "FR", "DE", "AR", "IT", "KZ", "CA"]
    digits, plus, region = [], [], []
    for _ in range(3000):
        r = rng.choice(regions)
        d = rng.choice("6789") + "".join(rng.choice("0123456789") for _ in range(rng.randint(6, 12)))
        p = rng.random() < 0.3
        if p:
            d = str(phonenumbers.country_code_for_region(r)) + d
        digits.append(d)
        plus.append(p)
        region.append(r)
    res = _fast_parse(pd.Series(digits), pd.Series(plus), pd.Series(region))
    assert res["valid"].sum() > 100
    for i in res.index[res["valid"]]:
        num = phonenumbers.parse(("+" if plus[i] else "") + digits[i], region[i])
        assert phonenumbers.is_valid_number(num)
        assert phonenumbers.format_number(num, 0) == res.at[i, "e164"]
        assert TYPE_NAMES[phonenumbers.number_type(num)] == res.at[i, "type"]
        assert phonenumbers.region_code_for_number(num) == res.at[i, "region"]
