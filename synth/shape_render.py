"""How the people's true values become export columns (``synth.shapes``), column-wise.

Why columns: a registry of 100k people has over a million rows, and per-row Python would
take minutes. Each error is drawn for every row at once with numpy (one uniform number per
row and decision); the Python string functions of ``synth.shape_noise`` then run only on the
rows that the draw selected, and deterministic rewrites (transliteration, accents) run once
per distinct value.

Why per-person habits: errors in real exports cluster by person. Someone who types in lower
case, never uses accents or goes by "Pepe" does so in most of their records, and a Russian
customer tends to stick to one transliteration (often their passport's).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

import numpy as np

from synth.shape_data import COUNTRY_NAMES, RU_CONVENTIONAL
from synth.shape_noise import (
    day_off,
    day_typo,
    digit_error,
    is_cyrillic,
    keyboard_typo,
    strip_accents,
    swap_day_month,
    transliterate,
    year_typo,
)
from synth.shape_people import CITIES, Person

SCHEMES = ("bgn", "icao", "euro", "informal")
HOME_COUNTRY = {"es": "ES", "ru": "RU", "en": "GB"}
_CITY_ROWS = {(c, r[0]): r for c, rows in CITIES.items() for r in rows}


def apply(values: np.ndarray, mask: np.ndarray, fn: Callable[[str, random.Random], str],
          rng: random.Random) -> None:
    """``values[i] = fn(values[i], rng)`` for the selected rows, in row order (deterministic)."""
    for i in np.flatnonzero(mask):
        if values[i]:
            values[i] = fn(values[i], rng)


def rewrite(values: np.ndarray, mask: np.ndarray, fn: Callable[[str], str]) -> None:
    """A deterministic rewrite of the selected rows, computed once per distinct value."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return
    sub = values[idx].tolist()
    table = {v: fn(v) for v in dict.fromkeys(sub)}
    values[idx] = objects([table[v] for v in sub])


def objects(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


@dataclass
class People:
    """The population as columns, with each person's writing habits."""

    pop: list[Person]
    lang: np.ndarray
    latin_share: np.ndarray   # ru: share of records in Latin letters (the rest Cyrillic)
    scheme: np.ndarray        # ru: index into SCHEMES, the person's usual transliteration
    keeps_accents: np.ndarray # es: share of records typed with accents
    lower_case: np.ndarray    # types everything in lower case
    conventional: np.ndarray  # ru: writes Alexander/Natalia rather than a letter scheme

    def col(self, name: str, pi: np.ndarray) -> np.ndarray:
        """A person attribute repeated for each record's person index ``pi``."""
        return objects([getattr(p, name) for p in self.pop])[pi]


def people_columns(pop: list[Person], g: np.random.Generator) -> People:
    """Habits per person: 45% of Russians always write Latin letters, 25% always Cyrillic,
    30% either; schemes BGN 45 / ICAO 30 / German-French 13 / informal 12%; accents kept
    on 0/30/90/100% of records; 8% type in lower case; 35% use conventional English forms."""
    n = len(pop)
    return People(
        pop=pop,
        lang=np.array([p.lang for p in pop]),
        latin_share=g.choice([1.0, 0.0, 0.5], p=[0.45, 0.25, 0.30], size=n),
        scheme=g.choice(4, p=[0.45, 0.30, 0.13, 0.12], size=n),
        keeps_accents=g.choice([0.0, 0.3, 0.9, 1.0], size=n),
        lower_case=g.random(n) < 0.08,
        conventional=g.random(n) < 0.35,
    )


def to_latin(values: np.ndarray, latin: np.ndarray, pi: np.ndarray, P: People,
             g: np.random.Generator, own_scheme: float) -> None:
    """Write the selected Cyrillic values in Latin letters: conventional English forms for
    people who use them, else the person's scheme (``own_scheme`` of the time) or another."""
    conv = latin & P.conventional[pi] & (g.random(len(values)) < 0.8)
    conv &= np.fromiter((v in RU_CONVENTIONAL for v in values), bool, len(values))
    rewrite(values, conv, RU_CONVENTIONAL.__getitem__)
    scheme = np.where(g.random(len(values)) < own_scheme, P.scheme[pi],
                      g.integers(0, 4, len(values)))
    for s, name in enumerate(SCHEMES):
        rewrite(values, latin & ~conv & (scheme == s), partial(_words_in_latin, scheme=name))


def _words_in_latin(value: str, scheme: str) -> str:
    return " ".join(transliterate(w, scheme) if is_cyrillic(w) else w for w in value.split(" "))


def drop_accents(values: np.ndarray, pi: np.ndarray, P: People, g: np.random.Generator) -> None:
    mask = (P.lang[pi] == "es") & (g.random(len(values)) >= P.keeps_accents[pi])
    rewrite(values, mask, strip_accents)


def typos(values: np.ndarray, rate: np.ndarray | float, g: np.random.Generator,
          rng: random.Random) -> None:
    apply(values, g.random(len(values)) < rate, keyboard_typo, rng)


def upper(values: np.ndarray, mask: np.ndarray) -> None:
    rewrite(values, mask, str.upper)


def lower(values: np.ndarray, mask: np.ndarray) -> None:
    rewrite(values, mask, str.lower)


def addresses(P: People, pi: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, ...]:
    """(country, city, postcode) of each record: the old address before a person's move."""
    moved = (P.col("old_city", pi) != "") & (t < np.array([p.move_at for p in P.pop])[pi])
    country = np.where(moved, P.col("old_country", pi), P.col("country", pi))
    city = np.where(moved, P.col("old_city", pi), P.col("city", pi))
    postcode = np.where(moved, P.col("old_postcode", pi), P.col("postcode", pi))
    return country.astype(object), city.astype(object), postcode.astype(object)


def city_spellings(country: np.ndarray, city: np.ndarray, latin: np.ndarray,
                   variant_rate: float, g: np.random.Generator, rng: random.Random
                   ) -> np.ndarray:
    """Cities as typed: the usual name, a local/colloquial/English variant (``variant_rate``),
    and Russian cities in Latin letters where the record is written in them."""
    out = city.copy()
    keys = list(zip(country.tolist(), city.tolist(), strict=True))
    variant = g.random(len(out)) < variant_rate
    for i in np.flatnonzero(variant):
        row = _CITY_ROWS.get(keys[i])
        if row:
            out[i] = rng.choice(row[3])
    ru_latin = latin & (country == "RU") & ~variant
    rewrite(out, ru_latin, _latin_city)
    return out


def _latin_city(city: str) -> str:
    row = _CITY_ROWS.get(("RU", city))
    names = [v for v in row[3] if not is_cyrillic(v)] if row else []
    return names[0] if names else transliterate(city, "bgn")


def postcode_spellings(country: np.ndarray, code: np.ndarray, typo_rate: float,
                       zero_loss: float, g: np.random.Generator, rng: random.Random
                       ) -> np.ndarray:
    """Postcodes as exported: digit slips, a leading zero lost in a spreadsheet, British
    codes without the space or in lower case."""
    out = code.copy()
    apply(out, g.random(len(out)) < typo_rate, digit_error, rng)
    zero = np.fromiter((v.startswith("0") for v in out), bool, len(out))
    rewrite(out, zero & (g.random(len(out)) < zero_loss), lambda v: v.lstrip("0"))
    gb = country == "GB"
    r = g.random(len(out))
    rewrite(out, gb & (r < 0.15), lambda v: v.replace(" ", ""))
    rewrite(out, gb & (r >= 0.15) & (r < 0.25), str.lower)
    return out


def country_spellings(country: np.ndarray, free_text: np.ndarray, g: np.random.Generator,
                      rng: random.Random) -> np.ndarray:
    """ISO code from a drop-down, or the name typed in a free-text box."""
    out = country.copy()
    for i in np.flatnonzero(free_text & (g.random(len(out)) < 0.7)):
        out[i] = rng.choice(COUNTRY_NAMES[out[i]])
    return out


DOB_KINDS = ("swap", "year", "day_off", "day_typo", "jan_first", "default")


def draw_kinds(rates: dict[str, float], n: int, g: np.random.Generator) -> np.ndarray:
    """One error kind per row (index into DOB_KINDS, -1 for none) with the given rates."""
    r = g.random(n)
    kinds = np.full(n, -1)
    lo = 0.0
    for k, kind in enumerate(DOB_KINDS):
        hi = lo + rates.get(kind, 0.0)
        kinds[(r >= lo) & (r < hi)] = k
        lo = hi
    return kinds


def dob_errors(dob: np.ndarray, kinds: np.ndarray, rng: random.Random) -> np.ndarray:
    """Dates of birth as a form received them: the day and month swapped (only where the swap
    is a real date: forms validate), a year typo, one day off, a day typo, 1 January of the
    right year (a skipped picker), or the picker's default 1900-01-01."""
    out = dob.copy()
    for i in np.flatnonzero(kinds >= 0):
        d: date = out[i]
        kind = DOB_KINDS[kinds[i]]
        if kind == "swap":
            out[i] = swap_day_month(d) or d
        elif kind == "year":
            out[i] = year_typo(d, rng)
        elif kind == "day_off":
            out[i] = day_off(d, rng)
        elif kind == "day_typo":
            out[i] = day_typo(d, rng)
        elif kind == "jan_first":
            out[i] = date(d.year, 1, 1)
        else:
            out[i] = date(1900, 1, 1)
    return out
