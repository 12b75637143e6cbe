"""The true population behind ``synth.shapes``: households of Spanish-, Russian- and
English-speaking people with names, dates of birth, addresses, mailboxes and jobs.

Why households first: the cases that make linking hard are relations between *different*
people (a couple sharing a surname, postcode and mailbox; twins; a son named after his
father; two unrelated "José García" in one city). Drawing people one by one would make
them rare; drawing households makes them as common as in a real customer base.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import TypeVar

from synth.shape_data import (
    EMAIL_DOMAINS,
    EN_SURNAME_TAIL,
    ES_CITIES,
    ES_COMPOUND_FEMALE,
    ES_COMPOUND_MALE,
    ES_EXPAT_CITIES,
    ES_SURNAME_TAIL,
    GB_CITIES,
    HANDLE_WORDS,
    OCCUPATIONS,
    RU_CITIES,
    RU_POPULAR,
    RU_SURNAME_TAIL,
    US_CITIES,
)
from synth.shape_noise import strip_accents, transliterate
from transforms.reference import given_names as G
from transforms.reference.nicknames import EN_GROUPS, ES_GROUPS, RU_GROUPS

CityRow = tuple[str, str, float, tuple[str, ...]]
T = TypeVar("T")
CITIES: dict[str, list[CityRow]] = {"ES": ES_CITIES, "RU": RU_CITIES, "GB": GB_CITIES,
                                    "US": US_CITIES}
_GB_INWARD = "ABDEFGHJLNPQRSTUWXYZ"
LATEST_BIRTH = date(2006, 6, 30)   # every person is an adult in the export window


@dataclass(frozen=True)
class ShapeMix:
    """Who is in a shape: language shares and household kinds (single, couple, family,
    siblings), as weights."""

    languages: tuple[tuple[str, float], ...]
    households: tuple[tuple[str, float], ...]
    namesake_rate: float          # heads who get the full name of an earlier person
    abroad: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)


@dataclass
class Person:
    pid: int
    household: int
    lang: str                     # es | ru | en
    sex: str                      # M | F
    given: str                    # display form; Cyrillic for ru; may be compound (ES)
    middle: str                   # English middle name or Russian patronymic
    family1: str                  # first (or only) surname, gendered for ru
    family2: str                  # Spanish second surname
    maiden: str                   # surname before marriage (ru/en women who took the husband's)
    dob: date
    country: str
    city: str
    postcode: str
    old_country: str              # address before a move ("" if never moved)
    old_city: str
    old_postcode: str
    move_at: float                # when the move happened, 0..1 across the export window
    emails: list[str]             # personal mailboxes in the order they were used
    family_email: str             # a household mailbox this person also types, or ""
    nickname: str                 # the diminutive they go by, or ""
    nick_habit: float             # share of their records written with it
    occupation: str               # masculine/feminine form already chosen
    occupation_2: str             # a later job ("" if none)
    birthplace: str
    father: str = ""              # father's given name (Russian patronymics of siblings)
    family_base: str = ""         # masculine surname form (ru), to give siblings theirs
    junior: bool = False          # named exactly after a parent in the same household
    relation: str = "head"        # head | partner | child | sibling | twin


# ---------------------------------------------------------------------------
# name tables
# ---------------------------------------------------------------------------

def _words(block: str) -> list[str]:
    return list(dict.fromkeys(block.split()))


def _zipf(names: list[str], tail: list[str], s: float, offset: float,
          tail_share: float) -> tuple[list[str], list[float]]:
    """Cumulative weights: a Zipf head (the reference list is in frequency order) and a
    flat tail holding ``tail_share`` of the people."""
    head = [1.0 / (r + offset) ** s for r in range(len(names))]
    total = sum(head)
    weights = [w / total * (1 - tail_share) for w in head]
    tail = [t for t in tail if t not in set(names)]
    if tail:
        weights += [tail_share / len(tail)] * len(tail)
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    return names + tail, cum


@cache
def name_table(lang: str, kind: str) -> tuple[list[str], list[float]]:
    """(names, cumulative weights) for ``kind`` in M | F | surname."""
    if kind == "surname":
        head, tail, share = {"es": (G.ES_SURNAMES, ES_SURNAME_TAIL, 0.45),
                             "en": (G.EN_SURNAMES, EN_SURNAME_TAIL, 0.45),
                             "ru": (G.RU_SURNAMES, RU_SURNAME_TAIL, 0.40)}[lang]
        # tuned so the top surname has a realistic share: García ~3%, Smith ~1.2%
        s, off = {"es": (1.0, 6.0), "en": (0.8, 12.0), "ru": (0.8, 10.0)}[lang]
        return _zipf(_words(head), _words(tail), s, off, share)
    block = {("es", "M"): G.ES_MALE, ("es", "F"): G.ES_FEMALE, ("en", "M"): G.EN_MALE,
             ("en", "F"): G.EN_FEMALE, ("ru", "M"): G.RU_MALE, ("ru", "F"): G.RU_FEMALE}
    names = _words(block[(lang, kind)])
    if lang == "ru":  # the Russian list is alphabetical: move the popular names first
        names = [n for n in RU_POPULAR if n in names] + [n for n in names if n not in RU_POPULAR]
    return _zipf(names, [], 0.9, 4.0, 0.0)


def _pick(rng: random.Random, lang: str, kind: str) -> str:
    names, cum = name_table(lang, kind)
    return names[bisect_right(cum, rng.random() * cum[-1])]


def _given(rng: random.Random, lang: str, sex: str) -> str:
    if lang == "es" and rng.random() < 0.18:
        return rng.choice(ES_COMPOUND_MALE if sex == "M" else ES_COMPOUND_FEMALE)
    return _pick(rng, lang, sex)


@cache
def nickname_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for canon, variants in [*ES_GROUPS, *RU_GROUPS, *EN_GROUPS]:
        table.setdefault(canon, variants)
    return table


def feminine(surname: str) -> str:
    """Иванов -> Иванова, Достоевский -> Достоевская, Толстой -> Толстая; Шевченко stays."""
    if surname.endswith(("ский", "цкий")):
        return surname[:-2] + "ая"
    if surname.endswith("ой"):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


def patronymic(father: str, sex: str) -> str:
    """Иван -> Иванович/Ивановна, Сергей -> Сергеевич, Юрий -> Юрьевич, Илья -> Ильич."""
    special = {"Илья": ("Ильич", "Ильинична"), "Никита": ("Никитич", "Никитична"),
               "Лев": ("Львович", "Львовна"), "Пётр": ("Петрович", "Петровна"),
               "Павел": ("Павлович", "Павловна"), "Дмитрий": ("Дмитриевич", "Дмитриевна"),
               "Георгий": ("Георгиевич", "Георгиевна"), "Яков": ("Яковлевич", "Яковлевна")}
    if father in special:
        return special[father][0 if sex == "M" else 1]
    if father.endswith("ий"):
        stem, m, f = father[:-2], "ьевич", "ьевна"
    elif father.endswith("й"):
        stem, m, f = father[:-1], "евич", "евна"
    elif father.endswith(("а", "я")):
        stem, m, f = father[:-1], "ич", "ична"
    else:
        stem, m, f = father, "ович", "овна"
    return stem + (m if sex == "M" else f)


# ---------------------------------------------------------------------------
# places
# ---------------------------------------------------------------------------

def postcode_for(country: str, rule: str, rng: random.Random) -> str:
    """A postcode inside a city's range, in that country's format."""
    if country == "ES":
        prov, span = rule.split(":")
        lo, hi = (int(x) for x in span.split("-"))
        return f"{prov}{rng.randint(lo, hi):03d}"
    if country == "GB":
        area, span = rule.split(":")
        lo, hi = (int(x) for x in span.split("-"))
        inward = f"{rng.randint(1, 9)}{rng.choice(_GB_INWARD)}{rng.choice(_GB_INWARD)}"
        return f"{area}{rng.randint(lo, hi)} {inward}"
    lo, hi = (int(x) for x in rule.split("-"))
    return f"{rng.randint(lo, hi):0{5 if country == 'US' else 6}d}"


def _city(rng: random.Random, country: str, expat: bool) -> CityRow:
    rows = _expat_rows() if expat else CITIES[country]
    return wchoice(rng, rows, _third)


def _third(row: CityRow) -> float:
    return row[2]


@cache
def _expat_rows() -> list[CityRow]:
    return [r for r in ES_CITIES if r[0] in ES_EXPAT_CITIES]


def _address(rng: random.Random, country: str, expat: bool) -> tuple[str, str]:
    row = _city(rng, country, expat)
    return row[0], postcode_for(country, row[1], rng)


def _residence(rng: random.Random, lang: str, mix: ShapeMix) -> tuple[str, bool]:
    home = {"es": "ES", "ru": "RU", "en": "GB"}[lang]
    options = mix.abroad.get(lang)
    if not options:
        return home, False
    country = wchoice(rng, options, _second)[0]
    return country, country == "ES" and lang != "es"


# ---------------------------------------------------------------------------
# mailboxes
# ---------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def latin(text: str) -> str:
    """Lower-case ASCII form of a name for building an e-mail local part."""
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        text = transliterate(text, "informal")
    return "".join(ch for ch in strip_accents(text).lower() if ch.isalnum())


@cache
def _cum(weights: tuple[float, ...]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


_CUM_CACHE: dict[int, tuple[object, list[float]]] = {}


def wchoice(rng: random.Random, rows: Sequence[T], weight: Callable[[T], float]) -> T:
    """Weighted choice with the cumulative weights kept per table (tables are constants)."""
    hit = _CUM_CACHE.get(id(rows))
    if hit is None or hit[0] is not rows:
        hit = (rows, _cum(tuple(weight(r) for r in rows)))
        _CUM_CACHE[id(rows)] = hit
    cum = hit[1]
    return rows[bisect_right(cum, rng.random() * cum[-1])]


def _domain(rng: random.Random, lang: str) -> str:
    return wchoice(rng, EMAIL_DOMAINS[lang], _second)[0]


def _second(row: tuple[str, float]) -> float:
    return row[1]


# local-part patterns with their shares (g given, f surname, f2 second surname, yy year)
_PATTERNS = (("g.f", 20), ("gf", 9), ("g_f", 4), ("if", 11), ("g.fyy", 10), ("gfyyyy", 4),
             ("gyy", 8), ("f.g", 4), ("iff2", 5), ("nick.f", 5), ("handle", 12), ("gnn", 6))


def make_email(rng: random.Random, p: Person) -> str:
    """A mailbox as people really choose them: name-based with birth-year digits, initials,
    nicknames, or an unrelated handle."""
    g = latin(p.given.split()[0])
    f = latin(p.family1) or "x"
    f2 = latin(p.family2)
    yy = f"{p.dob.year % 100:02d}"
    kind = wchoice(rng, _PATTERNS, _second)[0]
    if kind == "handle":
        local = f"{rng.choice(HANDLE_WORDS[p.lang])}{rng.randint(1, 999)}"
    elif kind == "gnn":
        local = f"{g}{rng.randint(10, 999)}"
    elif kind == "nick.f":
        local = f"{latin(p.nickname) if p.nickname else g}.{f}"
    elif kind == "iff2":
        local = f"{g[:1]}{f}{f2[:1]}" if f2 else f"{g}{f[:1]}"
    else:
        local = {"g.f": f"{g}.{f}", "gf": f"{g}{f}", "g_f": f"{g}_{f}", "if": f"{g[:1]}{f}",
                 "g.fyy": f"{g}.{f}{yy}", "gfyyyy": f"{g}{f}{p.dob.year}", "gyy": f"{g}{yy}",
                 "f.g": f"{f}.{g}"}[kind]
    return f"{local}@{_domain(rng, p.lang)}"


def _family_mailbox(rng: random.Random, head: Person) -> str:
    f = latin(head.family1)
    local = rng.choice({"es": [f"familia{f}", f"casa{f}", f"{f}familia"],
                        "ru": [f"{f}y", f"semya{f}", f"{f}family"],
                        "en": [f"the{f}s", f"{f}family", f"{f}household"]}[head.lang])
    return f"{local}{rng.choice(['', '', str(rng.randint(1, 99))])}@{_domain(rng, head.lang)}"


# ---------------------------------------------------------------------------
# people and households
# ---------------------------------------------------------------------------

def _dob(rng: random.Random, mean_year: float, sd: float, lo: int, hi: int) -> date:
    year = min(hi, max(lo, round(rng.gauss(mean_year, sd))))
    day = date(year, 1, 1).toordinal() + rng.randrange(365)
    return _adult(date.fromordinal(day), rng)


def _adult(d: date, rng: random.Random) -> date:
    """Keep everyone adult without piling the too-young onto one date."""
    if d <= LATEST_BIRTH:
        return d
    return date.fromordinal(LATEST_BIRTH.toordinal() - rng.randrange(0, 1500))


COUNTRY_LANG = {"ES": "es", "RU": "ru", "GB": "en", "US": "en"}


@cache
def _jobs(lang: str, sex: str) -> list[str]:
    return [o[0 if sex == "M" else 1] for o in OCCUPATIONS[lang]
            if sex == "F" or o[0] != "Sus labores"]


def _occupation(rng: random.Random, lang: str, sex: str) -> str:
    return rng.choice(_jobs(lang, sex))


def _person(rng: random.Random, pid: int, hh: int, lang: str, sex: str, dob: date,
            country: str, city: str, postcode: str) -> Person:
    given = _given(rng, lang, sex)
    base = _pick(rng, lang, "surname")
    family1 = feminine(base) if lang == "ru" and sex == "F" else base
    p = Person(pid=pid, household=hh, lang=lang, sex=sex, given=given, middle="",
               family1=family1, family2=_pick(rng, lang, "surname") if lang == "es" else "",
               maiden="", dob=dob, country=country, city=city, postcode=postcode,
               old_country="", old_city="", old_postcode="", move_at=1.0, emails=[],
               family_email="", nickname="", nick_habit=0.0,
               occupation="", occupation_2="", birthplace="",
               family_base=base)
    if lang == "en" and rng.random() < 0.6:
        p.middle = _pick(rng, lang, sex)
    if lang == "ru":
        p.father = _pick(rng, "ru", "M")
        p.middle = patronymic(p.father, sex)
    return p


def _finish(rng: random.Random, p: Person) -> None:
    """Everything that depends on the final name: nickname, mailboxes, job change, birthplace,
    a move."""
    variants = nickname_table().get(p.given) or nickname_table().get(p.given.split()[0])
    if variants:
        p.nickname = rng.choice(variants)
        p.nick_habit = 0.6 if rng.random() < 0.2 else 0.04
    n_mail = rng.choices((1, 2, 3), cum_weights=(60, 90, 100))[0]
    p.emails = [make_email(rng, p) for _ in range(n_mail)]
    # jobs are written in the language of the country of residence (the clerk's)
    p.occupation = _occupation(rng, COUNTRY_LANG[p.country], p.sex)
    if rng.random() < 0.2:
        p.occupation_2 = _occupation(rng, COUNTRY_LANG[p.country], p.sex)
    born_home = rng.random() < 0.55 and p.country == {"es": "ES", "ru": "RU", "en": "GB"}[p.lang]
    p.birthplace = p.city if born_home else _city(
        rng, {"es": "ES", "ru": "RU", "en": "GB"}[p.lang], False)[0]
    if rng.random() < 0.2:
        p.old_country = p.country
        p.old_city, p.old_postcode = (
            (p.city, postcode_for(p.country, next(r[1] for r in CITIES[p.country]
                                                  if r[0] == p.city), rng))
            if rng.random() < 0.6 else _address(rng, p.country, False))
        p.move_at = rng.uniform(0.1, 0.9)


def _spouse_surname(rng: random.Random, head: Person, partner: Person) -> None:
    if head.lang == "es":
        return  # Spanish women keep their surnames
    if rng.random() < (0.8 if head.lang == "ru" else 0.75):
        partner.maiden = partner.family1
        partner.family1 = feminine(head.family_base) if head.lang == "ru" else head.family1
        partner.family_base = head.family_base


def _child(rng: random.Random, pid: int, hh: int, father: Person | None, mother: Person,
           dob: date, sex: str) -> Person:
    c = _person(rng, pid, hh, mother.lang, sex, dob, mother.country, mother.city,
                mother.postcode)
    c.relation = "child"
    dad_family = father.family1 if father else c.family1
    if mother.lang == "es":
        c.family1 = dad_family if father else mother.family1
        c.family2 = mother.family1 if father else mother.family2
    elif mother.lang == "ru":
        c.family_base = father.family_base if father else mother.family_base
        c.family1 = feminine(c.family_base) if sex == "F" else c.family_base
    else:
        c.family1 = dad_family if father else mother.family1
    if father and mother.lang == "ru":
        c.father = father.given
        c.middle = patronymic(father.given, sex)
    named_after = father if sex == "M" else mother
    if named_after and rng.random() < {"es": 0.12, "ru": 0.03, "en": 0.06}[mother.lang]:
        c.given = named_after.given
        c.junior = True
        if mother.lang == "en":
            c.middle = named_after.middle
    return c


def _household(rng: random.Random, hh: int, pid: int, mix: ShapeMix,
               done: dict[tuple[str, str], list[Person]]) -> list[Person]:
    lang = wchoice(rng, mix.languages, _second)[0]
    kind = wchoice(rng, mix.households, _second)[0]
    country, expat = _residence(rng, lang, mix)
    city, postcode = _address(rng, country, expat)
    head_sex = "F" if (kind == "single_parent" or rng.random() < 0.5) else "M"
    old = kind in ("family", "single_parent")
    head_dob = (_dob(rng, 1962, 9, 1935, 1984) if old else _dob(rng, 1979, 15, 1938, 2006))
    head = _person(rng, pid, hh, lang, head_sex, head_dob, country, city, postcode)
    members = [head]
    same_lang = done.get((lang, head_sex), [])
    if same_lang and rng.random() < mix.namesake_rate:
        # a different person with the same full name: the commonest trap of person linking
        twin_name = rng.choice(same_lang)
        head.given, head.family1 = twin_name.given, twin_name.family1
        head.family_base = twin_name.family_base
        if rng.random() < 0.5:
            head.family2 = twin_name.family2
        if rng.random() < 0.5:
            head.city, head.country = twin_name.city, twin_name.country
            head.postcode = postcode_for(head.country, next(
                r[1] for r in CITIES[head.country] if r[0] == head.city), rng)
        if rng.random() < 0.35:
            head.dob = _dob(rng, twin_name.dob.year, 0, twin_name.dob.year, twin_name.dob.year)
        country, city, postcode = head.country, head.city, head.postcode
    if kind in ("couple", "family"):
        partner_sex = "F" if head_sex == "M" else "M"
        years = rng.gauss(-2.0 if partner_sex == "F" else 2.0, 4.0)
        pdob = _adult(date.fromordinal(head.dob.toordinal() - round(years * 365.25)), rng)
        partner = _person(rng, pid + 1, hh, lang, partner_sex, pdob, country, city, postcode)
        partner.relation = "partner"
        husband, wife = (head, partner) if head_sex == "M" else (partner, head)
        _spouse_surname(rng, husband, wife)
        members.append(partner)
    if kind in ("family", "single_parent"):
        mother = next(m for m in members if m.sex == "F")
        father = next((m for m in members if m.sex == "M"), None)
        born = mother.dob.toordinal() + round(rng.uniform(20, 36) * 365.25)
        n_kids = rng.choices((1, 2, 3), weights=(45, 40, 15))[0]
        prev: Person | None = None
        for _ in range(n_kids):
            if born > LATEST_BIRTH.toordinal():
                break
            sex = rng.choice("MF")
            kid = _child(rng, pid + len(members), hh, father, mother, date.fromordinal(born), sex)
            if prev is not None and prev.dob == kid.dob:
                kid.relation = prev.relation = "twin"
                while kid.given == prev.given:
                    kid.given = _given(rng, lang, sex)
            members.append(kid)
            prev = kid
            twins = rng.random() < 0.04
            born += 0 if twins else round(rng.uniform(1.2, 6.0) * 365.25)
    if kind == "siblings":
        gap = 0 if rng.random() < 0.15 else round(rng.uniform(1, 4) * 365.25)
        sdob = date.fromordinal(head.dob.toordinal() + gap)
        if sdob > LATEST_BIRTH:
            sdob = date.fromordinal(head.dob.toordinal() - gap)
        sex = rng.choice("MF")
        sib = _person(rng, pid + 1, hh, lang, sex, sdob, country, city, postcode)
        sib.relation = "twin" if sdob == head.dob else "sibling"
        sib.family_base, sib.family2 = head.family_base, head.family2
        sib.family1 = feminine(head.family_base) if lang == "ru" and sex == "F" else (
            head.family_base if lang == "ru" else head.family1)
        if lang == "ru":
            sib.father = head.father
            sib.middle = patronymic(head.father, sex)
        while sib.given == head.given:
            sib.given = _given(rng, lang, sex)
        members.append(sib)
    for m in members:
        m.household = hh
        _finish(rng, m)
    adults = [m for m in members if m.relation in ("head", "partner", "sibling", "twin")]
    if len(members) > 1 and rng.random() < 0.25:
        shared = rng.choice(adults).emails[0] if rng.random() < 0.5 else _family_mailbox(rng,
                                                                                        head)
        for m in members:
            if m.emails[0] != shared and rng.random() < 0.7:
                m.family_email = shared
    return members


def build_population(people: int, mix: ShapeMix, rng: random.Random) -> list[Person]:
    """``people`` persons in households; pids are 0..people-1 in household order."""
    out: list[Person] = []
    by_kind: dict[tuple[str, str], list[Person]] = {}
    hh = 0
    while len(out) < people:
        members = _household(rng, hh, len(out), mix, by_kind)[: people - len(out)]
        out.extend(members)
        for m in members:
            by_kind.setdefault((m.lang, m.sex), []).append(m)
        hh += 1
    for i, p in enumerate(out):
        p.pid = i
    return out
