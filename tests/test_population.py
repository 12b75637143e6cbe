"""Tests for the simulated population (synth.population): identifiers, names, mailboxes."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date

from synth import names
from synth.population import (
    _EmailRegistry,
    _Pools,
    mexican_rfc,
    russian_inn,
    spanish_dni,
    spanish_nie,
)
from synth.text import feminine_surname, patronymic, strip_accents

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


# ----------------------------------------------------------------- identifiers
def _dni_ok(t: str) -> bool:
    t = re.sub(r"[\s.\-]", "", t).upper()
    if re.fullmatch(r"\d{8}[A-Z]", t):
        return DNI_LETTERS[int(t[:8]) % 23] == t[8]
    if re.fullmatch(r"[XYZ]\d{7}[A-Z]", t):
        return DNI_LETTERS[int(str("XYZ".index(t[0])) + t[1:8]) % 23] == t[8]
    return False


def _inn_ok(t: str) -> bool:
    t = re.sub(r"\D", "", t)
    if len(t) != 12:
        return False
    d = [int(c) for c in t]
    c1 = sum(a * b for a, b in zip((7, 2, 4, 10, 3, 5, 9, 4, 6, 8), d, strict=False)) % 11 % 10
    c2 = sum(a * b for a, b in zip((3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8), d, strict=False)) % 11 % 10
    return d[10] == c1 and d[11] == c2


def test_identifier_generators_are_valid() -> None:
    rng = random.Random(5)
    assert all(_dni_ok(spanish_dni(rng)) for _ in range(200))
    assert all(_dni_ok(spanish_nie(rng)) for _ in range(200))
    assert all(_inn_ok(russian_inn(rng, "77")) for _ in range(200))
    rfc = mexican_rfc("García", "López", "José Luis", date(1980, 1, 2), rng)
    assert re.fullmatch(r"GALL800102[0-9A-Z]{2}[0-9A]", rfc)  # José is skipped
    rfc2 = mexican_rfc("de la Fuente", "", "María Guadalupe", date(1975, 12, 31), rng)
    assert rfc2.startswith("FUXG751231")


# ----------------------------------------------------------------- names and mailboxes
def test_russian_grammar_helpers() -> None:
    assert patronymic("Сергей", "M") == "Сергеевич"
    assert patronymic("Сергей", "F") == "Сергеевна"
    assert patronymic("Юрий", "F") == "Юрьевна"
    assert patronymic("Иван", "M") == "Иванович"
    assert patronymic("Дмитрий", "M") == "Дмитриевич"
    assert feminine_surname("Иванов") == "Иванова"
    assert feminine_surname("Островский") == "Островская"
    assert feminine_surname("Шевченко") == "Шевченко"
    assert strip_accents("José Ñúñez Йошкин Ёлкин") == "Jose Nunez Йошкин Ёлкин"


def test_names_have_namesake_skew() -> None:
    for pool in (names.ES_MALE, names.ES_FEMALE, names.RU_MALE, names.RU_FEMALE,
                 names.EN_MALE, names.EN_FEMALE):
        assert len(pool) >= 120 and len(set(pool)) == len(pool)
    for pool in (names.ES_SURNAMES, names.RU_SURNAMES, names.EN_SURNAMES):
        assert len(pool) >= 200
    counts = Counter()
    out_rng = random.Random(1)
    pools = _Pools()
    for _ in range(3000):
        counts[pools.surname(out_rng, "es")] += 1
    assert counts.most_common(1)[0][0] == "García"
    assert counts["García"] > 150


def test_gmail_never_gives_one_mailbox_to_two_people() -> None:
    """Gmail ignores dots and googlemail.com: "ana.marin" and "anamarin" are one mailbox."""
    reg, rng = _EmailRegistry(), random.Random(0)
    first = reg.claim("ana.marin", "gmail.com", rng)
    second = reg.claim("anamarin", "googlemail.com", rng)
    third = reg.claim("anamarin", "hotmail.com", rng)  # other providers keep dots apart
    assert first == "ana.marin@gmail.com" and third == "anamarin@hotmail.com"
    assert second.split("@")[0].replace(".", "") != "anamarin"
