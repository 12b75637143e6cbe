"""Benchmark dataset shapes from a second, independent generator.

Why: the linking defaults were tuned on ``synth.generate``; a benchmark made by the same
error model would flatter them. This generator starts from households of real-looking
people (``synth.shape_people``) and writes them the way two other kinds of export really
look. Every rate below is per record unless it says "person"; the choices, one per line:

loyalty (loyalty programme / e-commerce customers; one CSV, no phone column)
- records per person: 1-6 with P = 45/22/13/9/6/5% (1% of people 7-12): re-sign-ups.
- people: 55% Spanish-, 20% Russian-, 25% English-speaking; Russians 35% and English 40%
  resident in Spain (coastal towns), the rest at home (RU; GB 45 / US 15% of English).
- households: 78% single, 13% couple, 7% family with adult children, 2% adult siblings.
- namesakes: 4% of households' heads take the full name of an earlier person (half in the
  same city, 35% born the same year); juniors: 12% ES / 6% EN / 3% RU of sons (and
  daughters after mothers); twins 4% of births in families.
- sign-up channel: web 55%, app 20%, store 15% (keyed by staff), guest checkout 10%.
- date of birth missing: web 25%, app 20%, store 45%, guest checkout 92%.
- date of birth errors: day/month swap 4% (takes effect where the day <= 12), year typo 2%
  (1987->1978 40%, ->1997/1977 35%, +-1 25%), +-1 day 1%, day typo 0.5%, 1 January of
  the right year 1.5%, picker default 1900-01-01 0.5%.
- given name: nickname for people who use one (20% of those who have one use it 60% of
  the time, the rest 4%); Spanish compound shortened to one part 28%; initial only 2%.
- family name: Spanish one surname only 38% (second only 1%), hyphenated 2%; maiden
  name for married RU/EN women 8%; given name only (no surname) 4%; surname only 1%;
  whole name in the first-name field 1.5%; fields swapped 1%.
- name typos: web/guest 2%, app 2.5%, store 5% per field; accents kept per person
  (0/30/90/100% of records); all lower case 8% of people; store records 60% UPPER.
- Russian script per person: 45% always Latin, 25% always Cyrillic, 30% half and half;
  transliteration: the person's scheme 75% (BGN 45, ICAO 30, German/French 13, informal
  12% of people), conventional English forms (Alexander, Natalia) for 35% of people.
- e-mail: 1/2/3 personal mailboxes over time (60/30/10%); the one of the period, another of
  theirs 15%; a household mailbox for 25% of multi-person households (taken up by 70% of
  the members, on 35% of their records); written another way (gmail dots, +tag, capitals,
  googlemail) 6%; typo web 2%, store 6%; missing store 25%, web/app 1%. Web/app sign-ups cannot reuse an address already in the
  programme: a re-sign-up there uses another mailbox, a gmail variant or a new address.
- sign-ups from 2014 to 2024 and only from the 18th birthday on.
- address: 20% of people moved (60% within the city); postcode missing web 8%, app 10%,
  store 20%; digit typo 1.5%; leading zero lost 10%; city missing 8%, variant 15%, typo
  1%; country missing 5%, typed in words on 70% of store records.

registry (event attendance / civil-registry-like register, keyed from paper and OCR)
- records per person: 1 + negative binomial (mean 11, shape 1.4), at most 80; events from
  2008 to 2024 and only from the 16th birthday on.
- people: 50% Spanish-, 30% Russian-, 20% English-speaking; households 45% single,
  25% couple, 25% family, 5% siblings; namesakes 5%. Russians 40% and English 40%
  resident in Spain, the rest at home.
- given name: OCR confusion 6%, keyboard slip 4%, written by ear 5%, clerical abbreviation
  3% (Wm., Fco., Mª or an initial), nickname 2%, missing 2%, with the middle name 10%
  (EN), compound part dropped 20% (ES); Russian patronymic in the second-surname column 25%.
- surnames: OCR 6%, slip 4%, by ear 5%, abbreviation 2% (Fdez.), missing 1.5%; second
  surname missing 20%; maiden name 10%; given and surname swapped 2%.
- script: Russians' records 65% Cyrillic, else Latin (the person's usual scheme 60%,
  another 40%); 40% of records in UPPER case; accents dropped by the person habits of
  loyalty (45% of Spanish records on average).
- date of birth: missing 12%; year only 3%; from a stated age (1 January) 4%; OCR digit
  5% (may give an impossible date); day/month swap 3% (takes effect where the day <= 12);
  year typo 2.5%; +-1 day 1%; a Russian clerk's dd.mm.yyyy on 2% of Russians' records
  (not the declared format).
- city 90% present (variant 20%, typo 4%); birthplace 70% present; postcode 85% present
  (digit error 4%, leading zero lost 30%: the register went through a spreadsheet);
  country written in words, left out for 60% of Spanish residents and 10% of others.
- occupation: missing 25%, synonym 15%, typo 4%; student under 23 (70%), retired from 66
  (90%), 20% of people change job; e-mail in 3% of records; no phone.
"""

from __future__ import annotations

import csv
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from synth.shape_data import (
    EN_ABBREVIATIONS,
    ES_ABBREVIATIONS,
    OCCUPATION_SYNONYMS,
    REGISTER_COUNTRY_NAMES,
    RETIRED,
    STUDENT,
)
from synth.shape_noise import (
    digit_error,
    email_typo,
    email_variant,
    keyboard_typo,
    ocr_error,
    phonetic_variant,
)
from synth.shape_people import COUNTRY_LANG, Person, ShapeMix, build_population, make_email
from synth.shape_render import (
    DOB_KINDS,
    HOME_COUNTRY,
    People,
    addresses,
    apply,
    city_spellings,
    country_spellings,
    dob_errors,
    draw_kinds,
    drop_accents,
    lower,
    objects,
    people_columns,
    postcode_spellings,
    rewrite,
    to_latin,
    typos,
    upper,
)

SHAPES = ("loyalty", "registry")
REPO_RULES = Path(__file__).resolve().parents[1] / "rules"

LOYALTY_MIX = ShapeMix(
    languages=(("es", 0.55), ("ru", 0.20), ("en", 0.25)),
    households=(("single", 0.78), ("couple", 0.13), ("family", 0.07), ("siblings", 0.02)),
    namesake_rate=0.04,
    abroad={"ru": (("RU", 0.65), ("ES", 0.35)), "en": (("GB", 0.45), ("ES", 0.40), ("US", 0.15))},
)
REGISTRY_MIX = ShapeMix(
    languages=(("es", 0.50), ("ru", 0.30), ("en", 0.20)),
    households=(("single", 0.45), ("couple", 0.25), ("family", 0.25), ("siblings", 0.05)),
    namesake_rate=0.05,
    abroad={"ru": (("RU", 0.6), ("ES", 0.4)), "en": (("GB", 0.6), ("ES", 0.4))},
)

WINDOW_START = date(2014, 1, 1)      # loyalty programme sign-ups
REGISTRY_START = date(2008, 1, 1)    # register digitised from here
WINDOW_END = date(2024, 12, 31)

LOYALTY_COUNTS = (1, 2, 3, 4, 5, 6)
LOYALTY_P = (0.45, 0.22, 0.13, 0.09, 0.06, 0.05)
CHANNELS = ("web", "app", "store", "guest_checkout")
CHANNEL_P = (0.55, 0.20, 0.15, 0.10)
DOB_MISSING = {"web": 0.25, "app": 0.20, "store": 0.45, "guest_checkout": 0.92}
NAME_TYPO = {"web": 0.02, "app": 0.025, "store": 0.05, "guest_checkout": 0.02}
EMAIL_TYPO = {"web": 0.02, "app": 0.02, "store": 0.06, "guest_checkout": 0.02}
EMAIL_MISSING = {"web": 0.01, "app": 0.01, "store": 0.25, "guest_checkout": 0.0}
POSTCODE_MISSING = {"web": 0.08, "app": 0.10, "store": 0.20, "guest_checkout": 0.0}
LOYALTY_DOB_ERRORS = {"swap": 0.04, "year": 0.02, "day_off": 0.01, "day_typo": 0.005,
                      "jan_first": 0.015, "default": 0.005}

LOYALTY_HEADER = ["customer_id", "first_name", "last_name", "email", "birth_date", "postcode",
                  "city", "country", "signup_date", "signup_channel", "orders_count",
                  "total_spent", "last_order_date", "marketing_opt_in"]
REGISTRY_HEADER = ["record_no", "event_date", "event_type", "given_name", "surname_1",
                   "surname_2", "date_of_birth", "birthplace", "city", "postcode", "country",
                   "occupation", "email"]
EVENT_TYPES = ("Consulta", "Taller", "Visita", "Inscripción", "Renovación", "Actividad")

LOYALTY_YAML = """\
# Loyalty programme export (web, app, in-store and guest-checkout sign-ups), written by
# synth/shapes.py. UTF-8, ',' separated, ISO dates (a database dump), no phone column.
name: loyalty
path: {path}
format: csv
csv: {{delimiter: ",", encoding: utf-8}}
date_format: "%Y-%m-%d"
decimal: "."
default_country: ES
id_column: customer_id
columns:
  given_name: first_name
  family_name: last_name
  email: email
  date_of_birth: birth_date
  postal_code: postcode
  city: city
  country: country
attributes:
  created_date: {{column: signup_date, type: date}}
  signup_channel: {{column: signup_channel}}
  purchases_count: {{column: orders_count, type: integer}}
  purchases_total: {{column: total_spent, type: number}}
  last_purchase_date: {{column: last_order_date, type: date}}
  consent_email: {{column: marketing_opt_in, vocabulary: consent}}
trust: 1
"""

REGISTRY_YAML = """\
# Event attendance / civil-registry-like register keyed from paper forms and OCR, written
# by synth/shapes.py. UTF-8, ',' separated, dd/mm/yyyy dates; no phones, few e-mails.
name: registry
path: {path}
format: csv
csv: {{delimiter: ",", encoding: utf-8}}
date_format: "%d/%m/%Y"
decimal: "."
default_country: ES
id_column: record_no
columns:
  given_name: given_name
  family_name: [surname_1, surname_2]
  date_of_birth: date_of_birth
  city: city
  postal_code: postcode
  country: country
  email: email
attributes:
  created_date: {{column: event_date, type: date}}
  event_type: {{column: event_type}}
  birthplace: {{column: birthplace}}
  occupation: {{column: occupation}}
trust: 1
"""


# ---------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------

def _records(counts: np.ndarray, g: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(person index, time 0..1) per record, each person's records in time order."""
    pi = np.repeat(np.arange(len(counts)), counts)
    t = g.random(len(pi))
    return pi, t[np.lexsort((t, pi))]


def _dates(start: date, t: np.ndarray) -> list[date]:
    days = (t * (WINDOW_END - start).days).astype(int) + start.toordinal()
    return [date.fromordinal(d) for d in days.tolist()]


def _of_age(t: np.ndarray, pi: np.ndarray, pop: list[Person], start: date, age: int
            ) -> np.ndarray:
    """Squeeze each person's record times to after their ``age``-th birthday: nobody signs up
    or attends before then (order within a person is kept)."""
    span = (WINDOW_END - start).days
    birth = np.array([p.dob.toordinal() for p in pop])[pi]
    lo = np.clip((birth + round(age * 365.25) - start.toordinal()) / span, 0.0, 0.95)
    return lo + t * (1 - lo)


def _dmy(dates: list[date]) -> list[str]:
    """dd/mm/yyyy, formatted once per distinct date (strftime per row is slow at 1M rows)."""
    table = {d: f"{d.day:02d}/{d.month:02d}/{d.year}" for d in dict.fromkeys(dates)}
    return [table[d] for d in dates]


def _join(a: np.ndarray, b: np.ndarray, mask: np.ndarray, sep: str) -> None:
    """``a[i] = a[i] + sep + b[i]`` on the selected rows."""
    for i in np.flatnonzero(mask):
        a[i] = f"{a[i]}{sep}{b[i]}"


def _blank(values: np.ndarray, mask: np.ndarray) -> None:
    values[mask] = ""


def _clerk(values: np.ndarray, lang: np.ndarray, ocr: float, slip: float, ear: float,
           g: np.random.Generator, rng: random.Random) -> None:
    """A clerk's or a scanner's errors: OCR confusion, keyboard slip, spelling by ear."""
    r = g.random(len(values))
    apply(values, r < ocr, ocr_error, rng)
    apply(values, (r >= ocr) & (r < ocr + slip), keyboard_typo, rng)
    for i in np.flatnonzero((r >= ocr + slip) & (r < ocr + slip + ear)):
        if values[i]:
            values[i] = phonetic_variant(values[i], rng, lang[i])


def _has_space(values: np.ndarray) -> np.ndarray:
    return np.fromiter((" " in v for v in values), bool, len(values))


def _write_csv(path: Path, header: list[str], columns: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(zip(*columns, strict=True))


# ---------------------------------------------------------------------------
# loyalty
# ---------------------------------------------------------------------------

def _loyalty_names(P: People, pi: np.ndarray, channel: np.ndarray, g: np.random.Generator,
                   rng: random.Random) -> tuple[np.ndarray, np.ndarray]:
    n = len(pi)
    lang = P.lang[pi]
    latin = (lang == "ru") & (g.random(n) < P.latin_share[pi])
    given = P.col("given", pi)
    nickname = P.col("nickname", pi)
    r = g.random(n)
    nick = (nickname != "") & (r < np.array([p.nick_habit for p in P.pop])[pi])
    given[nick] = nickname[nick]
    compound = (lang == "es") & ~nick & (r < 0.28) & _has_space(given)
    rewrite(given, compound & (r < 0.01), lambda v: v.split()[-1])
    rewrite(given, compound & (r >= 0.01), lambda v: v.split()[0])
    middle = P.col("middle", pi)
    _join(given, middle, (lang == "en") & (middle != "") & ~nick & (r < 0.03), " ")
    to_latin(given, latin, pi, P, g, 0.75)
    apply(given, g.random(n) < 0.02, lambda v, rng: v[:1] + ("." if rng.random() < 0.7 else ""),
          rng)

    family = P.col("family1", pi)
    maiden = P.col("maiden", pi)
    use_maiden = (maiden != "") & (g.random(n) < 0.08)
    family[use_maiden] = maiden[use_maiden]
    family2 = P.col("family2", pi)
    has2 = family2 != ""
    r = g.random(n)
    second_only = has2 & (r >= 0.38) & (r < 0.39)
    family[second_only] = family2[second_only]
    _join(family, family2, has2 & (r >= 0.39) & (r < 0.41), "-")
    _join(family, family2, has2 & (r >= 0.41), " ")
    junior = P.col("junior", pi).astype(bool) & (lang == "en") & (g.random(n) < 0.05)
    rewrite(family, junior, lambda v: v + " Jr")
    to_latin(family, latin, pi, P, g, 0.75)

    rate = np.array([NAME_TYPO[c] for c in CHANNELS])[channel]
    typos(given, rate, g, rng)
    typos(family, rate, g, rng)
    drop_accents(given, pi, P, g)
    drop_accents(family, pi, P, g)
    r = g.random(n)
    _blank(family, r < 0.04)                                  # given name only
    _blank(given, (r >= 0.04) & (r < 0.05))                   # surname only
    whole = (r >= 0.05) & (r < 0.065)                         # all in the first-name box
    _join(given, family, whole, " ")
    _blank(family, whole)
    swap = (r >= 0.065) & (r < 0.075)
    given[swap], family[swap] = family[swap], given[swap].copy()
    shouting = (channel == 2) & (g.random(n) < 0.6)
    for col in (given, family):
        upper(col, shouting)
        lower(col, ~shouting & P.lower_case[pi])
    return given, family


def _loyalty_emails(P: People, pi: np.ndarray, t: np.ndarray, channel: np.ndarray,
                    g: np.random.Generator, rng: random.Random) -> np.ndarray:
    n = len(pi)
    n_mail = np.array([len(p.emails) for p in P.pop])
    box = np.empty((len(P.pop), 3), dtype=object)
    for k in range(3):
        box[:, k] = [p.emails[min(k, len(p.emails) - 1)] for p in P.pop]
    mine = n_mail[pi]
    which = np.minimum(mine - 1, (t * mine).astype(int))
    other = (mine > 1) & (g.random(n) < 0.15)
    which[other] = (g.random(int(other.sum())) * mine[other]).astype(int)
    email = box[pi, which]
    family_box = P.col("family_email", pi)
    shared = (family_box != "") & (g.random(n) < 0.35)
    email[shared] = family_box[shared]
    apply(email, g.random(n) < 0.06, email_variant, rng)
    apply(email, g.random(n) < np.array([EMAIL_TYPO[c] for c in CHANNELS])[channel],
          email_typo, rng)
    _blank(email, g.random(n) < np.array([EMAIL_MISSING[c] for c in CHANNELS])[channel])
    _unique_accounts(email, P, pi, t, channel, rng)
    upper(email, (channel == 2) & (g.random(n) < 0.3))
    return email


def _unique_accounts(email: np.ndarray, P: People, pi: np.ndarray, t: np.ndarray,
                     channel: np.ndarray, rng: random.Random) -> None:
    """Web and app sign-ups cannot reuse an address the programme already has ("an account
    with this e-mail exists"): whoever signs up again there does it with another of their
    mailboxes, a gmail dot/+tag variant of it, or a mailbox opened for the purpose. Shop
    staff and guest checkout do not check. Without this, most duplicates would share an
    address, which is exactly what a real programme prevents."""
    seen: set[str] = set()
    for i in np.lexsort((pi, t)).tolist():
        addr = email[i]
        if not addr:
            continue
        if channel[i] in (0, 1):
            person = P.pop[pi[i]]
            tries = 0
            while addr.lower() in seen:
                tries += 1
                unused = [e for e in person.emails if e.lower() not in seen]
                r = rng.random()
                if unused and r < 0.5:
                    addr = unused[0]
                elif addr.endswith("@gmail.com") and r < 0.7 and tries < 4:
                    addr = email_variant(addr, rng)
                else:
                    addr = make_email(rng, person)
                    if tries > 6:
                        addr = addr.replace("@", f"{rng.randint(100, 9999)}@")
            email[i] = addr
        seen.add(addr.lower())


def _loyalty(pop: list[Person], g: np.random.Generator, rng: random.Random
             ) -> tuple[list[str], list[list[str]], np.ndarray]:
    P = people_columns(pop, g)
    counts = g.choice(LOYALTY_COUNTS, p=LOYALTY_P, size=len(pop))
    heavy = g.random(len(pop)) < 0.01
    counts[heavy] = g.integers(7, 13, int(heavy.sum()))
    pi, t = _records(counts, g)
    t = _of_age(t, pi, pop, WINDOW_START, 18)
    n = len(pi)
    channel = g.choice(4, p=CHANNEL_P, size=n)
    given, family = _loyalty_names(P, pi, channel, g, rng)
    email = _loyalty_emails(P, pi, t, channel, g, rng)
    dob = dob_errors(P.col("dob", pi), draw_kinds(LOYALTY_DOB_ERRORS, n, g), rng)
    dob_text = objects([d.isoformat() for d in dob])
    _blank(dob_text, g.random(n) < np.array([DOB_MISSING[c] for c in CHANNELS])[channel])
    country, city, postcode = addresses(P, pi, t)
    latin = ((P.lang[pi] == "ru") & (g.random(n) < P.latin_share[pi])) | (P.lang[pi] != "ru")
    code = postcode_spellings(country, postcode, 0.015, 0.10, g, rng)
    _blank(code, g.random(n) < np.array([POSTCODE_MISSING[c] for c in CHANNELS])[channel])
    town = city_spellings(country, city, latin, 0.15, g, rng)
    typos(town, 0.01, g, rng)
    drop_accents(town, pi, P, g)
    upper(town, (channel == 2) & (g.random(n) < 0.6))
    _blank(town, g.random(n) < 0.08)
    nation = country_spellings(country, channel == 2, g, rng)
    _blank(nation, g.random(n) < 0.05)
    signup = _dates(WINDOW_START, t)
    orders = np.where((channel != 3) & (g.random(n) < 0.3), 0,
                      np.floor(g.exponential(4.0, n)).astype(int) + 1)
    spent = orders * g.uniform(15, 110, n)
    after = g.random(n)
    last = [(s + timedelta(days=int(a * (WINDOW_END - s).days))).isoformat() if o else ""
            for s, a, o in zip(signup, after.tolist(), orders.tolist(), strict=True)]
    opt_in = np.where(channel == 2, np.array(["Y", "N"])[g.integers(0, 2, n)],
                      np.array(["yes", "no", "no", ""])[g.integers(0, 4, n)])
    order = np.lexsort((pi, t))          # exports come in sign-up order, not by person
    columns = [
        [str(100001 + i) for i in range(n)],
        given[order].tolist(), family[order].tolist(), email[order].tolist(),
        dob_text[order].tolist(), code[order].tolist(), town[order].tolist(),
        nation[order].tolist(), [signup[i].isoformat() for i in order.tolist()],
        np.array(CHANNELS)[channel][order].tolist(), orders[order].astype(str).tolist(),
        [f"{x:.2f}" for x in spent[order].tolist()], [last[i] for i in order.tolist()],
        opt_in[order].tolist(),
    ]
    return columns[0], columns, pi[order]


# ---------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------

def _abbreviation(v: str) -> str:
    return (EN_ABBREVIATIONS.get(v) or ES_ABBREVIATIONS.get(v.split()[0]) or v[:1] + ".")


def _registry_names(P: People, pi: np.ndarray, latin: np.ndarray, g: np.random.Generator,
                    rng: random.Random) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(pi)
    lang = P.lang[pi]
    given = P.col("given", pi)
    nickname = P.col("nickname", pi)
    r = g.random(n)
    nick = (r >= 0.05) & (r < 0.07) & (nickname != "")
    given[nick] = nickname[nick]
    u = g.random(n)
    rewrite(given, (lang == "es") & ~nick & (u < 0.20) & _has_space(given),
            lambda v: v.split()[0])
    middle = P.col("middle", pi)
    _join(given, middle, (lang == "en") & ~nick & (middle != "") & (u < 0.10), " ")
    to_latin(given, latin, pi, P, g, 0.6)
    abbreviated = (r >= 0.02) & (r < 0.05)
    plain = ~abbreviated
    sub = given.copy()
    _clerk(sub, lang, 0.06, 0.04, 0.05, g, rng)
    given[plain] = sub[plain]
    rewrite(given, abbreviated, _abbreviation)
    _blank(given, r < 0.02)

    s1 = P.col("family1", pi)
    maiden = P.col("maiden", pi)
    use_maiden = (maiden != "") & (g.random(n) < 0.10)
    s1[use_maiden] = maiden[use_maiden]
    to_latin(s1, latin, pi, P, g, 0.6)
    r = g.random(n)
    known = np.fromiter((v in ES_ABBREVIATIONS for v in s1), bool, n)
    abbreviated = (r >= 0.015) & (r < 0.035) & known
    sub = s1.copy()
    _clerk(sub, lang, 0.06, 0.04, 0.05, g, rng)
    s1[~abbreviated] = sub[~abbreviated]
    rewrite(s1, abbreviated, ES_ABBREVIATIONS.__getitem__)
    _blank(s1, r < 0.015)

    s2 = P.col("family2", pi)
    _blank(s2, g.random(n) < 0.20)
    _clerk(s2, lang, 0.04, 0.03, 0.04, g, rng)
    patr = (lang == "ru") & (g.random(n) < 0.25)
    s2[patr] = middle[patr]
    to_latin(s2, latin & patr, pi, P, g, 0.6)
    junior = P.col("junior", pi).astype(bool) & (lang == "en") & (g.random(n) < 0.3)
    s2[junior] = "Jr."
    swap = g.random(n) < 0.02
    given[swap], s1[swap] = s1[swap], given[swap].copy()
    for col in (given, s1, s2):
        drop_accents(col, pi, P, g)
    return given, s1, s2


def _registry_dobs(P: People, pi: np.ndarray, event: list[date], g: np.random.Generator,
                   rng: random.Random) -> np.ndarray:
    n = len(pi)
    r = g.random(n)
    kinds = np.full(n, -1)
    kinds[(r >= 0.19) & (r < 0.22)] = DOB_KINDS.index("swap")
    kinds[(r >= 0.22) & (r < 0.245)] = DOB_KINDS.index("year")
    kinds[(r >= 0.245) & (r < 0.255)] = DOB_KINDS.index("day_off")
    dob = dob_errors(P.col("dob", pi), kinds, rng)
    text = objects(_dmy(dob.tolist()))
    apply(text, (r >= 0.255) & (r < 0.305), digit_error, rng)
    rewrite(text, (P.lang[pi] == "ru") & (g.random(n) < 0.02), lambda v: v.replace("/", "."))
    for i in np.flatnonzero((r >= 0.12) & (r < 0.19)):
        d, e = dob[i], event[i]
        if r[i] < 0.15:
            text[i] = str(d.year)                       # the year only
        else:                                           # from the age they stated
            age = e.year - d.year - ((e.month, e.day) < (d.month, d.day))
            text[i] = f"01/01/{e.year - age}"
    _blank(text, r < 0.12)
    return text


def _occupations(P: People, pi: np.ndarray, t: np.ndarray, event: list[date],
                 g: np.random.Generator, rng: random.Random) -> np.ndarray:
    n = len(pi)
    job = np.where((t > 0.6) & (P.col("occupation_2", pi) != ""), P.col("occupation_2", pi),
                   P.col("occupation", pi)).astype(object)
    age = np.array([e.year for e in event]) - np.array([p.dob.year for p in P.pop])[pi]
    female = np.array([p.sex == "F" for p in P.pop])[pi]
    where = [COUNTRY_LANG[c] for c in P.col("country", pi)]
    u = g.random(n)
    for i in np.flatnonzero(((age < 23) & (u < 0.7)) | ((age >= 66) & (u < 0.9))):
        job[i] = (STUDENT if age[i] < 23 else RETIRED)[where[i]][int(female[i])]
    rewrite(job, g.random(n) < 0.15, lambda v: OCCUPATION_SYNONYMS.get(v, v))
    typos(job, 0.04, g, rng)
    _blank(job, g.random(n) < 0.25)
    return job


def _registry(pop: list[Person], g: np.random.Generator, rng: random.Random
              ) -> tuple[list[str], list[list[str]], np.ndarray]:
    P = people_columns(pop, g)
    counts = np.minimum(1 + g.negative_binomial(1.4, 1.4 / (1.4 + 11.0), size=len(pop)), 80)
    pi, t = _records(counts, g)
    t = _of_age(t, pi, pop, REGISTRY_START, 16)
    n = len(pi)
    event = _dates(REGISTRY_START, t)
    latin = (P.lang[pi] == "ru") & (g.random(n) >= 0.65)
    given, s1, s2 = _registry_names(P, pi, latin, g, rng)
    dob = _registry_dobs(P, pi, event, g, rng)
    country, city, postcode = addresses(P, pi, t)
    town = city_spellings(country, city, latin | (country != "RU"), 0.20, g, rng)
    typos(town, 0.04, g, rng)
    drop_accents(town, pi, P, g)
    _blank(town, g.random(n) < 0.10)
    born_in = np.array([HOME_COUNTRY[p.lang] for p in pop], dtype=object)[pi]
    birthplace = city_spellings(born_in, P.col("birthplace", pi), latin, 0.10, g, rng)
    _blank(birthplace, g.random(n) < 0.30)
    code = postcode_spellings(country, postcode, 0.04, 0.30, g, rng)
    _blank(code, g.random(n) < 0.15)
    pick = g.integers(0, 12, n).tolist()                  # 12: a multiple of every list length
    nation = objects([REGISTER_COUNTRY_NAMES[c][k % len(REGISTER_COUNTRY_NAMES[c])]
                      for c, k in zip(country.tolist(), pick, strict=True)])
    _blank(nation, g.random(n) < np.where(country == "ES", 0.6, 0.1))
    job = _occupations(P, pi, t, event, g, rng)
    shouting = g.random(n) < 0.40
    for col in (given, s1, s2, birthplace, town, nation, job):
        upper(col, shouting)
    email = P.col("emails", pi)
    email = objects([e[0] for e in email.tolist()])
    _blank(email, g.random(n) >= 0.03)
    event_type = np.array(EVENT_TYPES)[g.integers(0, len(EVENT_TYPES), n)]
    order = np.lexsort((pi, t))
    years = np.array([event[i].year for i in order.tolist()])
    first = np.searchsorted(years, years)                 # years are sorted with t
    record_no = [f"{y}/{k:06d}" for y, k in zip(years.tolist(),
                                               (np.arange(n) - first + 1).tolist(), strict=True)]
    columns = [
        record_no, _dmy([event[i] for i in order.tolist()]),
        event_type[order].tolist(), given[order].tolist(), s1[order].tolist(),
        s2[order].tolist(), dob[order].tolist(), birthplace[order].tolist(),
        town[order].tolist(), code[order].tolist(), nation[order].tolist(), job[order].tolist(),
        email[order].tolist(),
    ]
    return record_no, columns, pi[order]


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------

def write_rules(shape: str, output: Path) -> Path:
    """``output/rules``: this shape's source mapping plus the repository's other rules files,
    unchanged, so ``crm-golden run --rules output/rules`` runs the defaults on it."""
    rules = output / "rules"
    (rules / "sources").mkdir(parents=True, exist_ok=True)
    template = LOYALTY_YAML if shape == "loyalty" else REGISTRY_YAML
    (rules / "sources" / f"{shape}.yaml").write_text(
        template.format(path=f"../../{shape}.csv"), encoding="utf-8")
    for src in sorted(REPO_RULES.glob("*.yaml")):
        shutil.copyfile(src, rules / src.name)
    return rules


def generate_shape(shape: str, people: int, output: Path, seed: int) -> dict:
    """Write ``output/<shape>.csv``, ``output/truth.csv`` and ``output/rules/`` for ``people``
    people; the same seed gives byte-identical files. Returns row counts and sizes."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; expected one of {', '.join(SHAPES)}")
    if people < 1:
        raise ValueError("people must be >= 1")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{shape}:{seed}")
    g = np.random.default_rng([seed, SHAPES.index(shape)])
    pop = build_population(people, LOYALTY_MIX if shape == "loyalty" else REGISTRY_MIX, rng)
    if shape == "loyalty":
        ids, columns, pids = _loyalty(pop, g, rng)
        header = LOYALTY_HEADER
    else:
        ids, columns, pids = _registry(pop, g, rng)
        header = REGISTRY_HEADER
    _write_csv(output / f"{shape}.csv", header, columns)
    entity = [f"E{pid + 1:07d}" for pid in pids.tolist()]
    _write_csv(output / "truth.csv", ["source", "source_record_id", "entity_id"],
               [[shape] * len(ids), ids, entity])
    write_rules(shape, output)
    return {"shape": shape, "people": people, f"{shape}.csv": len(ids),
            "truth.csv": len(ids), "records_per_person": round(len(ids) / people, 2)}
