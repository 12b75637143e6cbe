"""Benchmark: normalize + validate 1,000,000 synthetic canonical records.

Usage: ``python -m bench.normalize [--rows N] [--seed S] [--no-names]``

Records are drawn from realistic ES/MX/RU/US/GB pools with messy variants
(formats, typos, placeholders, trunk prefixes, Excel damage) and ~30% of the
identifying values repeated, as in real exports. Prints wall time per stage
and peak RSS (``ru_maxrss``). Target: <= 60 s and < 3 GB on 2 cores.
"""

from __future__ import annotations

import argparse
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
from transforms.normalize import normalize_records  # noqa: E402
from transforms.validate import quality_metrics, split_quarantine  # noqa: E402
from transforms.vocab import load_vocabularies  # noqa: E402

GIVEN_ES = ["José", "María", "Juan", "Ana", "Carmen", "Francisco", "Lucía", "Javier", "Pepe",
            "Mª José", "Álvaro", "Sofía", "Martínez", "Iñaki", "Núria"]
FAMILY_ES = ["García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez",
             "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Muñoz"]
GIVEN_RU = ["Александр", "Сергей", "Елена", "Ольга", "Дмитрий", "Наталья", "Иван", "Татьяна",
            "Aleksandr", "Sergey", "Sasha"]
FAMILY_RU = ["Иванов", "Иванова", "Смирнов", "Смирнова", "Кузнецов", "Попова", "Соколов",
             "Petrov", "Ivanova", "Volkov"]
GIVEN_EN = ["John", "Mary", "James", "Patricia", "Robert", "Jennifer", "Michael", "Liz"]
FAMILY_EN = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "O'Brien"]
DOMAINS = ["gmail.com", "hotmail.com", "hotmail.es", "yahoo.es", "outlook.com", "mail.ru",
           "yandex.ru", "gmial.com", "hotmail.con", "mail.ur", "empresa.es", "acme.com.mx",
           "googlemail.com", "example.com"]
COUNTRIES = {"ES": ["España", "ES", "Spain", "ESP", None],
             "MX": ["México", "MX", "Mexico", None],
             "RU": ["Россия", "RU", "РФ", "Russia", None],
             "US": ["USA", "US", "Estados Unidos", "United States", None],
             "GB": ["UK", "United Kingdom", "GB", None]}
STREETS = ["C/ Mayor, {n}", "Calle Mayor nº {n}", "Avda. de la Constitución {n}, 3º B",
           "Pza. España {n}", "ул. Ленина, д. {n}, кв. 5", "пр-т Мира д.{n}",
           "{n} Baker St.", "{n} Downing Street", "Av. Insurgentes Sur {n}, Col. Roma"]
CITIES = {"ES": ["Madrid", "MADRID", "Barcelona", "Sevilla", "A Coruña"],
          "MX": ["CDMX", "Ciudad de México", "Guadalajara", "Monterrey"],
          "RU": ["Москва", "г. Москва", "Санкт-Петербург", "Moscow", "Казань"],
          "US": ["New York", "NYC", "Boston", "Los Angeles"],
          "GB": ["London", "Londres", "Manchester"]}
CONSENT = ["Sí", "si", "yes", "да", "no", "нет", "1", "0", "", "quizás"]


def _phone(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    """Phones typed the many ways each country types them, plus junk."""
    n = len(country)
    d = pd.Series(rng.integers(10_000_000, 99_999_999, n).astype(str))
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


def generate(rows: int, seed: int = 7) -> tuple[pd.DataFrame, dict]:
    """Synthetic canonical records (about 70% distinct identity values)."""
    rng = np.random.default_rng(seed)
    base = int(rows * 0.7)
    ccs = np.array(["ES", "MX", "RU", "US", "GB"])
    country = rng.choice(ccs, base, p=[0.35, 0.2, 0.25, 0.1, 0.1])
    ru = country == "RU"
    es_mx = np.isin(country, ["ES", "MX"])
    given = np.where(ru, rng.choice(GIVEN_RU, base),
                     np.where(es_mx, rng.choice(GIVEN_ES, base), rng.choice(GIVEN_EN, base)))
    family = np.where(ru, rng.choice(FAMILY_RU, base),
                      np.where(es_mx, rng.choice(FAMILY_ES, base) + " " + rng.choice(FAMILY_ES, base),
                               rng.choice(FAMILY_EN, base)))
    num = rng.integers(1, 99_999, base).astype(str)
    local = pd.Series(rng.choice(["juan", "maria", "ivan", "olga", "john", "ana"], base)) + "." + num
    email = (local + "@" + rng.choice(DOMAINS, base)).to_numpy(dtype=object)
    junk = rng.random(base)
    email[junk < 0.03] = "noemail@gmail.com"
    email[(junk >= 0.03) & (junk < 0.2)] = None
    email[(junk >= 0.2) & (junk < 0.22)] = "juan.perez@"
    phone = _phone(rng, country)
    street = np.array([s.replace("{n}", n) for s, n in zip(rng.choice(STREETS, base),
                      rng.integers(1, 300, base).astype(str), strict=True)], dtype=object)
    city = np.array([rng.choice(CITIES[c]) for c in country[:1000]] * (base // 1000 + 1),
                    dtype=object)[:base]
    postal = np.where(country == "RU", rng.integers(100000, 199999, base).astype(str),
                      np.where(country == "GB", "SW1A 1AA",
                               rng.integers(1000, 52999, base).astype(str)))
    day = rng.integers(1, 32, base).astype(str)
    month = rng.integers(1, 13, base).astype(str)
    year = rng.integers(1935, 2030, base).astype(str)
    dob = pd.Series(day).str.zfill(2) + "/" + pd.Series(month).str.zfill(2) + "/" + year
    country_raw = np.array([rng.choice(COUNTRIES[c][:3] + [None]) for c in country[:1000]]
                           * (base // 1000 + 1), dtype=object)[:base]
    dni_num = rng.integers(10_000_000, 99_999_999, base)
    letters = np.array(list("TRWAGMYFPDXBNJZSQVHLCKE"))[dni_num % 23]
    tax = pd.Series(dni_num.astype(str)) + letters
    tax = tax.where(rng.random(base) < 0.3, None)
    frame = pd.DataFrame(
        {
            "given_name": given, "family_name": family, "email": email, "phone": phone,
            "street": street, "city": city, "postal_code": postal, "country": country_raw,
            "date_of_birth": dob, "tax_id": tax,
            "company": rng.choice(["Acme Iberia, S.L.", "ООО «Ромашка»", None, "Tesco PLC"], base),
            "attr.consent_email": rng.choice(CONSENT, base),
        }
    )
    dup = frame.sample(rows - base, replace=True, random_state=seed)
    frame = pd.concat([frame, dup], ignore_index=True)
    sources = np.array(["marketing", "sales", "support", "finance"])
    frame.insert(0, "source", rng.choice(sources, rows))
    support = (frame["source"] == "support").to_numpy()
    frame.loc[support, "date_of_birth"] = frame.loc[support, "date_of_birth"].str.replace(
        "/", ".", regex=False)
    frame.insert(0, "record_id", np.arange(rows))
    frame["source_record_id"] = frame["record_id"].astype(str)
    frame["source_file"] = frame["source"] + ".csv"
    frame["source_row"] = frame["record_id"] + 1
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].astype("string")
    defaults = {
        "marketing": {"default_country": "ES", "date_format": "%d/%m/%Y"},
        "sales": {"default_country": "MX", "date_format": "%d/%m/%Y"},
        "support": {"default_country": "RU", "date_format": "%d.%m.%Y"},
        "finance": {"default_country": "ES", "date_format": "%d/%m/%Y"},
    }
    return frame, defaults


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-names", action="store_true")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    records, defaults = generate(args.rows, args.seed)
    t1 = time.perf_counter()
    cpu1 = time.process_time()
    rules = ValidationRules()
    vocabs = load_vocabularies()
    specs = {s: {"consent_email": {"type": "boolean", "vocabulary": "consent"}} for s in defaults}
    normalized = normalize_records(records, defaults, rules, vocabs, date(2024, 6, 1),
                                   attribute_specs=specs, include_names=not args.no_names)
    t2 = time.perf_counter()
    clean, quarantine = split_quarantine(normalized, rules)
    metrics = quality_metrics(normalized)
    t3 = time.perf_counter()
    cpu = time.process_time() - cpu1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows={args.rows} generate={t1 - t0:.1f}s normalize={t2 - t1:.1f}s "
          f"validate+metrics={t3 - t2:.1f}s normalize+validate={t3 - t1:.1f}s "
          f"cpu(normalize+validate)={cpu:.1f}s peak_rss={peak_mb:.0f}MB")
    print(f"clean={len(clean)} quarantine={len(quarantine)} columns={normalized.shape[1]}")
    summary = metrics.groupby("field")[["validity", "invalid_rate", "distinct_ratio"]].mean()
    print(summary.round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
