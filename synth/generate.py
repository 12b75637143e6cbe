"""Synthetic department exports with ground truth (``crm-golden generate``).

Why: the pipeline can only be measured honestly on data whose true identities are
known *and* which is as messy as real exports. This module simulates a population
of customers (ES, MX, RU, US, UK) living in households, working at companies,
sharing landlines and mailboxes, moving house and changing surnames, and then four
department systems that each captured a partial, differently corrupted view of
them in their own file format, encoding, date and number conventions.

Only ``random.Random(seed)`` drives the simulation, nothing reads the clock and
nothing iterates a set, so the same seed yields byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import TypeVar

from synth import names as N
from synth import places as P
from synth.text import (
    feminine_surname,
    is_cyrillic,
    latinize_name,
    patronymic,
    strip_accents,
    transliterate,
    typo,
)

SOURCES = ("marketing", "sales", "support", "finance")
FILES = {"marketing": "marketing.csv", "sales": "sales.csv", "support": "support.jsonl",
         "finance": "finance.csv"}
COUNTRIES = ("ES", "MX", "RU", "US", "UK")
COUNTRY_CUM = list(accumulate((30, 20, 25, 15, 10)))
LANG = {"ES": "es", "MX": "es", "RU": "ru", "US": "en", "UK": "en"}
REF_DATE = date(2025, 6, 30)
WINDOW_START = date(2014, 1, 1)
# inclusion probability per source; one source is forced when none is drawn
SOURCE_P = {"marketing": 0.62, "sales": 0.52, "support": 0.47, "finance": 0.47}
DUP_P = 0.05  # same person entered twice in one export
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_RFC_TABLE = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
_RFC_HOMO = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
_ES_PARTICLES = {"de", "del", "la", "las", "los", "y", "san"}
_NON_KEY = re.compile("[^a-z0-9]")
_RU_AREA4 = {a for row in P.RU_CITIES for a in row[3] if len(a) == 4}

Field = str | int | None  # one exported value; JSON Lines keeps numbers and nulls
Row = dict[str, Field]  # one exported record by column name, before its id is assigned
_T = TypeVar("_T")


# =========================================================================== model
@dataclass(slots=True)
class Address:
    """One dwelling: street parts, city row from ``places`` and a postal code."""

    country: str
    street: str
    number: int
    unit: str
    city: str
    region: str
    postal: str
    colonia: str = ""


@dataclass(slots=True)
class Company:
    """An employer; several customers share its domain and role mailboxes."""

    name: str
    domain: str
    roles: list[str]


@dataclass(slots=True)
class Person:
    """A real customer (one ``entity_id``) with every true attribute."""

    eid: str
    country: str
    gender: str
    given: str
    middle: str
    fam1: str
    fam2: str
    dob: date
    since: date
    household: int
    addresses: list[tuple[date, Address]]
    landlines: list[tuple[date, str]]
    mobile: str = ""
    mobile_2: str = ""
    maiden: str = ""
    married_on: date | None = None
    suffix: str = ""
    emails: list[str] = field(default_factory=list)
    work_email: str = ""
    family_email: str = ""
    company: Company | None = None
    tax_id: str = ""
    consent: bool = True
    lead_kind: str = "web"
    channel: str = "email"
    pay_kind: str = "card"

    @property
    def lang(self) -> str:
        return LANG[self.country]


def _zipf_cum(n: int, s: float) -> list[float]:
    return list(accumulate(1.0 / (r + 1) ** s for r in range(n)))


class _Pools:
    """Name pools with Zipf-like cumulative weights for fast ``rng.choices``."""

    def __init__(self) -> None:
        self.given = {
            ("es", "M"): N.ES_MALE, ("es", "F"): N.ES_FEMALE, ("ru", "M"): N.RU_MALE,
            ("ru", "F"): N.RU_FEMALE, ("en", "M"): N.EN_MALE, ("en", "F"): N.EN_FEMALE,
        }
        self.given_cum = {k: _zipf_cum(len(v), 0.95) for k, v in self.given.items()}
        self.surnames = {"es": N.ES_SURNAMES, "ru": N.RU_SURNAMES, "en": N.EN_SURNAMES}
        self.surname_cum = {k: _zipf_cum(len(v), 0.8) for k, v in self.surnames.items()}

    def given_name(self, rng: random.Random, lang: str, gender: str) -> str:
        key = (lang, gender)
        return rng.choices(self.given[key], cum_weights=self.given_cum[key])[0]

    def surname(self, rng: random.Random, lang: str) -> str:
        return rng.choices(self.surnames[lang], cum_weights=self.surname_cum[lang])[0]


_CITY_TABLES: dict[str, tuple[list[P.CityRow], list[int]]] = {
    "ES": (P.ES_CITIES, list(accumulate(P.ES_CITY_WEIGHTS))),
    "MX": (P.MX_CITIES, list(accumulate(P.MX_CITY_WEIGHTS))),
    "RU": (P.RU_CITIES, list(accumulate(P.RU_CITY_WEIGHTS))),
    "US": (P.US_CITIES, list(accumulate(P.US_CITY_WEIGHTS))),
    "UK": (P.UK_CITIES, list(accumulate(P.UK_CITY_WEIGHTS))),
}
_STREETS = {"ES": P.ES_STREETS, "MX": P.MX_STREETS, "RU": P.RU_STREETS, "US": P.US_STREETS,
            "UK": P.UK_STREETS}
_DOMAIN_CUM = {c: ([d for d, _ in v], list(accumulate(w for _, w in v)))
               for c, v in P.EMAIL_DOMAINS.items()}


def _digits(rng: random.Random, k: int) -> str:
    """``k`` random decimal digits (leading zeros kept)."""
    return f"{rng.randrange(10 ** k):0{k}d}" if k > 0 else ""


def _rand_date(rng: random.Random, start: date, end: date) -> date:
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, max(span, 0)))


# =========================================================================== identifiers
def spanish_dni(rng: random.Random) -> str:
    """A syntactically valid DNI (8 digits + control letter)."""
    n = rng.randrange(1_000_000, 99_999_999)
    return f"{n:08d}{DNI_LETTERS[n % 23]}"


def spanish_nie(rng: random.Random) -> str:
    """A valid NIE: X/Y/Z counts as 0/1/2 in front of the 7 digits for the letter."""
    prefix = rng.choice("XYZ")
    n = rng.randrange(0, 9_999_999)
    full = int(str("XYZ".index(prefix)) + f"{n:07d}")
    return f"{prefix}{n:07d}{DNI_LETTERS[full % 23]}"


def russian_inn(rng: random.Random, region: str = "77") -> str:
    """A 12-digit personal INN with both check digits correct."""
    digits = [int(c) for c in region] + [rng.randrange(10) for _ in range(8)]
    w1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    digits.append(sum(a * b for a, b in zip(w1, digits, strict=True)) % 11 % 10)
    w2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    digits.append(sum(a * b for a, b in zip(w2, digits, strict=True)) % 11 % 10)
    return "".join(map(str, digits))


def _rfc_word(text: str, skip_common_given: bool = False) -> str:
    words = [w for w in strip_accents(text).upper().replace("-", " ").split()
             if w.lower() not in _ES_PARTICLES]
    if skip_common_given and len(words) > 1 and words[0] in ("MARIA", "JOSE", "MA.", "J."):
        words = words[1:]
    return "".join(ch for ch in (words[0] if words else "X") if ch.isalpha()) or "X"


def mexican_rfc(fam1: str, fam2: str, given: str, dob: date, rng: random.Random) -> str:
    """RFC of a natural person: name letters, birth date, homoclave and check digit."""
    f1 = _rfc_word(fam1)
    vowel = next((c for c in f1[1:] if c in "AEIOU"), "X")
    f2 = _rfc_word(fam2) if fam2 else "X"
    g = _rfc_word(given, skip_common_given=True)
    base = f"{f1[0]}{vowel}{f2[0]}{g[0]}{dob:%y%m%d}{rng.choice(_RFC_HOMO)}{rng.choice(_RFC_HOMO)}"
    total = sum(_RFC_TABLE.index(c) * (13 - i) for i, c in enumerate(base))
    check = 11 - total % 11
    return base + ("0" if check == 11 else "A" if check == 10 else str(check))


# =========================================================================== phones
def _mobile(rng: random.Random, country: str, area: str) -> str:
    """National significant number of a mobile line."""
    if country == "ES":
        head = "6" + rng.choice("0123456789") if rng.random() < 0.85 else "7" + rng.choice("1234")
        return head + _digits(rng, 7)
    if country == "MX":
        return area + _digits(rng, 10 - len(area))
    if country == "RU":
        return "9" + rng.choice(["12", "16", "26", "03", "05", "15", "85", "99", "21", "50"]) + \
            _digits(rng, 7)
    if country == "US":
        return _us_number(rng, area)
    return "7" + rng.choice("45789") + _digits(rng, 8)


def _us_number(rng: random.Random, area: str) -> str:
    while True:
        exch = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
        if exch[1:] != "11" and exch != "555":
            return area + exch + f"{rng.randint(0, 9999):04d}"


def _landline(rng: random.Random, country: str, area: str) -> str:
    if country == "US":
        return _us_number(rng, area)
    length = {"ES": 9, "MX": 10, "RU": 10, "UK": 10}[country]
    first = {"20": "378", "29": "2"}.get(area, "2") if country == "UK" else "2345678"
    return area + rng.choice(first) + _digits(rng, length - len(area) - 1)


def render_phone(nsn: str, country: str, rng: random.Random, intl_bias: float = 0.0) -> str:
    """Write one national number the way a person or system would (many formats)."""
    if not nsn:
        return ""
    r = rng.random()
    intl = r < intl_bias
    if country == "ES":
        a, b = nsn[:3], nsn[3:]
        styles = [f"+34 {a} {b[:2]} {b[2:4]} {b[4:]}", f"+34{nsn}", f"0034{nsn}", f"+34 {nsn}",
                  f"34{nsn}"] if intl else [
            nsn, nsn, f"{a} {b[:2]} {b[2:4]} {b[4:]}", f"{a}-{b[:3]}-{b[3:]}", f"{a} {b[:3]} {b[3:]}",
            f"({a}) {b[:2]} {b[2:4]} {b[4:]}", f"+34 {a} {b[:2]} {b[2:4]} {b[4:]}", f"0034{nsn}",
            f"+34{nsn}", f"{a}.{b[:3]}.{b[3:]}"]
    elif country == "MX":
        al = 2 if nsn[:2] in ("55", "33", "81") else 3
        a, b = nsn[:al], nsn[al:]
        mid = len(b) // 2
        styles = [f"+52 {a} {b[:mid]} {b[mid:]}", f"+52 1 {a} {b[:mid]} {b[mid:]}", f"+52{nsn}",
                  f"0052{nsn}"] if intl else [
            nsn, f"{a} {b[:mid]} {b[mid:]}", f"({a}) {b[:mid]}-{b[mid:]}", f"{a}-{b[:mid]}-{b[mid:]}",
            f"+52 {a} {b[:mid]} {b[mid:]}", f"+52 1 {a} {b[:mid]} {b[mid:]}", f"044 {a} {b}",
            f"01 {a} {b}", f"+52{nsn}"]
    elif country == "RU":
        al = 4 if nsn[:4] in _RU_AREA4 else 3
        a, b = nsn[:al], nsn[al:]
        styles = [f"+7 {a} {b[:3]}-{b[3:5]}-{b[5:]}", f"+7{nsn}", f"+7 ({a}) {b}",
                  f"7 {a} {b}"] if intl else [
            f"8 ({a}) {b[:3]}-{b[3:5]}-{b[5:]}", f"8{nsn}", f"+7 {a} {b[:3]}-{b[3:5]}-{b[5:]}",
            f"+7{nsn}", f"7 {a} {b}", f"{a}-{b[:3]}-{b[3:5]}-{b[5:]}", f"8-{a}-{b[:3]}-{b[3:5]}-{b[5:]}",
            f"+7({a}){b}", f"8 {a} {b}", f"+7 {a} {b}"]
    elif country == "US":
        a, b, c = nsn[:3], nsn[3:6], nsn[6:]
        styles = [f"+1 {a} {b} {c}", f"+1 ({a}) {b}-{c}", f"+1{nsn}", f"001 {a} {b} {c}"] if intl else [
            f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", nsn, f"1-{a}-{b}-{c}", f"+1 {a} {b} {c}",
            f"({a}){b}-{c}", f"{a} {b} {c}"]
    else:
        if nsn[0] == "7":
            a, b = nsn[:4], nsn[4:]
        else:
            al = 2 if nsn[:2] in ("20", "29") else 3
            a, b = nsn[:al], nsn[al:]
        styles = [f"+44 {a} {b}", f"+44 (0){a} {b}", f"0044 {a} {b}", f"+44{nsn}"] if intl else [
            f"0{a} {b}", f"0{nsn}", f"+44 {a} {b}", f"+44 (0){a} {b}", f"(0{a}) {b}", f"0044 {a} {b}",
            f"0{a} {b[:3]} {b[3:]}", f"+44{nsn}"]
    return styles[int(rng.random() * len(styles))]


def _phone_typo(text: str, rng: random.Random) -> str:
    idx = [i for i, ch in enumerate(text) if ch.isdigit()]
    if len(idx) < 6:
        return text
    i = rng.choice(idx[3:])
    if rng.random() < 0.7:
        return text[:i] + str((int(text[i]) + rng.randint(1, 9)) % 10) + text[i + 1:]
    return text[:i] + text[i + 1:]


# =========================================================================== emails
def _latin_key(text: str, rng: random.Random) -> str:
    if is_cyrillic(text):
        text = latinize_name(text, rng)
    return _NON_KEY.sub("", strip_accents(text).lower())


def _name_local(p: Person, rng: random.Random, given: str | None = None, fam: str | None = None
                ) -> str:
    g = _latin_key(given if given is not None else p.given.split()[0], rng)
    fam_text = fam if fam is not None else p.fam1
    fparts = [w for w in fam_text.split() if w.lower() not in _ES_PARTICLES] or [fam_text]
    f = _latin_key(fparts[-1] if rng.random() < 0.3 else "".join(fparts), rng)
    f2 = _latin_key(p.fam2, rng) if p.fam2 else ""
    yy, yyyy = f"{p.dob:%y}", f"{p.dob:%Y}"
    options = [f"{g}.{f}", f"{g}{f}", f"{g[:1]}{f}", f"{f}.{g}", f"{g}_{f}{yy}", f"{g}{yyyy}",
               f"{f}{g[:1]}", f"{g}.{f}{rng.randint(1, 99)}", f"{g[:1]}.{f}", f"{g}{f}{yy}"]
    if f2:
        options += [f"{g}.{f}.{f2}", f"{g}{f}{f2[:1]}", f"{f}{f2}"]
    return rng.choice(options)


class _EmailRegistry:
    """Keeps personal/work addresses unique per person, as mail providers do.

    Gmail ignores dots in the local part and treats googlemail.com as gmail.com, so it
    never gives "ana.marin" to one person and "anamarin" to another: those are one mailbox.
    """

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    @staticmethod
    def _mailbox(local: str, domain: str) -> str:
        if domain in ("gmail.com", "googlemail.com"):
            return f"{local.replace('.', '')}@gmail.com"
        return f"{local}@{domain}"

    def claim(self, local: str, domain: str, rng: random.Random) -> str:
        addr = f"{local}@{domain}"
        while self._mailbox(*addr.split("@")) in self.used:
            addr = f"{local}{rng.randint(1, 999)}@{domain}"
        self.used[self._mailbox(*addr.split("@"))] = 1
        return addr


def _corrupt_email(addr: str, rng: random.Random, rate: float) -> str:
    """Apply the per-record e-mail mess: case, gmail dots/tags, domain/local typos."""
    if not addr or "@" not in addr:
        return addr
    local, domain = addr.split("@", 1)
    if domain in ("gmail.com", "googlemail.com") and rng.random() < 0.25:
        if rng.random() < 0.5 and len(local) > 3:
            i = rng.randint(1, len(local) - 1)
            local = local[:i] + "." + local[i:] if "." not in local[i - 1:i + 1] else local
        else:
            local += "+" + rng.choice(["shop", "news", "promo", "crm", "web", "2"])
        if rng.random() < 0.2:
            domain = "googlemail.com" if domain == "gmail.com" else "gmail.com"
    if rng.random() < rate * 0.5 and domain in P.DOMAIN_TYPOS:
        domain = rng.choice(P.DOMAIN_TYPOS[domain])
    if rng.random() < rate * 0.4:
        local = typo(local, rng)
    out = f"{local}@{domain}"
    r = rng.random()
    if r < 0.04:
        out = out.upper()
    elif r < 0.07:
        out = out[:1].upper() + out[1:]
    elif r < 0.09:
        out = f" {out} " if rng.random() < 0.5 else out + " "
    return out


# =========================================================================== population
class _World:
    """Builds households, companies and people; then the department exports."""

    def __init__(self, customers: int, seed: int) -> None:
        self.n = customers
        self.rng = random.Random(seed)
        self.pools = _Pools()
        self.emails = _EmailRegistry()
        self.people: list[Person] = []
        self.by_country_gender: dict[tuple[str, str], list[int]] = {}
        self.companies: dict[str, list[Company]] = {c: [] for c in COUNTRIES}
        self.households = 0

    # ------------------------------------------------------------------ places
    def _address(self, country: str, city_row: P.CityRow | None = None) -> Address:
        rng = self.rng
        rows, cum = _CITY_TABLES[country]
        row = city_row or rng.choices(rows, cum_weights=cum)[0]
        street = rng.choice(_STREETS[country])
        city, region, prefix = row[0], row[1], row[2]
        if isinstance(prefix, list):  # UK: an outward code, then a random inward code
            out = rng.choice(prefix)
            postal = f"{out} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
                     f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        elif country == "RU":
            postal = prefix + _digits(rng, 6 - len(prefix))
            if prefix == "1":
                postal = f"1{rng.randint(1, 29):02d}{rng.randint(0, 999):03d}"
        else:
            postal = prefix + _digits(rng, 5 - len(prefix))
        number = int(rng.paretovariate(1.2) * 3) % 400 + 1
        unit = ""
        if country == "ES" and rng.random() < 0.75:
            unit = f"{rng.randint(1, 9)}|{rng.choice('ABCDI')}"
        elif country == "RU" and rng.random() < 0.85:
            unit = str(rng.randint(1, 250))
        elif country in ("US", "UK", "MX") and rng.random() < 0.3:
            unit = str(rng.randint(1, 40))
        colonia = rng.choice(P.MX_COLONIAS) if country == "MX" else ""
        return Address(country, street, number, unit, city, region, postal, colonia)

    def _city_row(self, addr: Address) -> P.CityRow:
        for row in _CITY_TABLES[addr.country][0]:
            if row[0] == addr.city:
                return row
        raise KeyError("unknown city")

    def _company(self, country: str) -> Company:
        """Pick an existing employer (Zipf-ish: big employers) or found a new one."""
        rng = self.rng
        pool = self.companies[country]
        target = max(3, self.n // 60)
        if pool and (len(pool) >= target or rng.random() < 0.6):
            idx = min(int(rng.paretovariate(0.9)) - 1, len(pool) - 1)
            return pool[-1 - idx] if rng.random() < 0.5 else pool[idx]
        patterns, suffixes = P.COMPANY_PARTS[country]
        lang = LANG[country]
        if country == "RU":
            word = rng.choice(P.RU_COMPANY_WORDS)
            if rng.random() < 0.3:
                word = self.pools.surname(rng, "ru")
            name = rng.choice(patterns).format(word)
            dom_base = _latin_key(word, rng)
        elif country in ("US", "UK"):
            word = self.pools.surname(rng, lang)
            name = f"{rng.choice(patterns).format(word)} {rng.choice(suffixes)}".strip()
            dom_base = _latin_key(word, rng) + rng.choice(["", "co", "group", "inc"])
        else:
            word = self.pools.surname(rng, "es")
            name = f"{rng.choice(patterns)} {word} {rng.choice(suffixes)}".strip()
            dom_base = _latin_key(word, rng) + rng.choice(["", "sl", "grupo", "hnos"])
        domain = f"{dom_base}{len(pool) if rng.random() < 0.3 else ''}{P.COMPANY_TLD[country]}"
        roles = rng.sample(P.ROLE_LOCALS[country], 2)
        company = Company(name, domain, [f"{r}@{domain}" for r in roles])
        pool.append(company)
        return company

    # ------------------------------------------------------------------ people
    def _new_person(self, country: str, gender: str, dob: date, hh: int, addr: Address,
                    landline: str, given: str | None = None, fam1: str | None = None,
                    fam2: str = "", middle: str = "") -> Person:
        rng = self.rng
        lang = LANG[country]
        given = given or self.pools.given_name(rng, lang, gender)
        if fam1 is None:
            fam1 = self.pools.surname(rng, lang)
            if lang == "ru" and gender == "F":
                fam1 = feminine_surname(fam1)
            if lang == "es":
                fam2 = self.pools.surname(rng, "es")
        if lang == "ru" and not middle:
            middle = patronymic(self.pools.given_name(rng, "ru", "M"), gender)
        if lang == "en" and not middle and rng.random() < 0.55:
            middle = self.pools.given_name(rng, "en", rng.choice("MF") if rng.random() < 0.2
                                           else gender)
        since = _rand_date(rng, max(WINDOW_START, dob + timedelta(days=18 * 365)),
                           REF_DATE - timedelta(days=60))
        p = Person(
            eid=f"E{len(self.people) + 1:07d}", country=country, gender=gender, given=given,
            middle=middle, fam1=fam1, fam2=fam2, dob=dob, since=since, household=hh,
            addresses=[(date.min, addr)], landlines=[(date.min, landline)] if landline else [],
        )
        area = rng.choice(self._city_row(addr)[3])
        if rng.random() < 0.94:
            p.mobile = _mobile(rng, country, area)
            if rng.random() < 0.08:
                p.mobile_2 = _mobile(rng, country, area)  # changed number / second SIM
        if country == "ES":
            p.tax_id = spanish_nie(rng) if rng.random() < 0.07 else spanish_dni(rng)
        elif country == "RU":
            region = {"Москва": "77", "Санкт-Петербург": "78"}.get(addr.city, f"{rng.randint(1, 89):02d}")
            p.tax_id = russian_inn(rng, region)
        elif country == "MX":
            p.tax_id = mexican_rfc(fam1, fam2, given, dob, rng)
        p.consent = rng.random() < 0.6
        p.lead_kind = rng.choice(list(P.LEAD_SOURCES))
        p.channel = rng.choices(list(P.CHANNELS), weights=(5, 3, 2, 1))[0]
        p.pay_kind = rng.choices(list(P.PAYMENT_METHODS), weights=(5, 3, 2, 1, 1))[0]
        self.people.append(p)
        self.by_country_gender.setdefault((country, gender), []).append(len(self.people) - 1)
        return p

    def _emails_for(self, p: Person) -> None:
        rng = self.rng
        dom_list, dom_cum = _DOMAIN_CUM[p.country]
        name_fam = p.maiden or p.fam1
        if rng.random() < 0.9:
            local = _name_local(p, rng, fam=name_fam)
            p.emails.append(self.emails.claim(local, rng.choices(dom_list, cum_weights=dom_cum)[0],
                                              rng))
        if rng.random() < 0.18 or (p.maiden and rng.random() < 0.5):
            local = _name_local(p, rng)
            p.emails.append(self.emails.claim(local, rng.choices(dom_list, cum_weights=dom_cum)[0],
                                              rng))
        if p.company and rng.random() < 0.6:
            g = _latin_key(p.given.split()[0], rng)
            f = _latin_key(p.fam1.split()[-1], rng)
            local = rng.choice([f"{g}.{f}", f"{g[:1]}{f}", f"{g}", f"{g[:1]}.{f}"])
            p.work_email = self.emails.claim(local, p.company.domain, rng)

    def build(self) -> None:
        """Create households until ``n`` people exist."""
        rng = self.rng
        while len(self.people) < self.n:
            country = rng.choices(COUNTRIES, cum_weights=COUNTRY_CUM)[0]
            size = rng.choices((1, 2, 3, 4, 5), weights=(62, 22, 9, 5, 2))[0]
            size = min(size, self.n - len(self.people))
            self._household(country, size)
        for p in self.people:
            self._emails_for(p)

    def _household(self, country: str, size: int) -> None:
        rng = self.rng
        lang = LANG[country]
        hh = self.households
        self.households += 1
        addr = self._address(country)
        city_row = self._city_row(addr)
        has_land = rng.random() < {"ES": 0.45, "MX": 0.4, "RU": 0.5, "US": 0.35, "UK": 0.45}[country]
        landline = _landline(rng, country, rng.choice(city_row[3])) if has_land else ""
        g1 = rng.choice("MF")
        dob1 = _rand_date(rng, date(1942, 1, 1), date(2004, 12, 31))
        members: list[Person] = []
        # namesakes: copy a common name of an earlier person of the same country
        ns_key = (country, g1)
        if rng.random() < 0.05 and self.by_country_gender.get(ns_key):
            src = self.people[rng.choice(self.by_country_gender[ns_key])]
            if rng.random() < 0.5:
                addr = self._address(country, self._city_row(src.addresses[0][1]))
            first = self._new_person(country, g1, dob1, hh, addr, landline, given=src.given,
                                     fam1=src.fam1, fam2=src.fam2,
                                     middle=src.middle if rng.random() < 0.5 else "")
        else:
            first = self._new_person(country, g1, dob1, hh, addr, landline)
        members.append(first)
        father = first if g1 == "M" else None
        mother = first if g1 == "F" else None
        if size >= 2 and rng.random() < 0.8:
            g2 = "F" if g1 == "M" else "M"
            dob2 = dob1 + timedelta(days=rng.randint(-8 * 365, 8 * 365))
            dob2 = min(dob2, date(2005, 12, 31))
            partner = self._new_person(country, g2, dob2, hh, addr, landline)
            husband, wife = (first, partner) if g1 == "M" else (partner, first)
            if lang in ("en", "ru") and rng.random() < 0.8:
                wife.maiden = wife.fam1
                wife.fam1 = husband.fam1 if lang == "en" else feminine_surname(husband.fam1)
                if rng.random() < 0.3:  # married within the export window: both names occur
                    wife.married_on = _rand_date(rng, date(2016, 1, 1), date(2024, 6, 30))
                else:
                    wife.maiden = "" if rng.random() < 0.7 else wife.maiden
            if rng.random() < 0.1:
                partner.mobile = first.mobile  # shared phone between spouses
            members.append(partner)
            father, mother = husband, wife
        while len(members) < size:
            parent = father or mother or first
            oldest = min(m.dob for m in members)
            start = oldest + timedelta(days=20 * 365)
            end = min(oldest + timedelta(days=42 * 365), date(2007, 6, 30))
            gc = rng.choice("MF")
            if start > end:  # too young to have adult children: a sibling instead
                dob_c = _rand_date(rng, oldest - timedelta(days=3000), oldest + timedelta(days=3000))
                dob_c = min(dob_c, date(2006, 12, 31))
            else:
                dob_c = _rand_date(rng, start, end)
            f_given = father.given if father else self.pools.given_name(rng, lang, "M")
            if lang == "es":
                fam1 = father.fam1 if father else parent.fam1
                fam2 = mother.fam1 if mother and father else (parent.fam2 or "")
            elif lang == "ru":
                base = (father.fam1 if father else parent.maiden or parent.fam1)
                base = base[:-1] if base.endswith(("ова", "ева", "ина", "ёва")) else base
                base = base[:-2] + "ий" if base.endswith("ская") else base
                fam1, fam2 = (feminine_surname(base) if gc == "F" else base), ""
            else:
                fam1, fam2 = (father.fam1 if father else parent.fam1), ""
            given = None
            junior = (father is not None and gc == "M" and start <= end
                      and rng.random() < {"en": 0.35, "es": 0.25, "ru": 0.12}[lang])
            if junior and father is not None:
                given = father.given
            middle = patronymic(f_given, gc) if lang == "ru" else ""
            if lang == "en" and junior and father is not None and father.middle \
                    and rng.random() < 0.7:
                middle = father.middle
            child = self._new_person(country, gc, dob_c, hh, addr, landline, given=given,
                                     fam1=fam1, fam2=fam2, middle=middle)
            if junior and lang == "en":
                child.suffix = "Jr."
            members.append(child)
        # shared family mailbox and companies
        if len(members) >= 2 and rng.random() < 0.3:
            fam = _latin_key(members[0].fam1.split()[0] if lang != "es" else members[0].fam1, rng)
            local = rng.choice({
                "es": [f"familia.{fam}", f"familia{fam}", f"{fam}.familia", f"casa{fam}"],
                "ru": [f"semya.{fam}", f"{fam}.family", f"{fam}s", f"dom.{fam}"],
                "en": [f"the{fam}s", f"{fam}family", f"{fam}.family", f"{fam}house"],
            }[lang])
            dom_list, dom_cum = _DOMAIN_CUM[country]
            fmail = self.emails.claim(local, rng.choices(dom_list, cum_weights=dom_cum)[0], rng)
            for m in members:
                if rng.random() < 0.75:
                    m.family_email = fmail
        for m in members:
            if (date(2025, 1, 1) - m.dob).days > 20 * 365 and rng.random() < 0.55:
                m.company = self._company(country)
        # moving house: the household moves, later records show the new address
        if rng.random() < 0.12:
            when = _rand_date(rng, date(2016, 1, 1), date(2025, 3, 1))
            new = self._address(country, city_row if rng.random() < 0.6 else None)
            new_land = _landline(rng, country, rng.choice(self._city_row(new)[3])) \
                if landline and rng.random() < 0.7 else ""
            for m in members:
                if rng.random() < 0.9:
                    m.addresses.append((when, new))
                    if new_land:
                        m.landlines.append((when, new_land))


# =========================================================================== rendering
def _pick_dated(items: Sequence[tuple[date, _T]], when: date, rng: random.Random) -> _T:
    """Value valid at ``when``; systems update lazily, so sometimes a stale one."""
    current = items[0][1]
    for start, value in items:
        if start <= when:
            current = value
    if len(items) > 1 and rng.random() < 0.1:
        return rng.choice(items)[1]
    return current


def _abbreviate_es(street: str, rng: random.Random) -> str:
    table = {"Calle ": ["Calle ", "C/ ", "C/", "Cl. ", "CL ", "c/ ", ""],
             "Avenida ": ["Avenida ", "Avda. ", "Av. ", "AV ", "Avda "],
             "Plaza ": ["Plaza ", "Pza. ", "Pl. "], "Paseo ": ["Paseo ", "Pº ", "Pso. "],
             "Rambla ": ["Rambla ", "Rbla. "], "Camino ": ["Camino ", "Cmno. "]}
    for full, alts in table.items():
        if street.startswith(full):
            street = rng.choice(alts) + street[len(full):]
            break
    if rng.random() < 0.4:
        street = street.replace(" de la ", " ").replace(" de ", " ").replace(" del ", " ")
    return street


def render_street(addr: Address, rng: random.Random) -> str:
    """One of the many ways a street line is typed in that country."""
    c, s, n, u = addr.country, addr.street, addr.number, addr.unit
    r = rng.random()
    if c == "ES":
        s = _abbreviate_es(s, rng)
        floor = ""
        if u:
            fl, door = u.split("|")
            floor = rng.choice([f", {fl}º {door}", f" {fl}º{door}", f", {fl}-{door}", f" {fl} {door}",
                                f", piso {fl} puerta {door}", f" {fl}º {door}"])
        num = rng.choice([f", {n}", f" {n}", f", nº {n}", f" nº{n}", f" n.{n}"])
        return f"{s}{num}{floor}"
    if c == "MX":
        num = rng.choice([f" {n}", f" #{n}", f" No. {n}", f" núm. {n}"])
        inner = rng.choice([f" Int. {u}", f" int {u}", f"-{u}", f" Depto. {u}"]) if u else ""
        col = rng.choice([f", Col. {addr.colonia}", f" Col. {addr.colonia}", f", {addr.colonia}",
                          ""])
        return f"{s}{num}{inner}{col}"
    if c == "RU":
        if r < 0.5:
            return f"{s}, д. {n}" + (f", кв. {u}" if u else "")
        if r < 0.75:
            return f"{s} {n}" + (f"-{u}" if u else "")
        return f"{s.replace('.', '')} д{n}" + (f" кв{u}" if u else "")
    if c == "US":
        st = s
        if rng.random() < 0.4:
            st = (st.replace(" St", " Street").replace(" Ave", " Avenue")
                  .replace(" Blvd", " Boulevard").replace(" Rd", " Road"))
        apt = rng.choice([f" Apt {u}", f" Apt. {u}", f" #{u}", f", Unit {u}", f" APT {u}"]) if u else ""
        return f"{n} {st}{apt}"
    st = s
    if rng.random() < 0.3:
        st = st.replace(" Road", " Rd").replace(" Street", " St").replace(" Lane", " Ln")
    flat = rng.choice([f"Flat {u}, ", f"Flat {u} ", f"{u}/"]) if u else ""
    return f"{flat}{n} {st}"


def render_postal(addr: Address, rng: random.Random, excel: bool = False) -> str:
    """Postal code as exported; Excel drops Spanish/US leading zeros, UK spacing varies."""
    pc = addr.postal
    if addr.country == "UK":
        r = rng.random()
        return pc.replace(" ", "") if r < 0.15 else pc.lower() if r < 0.2 else pc
    if excel and pc.startswith("0") and rng.random() < 0.5:
        return pc.lstrip("0")
    if addr.country == "US" and rng.random() < 0.1:
        return f"{pc}-{rng.randint(0, 9999):04d}"
    return pc


def _drop_accents(text: str, rng: random.Random, p: float) -> str:
    return strip_accents(text) if text and rng.random() < p else text


def cp1252_safe(text: str, rng: random.Random, scheme: str | None = None) -> str:
    """What a Western-European system stores: Cyrillic transliterated, rest replaced."""
    if text.isascii():
        return text
    if is_cyrillic(text):
        text = transliterate(text, scheme or rng.choice(("icao", "gost", "bgn", "loose")))
    return text.encode("cp1252", errors="replace").decode("cp1252")


def cp1251_safe(text: str) -> str:
    """What a Russian-locale system stores: Latin accents stripped, º/ª spelt out."""
    if text.isascii():
        return text
    return _cp1251_safe(text)


@lru_cache(maxsize=131072)
def _cp1251_safe(text: str) -> str:
    text = strip_accents(text).replace("º", "o").replace("ª", "a").replace("ß", "ss")
    return text.encode("cp1251", errors="replace").decode("cp1251")


@dataclass(slots=True)
class _NameView:
    given: str
    middle: str
    family: str  # fam1 [fam2] as written
    script: str  # cyrillic | latin


class _Exporter:
    """Writes the four department views of the population."""

    def __init__(self, world: _World) -> None:
        self.w = world
        self.rng = world.rng
        self.rows: dict[str, list[tuple[str, Row]]] = {s: [] for s in SOURCES}
        self.renderers: dict[str, Callable[[Person, date], Row]] = {
            "marketing": self.marketing, "sales": self.sales, "support": self.support,
            "finance": self.finance}

    # ------------------------------------------------------------------ names
    def name_view(self, p: Person, when: date, *, nickname_p: float, fam2_p: float, middle_p: float,
                  cyrillic_p: float, accent_p: float, typo_p: float) -> _NameView:
        """The person's name as one record captured it (nickname, dropped parts, script...)."""
        rng = self.rng
        given = p.given
        if rng.random() < 0.18 and " " in given:  # compound given: one part only
            parts = given.split()
            # "María del Carmen" goes by "Carmen", "José Luis" by "José"; never "Dios"
            given = parts[-1] if parts[0] in ("María", "José") and rng.random() < 0.6 \
                else parts[0]
        nicks = N.NICKNAMES[p.lang].get(p.given)
        if nicks and rng.random() < nickname_p:
            given = rng.choice(nicks)
        fam1 = p.fam1
        if p.maiden:  # surname changed on marriage: older records keep the maiden name
            if p.married_on is not None and when < p.married_on:
                fam1 = p.maiden if rng.random() < 0.9 else p.fam1
            elif rng.random() < (0.1 if p.married_on else 0.04):
                fam1 = p.maiden
        family = fam1
        if p.fam2 and rng.random() < fam2_p:
            family = f"{fam1} {p.fam2}" if rng.random() < 0.97 else f"{fam1} y {p.fam2}"
        middle = p.middle if p.middle and rng.random() < middle_p else ""
        if middle and p.lang == "en" and rng.random() < 0.6:
            middle = middle[0] + "."
        if rng.random() < typo_p:
            if rng.random() < 0.5:
                given = typo(given, rng)
            else:
                family = typo(family, rng)
        script = "latin"
        if p.lang == "ru":
            if rng.random() < cyrillic_p:
                script = "cyrillic"
            else:
                scheme = rng.choice(("icao", "gost", "bgn", "loose", "loose"))
                given = latinize_name(given, rng) if rng.random() < 0.5 else transliterate(
                    given, scheme)
                family = transliterate(family, scheme)
                middle = transliterate(middle, scheme)
        given = _drop_accents(given, rng, accent_p)
        family = _drop_accents(family, rng, accent_p)
        return _NameView(given, middle, family, script)

    def _honorific(self, p: Person, view: _NameView) -> str:
        lang = "ru" if view.script == "cyrillic" else ("en" if p.lang == "en" else
                                                       "es" if p.lang == "es" else "en")
        return self.rng.choice(N.HONORIFICS[lang][p.gender])

    # ------------------------------------------------------------------ shared fields
    def _email_for(self, p: Person, source: str) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.006:
            return rng.choice(P.PLACEHOLDER_EMAILS)
        personal = rng.choice(p.emails) if p.emails else ""
        if source == "sales" and p.company:
            if rng.random() < 0.18:
                return _corrupt_email(rng.choice(p.company.roles), rng, 0.02)
            if p.work_email and rng.random() < 0.55:
                return _corrupt_email(p.work_email, rng, 0.03)
        if p.family_email and rng.random() < (0.5 if source == "marketing" else 0.3):
            return _corrupt_email(p.family_email, rng, 0.03)
        if not personal and p.work_email:
            personal = p.work_email
        return _corrupt_email(personal, rng, 0.05)

    def _phone(self, p: Person, when: date, landline_p: float, intl: float) -> str:
        rng = self.rng
        land = _pick_dated(p.landlines, when, rng) if p.landlines else ""
        mob = p.mobile_2 if p.mobile_2 and rng.random() < 0.4 else p.mobile
        nsn = land if (land and (not mob or rng.random() < landline_p)) else mob
        out = render_phone(nsn, p.country, rng, intl)
        if out and rng.random() < 0.02:
            out = _phone_typo(out, rng)
        return out

    def _country(self, p: Person, charset: str, blank_p: float) -> str:
        if self.rng.random() < blank_p:
            return ""
        return self.rng.choice(P.COUNTRY_LABELS[p.country][charset])

    def _dob(self, p: Person, fmt: str, swap_fmt: str) -> str:
        rng = self.rng
        if rng.random() < 0.035 and p.dob.day <= 12:
            return p.dob.strftime(swap_fmt)  # typed in the other convention
        d = p.dob
        if rng.random() < 0.01:
            d = d.replace(year=d.year + rng.choice((-1, 1, -10, 10))) if d.month * 100 + d.day != 229 \
                else d
        return d.strftime(fmt)

    # ------------------------------------------------------------------ sources
    def marketing(self, p: Person, when: date) -> Row:
        rng = self.rng
        v = self.name_view(p, when, nickname_p=0.12, fam2_p=0.55, middle_p=0.35, cyrillic_p=0.65,
                           accent_p=0.2, typo_p=0.06)
        if p.lang == "ru" and v.script == "cyrillic":
            r = rng.random()
            if v.middle and r < 0.55:
                full = f"{v.family} {v.given} {v.middle}" if r < 0.35 else \
                    f"{v.given} {v.middle} {v.family}"
            else:
                full = f"{v.given} {v.family}" if rng.random() < 0.75 else f"{v.family} {v.given}"
        elif rng.random() < 0.05:
            full = f"{v.family}, {v.given}" if rng.random() < 0.5 else f"{v.family} {v.given}"
        else:
            mid = f" {v.middle}" if v.middle else ""
            full = f"{v.given}{mid} {v.family}"
        if p.suffix and rng.random() < 0.5:
            full += rng.choice((" Jr.", " Jr", ", Jr."))
        if rng.random() < 0.08:
            full = f"{self._honorific(p, v)} {full}"
        r = rng.random()
        full = full.upper() if r < 0.1 else full.lower() if r < 0.13 else full
        if rng.random() < 0.03:
            full = f"  {full}" if rng.random() < 0.5 else full.replace(" ", "  ", 1)
        email = "" if rng.random() < 0.07 else self._email_for(p, "marketing")
        phone = "" if rng.random() < 0.3 else self._phone(p, when, 0.15, 0.15)
        consent = ""
        if rng.random() < 0.88:
            yes = p.consent if rng.random() > 0.1 else not p.consent
            consent = rng.choice(P.CONSENT_YES if yes else P.CONSENT_NO)
        row: Row = {
            "nombre_completo": full, "email": email, "telefono": phone,
            "pais": self._country(p, "utf8", 0.12), "fecha_alta": when.strftime("%d/%m/%Y"),
            "acepta_comunicaciones": consent,
            "origen": "" if rng.random() < 0.1 else rng.choice(P.LEAD_SOURCES[
                p.lead_kind if rng.random() < 0.8 else rng.choice(list(P.LEAD_SOURCES))]),
        }
        if rng.random() < 0.004:  # unusable lead: nothing identifies the person
            row.update(nombre_completo="", email="", telefono="")
        return row

    def sales(self, p: Person, when: date) -> Row:
        rng = self.rng
        v = self.name_view(p, when, nickname_p=0.05, fam2_p=0.7, middle_p=0.3, cyrillic_p=0.0,
                           accent_p=0.15, typo_p=0.05)
        first, last = v.given, v.family
        if v.middle and (p.lang == "en" or rng.random() < 0.3):
            first = f"{first} {v.middle}"
        if p.suffix and rng.random() < 0.5:
            last = f"{last} Jr." if rng.random() < 0.7 else last
        if rng.random() < 0.03:
            first, last = last, first
        if rng.random() < 0.06:
            first, last = first.upper(), last.upper()
        addr = _pick_dated(p.addresses, when, rng)
        scheme = rng.choice(("icao", "bgn", "loose"))
        city = addr.city
        if p.country == "RU" and city in P.RU_CITY_LATIN and rng.random() < 0.6:
            city = rng.choice(P.RU_CITY_LATIN[city])
        has_addr = rng.random() < 0.75
        count = min(int(rng.expovariate(1 / 4.0)), 80)
        total = round(sum(rng.uniform(15, 400) for _ in range(min(count, 12))) *
                      (count / max(min(count, 12), 1)), 2)
        last_purchase = "" if count == 0 else _rand_date(rng, p.since, REF_DATE).strftime("%m/%d/%Y")
        company = ""
        if p.company and rng.random() < 0.8:
            company = p.company.name
            if rng.random() < 0.2:
                company = company.upper()
        row = {
            "first_name": first, "last_name": last, "company": company,
            "email": "" if rng.random() < 0.08 else self._email_for(p, "sales"),
            "mobile": "" if rng.random() < 0.2 else self._phone(p, when, 0.0, 0.1),
            "landline": "",
            "street": render_street(addr, rng) if has_addr else "",
            "city": city if has_addr or rng.random() < 0.5 else "",
            "postal_code": render_postal(addr, rng, excel=True) if has_addr else "",
            "state": addr.region if has_addr and rng.random() < 0.7 else "",
            "country": self._country(p, "cp1252", 0.05),
            "birth_date": self._dob(p, "%m/%d/%Y", "%d/%m/%Y") if rng.random() < 0.45 else "",
            "purchases_count": str(count), "purchases_total": f"{total:.2f}",
            "last_purchase": last_purchase,
            "phone_ok": "" if rng.random() < 0.15 else rng.choice(("Y", "N", "y", "Yes", "N", "Y")),
        }
        land = _pick_dated(p.landlines, when, rng) if p.landlines else ""
        if land and rng.random() < 0.7:
            row["landline"] = render_phone(str(land), p.country, rng, 0.05)
        return {k: cp1252_safe(v_, rng, scheme) for k, v_ in row.items()}

    def support(self, p: Person, when: date) -> Row:
        rng = self.rng
        v = self.name_view(p, when, nickname_p=0.2, fam2_p=0.35, middle_p=0.1, cyrillic_p=0.5,
                           accent_p=0.35, typo_p=0.07)
        if rng.random() < 0.35:
            name = f"{v.family}, {v.given}"
        else:
            name = f"{v.given} {v.family}"
        if rng.random() < 0.05:
            name = v.given  # users often give just a first name
        r = rng.random()
        name = name.lower() if r < 0.12 else name.upper() if r < 0.15 else name
        phone: str | int = "" if rng.random() < 0.45 else self._phone(p, when, 0.1, 0.6)
        if isinstance(phone, str) and phone.isdigit() and rng.random() < 0.3:
            phone = int(phone)  # exported as a JSON number by the ticketing tool
        email = "" if rng.random() < 0.05 else self._email_for(p, "support")
        row: Row = {
            "name": name, "email": email or None, "phone": phone or None,
            "open_tickets": min(int(rng.expovariate(1.2)), 9),
            "satisfaction": None if rng.random() < 0.35 else rng.choices((1, 2, 3, 4, 5),
                                                                        (1, 1, 2, 4, 5))[0],
            "last_ticket": when.isoformat(),
            "preferred_channel": None if rng.random() < 0.2 else rng.choice(
                P.CHANNELS[p.channel if rng.random() < 0.85 else rng.choice(list(P.CHANNELS))]),
        }
        if rng.random() < 0.003:
            row.update(name="", email=None, phone=None)
        return row

    def finance(self, p: Person, when: date) -> Row:
        rng = self.rng
        v = self.name_view(p, when, nickname_p=0.0, fam2_p=0.95, middle_p=0.9, cyrillic_p=0.85,
                           accent_p=1.0, typo_p=0.03)
        given = f"{v.given} {v.middle}" if v.middle else v.given
        legal = f"{v.family.upper()}, {given.upper() if rng.random() < 0.4 else given}"
        if rng.random() < 0.04:
            legal = f"{v.family.upper()} {given.upper()}"
        addr = _pick_dated(p.addresses, when, rng)
        street, city = render_street(addr, rng), addr.city
        if rng.random() < 0.7:
            street, city = street.upper(), city.upper()
        bal = round(rng.choice((0.0, 0.0)) if rng.random() < 0.3 else rng.gauss(150, 900), 2)
        whole = f"{int(abs(bal)):,}".replace(",", ".")
        balance = f"{'-' if bal < 0 else ''}{whole},{int(round(abs(bal) * 100)) % 100:02d}"
        row = {
            "legal_name": legal, "tax_id": self._tax(p),
            "street": street if rng.random() < 0.92 else "", "city": city,
            "postal_code": render_postal(addr, rng), "country": self._country(p, "cp1251", 0.05),
            "date_of_birth": self._dob(p, "%d.%m.%Y", "%m.%d.%Y") if rng.random() < 0.85 else "",
            "payment_method": "" if rng.random() < 0.1 else rng.choice(P.PAYMENT_METHODS[p.pay_kind]),
            "balance": balance, "last_payment": when.strftime("%d.%m.%Y"),
        }
        return {k: cp1251_safe(v_) for k, v_ in row.items()}

    def _tax(self, p: Person) -> str:
        rng = self.rng
        t = p.tax_id
        if not t or rng.random() < 0.1:
            return ""
        if rng.random() < 0.025:  # invalid: mistyped digit or wrong control letter
            i = rng.randrange(len(t) - 1)
            ch = t[i]
            t = t[:i] + (str((int(ch) + 1) % 10) if ch.isdigit() else "X") + t[i + 1:]
        r = rng.random()
        if p.country == "ES":
            if r < 0.2:
                return f"{t[:-1]}-{t[-1]}"
            if r < 0.27 and t[0].isdigit():
                return f"{t[:2]}.{t[2:5]}.{t[5:8]}-{t[-1]}"
            if r < 0.33:
                return f"{t[:-1]} {t[-1].lower()}"
        elif p.country == "MX" and r < 0.25:
            return f"{t[:4]}-{t[4:10]}-{t[10:]}" if r < 0.15 else f"{t[:4]} {t[4:10]} {t[10:]}"
        elif p.country == "RU" and r < 0.15:
            return f"{t[:4]} {t[4:10]} {t[10:]}"
        return t

    # ------------------------------------------------------------------ orchestration
    def build(self) -> None:
        rng = self.rng
        for p in self.w.people:
            chosen = [s for s in SOURCES if rng.random() < SOURCE_P[s]]
            if not chosen:
                chosen = [rng.choices(SOURCES, weights=(4, 3, 2, 2))[0]]
            for source in chosen:
                copies = 1 + (rng.random() < DUP_P) + (rng.random() < DUP_P * 0.1)
                for _ in range(copies):
                    when = _rand_date(rng, p.since, REF_DATE)
                    row = self.renderers[source](p, when)
                    self.rows[source].append((p.eid, row))
        for source in SOURCES:
            rng.shuffle(self.rows[source])


# =========================================================================== writing
_HEADERS = {
    "marketing": ["lead_id", "nombre_completo", "email", "telefono", "pais", "fecha_alta",
                  "acepta_comunicaciones", "origen"],
    "sales": ["contact_id", "first_name", "last_name", "company", "email", "mobile", "landline",
              "street", "city", "postal_code", "state", "country", "birth_date",
              "purchases_count", "purchases_total", "last_purchase", "phone_ok"],
    "support": ["ticket_user_id", "name", "email", "phone", "open_tickets", "satisfaction",
                "last_ticket", "preferred_channel"],
    "finance": ["account_no", "legal_name", "tax_id", "street", "city", "postal_code", "country",
                "date_of_birth", "payment_method", "balance", "last_payment"],
}
_ENCODING = {"marketing": "utf-8-sig", "sales": "cp1252", "finance": "cp1251"}
_DELIM = {"marketing": ";", "sales": ",", "finance": ";"}


def _record_ids(source: str, count: int, rng: random.Random) -> list[str]:
    """Export ids: increasing with gaps (deleted rows), formats differing per system."""
    ids: list[str] = []
    cur = rng.randint(1000, 5000)
    for _ in range(count):
        cur += 1 if rng.random() < 0.9 else rng.randint(2, 30)
        if source == "marketing":
            ids.append(f"L{cur:07d}")
        elif source == "sales":
            ids.append(f"C-{cur + 100000}")
        elif source == "support":
            ids.append(str(cur + 500000))
        else:
            ids.append(f"{cur * 7 % 10_000_000 + cur // 10_000_000 * 10_000_000:010d}")
    return ids


def _write_csv(path: Path, source: str, rows: list[tuple[str, Row]], ids: list[str]) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=_DELIM[source], quotechar='"', quoting=csv.QUOTE_MINIMAL,
                        lineterminator="\r\n")
    header = _HEADERS[source]
    writer.writerow(header)
    for rid, (_, row) in zip(ids, rows, strict=True):
        writer.writerow([rid] + [row[h] for h in header[1:]])
    path.write_bytes(buf.getvalue().encode(_ENCODING[source], errors="replace"))


def _write_jsonl(path: Path, rows: list[tuple[str, Row]], ids: list[str]) -> None:
    lines = []
    for rid, (_, row) in zip(ids, rows, strict=True):
        rec: Row = {"ticket_user_id": int(rid)}
        rec.update(row)
        lines.append(json.dumps(rec, ensure_ascii=False))
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


_RULES = {
    "marketing": """\
# Marketing leads export (web forms, events, campaigns). UTF-8 with BOM, ';' separated.
name: marketing
path: {path}
format: csv
csv: {{delimiter: ";", encoding: utf-8-sig, quotechar: '"'}}
date_format: "%d/%m/%Y"
decimal: ","
default_country: ES
id_column: lead_id
columns:
  full_name: nombre_completo
  email: email
  phone: telefono
  country: pais
attributes:
  lead_source: {{column: origen, vocabulary: lead_source}}
  consent_email: {{column: acepta_comunicaciones, vocabulary: consent}}
  consent_date: {{column: fecha_alta, type: date}}
  created_date: {{column: fecha_alta, type: date}}
trust: 1
""",
    "sales": """\
# Sales CRM contacts. Western Excel export: cp1252, ',' separated, US-configured dates.
# Russian customers appear transliterated (several schemes) because cp1252 has no Cyrillic.
name: sales
path: {path}
format: csv
csv: {{delimiter: ",", encoding: cp1252, quotechar: '"'}}
date_format: "%m/%d/%Y"
decimal: "."
default_country: US
id_column: contact_id
columns:
  given_name: first_name
  family_name: last_name
  company: company
  email: email
  phone: mobile
  phone_2: landline
  street: street
  city: city
  postal_code: postal_code
  region: state
  country: country
  date_of_birth: birth_date
attributes:
  purchases_count: {{column: purchases_count, type: integer}}
  purchases_total: {{column: purchases_total, type: number}}
  last_purchase_date: {{column: last_purchase, type: date}}
  consent_phone: {{column: phone_ok, vocabulary: consent}}
trust: 3
""",
    "support": """\
# Support desk requesters. JSON Lines, UTF-8. No country column: phones without a
# country code are ambiguous, most requesters are Spanish.
name: support
path: {path}
format: jsonl
date_format: "%Y-%m-%d"
decimal: "."
default_country: ES
id_column: ticket_user_id
columns:
  full_name: name
  email: email
  phone: phone
attributes:
  open_tickets: {{column: open_tickets, type: integer}}
  satisfaction: {{column: satisfaction, type: number}}
  last_ticket_date: {{column: last_ticket, type: date}}
  preferred_channel: {{column: preferred_channel, vocabulary: channel}}
trust: 2
""",
    "finance": """\
# Finance accounts. Russian-locale legacy system: cp1251, ';' separated, dd.mm.yyyy dates,
# decimal comma with '.' thousands; names "SURNAME, Given", Latin text without accents.
name: finance
path: {path}
format: csv
csv: {{delimiter: ";", encoding: cp1251, quotechar: '"'}}
date_format: "%d.%m.%Y"
decimal: ","
default_country: ES
id_column: account_no
columns:
  full_name: legal_name
  tax_id: tax_id
  street: street
  city: city
  postal_code: postal_code
  country: country
  date_of_birth: date_of_birth
attributes:
  payment_method: {{column: payment_method, vocabulary: payment_method}}
  balance: {{column: balance, type: number}}
  last_payment_date: {{column: last_payment, type: date}}
trust: 4
""",
}


def write_source_rules(data_dir: Path, sources_dir: Path) -> list[Path]:
    """Write ``<source>.yaml`` for each export into ``sources_dir``, paths relative to it."""
    sources_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in SOURCES:
        rel = os.path.relpath(Path(data_dir).resolve() / FILES[source], sources_dir.resolve())
        target = sources_dir / f"{source}.yaml"
        target.write_text(_RULES[source].format(path=Path(rel).as_posix()), encoding="utf-8")
        written.append(target)
    return written


def _copy_repo_rules(rules_dir: Path) -> None:
    repo_rules = Path(__file__).resolve().parents[1] / "rules"
    if not repo_rules.is_dir() or repo_rules.resolve() == rules_dir.resolve():
        return
    rules_dir.mkdir(parents=True, exist_ok=True)
    for src in sorted(repo_rules.glob("*.yaml")):
        shutil.copyfile(src, rules_dir / src.name)


def generate(customers: int, output: Path, seed: int = 42, *, rules_dir: Path | None = None,
             copy_rules: bool = True) -> dict[str, int]:
    """Write four department exports, ``truth.csv`` and source rules for ``customers`` people.

    ``rules_dir`` (default ``output/rules``) receives ``sources/<source>.yaml`` pointing at
    the exports and, when ``copy_rules``, the repository's top-level rules files, so
    ``crm-golden run --rules <rules_dir>`` works on the generated data. Returns row
    counts per written file (no personal data).
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    world = _World(customers, seed)
    world.build()
    exporter = _Exporter(world)
    exporter.build()
    ids_rng = random.Random(seed * 7919 + 17)
    truth: list[tuple[str, str, str]] = []
    counts: dict[str, int] = {"customers": len(world.people), "households": world.households}
    for source in SOURCES:
        rows = exporter.rows[source]
        ids = _record_ids(source, len(rows), ids_rng)
        path = output / FILES[source]
        if source == "support":
            _write_jsonl(path, rows, ids)
        else:
            _write_csv(path, source, rows, ids)
        truth.extend((source, rid, eid) for rid, (eid, _) in zip(ids, rows, strict=True))
        counts[FILES[source]] = len(rows)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["source", "source_record_id", "entity_id"])
    writer.writerows(truth)
    (output / "truth.csv").write_bytes(buf.getvalue().encode("utf-8"))
    counts["truth.csv"] = len(truth)
    rules_dir = Path(rules_dir) if rules_dir is not None else output / "rules"
    write_source_rules(output, rules_dir / "sources")
    if copy_rules:
        _copy_repo_rules(rules_dir)
    return counts
