"""Tests for the generated data set as a whole (synth.generate): truth, rules, hard cases."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
import yaml

from crm_golden.config.base import ConfigError
from synth.exporters import FILES, SOURCES
from synth.generate import _point_at, generate, write_source_rules
from synth.text import strip_accents
from tests.test_population import _dni_ok, _inn_ok

ALL_FILES = [*FILES.values(), "truth.csv"]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("small")
    return out, generate(200, out, seed=7)


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("medium")
    return out, generate(1500, out, seed=3)


def _read_source(out: Path, source: str) -> pd.DataFrame:
    """Read an export exactly as its written source rules describe it."""
    rules = yaml.safe_load((out / "rules" / "sources" / f"{source}.yaml").read_text("utf-8"))
    path = (out / "rules" / "sources" / rules["path"]).resolve()
    if rules["format"] == "jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_csv(path, sep=rules["csv"]["delimiter"], encoding=rules["csv"]["encoding"],
                       quotechar=rules["csv"]["quotechar"], dtype=str, keep_default_na=False)


def _truth(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "truth.csv", dtype=str, keep_default_na=False)


# ----------------------------------------------------------------- determinism
def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    counts_a = generate(200, a, seed=11)
    counts_b = generate(200, b, seed=11)
    generate(200, c, seed=12)
    assert counts_a == counts_b
    for name in ALL_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    for source in SOURCES:
        rel = Path("rules/sources") / f"{source}.yaml"
        assert (a / rel).read_bytes() == (b / rel).read_bytes()
    assert any((a / n).read_bytes() != (c / n).read_bytes() for n in ALL_FILES)
    assert (a / "marketing.csv").read_bytes() != (c / "marketing.csv").read_bytes()


def test_counts_match_files_and_mean_records_per_customer(medium: tuple[Path, dict]) -> None:
    out, counts = medium
    assert counts["customers"] == 1500
    truth = _truth(out)
    assert counts["truth.csv"] == len(truth)
    for source in SOURCES:
        assert counts[FILES[source]] == len(_read_source(out, source))
    assert truth["entity_id"].nunique() == 1500  # every customer appears somewhere
    per_customer = len(truth) / 1500
    assert 1.9 <= per_customer <= 2.6
    sources_per_entity = truth.groupby("entity_id")["source"].nunique()
    assert sources_per_entity.min() >= 1 and sources_per_entity.max() <= 4
    assert (sources_per_entity >= 3).sum() > 100


# ----------------------------------------------------------------- truth coverage
def test_truth_covers_every_row_exactly_once(small: tuple[Path, dict]) -> None:
    out, _ = small
    truth = _truth(out)
    assert not truth.duplicated(["source", "source_record_id"]).any()
    assert set(truth["source"]) == set(SOURCES)
    id_columns = {"marketing": "lead_id", "sales": "contact_id", "support": "ticket_user_id",
                  "finance": "account_no"}
    for source in SOURCES:
        df = _read_source(out, source)
        ids = df[id_columns[source]].astype(str).tolist()
        assert len(ids) == len(set(ids)), f"{source} ids not unique"
        expected = sorted(truth.loc[truth["source"] == source, "source_record_id"])
        assert sorted(ids) == expected


# ----------------------------------------------------------------- source rules
def test_source_rules_parse_and_name_existing_files_and_columns(small: tuple[Path, dict]) -> None:
    out, _ = small
    for source in SOURCES:
        yaml_path = out / "rules" / "sources" / f"{source}.yaml"
        rules = yaml.safe_load(yaml_path.read_text("utf-8"))
        assert rules["name"] == source
        assert rules["path"] == f"../../{FILES[source]}"
        assert (yaml_path.parent / rules["path"]).resolve() == (out / FILES[source]).resolve()
        df = _read_source(out, source)
        assert rules["id_column"] in df.columns
        for field, column in rules["columns"].items():
            assert field in {"full_name", "given_name", "family_name", "email", "phone",
                             "phone_2", "company", "street", "city", "postal_code", "region",
                             "country", "date_of_birth", "tax_id"}
            for col in [column] if isinstance(column, str) else column:
                assert col in df.columns, (source, col)
        for attr, spec in rules["attributes"].items():
            assert spec["column"] in df.columns, (source, attr)
        assert isinstance(rules["trust"], int)
    repo_rules = Path(__file__).resolve().parents[1] / "rules"
    for top in sorted(repo_rules.glob("*.yaml")):  # run-ready: shared rules copied alongside
        assert (out / "rules" / top.name).read_bytes() == top.read_bytes()


def test_rules_can_target_another_folder(tmp_path: Path) -> None:
    data = tmp_path / "data" / "samples"
    data.mkdir(parents=True)
    written = write_source_rules(data, tmp_path / "rules" / "sources")
    assert len(written) == 4
    rules = yaml.safe_load(written[0].read_text("utf-8"))
    assert rules["path"] == "../../data/samples/marketing.csv"


def test_source_rules_are_the_repository_files_but_the_path(small: tuple[Path, dict]) -> None:
    """rules/sources is the single truth: the generator copies it, changing only ``path:``."""
    out, _ = small
    repo_sources = Path(__file__).resolve().parents[1] / "rules" / "sources"
    for source in SOURCES:
        repo = (repo_sources / f"{source}.yaml").read_bytes().splitlines(keepends=True)
        written = (out / "rules" / "sources" / f"{source}.yaml").read_bytes().splitlines(
            keepends=True)
        assert [line for line in written if not line.startswith(b"path:")] == \
            [line for line in repo if not line.startswith(b"path:")]
        assert [line for line in written if line.startswith(b"path:")] == \
            [f"path: ../../{FILES[source]}\n".encode()]
        assert len(written) == len(repo)


def test_source_rules_keep_comments_and_fail_clearly_without_the_repo_rules(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "# how to read it\r\nname: x\r\npath: old.csv  # beside the yaml\r\ntrust: 1\r\n"
    assert _point_at(text, "../../my data/x.csv", tmp_path / "x.yaml") == \
        '# how to read it\r\nname: x\r\npath: "../../my data/x.csv"  # beside the yaml\r\ntrust: 1\r\n'
    with pytest.raises(ConfigError, match="path:"):
        _point_at("name: x\n", "x.csv", tmp_path / "x.yaml")
    monkeypatch.setattr("synth.generate.REPO_RULES", tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="repository rules folder"):
        generate(5, tmp_path / "out", seed=1)
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------- hard cases
def _norm_name(text: str) -> str:
    text = strip_accents(text).lower().replace(",", " ")
    return " ".join(sorted(text.split()))


def test_namesakes_with_different_entities_exist(medium: tuple[Path, dict]) -> None:
    out, _ = medium
    truth = _truth(out).set_index(["source", "source_record_id"])["entity_id"]
    sales = _read_source(out, "sales")
    by_name: dict[str, set[str]] = defaultdict(set)
    for rid, first, last in zip(sales["contact_id"], sales["first_name"], sales["last_name"],
                                strict=True):
        if first and last:
            by_name[_norm_name(f"{first} {last}")].add(truth[("sales", rid)])
    namesakes = [n for n, ents in by_name.items() if len(ents) >= 2]
    assert len(namesakes) >= 10


def _phone_key(text: object) -> str:
    digits = re.sub(r"\D", "", str(text or ""))
    return digits[-9:] if len(digits) >= 9 else ""


def test_shared_landlines_and_emails_between_entities(medium: tuple[Path, dict]) -> None:
    out, _ = medium
    truth = _truth(out).set_index(["source", "source_record_id"])["entity_id"]
    phones: dict[str, set[str]] = defaultdict(set)
    emails: dict[str, set[str]] = defaultdict(set)
    sales = _read_source(out, "sales")
    for rid, land, mail in zip(sales["contact_id"], sales["landline"], sales["email"],
                               strict=True):
        if _phone_key(land):
            phones[_phone_key(land)].add(truth[("sales", rid)])
        if mail:
            emails[mail.strip().lower()].add(truth[("sales", rid)])
    marketing = _read_source(out, "marketing")
    for rid, tel, mail in zip(marketing["lead_id"], marketing["telefono"], marketing["email"],
                              strict=True):
        if _phone_key(tel):
            phones[_phone_key(tel)].add(truth[("marketing", rid)])
        if mail:
            emails[mail.strip().lower()].add(truth[("marketing", rid)])
    shared_phones = [k for k, v in phones.items() if len(v) >= 2]
    assert len(shared_phones) >= 5
    shared_mail = [k for k, v in emails.items() if len(v) >= 2]
    assert any(k.split("@")[0] in ("info", "ventas", "sales", "office", "contacto", "admin",
                                   "enquiries", "zakaz", "mail", "buh", "compras", "oficina",
                                   "administracion", "facturacion", "contact", "billing",
                                   "accounts") for k in shared_mail)
    assert any(re.search(r"famil|semya|the\w+s@", k) for k in shared_mail)


def test_duplicates_within_a_source(medium: tuple[Path, dict]) -> None:
    out, _ = medium
    truth = _truth(out)
    per_source = truth.groupby(["source", "entity_id"]).size()
    for source in SOURCES:
        dup_share = (per_source.loc[source] >= 2).mean()
        assert 0.02 <= dup_share <= 0.09, (source, dup_share)


def test_some_marketing_rows_are_unusable(medium: tuple[Path, dict]) -> None:
    out, _ = medium
    mk = _read_source(out, "marketing")
    blank = (mk["nombre_completo"] == "") & (mk["email"] == "") & (mk["telefono"] == "")
    assert 1 <= blank.sum() <= len(mk) * 0.02


def test_russian_names_vary_across_scripts_and_schemes(medium: tuple[Path, dict]) -> None:
    out, _ = medium
    sales = _read_source(out, "sales")
    lasts = set(sales["last_name"])
    fin = (out / "finance.csv").read_bytes().decode("cp1251")
    assert re.search(r"[А-Я]+ОВА?,", fin)  # Cyrillic surnames in finance
    ru_latin = [n for n in lasts if re.search(r"(ov|ova|ev|eva|in|ina|kiy|kii|skij|sky)$", n)]
    assert len(ru_latin) > 20
    assert any(re.search("[ÁÉÍÓÚÑáéíóúñ]", n) for n in lasts)  # Spanish accents in cp1252


# ----------------------------------------------------------------- identifiers and phones
def test_finance_tax_ids_mostly_valid_some_invalid(medium: tuple[Path, dict]) -> None:
    out, _ = medium
    text = (out / "finance.csv").read_bytes().decode("cp1251")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    es = [r["tax_id"] for r in rows if re.match(r"^[XYZ\d]", r["tax_id"] or "-")
          and len(re.sub(r"\D", "", r["tax_id"])) in (7, 8)]
    ru = [r["tax_id"] for r in rows if len(re.sub(r"\D", "", r["tax_id"])) == 12]
    assert len(es) > 50 and len(ru) > 50
    es_ok = sum(map(_dni_ok, es)) / len(es)
    ru_ok = sum(map(_inn_ok, ru)) / len(ru)
    assert 0.9 < es_ok < 1.0 or 0.9 < ru_ok < 1.0
    assert es_ok > 0.9 and ru_ok > 0.9
    assert any("-" in t or " " in t for t in es)  # separators vary


