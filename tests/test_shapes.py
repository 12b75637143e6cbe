"""Tests for the benchmark shapes (synth.shapes): determinism, truth, the advertised record
counts and error kinds, the hard cases, and that the pipeline runs on what they write."""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from crm_golden.config.rules import load_rules
from flows.cli import main
from synth.shape_people import build_population
from synth.shapes import LOYALTY_MIX, REGISTRY_MIX, generate_shape
from transforms.reference.nicknames import EN_GROUPS, ES_GROUPS, RU_GROUPS

SMALL = 300


def _read(out: Path, shape: str) -> pd.DataFrame:
    rows = pd.read_csv(out / f"{shape}.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(out / "truth.csv", dtype=str, keep_default_na=False)
    id_col = rows.columns[0]
    return rows.merge(truth.rename(columns={"source_record_id": id_col}), on=id_col)


@pytest.fixture(scope="module")
def loyalty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("loyalty")
    generate_shape("loyalty", 1500, out, seed=11)
    return out, _read(out, "loyalty")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("registry")
    generate_shape("registry", 400, out, seed=11)
    return out, _read(out, "registry")


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("shape", ["loyalty", "registry"])
def test_same_seed_same_bytes_other_seed_other_data(tmp_path: Path, shape: str) -> None:
    generate_shape(shape, 120, tmp_path / "a", seed=3)
    generate_shape(shape, 120, tmp_path / "b", seed=3)
    generate_shape(shape, 120, tmp_path / "c", seed=4)
    a, b, c = (_files(tmp_path / x) for x in "abc")
    assert a == b
    assert a[f"{shape}.csv"] != c[f"{shape}.csv"]


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown shape"):
        generate_shape("crm2", 10, tmp_path, seed=1)
    with pytest.raises(ValueError, match=">= 1"):
        generate_shape("loyalty", 0, tmp_path, seed=1)


@pytest.mark.parametrize("fixture", ["loyalty", "registry"])
def test_truth_covers_every_row_once(fixture: str, request: pytest.FixtureRequest) -> None:
    out, _ = request.getfixturevalue(fixture)
    shape = fixture
    rows = pd.read_csv(out / f"{shape}.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(out / "truth.csv", dtype=str, keep_default_na=False)
    assert list(truth.columns) == ["source", "source_record_id", "entity_id"]
    assert (truth["source"] == shape).all()
    ids = rows[rows.columns[0]]
    assert ids.is_unique and truth["source_record_id"].is_unique
    assert sorted(ids) == sorted(truth["source_record_id"])


def test_records_per_person(loyalty: tuple[Path, pd.DataFrame],
                            registry: tuple[Path, pd.DataFrame]) -> None:
    per = loyalty[1].groupby("entity_id").size()
    assert 1.5 <= per.mean() <= 4
    assert 0.3 <= (per == 1).mean() <= 0.6          # a realistic share of singletons
    assert per.max() <= 12 and (per <= 6).mean() > 0.95
    assert registry[1].groupby("entity_id").size().mean() >= 10


def test_no_phone_column_in_either_shape(loyalty: tuple[Path, pd.DataFrame],
                                         registry: tuple[Path, pd.DataFrame]) -> None:
    for _, df in (loyalty, registry):
        assert not [c for c in df.columns if "phone" in c or "tel" in c]
    assert (registry[1]["email"] != "").mean() < 0.1     # few e-mails in a register


def _dob_pairs(df: pd.DataFrame, col: str, fmt: str) -> list[tuple[date, date]]:
    """Distinct valid dates of birth of one person, paired (first against the others)."""
    parsed = pd.to_datetime(df[col], format=fmt, errors="coerce")
    pairs = []
    for _, dates in parsed.dropna().groupby(df["entity_id"]):
        values = sorted({d.date() for d in dates})
        pairs += [(values[0], other) for other in values[1:]]
    return pairs


def _kinds(pairs: list[tuple[date, date]]) -> dict[str, int]:
    kinds = {"swap": 0, "year": 0, "day": 0}
    for a, b in pairs:
        if (a.year, a.month, a.day) == (b.year, b.day, b.month):
            kinds["swap"] += 1
        elif (a.month, a.day) == (b.month, b.day) and a.year != b.year:
            kinds["year"] += 1
        elif abs((a - b).days) == 1:
            kinds["day"] += 1
    return kinds


def test_loyalty_dates_of_birth_carry_the_advertised_errors(
        loyalty: tuple[Path, pd.DataFrame]) -> None:
    df = loyalty[1]
    kinds = _kinds(_dob_pairs(df, "birth_date", "%Y-%m-%d"))
    assert kinds["swap"] > 0 and kinds["year"] > 0 and kinds["day"] > 0
    years = [(a.year, b.year) for a, b in _dob_pairs(df, "birth_date", "%Y-%m-%d")
             if (a.month, a.day) == (b.month, b.day)]
    assert any(abs(a - b) == 10 or str(a)[2:] == str(b)[2:][::-1] for a, b in years)
    assert 0.15 < (df["birth_date"] == "").mean() < 0.5


def test_registry_dates_are_noisy_like_transcriptions(
        registry: tuple[Path, pd.DataFrame]) -> None:
    df = registry[1]
    kinds = _kinds(_dob_pairs(df, "date_of_birth", "%d/%m/%Y"))
    assert kinds["swap"] > 0 and kinds["year"] > 0
    dob = df["date_of_birth"]
    assert dob.str.fullmatch(r"\d{4}").any()                        # the year only
    impossible = dob.str.fullmatch(r"\d\d/\d\d/\d{4}") & pd.to_datetime(
        dob, format="%d/%m/%Y", errors="coerce").isna()
    assert impossible.any()                                          # OCR made it invalid
    assert 0.05 < (dob == "").mean() < 0.25


def _nicknames() -> set[str]:
    return {v.lower() for _, variants in [*ES_GROUPS, *RU_GROUPS, *EN_GROUPS] for v in variants}


def test_loyalty_partial_names(loyalty: tuple[Path, pd.DataFrame]) -> None:
    df = loyalty[1]
    first, last = df["first_name"], df["last_name"]
    assert ((first != "") & (last == "")).any()                      # given name only
    assert ((first == "") & (last != "")).any()                      # surname only
    assert first.str.fullmatch(r"\w\.?").any()                       # an initial
    assert first.str.lower().isin(_nicknames()).any()                # a diminutive
    # one of two Spanish surnames: a person written with two surnames and with one
    two = last.str.count(" ") == 1
    one = (last != "") & ~last.str.contains(r"[ -]")
    both = df[two].entity_id.unique()
    assert df[one & df.entity_id.isin(both)].shape[0] > 0
    assert first.str.contains(r"[А-Яа-яЁё]").any() and first.str.contains(r"[A-Za-z]").any()


def test_loyalty_emails_change_vary_and_are_shared(loyalty: tuple[Path, pd.DataFrame]) -> None:
    df = loyalty[1][loyalty[1]["email"] != ""]
    per_person = df.groupby("entity_id")["email"].nunique()
    assert (per_person > 1).mean() > 0.2                             # several addresses
    folded = df["email"].str.lower().str.replace(r"\+[^@]*@", "@", regex=True)
    folded = folded.str.replace(".", "", regex=False)
    raw_differs = df.assign(folded=folded).groupby(["entity_id", "folded"])["email"].nunique()
    assert (raw_differs > 1).any()                                   # dots, +tag, capitals
    assert (df.groupby(df["email"].str.lower())["entity_id"].nunique() > 1).any()  # shared


def test_registry_names_vary_like_transcriptions(registry: tuple[Path, pd.DataFrame]) -> None:
    df = registry[1]
    spellings = df[df["surname_1"] != ""].groupby("entity_id")["surname_1"].agg(
        lambda s: s.str.lower().nunique())
    assert spellings.mean() > 1.5                                    # many spellings each
    assert df["given_name"].str.fullmatch(r"(Wm|Chas|Thos|Jas|Jno|Fco)\.|Mª|\w\.", case=False
                                          ).any()                    # clerical abbreviations
    assert (df["given_name"] == "").any() and (df["surname_2"] == "").any()
    assert df["given_name"].str.contains(r"[А-Яа-яЁё]").any()
    assert df["surname_2"].str.contains(r"(?:вич|вна|vich|vna)$", case=False).any()


@pytest.mark.parametrize("fixture,given,family,city", [
    ("loyalty", "first_name", "last_name", "city"),
    ("registry", "given_name", "surname_1", "city"),
])
def test_namesakes_exist(fixture: str, given: str, family: str, city: str,
                         request: pytest.FixtureRequest) -> None:
    df = request.getfixturevalue(fixture)[1]
    key = df[given].str.lower() + "|" + df[family].str.lower()
    named = df[(df[given] != "") & (df[family] != "")].assign(key=key)
    people = named.groupby("key")["entity_id"].nunique()
    assert (people > 1).any()
    same_city = named[named[city] != ""].groupby(["key", named[city].str.lower()])[
        "entity_id"].nunique()
    assert (same_city > 1).any()


@pytest.mark.parametrize("mix", [LOYALTY_MIX, REGISTRY_MIX])
def test_population_has_families_twins_and_namesakes(mix: object) -> None:
    pop = build_population(3000, mix, random.Random(5))   # type: ignore[arg-type]
    assert {"partner", "child"} <= {p.relation for p in pop}
    twins = [p for p in pop if p.relation == "twin"]
    assert twins
    households: dict[int, list] = {}
    for p in pop:
        households.setdefault(p.household, []).append(p)
    sharing = [h for h in households.values()
               if len({m.family1 for m in h}) < len(h) and len({m.postcode for m in h}) == 1]
    assert sharing                                           # a surname and a postcode
    assert any(p.family_email for p in pop)                  # a household mailbox
    assert any(p.junior for p in pop)                        # named after a parent
    names: dict[tuple[str, str], list] = {}
    for p in pop:
        names.setdefault((p.given, p.family1), []).append(p)
    same_year = [g for g in names.values() if len({p.dob.year for p in g}) < len(g)]
    assert same_year                                         # namesakes born the same year


@pytest.mark.parametrize("shape", ["loyalty", "registry"])
def test_pipeline_runs_on_the_generated_rules(tmp_path: Path, shape: str) -> None:
    data = tmp_path / "data"
    assert main(["generate", "--shape", shape, "--customers", str(SMALL), "--output", str(data),
                 "--seed", "2"]) == 0
    rules = load_rules(data / "rules")
    assert [s.name for s in rules.sources] == [shape]
    assert rules.sources[0].path == (data / f"{shape}.csv").resolve()
    out = tmp_path / "out"
    assert main(["run", "--no-prefect", "--rules", str(data / "rules"), "--output",
                 str(out)]) == 0
    assert (out / "latest" / "golden_customers.parquet").exists()
    assert main(["evaluate", "--truth", str(data / "truth.csv"), "--output", str(out)]) == 0


def test_cli_refuses_a_non_positive_size(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["generate", "--shape", "loyalty", "--customers", "0", "--output",
                 str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert re.fullmatch(r"crm-golden: --customers must be >= 1 \(got 0\)", err)
    with pytest.raises(SystemExit):
        main(["generate", "--shape", "nope", "--customers", "5", "--output", str(tmp_path)])
