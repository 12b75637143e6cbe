"""Column-wise parsing of (value, region) pairs == parsing each value."""

import random

import numpy as np
import phonenumbers

from transforms.phone_batch import parse_phone_pairs
from transforms.phone_parse import parse_phone


def _random_phones(rng: random.Random, n: int) -> tuple[list[str], list[str]]:
    """Plain and awkward phone strings with every kind of prefix the parser treats apart."""
    ccs = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    prefixes = ["8", "810", "011", "00", "0", "1", "044", "045", "01", "09", "521", "7", "44",
                "34", "52", "0034", "07911", "020", "180020", "5", "55"]
    regions = ["ES", "MX", "RU", "US", "GB", "", "FR", "KZ", "CA", "GG", "IT", "NO", "AR"]
    values, regs = [], []
    for _ in range(n):
        d = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 14)))
        roll = rng.random()
        if roll < 0.3:
            d = str(rng.choice(ccs)) + d
        elif roll < 0.5:
            d = rng.choice(prefixes) + d
        if rng.random() < 0.4:
            d = "+" + d
        if rng.random() < 0.3:
            at = rng.randint(0, len(d))
            d = d[:at] + rng.choice([" ", "-", "(", ")", ".", "/", " ext 1", "٣", "++"]) + d[at:]
        if rng.random() < 0.03:
            d = rng.choice(["000000", "1111111", "123456789", "+34 6123", "()", "+", "12"])
        values.append(d.strip() or "5")
        regs.append(rng.choice(regions))
    return values, regs


def test_column_wise_path_equals_parse_phone():
    """``parse_phone_pairs`` (RE2 over arrays, libphonenumber's rejections decided from
    metadata) gives exactly ``parse_phone`` for every value."""
    values, regions = _random_phones(random.Random(17), 4000)
    values += ["612345678", "+34 612 34 56 78", "0034 912 345 678", "8 (912) 345-67-89",
               "+52 1 55 1234 5678", "044 55 1234 5678", "+44 7700 900123", "07911 123456",
               "(212) 555-0123", "+1 416 555 0123", "89123456789", "79123456789", "+7 6123"]
    regions += ["ES", "ES", "ES", "RU", "MX", "MX", "GB", "GB", "US", "US", "ES", "", "RU"]
    cols = parse_phone_pairs(np.array(values, dtype=object), np.array(regions, dtype=object))
    for i, (value, region) in enumerate(zip(values, regions, strict=True)):
        assert tuple(col[i] for col in cols) == parse_phone(value, region), (value, region)
