"""Survivorship: rules, lineage, invalid/empty handling, grouped fields, aggregates, consent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_golden.config.base import ConfigError
from crm_golden.config.survivorship import SurvivorshipRules, load_survivorship_rules
from crm_golden.schema import KNOWN_ATTRIBUTES
from transforms.emails import normalize_emails
from transforms.golden_ids import assign_golden_ids, build_membership
from transforms.survive import attach_golden_ids, golden_arrow_schema, survive

RULES_PATH = Path(__file__).resolve().parents[1] / "rules" / "survivorship.yaml"
TRUST = {"finance": 4, "sales": 3, "support": 2, "marketing": 1}


@pytest.fixture(scope="module")
def rules() -> SurvivorshipRules:
    return load_survivorship_rules(RULES_PATH)


def records(rows: list[dict]) -> pd.DataFrame:
    """Clean records with lineage filled in; statuses default to valid where a value exists."""
    df = pd.DataFrame(rows)
    df.insert(0, "record_id", np.arange(len(df), dtype=np.int64))
    if "source_record_id" not in df:
        df["source_record_id"] = [f"{s[0]}{i}" for i, s in enumerate(df["source"])]
    df["source_file"] = df["source"] + ".csv"
    df["source_row"] = np.arange(1, len(df) + 1)
    status_of = {
        "email_norm": "email_status", "phone_e164": "phone_status",
        "phone_2_e164": "phone_2_status", "name_given": "given_name_status",
        "name_family": "family_name_status", "street_norm": "street_status",
        "city_norm": "city_status", "postal_code_norm": "postal_code_status",
        "country_code": "country_status",
    }
    for col, status in status_of.items():
        if col in df and status not in df:
            df[status] = np.where(df[col].notna(), "valid", "missing")
    for col in [c for c in df.columns if c.endswith("_date")]:
        df[col] = pd.to_datetime(df[col])
    for col in ("consent_email", "consent_phone"):
        if col in df:
            df[col] = df[col].astype("boolean")
    return df.rename(columns={a: f"attr_{a}" for a in KNOWN_ATTRIBUTES})


def one_cluster(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"record_id": df["record_id"], "cluster_id": 1})


def row(golden: pd.DataFrame) -> pd.Series:
    assert len(golden) == 1
    return golden.iloc[0]


def test_invalid_email_in_most_trusted_source_loses(rules: SurvivorshipRules) -> None:
    df = records([
        {"source": "finance", "email_norm": "jose@@gmail", "email_status": "invalid"},
        {"source": "marketing", "email_norm": "jose@gmail.com", "source_record_id": "m-7"},
    ])
    g = row(survive(df, one_cluster(df), rules, TRUST))
    assert g["email"] == "jose@gmail.com"
    assert (g["email__source"], g["email__source_record_id"]) == ("marketing", "m-7")
    assert g["emails"] == ["jose@gmail.com"]


def test_emails_are_one_entry_per_address_in_its_best_formed_spelling(
        rules: SurvivorshipRules) -> None:
    raw = ["MELISSA1950@gmail.com", "melissa1950@gmail.com", "ME.LISSA1950@gmail.com",
           "melissa1950@gmail.com", "m.garcia@empresa.es"]
    norm = normalize_emails(pd.Series(raw, dtype="string"))
    df = records([{"source": s, "email_norm": e, "email_key": k} for s, e, k in zip(
        ["finance", "sales", "support", "marketing", "sales"], norm["email_norm"],
        norm["email_key"], strict=True)])
    g = row(survive(df, one_cluster(df), rules, TRUST))
    # one gmail address (case and dots fold into its key), spelled as most records do
    assert g["emails"] == ["melissa1950@gmail.com", "m.garcia@empresa.es"]
    assert g["emails__source"] == ["sales", "sales"]


def test_trusted_source_wins_among_valid_values(rules: SurvivorshipRules) -> None:
    df = records([
        {"source": "marketing", "email_norm": "a@x.es"},
        {"source": "sales", "email_norm": "b@x.es", "email_status": "fixed"},
        {"source": "support", "email_norm": "c@x.es"},
    ])
    assert row(survive(df, one_cluster(df), rules, TRUST))["email"] == "b@x.es"


def test_empty_never_overwrites_present(rules: SurvivorshipRules) -> None:
    df = records([
        {"source": "finance", "email_norm": None, "phone_e164": ""},
        {"source": "sales", "email_norm": "", "phone_e164": None},
        {"source": "marketing", "email_norm": "ana@x.es", "phone_e164": "+34600000001"},
    ])
    g = row(survive(df, one_cluster(df), rules, TRUST))
    assert g["email"] == "ana@x.es" and g["phone"] == "+34600000001"
    assert g["phone__source"] == "marketing"


def test_nothing_present_gives_empty_value_and_lineage(rules: SurvivorshipRules) -> None:
    df = records([{"source": "sales", "email_norm": None}, {"source": "finance"}])
    g = row(survive(df, one_cluster(df), rules, TRUST))
    assert pd.isna(g["email"]) and pd.isna(g["email__source"])
    assert pd.isna(g["tax_id"])  # column absent from the dataset entirely
    assert g["phones"] == []


def test_address_fields_come_from_one_record(rules: SurvivorshipRules) -> None:
    df = records([
        # older, complete address
        {"source": "finance", "street_norm": "Calle Mayor 1", "city_norm": "Madrid",
         "postal_code_norm": "28013", "country_code": "ES", "created_date": "2020-01-01"},
        # most recent: moved, no postal code; its city must not be glued to the old street
        {"source": "sales", "street_norm": "Avenida Sol 5", "city_norm": "Sevilla",
         "postal_code_norm": None, "country_code": "ES", "created_date": "2024-03-01"},
        # even more recent but only a defaulted country: not an address
        {"source": "marketing", "country_code": "MX", "created_date": "2025-01-01"},
    ])
    g = row(survive(df, one_cluster(df), rules, TRUST))
    assert (g["street"], g["city"], g["country"]) == ("Avenida Sol 5", "Sevilla", "ES")
    assert pd.isna(g["postal_code"])  # not borrowed from the other record
    assert g["street__source"] == g["city__source"] == g["country__source"] == "sales"
    assert g["street__source_record_id"] == g["city__source_record_id"]


def test_invalid_address_part_is_blanked_not_surviving(rules: SurvivorshipRules) -> None:
    df = records([
        {"source": "sales", "street_norm": "Calle Luna 3", "city_norm": "Toledo",
         "postal_code_norm": "99999", "postal_code_status": "invalid", "country_code": "ES",
         "created_date": "2024-01-01"},
    ])
    g = row(survive(df, one_cluster(df), rules, TRUST))
    assert g["city"] == "Toledo" and pd.isna(g["postal_code"])
    assert pd.isna(g["postal_code__source"])


def test_name_parts_survive_together(rules: SurvivorshipRules) -> None:
    df = records([
        {"source": "finance", "name_given": "José", "name_family": "García",
         "name_family_1": "García"},
        {"source": "marketing", "name_given": "Pepe", "name_middle": "Luis",
         "name_family": "García López", "name_family_1": "García", "name_family_2": "López"},
    ])
    g = row(survive(df, one_cluster(df), rules, TRUST))
    assert (g["given_name"], g["family_name"]) == ("José", "García")
    assert pd.isna(g["middle_name"]) and pd.isna(g["family_name_2"])
    assert g["given_name__source"] == g["family_name__source"] == "finance"


def test_most_complete_breaks_ties_within_equal_trust(rules: SurvivorshipRules) -> None:
    df = records([
        {"source": "sales", "name_given": "Anna", "name_family": "Ivanova"},
        {"source": "sales", "name_given": "Anna", "name_middle": "Sergeevna",
         "name_family": "Ivanova"},
    ])
    g = row(survive(df, one_cluster(df), rules, TRUST))
    assert g["middle_name"] == "Sergeevna"


def test_keep_all_phones_are_distinct_valid_and_best_ranked_first(
    rules: SurvivorshipRules,
) -> None:
    df = records([
        {"source": "marketing", "phone_e164": "+34600000003", "phone_2_e164": "+34600000001"},
        {"source": "finance", "phone_e164": "+34600000001", "phone_2_e164": "+34911111111"},
        {"source": "support", "phone_e164": "+34000", "phone_status": "invalid"},
    ])
    g = row(survive(df, one_cluster(df), rules, TRUST))
    assert g["phones"] == ["+34600000001", "+34911111111", "+34600000003"]
    assert g["phones__source"] == ["finance", "finance", "marketing"]
    assert g["phone"] == "+34600000001"


def test_opt_out_in_one_source_wins_with_source_and_date(rules: SurvivorshipRules) -> None:
    df = records([
        {"source": "finance", "consent_email": True, "consent_phone": True,
         "consent_date": "2024-05-01"},
        {"source": "marketing", "source_record_id": "lead-9", "consent_email": False,
         "consent_date": "2021-02-03"},
        {"source": "support", "consent_email": None, "consent_phone": True,
         "consent_date": "2023-01-01"},
    ])
    g = row(survive(df, one_cluster(df), rules, TRUST))
    assert g["consent_email"] is False or g["consent_email"] == False  # noqa: E712
    assert (g["consent_email__source"], g["consent_email__source_record_id"]) == (
        "marketing", "lead-9")
    assert g["consent_email__date"] == pd.Timestamp("2021-02-03")
    # nobody opted out of phone: the latest opt-in decides
    assert bool(g["consent_phone"]) is True
    assert g["consent_phone__source"] == "finance"


def test_consent_unknown_stays_unknown(rules: SurvivorshipRules) -> None:
    df = records([{"source": "sales"}])
    df["attr_consent_email"] = pd.array([pd.NA], dtype="boolean")
    g = row(survive(df, one_cluster(df), rules, TRUST))
    assert pd.isna(g["consent_email"]) and pd.isna(g["consent_email__source"])


def test_aggregates_with_missing_values(rules: SurvivorshipRules) -> None:
    df = records([
        {"source": "sales", "purchases_total": 100.5, "last_purchase_date": "2024-02-01",
         "created_date": "2019-06-01", "preferred_channel": "email"},
        {"source": "sales", "purchases_total": np.nan, "last_purchase_date": None,
         "created_date": "2018-01-01", "preferred_channel": "phone"},
        {"source": "support", "open_tickets": 2, "last_ticket_date": "2024-09-09",
         "preferred_channel": None},
        {"source": "finance", "balance": 40.0, "purchases_total": 20.0},
        {"source": "marketing"},  # a second customer with nothing at all
    ])
    df["attr_open_tickets"] = df["attr_open_tickets"].astype("Int64")
    clusters = pd.DataFrame({"record_id": df["record_id"], "cluster_id": [5, 5, 5, 5, 6]})
    g = survive(df, clusters, rules, TRUST).set_index("cluster_id")
    a, b = g.loc[5], g.loc[6]
    assert a["lifetime_value"] == pytest.approx(120.5)
    assert a["outstanding_balance"] == 40.0 and a["open_tickets"] == 2
    assert a["last_interaction"] == pd.Timestamp("2024-09-09")
    assert a["first_seen"] == pd.Timestamp("2018-01-01")
    assert a["record_count"] == 4 and a["source_count"] == 3
    assert a["sources"] == ["finance", "sales", "support"]
    assert a["preferred_channel"] == "email"  # the record dated 2019 beats 2018
    assert a["preferred_channel__source"] == "sales"
    assert pd.isna(b["lifetime_value"]) and pd.isna(b["open_tickets"])  # empty, not 0
    assert pd.isna(b["last_interaction"]) and b["record_count"] == 1
    assert b["sources"] == ["marketing"]


def test_same_inputs_shuffled_give_byte_identical_golden_table(
    rules: SurvivorshipRules, tmp_path: Path
) -> None:
    rng = np.random.default_rng(7)
    n = 300
    sources = np.array(list(TRUST))
    df = records([
        {
            "source": sources[i % 4],
            "source_record_id": f"id{i}",
            "name_given": ["Ana", "Iván", "Ольга", None][rng.integers(4)],
            "email_norm": f"u{rng.integers(60)}@x.es" if rng.random() < 0.8 else None,
            "phone_e164": f"+3460000{rng.integers(100):04d}" if rng.random() < 0.6 else None,
            "city_norm": ["Madrid", "Lima", None][rng.integers(3)],
            "created_date": f"202{rng.integers(5)}-0{rng.integers(1, 9)}-1{rng.integers(9)}",
        }
        for i in range(n)
    ])
    df["attr_purchases_total"] = rng.random(n).round(2)
    df["attr_consent_email"] = pd.array(rng.random(n) < 0.7, dtype="boolean")
    clusters = pd.DataFrame({"record_id": df["record_id"], "cluster_id": rng.integers(0, 90, n)})

    def publish(clean: pd.DataFrame, cl: pd.DataFrame, name: str) -> bytes:
        golden = survive(clean, cl, rules, TRUST)
        ids = assign_golden_ids(build_membership(clean, cl), None, "r1").ids
        path = tmp_path / name
        attach_golden_ids(golden, ids).to_parquet(path, index=False)
        return path.read_bytes()

    first = publish(df, clusters, "a.parquet")
    again = publish(df, clusters, "b.parquet")
    # shuffled rows, renumbered record_ids and cluster_ids
    perm = rng.permutation(n)
    shuffled = df.iloc[perm].reset_index(drop=True)
    new_rid = dict(zip(shuffled["record_id"], np.arange(n)[::-1], strict=True))
    relabel = dict(zip(range(90), rng.permutation(90) + 1000, strict=True))
    cl2 = pd.DataFrame({"record_id": clusters["record_id"].map(new_rid),
                        "cluster_id": clusters["cluster_id"].map(relabel)}).sample(frac=1.0)
    shuffled["record_id"] = shuffled["record_id"].map(new_rid)
    third = publish(shuffled, cl2, "c.parquet")
    assert first == again == third


def test_records_without_cluster_are_an_error(rules: SurvivorshipRules) -> None:
    df = records([{"source": "sales"}, {"source": "sales"}])
    with pytest.raises(ValueError, match="1 clean records have no cluster_id"):
        survive(df, pd.DataFrame({"record_id": [0], "cluster_id": [1]}), rules, TRUST)


def test_rules_errors_name_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "survivorship.yaml"
    bad.write_text("fields:\n  email:\n    fields: {email: email_norm}\n    rule: most_recnt\n")
    with pytest.raises(ConfigError, match=r"survivorship.yaml: fields.email.rule"):
        load_survivorship_rules(bad)
    bad.write_text("fields:\n  email:\n    fields: {email: email_norm}\n    rule: min\n"
                   "    colour: red\n")
    with pytest.raises(ConfigError, match=r"fields.email.colour: unknown key"):
        load_survivorship_rules(bad)
    bad.write_text("fields:\n  a:\n    fields: {email: email_norm}\n    rule: min\n"
                   "aggregates:\n  email: {sum: x}\n")
    with pytest.raises(ConfigError, match="already produced"):
        load_survivorship_rules(bad)
    bad.write_text("fields:\n  a:\n    fields: {x: email_norm}\n    rule: min\n"
                   "aggregates:\n  y: {sum: x, max: [z]}\n")
    with pytest.raises(ConfigError, match=r"aggregates.y"):
        load_survivorship_rules(bad)


def test_schema_does_not_depend_on_which_columns_exist(
    rules: SurvivorshipRules, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    full = records([{"source": "sales", "email_norm": "a@x.es",
                     "date_of_birth_norm": "1980-01-02", "open_tickets": 1,
                     "last_ticket_date": "2024-01-01"}])
    full["date_of_birth_norm"] = pd.to_datetime(full["date_of_birth_norm"])
    full["attr_open_tickets"] = full["attr_open_tickets"].astype("Int64")
    bare = records([{"source": "sales"}])
    schemas = []
    for i, df in enumerate((full, bare)):
        path = tmp_path / f"{i}.parquet"
        golden = survive(df, one_cluster(df), rules, TRUST)
        golden.to_parquet(path, index=False, schema=golden_arrow_schema(golden, rules))
        schemas.append(pq.read_schema(path).remove_metadata())
    assert schemas[0] == schemas[1]
