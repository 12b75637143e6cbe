"""The simulated world: people, households and companies with their true attributes.

Why: linking can only be measured on data whose true identities are known. Customers
(ES, MX, RU, US, UK) live in households, work at companies, share landlines and
mailboxes, move house and change surnames; ``synth.exporters`` then renders the views
that department systems captured of them. Only the ``random.Random`` passed in drives it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from synth import names as N
from synth import places as P
from synth.text import (
    feminine_surname,
    is_cyrillic,
    latinize_name,
    patronymic,
    strip_accents,
)

COUNTRIES = ("ES", "MX", "RU", "US", "UK")
COUNTRY_CUM = list(accumulate((30, 20, 25, 15, 10)))
LANG = {"ES": "es", "MX": "es", "RU": "ru", "US": "en", "UK": "en"}
REF_DATE = date(2025, 6, 30)
WINDOW_START = date(2014, 1, 1)
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_RFC_TABLE = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
_RFC_HOMO = "123456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
_ES_PARTICLES = {"de", "del", "la", "las", "los", "y", "san"}
_NON_KEY = re.compile("[^a-z0-9]")


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


def rand_date(rng: random.Random, start: date, end: date) -> date:
    """A uniform day in ``[start, end]`` (``start`` when the span is empty)."""
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


# =========================================================================== population
class World:
    """Builds households, companies and people with every true attribute."""

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
        since = rand_date(rng, max(WINDOW_START, dob + timedelta(days=18 * 365)),
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
        dob1 = rand_date(rng, date(1942, 1, 1), date(2004, 12, 31))
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
                    wife.married_on = rand_date(rng, date(2016, 1, 1), date(2024, 6, 30))
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
                dob_c = rand_date(rng, oldest - timedelta(days=3000), oldest + timedelta(days=3000))
                dob_c = min(dob_c, date(2006, 12, 31))
            else:
                dob_c = rand_date(rng, start, end)
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
            when = rand_date(rng, date(2016, 1, 1), date(2025, 3, 1))
            new = self._address(country, city_row if rng.random() < 0.6 else None)
            new_land = _landline(rng, country, rng.choice(self._city_row(new)[3])) \
                if landline and rng.random() < 0.7 else ""
            for m in members:
                if rng.random() < 0.9:
                    m.addresses.append((when, new))
                    if new_land:
                        m.landlines.append((when, new_land))


