"""Benchmark survivorship and golden-id stability at 100k customers.

Builds synthetic clean records (clusters = truth), runs survive + assign_golden_ids,
then simulates a nightly re-run with 10% new records and 5% changed records
(values edited; some moved to another customer or split off into a new one) and
prints timings and id churn.

    python -m bench.survive [--customers 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from crm_golden.config.survivorship import load_survivorship_rules
from transforms.golden_ids import assign_golden_ids, build_membership
from transforms.survive import attach_golden_ids, survive

SOURCES = np.array(["finance", "marketing", "sales", "support"])
TRUST = {"finance": 4, "sales": 3, "support": 2, "marketing": 1}
RULES = Path(__file__).resolve().parents[1] / "rules" / "survivorship.yaml"


def _pick(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def _dates(rng: np.random.Generator, n: int, missing: float) -> pd.Series:
    days = rng.integers(0, 3650, n)
    ts = pd.Timestamp("2015-01-01") + pd.to_timedelta(days, unit="D")
    return pd.Series(ts).where(rng.random(n) >= missing)


def make_records(
    rng: np.random.Generator, customer: np.ndarray, start_id: int
) -> pd.DataFrame:
    """Clean records for the given customer ids (one row each), vectorized."""
    n = len(customer)
    cust = pd.Series(customer).astype(str)
    src = SOURCES[rng.integers(0, 4, n)]
    rid = np.arange(start_id, start_id + n)
    df = pd.DataFrame({
        "record_id": np.arange(n, dtype=np.int64),
        "source": src,
        "source_record_id": pd.Series(rid).astype(str).radd("r").to_numpy(),
        "source_file": pd.Series(src) + ".csv",
        "source_row": rid,
        "name_given": _pick(rng, ["José", "Ana", "Iván", "Ольга", "María", "Pedro"], n),
        "name_middle": np.where(rng.random(n) < 0.3, "Sergeevich", None),
        "name_family": ("Fam" + cust).to_numpy(),
        "email_norm": np.where(rng.random(n) < 0.75, "u" + cust + "@mail.es", None),
        "phone_e164": np.where(rng.random(n) < 0.6, "+3460" + cust.str.zfill(7), None),
        "phone_2_e164": np.where(rng.random(n) < 0.1, "+3491" + cust.str.zfill(7), None),
        "street_norm": np.where(rng.random(n) < 0.5, "Calle " + cust, None),
        "city_norm": _pick(rng, ["Madrid", "Lima", "Москва", "Sevilla"], n),
        "postal_code_norm": np.where(rng.random(n) < 0.4, "28001", None),
        "country_code": _pick(rng, ["ES", "PE", "RU"], n),
        "date_of_birth_norm": _dates(rng, n, 0.6) - pd.Timedelta(days=12000),
        "tax_id_norm": np.where(rng.random(n) < 0.2, cust.str.zfill(8) + "Z", None),
    })
    for col, status in [("name_given", "given_name_status"), ("name_family", "family_name_status"),
                        ("name_middle", "middle_name_status"), ("email_norm", "email_status"),
                        ("phone_e164", "phone_status"), ("phone_2_e164", "phone_2_status"),
                        ("street_norm", "street_status"), ("city_norm", "city_status"),
                        ("postal_code_norm", "postal_code_status"),
                        ("country_code", "country_status"),
                        ("date_of_birth_norm", "date_of_birth_status"),
                        ("tax_id_norm", "tax_id_status")]:
        present = df[col].notna().to_numpy()
        df[status] = np.where(present, np.where(rng.random(n) < 0.05, "invalid", "valid"),
                              "missing")
    df["email_is_placeholder"] = rng.random(n) < 0.01
    df["attr_purchases_total"] = np.where(src == "sales", rng.gamma(2, 80, n).round(2), np.nan)
    df["attr_purchases_count"] = pd.array(np.where(src == "sales", rng.integers(0, 9, n), None),
                                          dtype="Int64")
    df["attr_balance"] = np.where(src == "finance", rng.gamma(1, 50, n).round(2), np.nan)
    df["attr_open_tickets"] = pd.array(np.where(src == "support", rng.integers(0, 4, n), None),
                                       dtype="Int64")
    df["attr_satisfaction"] = np.where(src == "support", rng.integers(1, 6, n), np.nan)
    for attr in ["created_date", "last_purchase_date", "last_ticket_date",
                 "last_payment_date", "consent_date"]:
        df["attr_" + attr] = _dates(rng, n, 0.4)
    df["attr_consent_email"] = pd.array(
        np.where(rng.random(n) < 0.5, rng.random(n) < 0.85, None), dtype="boolean")
    df["attr_consent_phone"] = pd.array(
        np.where(rng.random(n) < 0.3, rng.random(n) < 0.9, None), dtype="boolean")
    df["attr_preferred_channel"] = np.where(rng.random(n) < 0.5,
                                            _pick(rng, ["email", "phone", "sms"], n), None)
    df["attr_payment_method"] = np.where(src == "finance", _pick(rng, ["card", "sepa"], n), None)
    df["attr_lead_source"] = np.where(src == "marketing", _pick(rng, ["web", "fair"], n), None)
    return df


def timed(label: str, fn, *args):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{label:<30} {wall:7.2f} s wall {cpu:7.2f} s cpu")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rules = load_survivorship_rules(RULES)

    n_cust = args.customers
    per = 1 + rng.poisson(1.2, n_cust)  # ~2.2 records per customer
    truth = np.repeat(np.arange(n_cust), per)
    clean = make_records(rng, truth, 0)
    clusters = pd.DataFrame({"record_id": clean["record_id"], "cluster_id": truth})
    print(f"run 1: {len(clean):,} records, {n_cust:,} customers")
    golden = timed("survive (run 1)", survive, clean, clusters, rules, TRUST)
    run1 = timed("assign_golden_ids (run 1)", assign_golden_ids,
                 build_membership(clean, clusters), None, "run-1")
    timed("attach_golden_ids", attach_golden_ids, golden, run1.ids)
    print(f"  churn {run1.churn}")

    # ---- re-run: 10% new records, 5% changed (edited / moved / split off)
    n = len(clean)
    n_new = n // 10
    joins = rng.random(n_new) < 0.5  # half join existing customers, half are new people
    new_cust = np.where(joins, rng.integers(0, n_cust, n_new),
                        n_cust + rng.integers(0, int(n_new * 0.35), n_new))
    added = make_records(rng, new_cust, n)
    truth2 = np.concatenate([truth, new_cust])
    clean2 = pd.concat([clean, added], ignore_index=True)
    clean2["record_id"] = np.arange(len(clean2), dtype=np.int64)

    changed = rng.choice(n, n // 20, replace=False)
    kind = rng.random(len(changed))
    edit = changed[kind < 0.6]
    clean2.loc[edit, "email_norm"] = "edited" + pd.Series(edit).astype(str).to_numpy() + "@x.es"
    clean2.loc[edit, "attr_consent_email"] = False
    moved = changed[(kind >= 0.6) & (kind < 0.8)]  # linked to another existing customer
    truth2[moved] = rng.integers(0, n_cust, len(moved))
    split = changed[kind >= 0.8]  # split off into a customer of their own
    truth2[split] = truth2.max() + 1 + np.arange(len(split))
    # fresh, run-local cluster numbering as a real clustering would produce
    codes, uniq = pd.factorize(truth2)
    clusters2 = pd.DataFrame({"record_id": clean2["record_id"],
                              "cluster_id": rng.permutation(len(uniq))[codes]})
    print(f"run 2: {len(clean2):,} records (+{n_new:,} new, {len(edit):,} edited, "
          f"{len(moved):,} moved, {len(split):,} split off), "
          f"{clusters2['cluster_id'].nunique():,} clusters")
    timed("survive (run 2)", survive, clean2, clusters2, rules, TRUST)
    run2 = timed("assign_golden_ids (run 2)", assign_golden_ids,
                 build_membership(clean2, clusters2), run1.registry, "run-2")
    print(f"  churn {run2.churn}")

    # id survival of run-1 ids, and of ids whose customer had no change at all
    first = run1.crosswalk.merge(run2.crosswalk, on=["source", "source_record_id"],
                                 suffixes=("_1", "_2"))
    old_ids = run1.ids["golden_id"]
    still = old_ids.isin(run2.ids["golden_id"])
    touched_cust = np.unique(np.concatenate([truth[changed], new_cust[joins], truth2[moved]]))
    untouched = ~pd.Series(np.arange(n_cust)).isin(touched_cust).to_numpy()
    id_by_cust = pd.Series(run1.crosswalk.set_index("source_record_id")["golden_id"]
                           .reindex(clean["source_record_id"]).to_numpy()).groupby(truth).first()
    untouched_ids = id_by_cust[untouched]
    print(f"run-1 ids still active and used in run 2: {int(still.sum()):,} of {len(old_ids):,} "
          f"({still.mean():.2%})")
    print(f"ids of untouched customers kept: "
          f"{int(untouched_ids.isin(run2.ids['golden_id']).sum()):,} of {len(untouched_ids):,}")
    moved_ids = int((first["golden_id_1"] != first["golden_id_2"]).sum())
    print(f"records whose golden id changed: {moved_ids:,} of {len(first):,}; "
          f"redirects: {len(run2.redirects):,}")


if __name__ == "__main__":
    main()
