"""Benchmark: normalize + validate 1,000,000 synthetic canonical records.

Usage: ``python -m bench.normalize [--rows N] [--seed S] [--no-names] [--workers W]``

Records are drawn from the generator's ES/MX/RU/US/GB pools (Zipf-skewed given
names and surnames, cities, streets) with messy variants (name layouts, upper
case, typos, transliterations, phone formats, placeholders, lost leading zeros);
~30% of rows are customers seen again by another export and rendered its way. Prints wall time per stage,
CPU time of this process and of the worker processes, and peak RSS (``ru_maxrss``,
this process and the largest worker). Target: <= 60 s and < 3 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm_golden.config.validation import ValidationRules  # noqa: E402
from crm_golden.config.vocabularies import load_vocabularies  # noqa: E402
from synth import names as N  # noqa: E402
from synth import places as P  # noqa: E402
from synth.text import (  # noqa: E402
    feminine_surname,
    is_cyrillic,
    patronymic,
    strip_accents,
    transliterate,
    typo,
)
from transforms.normalize import normalize_records  # noqa: E402
from transforms.validate import quality_metrics, split_quarantine  # noqa: E402

COUNTRY_LABELS = {"ES": ["España", "ES", "Spain", "ESP", "españa", "ESPAÑA", None],
                  "MX": ["México", "MX", "Mexico", "MEX", None],
                  "RU": ["Россия", "RU", "РФ", "Russia", "Russian Federation", None],
                  "US": ["USA", "US", "Estados Unidos", "United States", None],
                  "GB": ["UK", "United Kingdom", "GB", "England", None]}
CITY_TABLES = {"ES": (P.ES_CITIES, P.ES_CITY_WEIGHTS), "MX": (P.MX_CITIES, P.MX_CITY_WEIGHTS),
               "RU": (P.RU_CITIES, P.RU_CITY_WEIGHTS), "US": (P.US_CITIES, P.US_CITY_WEIGHTS),
               "GB": (P.UK_CITIES, P.UK_CITY_WEIGHTS)}
STREET_POOLS = {"ES": P.ES_STREETS, "MX": P.MX_STREETS, "RU": P.RU_STREETS, "US": P.US_STREETS,
                "GB": P.UK_STREETS}
STREET_FORMS = {"ES": ["{s}, {n}", "{s} nº {n}", "{s} {n}, 3º B", "{S} {n}"],
                "MX": ["{s} {n}", "{s} #{n}, Col. Roma", "{S} {n}"],
                "RU": ["{s}, д. {n}, кв. 5", "{s} д.{n}", "{s}, {n}"],
                "US": ["{n} {s}", "{n} {S}", "{n} {s} Apt 4"],
                "GB": ["{n} {s}", "{n} {S}", "Flat 2, {n} {s}"]}
DOMAINS = ["gmail.com", "hotmail.com", "hotmail.es", "yahoo.es", "outlook.com", "mail.ru",
           "yandex.ru", "gmial.com", "hotmail.con", "mail.ur", "empresa.es", "acme.com.mx",
           "googlemail.com", "example.com", "gmx.es", "icloud.com", "yahoo.co.uk"]
LEGAL = {"ES": ["S.L.", "SL", "S.A.", "Sociedad Limitada"], "MX": ["S.A. de C.V.", "SA DE CV"],
         "RU": ["ООО", "АО"], "US": ["LLC", "Inc."], "GB": ["Ltd", "PLC"]}
CONSENT = ["Sí", "si", "yes", "да", "no", "нет", "1", "0", "", "quizás"]


def _zipf_choice(rng: np.random.Generator, pool: list, size: int, s: float) -> np.ndarray:
    """Draw from ``pool`` with Zipf-like weights: real name frequencies are very skewed."""
    weights = 1.0 / np.arange(1, len(pool) + 1) ** s
    out = np.empty(size, dtype=object)
    out[:] = [pool[i] for i in rng.choice(len(pool), size, p=weights / weights.sum())]
    return out


def _map(values: np.ndarray, fn) -> np.ndarray:  # noqa: ANN001 - per distinct value
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    table = np.array([fn(u) for u in uniq], dtype=object)
    return table[inv]


def _phone(rng: np.random.Generator, country: np.ndarray, d: pd.Series) -> np.ndarray:
    """Phones typed the many ways each country types them (format chosen per row), plus junk."""
    n = len(country)
    f = rng.integers(0, 3, n)
    variants = {
        "ES": ["6" + d, "+34 6" + d.str[:2] + " " + d.str[2:], "0034 9" + d],
        "RU": ["8 (9" + d.str[:2] + ") " + d.str[2:5] + "-" + d.str[5:] + "1",
               "+7 9" + d + "1", "89" + d + "1"],
        "MX": ["55 " + d, "+52 1 55 " + d, "+52 55" + d],
        "US": ["212" + d.str[:7], "+1 415-5" + d.str[:6], "(617) " + d.str[:7]],
        "GB": ["020 7" + d.str[:7], "+44 7700 9" + d.str[:5], "07911 " + d.str[:6]],
    }
    out = np.empty(n, dtype=object)
    for cc, forms in variants.items():
        for k, form in enumerate(forms):
            rows = (country == cc) & (f == k)
            out[rows] = form[rows].to_numpy()
    junk = rng.random(n)
    out[junk < 0.02] = "000000000"
    out[(junk >= 0.02) & (junk < 0.05)] = None
    out[(junk >= 0.05) & (junk < 0.06)] = "+34 6123"
    return out


def _people(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """One row per customer: the facts every export renders its own way."""
    ccs = np.array(["ES", "MX", "RU", "US", "GB"])
    country = rng.choice(ccs, n, p=[0.35, 0.2, 0.25, 0.1, 0.1])
    lang = np.where(country == "RU", "ru", np.where(np.isin(country, ["ES", "MX"]), "es", "en"))
    gender = rng.choice(np.array(["M", "F"]), n)
    pools = {("es", "M"): N.ES_MALE, ("es", "F"): N.ES_FEMALE, ("ru", "M"): N.RU_MALE,
             ("ru", "F"): N.RU_FEMALE, ("en", "M"): N.EN_MALE, ("en", "F"): N.EN_FEMALE}
    surnames = {"es": N.ES_SURNAMES, "ru": N.RU_SURNAMES, "en": N.EN_SURNAMES}
    given = np.empty(n, dtype=object)
    father = np.empty(n, dtype=object)
    fam1 = np.empty(n, dtype=object)
    fam2 = np.full(n, "", dtype=object)
    for (lg, g), pool in pools.items():
        rows = (lang == lg) & (gender == g)
        given[rows] = _zipf_choice(rng, pool, int(rows.sum()), 0.95)
    for lg, pool in surnames.items():
        rows = lang == lg
        fam1[rows] = _zipf_choice(rng, pool, int(rows.sum()), 0.8)
        if lg == "es":
            fam2[rows] = _zipf_choice(rng, pool, int(rows.sum()), 0.8)
        if lg == "ru":
            father[rows] = _zipf_choice(rng, N.RU_MALE, int(rows.sum()), 0.95)
    ru_f = (lang == "ru") & (gender == "F")
    fam1[ru_f] = _map(fam1[ru_f], feminine_surname)
    middle = np.full(n, "", dtype=object)
    ru = lang == "ru"
    middle[ru & (gender == "M")] = _map(father[ru & (gender == "M")], lambda g: patronymic(g, "M"))
    middle[ru_f] = _map(father[ru_f], lambda g: patronymic(g, "F"))
    en = lang == "en"
    initials = np.array(list("ABCDEFGHJKLMNPRSTW"), dtype=object)[rng.integers(0, 18, n)] + "."
    with_initial = en & (rng.random(n) < 0.3)
    middle[with_initial] = initials[with_initial]
    # city, postal code and street agree with the country, as in real addresses
    city = np.empty(n, dtype=object)
    postal = np.empty(n, dtype=object)
    street = np.empty(n, dtype=object)
    for cc, (table, weights) in CITY_TABLES.items():
        rows = np.flatnonzero(country == cc)
        w = np.asarray(weights, dtype=float)
        pick = rng.choice(len(table), len(rows), p=w / w.sum())
        city[rows] = [table[i][0] for i in pick]
        if cc == "GB":
            outward = [table[i][2][k % len(table[i][2])] for i, k in
                       zip(pick, rng.integers(0, 99, len(rows)), strict=True)]
            inward = (rng.integers(1, 9, len(rows)).astype(str).astype(object)
                      + np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)[
                          rng.integers(0, 20, (len(rows), 2))].sum(axis=1))
            postal[rows] = np.array(outward, dtype=object) + " " + inward
        else:
            prefix = np.array([table[i][2] for i in pick], dtype=object)
            width = 6 if cc == "RU" else 5
            tail = rng.integers(0, 10 ** 5, len(rows)).astype(str)
            postal[rows] = [(p + t.zfill(5))[:width] for p, t in zip(prefix, tail, strict=True)]
        names = STREET_POOLS[cc]
        street[rows] = _zipf_choice(rng, names, len(rows), 0.6)
    house = rng.integers(1, 200, n).astype(str).astype(object)
    dob = (pd.Series(rng.integers(1, 29, n)).astype(str).str.zfill(2) + "/"
           + pd.Series(rng.integers(1, 13, n)).astype(str).str.zfill(2) + "/"
           + pd.Series(rng.integers(1935, 2030, n)).astype(str)).to_numpy(dtype=object)
    dni_num = rng.integers(10_000_000, 99_999_999, n)
    letters = np.array(list("TRWAGMYFPDXBNJZSQVHLCKE"))[dni_num % 23]
    tax = (pd.Series(dni_num.astype(str)) + letters).to_numpy(dtype=object)
    tax[rng.random(n) >= 0.3] = None
    local = (_map(given, lambda s: strip_accents(transliterate(s, "bgn")
                                                if is_cyrillic(s) else s).lower().replace(" ", ""))
             + "." + rng.integers(1, 99_999, n).astype(str).astype(object))
    email = local + "@" + rng.choice(DOMAINS, n).astype(object)
    company = np.full(n, None, dtype=object)
    has_co = rng.random(n) < 0.3
    co_base = _zipf_choice(rng, N.ES_SURNAMES + N.EN_SURNAMES, n, 0.5)
    co_form = np.array([LEGAL[c][k % len(LEGAL[c])] for c, k in
                        zip(country, rng.integers(0, 4, n), strict=True)], dtype=object)
    company[has_co] = (co_base + " " + rng.choice(["Iberia", "Group", "Trading", "Consulting",
                                                     "Logistics"], n).astype(object)
                       + ", " + co_form)[has_co]
    return {"country": country, "lang": lang, "gender": gender, "given": given, "fam1": fam1,
            "fam2": fam2, "middle": middle, "city": city, "postal": postal, "street": street,
            "house": house, "dob": dob, "tax": tax, "email": email, "company": company,
            "phone_digits": rng.integers(10_000_000, 99_999_999, n).astype(str)}


GENERATE_CHUNK = 250_000


def generate(rows: int, seed: int = 7) -> tuple[pd.DataFrame, dict]:
    """Synthetic canonical records, built in chunks of customers (see ``_generate``).

    Chunks keep the generator's own temporaries small, so the peak RSS the
    benchmark reports is normalization's, not the generator's.
    """
    frames = [_generate(min(GENERATE_CHUNK, rows - start), seed + k)
              for k, start in enumerate(range(0, rows, GENERATE_CHUNK))]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    del frames
    frame.insert(0, "record_id", np.arange(rows))
    frame["source_record_id"] = frame["record_id"].astype(str).astype("string")
    frame["source_file"] = (frame["source"] + ".csv").astype("string")
    frame["source_row"] = frame["record_id"] + 1
    defaults = {
        "marketing": {"default_country": "ES", "date_format": "%d/%m/%Y"},
        "sales": {"default_country": "MX", "date_format": "%d/%m/%Y"},
        "support": {"default_country": "RU", "date_format": "%d.%m.%Y"},
        "finance": {"default_country": "ES", "date_format": "%d/%m/%Y"},
    }
    return frame, defaults


def _generate(rows: int, seed: int) -> pd.DataFrame:
    """Synthetic canonical records as four department exports would deliver them.

    ~70% of rows are distinct customers, the rest are the same customers seen
    again by another export and rendered that export's way (not byte-identical
    copies). Names follow real frequency skew (a few very common given names and
    surnames), but combinations (two Spanish surnames, patronymics, "FAMILY,
    Given" layouts, upper case, typos, transliterations) make most full names
    distinct, as in real CRMs; e-mails and phones are mostly unique; cities,
    countries and street names repeat a lot.
    """
    rng = np.random.default_rng(seed)
    people = max(int(rows * 0.7), 1)
    who = np.concatenate([np.arange(people), rng.integers(0, people, rows - people)])
    p = {k: v[who] for k, v in _people(rng, people).items()}
    sources = np.array(["marketing", "sales", "support", "finance"])
    source = rng.choice(sources, rows, p=[0.35, 0.3, 0.2, 0.15])
    r = rng.random(rows)
    cc, lang = p["country"], p["lang"]
    es, ru = lang == "es", lang == "ru"

    # names: sales has given/family/middle columns, the others one full-name column
    given = p["given"].copy()
    fam = np.where(es & (rng.random(rows) < 0.75), p["fam1"] + " " + p["fam2"], p["fam1"])
    middle = p["middle"].copy()
    latin = ru & (rng.random(rows) < 0.35)  # Russian customers typed in Latin letters
    for arr in (given, fam, middle):
        arr[latin] = _map(arr[latin], lambda s: transliterate(s, "bgn") if s else s)
    typo_rows = np.flatnonzero(rng.random(rows) < 0.03)
    trng = random.Random(seed)
    fam[typo_rows] = [typo(s, trng) for s in fam[typo_rows]]
    nick = rng.random(rows) < 0.05
    given[nick & es] = _map(given[nick & es], lambda g: N.NICKNAMES["es"].get(g, [g])[0])
    upper = rng.random(rows) < 0.12
    full = np.where(ru & (middle != ""), fam + " " + given + " " + middle,
                    np.where(middle != "", given + " " + middle + " " + fam, given + " " + fam))
    comma = (source == "finance") | ((source == "support") & (r < 0.5))
    full[comma] = (fam + ", " + given + np.where(middle != "", " " + middle, ""))[comma]
    full[upper | (source == "finance")] = _map(full[upper | (source == "finance")], str.upper)
    sales = source == "sales"
    frame = pd.DataFrame(
        {
            "full_name": np.where(sales, None, full),
            "given_name": np.where(sales, np.where(upper, _map(given, str.upper), given), None),
            "family_name": np.where(sales, np.where(upper, _map(fam, str.upper), fam), None),
            "middle_name": np.where(sales & (middle != "") & ru, middle, None),
        }
    )
    email = p["email"].copy()
    shout = rng.random(rows) < 0.05
    email[shout] = _map(email[shout], str.upper)
    junk = rng.random(rows)
    email[junk < 0.03] = "noemail@gmail.com"
    email[(junk >= 0.03) & (junk < 0.2)] = None
    email[(junk >= 0.2) & (junk < 0.22)] = "juan.perez@"
    frame["email"] = email
    frame["phone"] = _phone(rng, cc, pd.Series(p["phone_digits"]))
    form = rng.integers(0, 4, rows)
    street = np.empty(rows, dtype=object)
    for code, forms in STREET_FORMS.items():
        for k, pattern in enumerate(forms):
            sel = np.flatnonzero((cc == code) & (form % len(forms) == k))
            street[sel] = [pattern.format(s=s, S=s.upper(), n=n) for s, n in
                           zip(p["street"][sel], p["house"][sel], strict=True)]
    frame["street"] = street
    frame["city"] = np.where(rng.random(rows) < 0.1, _map(p["city"], str.upper), p["city"])
    postal = p["postal"].copy()
    lost_zero = (cc == "ES") & (rng.random(rows) < 0.1)
    postal[lost_zero] = _map(postal[lost_zero], lambda s: s.lstrip("0"))
    frame["postal_code"] = postal
    country_raw = np.empty(rows, dtype=object)
    pick = rng.integers(0, 100, rows)
    for code, labels in COUNTRY_LABELS.items():
        sel = cc == code
        country_raw[sel] = np.array(labels, dtype=object)[pick[sel] % len(labels)]
    frame["country"] = country_raw
    dob = p["dob"].copy()
    dob[rng.random(rows) < 0.15] = None
    frame["date_of_birth"] = dob
    frame["tax_id"] = p["tax"]
    frame["company"] = p["company"]
    frame["attr_consent_email"] = rng.choice(CONSENT, rows)
    frame.insert(0, "source", source)
    support = source == "support"
    frame.loc[support, "date_of_birth"] = frame.loc[support, "date_of_birth"].str.replace(
        "/", ".", regex=False)
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].astype("string")
    return frame


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-names", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="processes (1 = serial)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    records, defaults = generate(args.rows, args.seed)
    t1 = time.perf_counter()
    cpu1 = time.process_time()
    children1 = _children_cpu()
    rules = ValidationRules()
    vocabs = load_vocabularies()
    specs = {s: {"consent_email": {"type": "boolean", "vocabulary": "consent"}} for s in defaults}
    normalized = normalize_records(records, defaults, rules, vocabs, date(2024, 6, 1),
                                   attribute_specs=specs, include_names=not args.no_names,
                                   workers=args.workers)
    t2 = time.perf_counter()
    clean, quarantine = split_quarantine(normalized, rules)
    metrics = quality_metrics(normalized)
    t3 = time.perf_counter()
    cpu = time.process_time() - cpu1
    cpu_children = _children_cpu() - children1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"rows={args.rows} generate={t1 - t0:.1f}s normalize={t2 - t1:.1f}s "
          f"validate+metrics={t3 - t2:.1f}s normalize+validate={t3 - t1:.1f}s "
          f"cpu(normalize+validate)={cpu:.1f}s+workers {cpu_children:.1f}s "
          f"peak_rss={peak_mb:.0f}MB worker_peak_rss={child_mb:.0f}MB")
    print(f"clean={len(clean)} quarantine={len(quarantine)} columns={normalized.shape[1]}")
    summary = metrics.groupby("field")[["validity", "invalid_rate", "distinct_ratio"]].mean()
    print(summary.round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
