"""How each department exported the population: rendering, noise, files and encodings.

Why: every system captured a partial, differently corrupted view of a customer (typos,
nicknames, transliteration, phone and address formats, stale values) in its own file
format, encoding, date and number conventions; the pipeline must cope with all of them.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from synth import names as N
from synth import places as P
from synth.population import REF_DATE, Address, Person, World, rand_date
from synth.text import (
    is_cyrillic,
    latinize_name,
    strip_accents,
    transliterate,
    typo,
)

SOURCES = ("marketing", "sales", "support", "finance")
FILES = {"marketing": "marketing.csv", "sales": "sales.csv", "support": "support.jsonl",
         "finance": "finance.csv"}
# inclusion probability per source; one source is forced when none is drawn
SOURCE_P = {"marketing": 0.62, "sales": 0.52, "support": 0.47, "finance": 0.47}
DUP_P = 0.05  # same person entered twice in one export
_RU_AREA4 = {a for row in P.RU_CITIES for a in row[3] if len(a) == 4}

Field = str | int | None  # one exported value; JSON Lines keeps numbers and nulls
Row = dict[str, Field]  # one exported record by column name, before its id is assigned
_T = TypeVar("_T")


# =========================================================================== phones
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


class Exporter:
    """Renders each person's records in the four department systems (rows, not files)."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.rng = world.rng  # one stream continued: the draw order is the seed's output
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
        last_purchase = "" if count == 0 else rand_date(rng, p.since, REF_DATE).strftime("%m/%d/%Y")
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
                    when = rand_date(rng, p.since, REF_DATE)
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



def write_exports(rows: dict[str, list[tuple[str, Row]]], output: Path, seed: int
                  ) -> list[tuple[str, str, str]]:
    """Write each department's file under ``output`` with its own record ids.

    Returns the ground truth as ``(source, source_record_id, entity_id)`` in file order.
    """
    ids_rng = random.Random(seed * 7919 + 17)
    truth: list[tuple[str, str, str]] = []
    for source in SOURCES:
        ids = _record_ids(source, len(rows[source]), ids_rng)
        path = output / FILES[source]
        if source == "support":
            _write_jsonl(path, rows[source], ids)
        else:
            _write_csv(path, source, rows[source], ids)
        truth.extend((source, rid, eid) for rid, (eid, _) in zip(ids, rows[source], strict=True))
    return truth
