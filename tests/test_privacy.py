"""Privacy plumbing: the rules file, the key, suppression of a run's rows, retention of run
folders, and the search the erasure tests rely on."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crm_golden.config.base import ConfigError
from crm_golden.config.privacy import PrivacyRules, RetentionRules, load_privacy_rules
from flows import privacy
from flows.privacy import PrivacyError
from transforms.suppress import Hasher, SuppressionList

ROOT = Path(__file__).resolve().parents[1]
KEY = "a-test-key-of-32-bytes-0123456789"


# --------------------------------------------------------------------------- rules


def test_the_rules_file_is_optional_typed_and_commented(tmp_path: Path) -> None:
    assert load_privacy_rules(tmp_path) == PrivacyRules()
    shipped = load_privacy_rules(ROOT / "rules")
    assert shipped.retention == RetentionRules(keep_runs=7, keep_days=None)
    assert shipped.suppression.match_on == ["email", "phone", "tax_id", "name_dob"]
    assert not shipped.suppression.opt_outs.suppress and "gdpr_art17" in shipped.erasure_reasons
    (tmp_path / "privacy.yaml").write_text("retention: {keep_runs: 0, keep_dayz: 3}\n")
    with pytest.raises(ConfigError, match=r"privacy.yaml: retention.keep_runs") as err:
        load_privacy_rules(tmp_path)
    assert "retention.keep_dayz: unknown key" in str(err.value)
    (tmp_path / "privacy.yaml").write_text("erasure_reasons: ['free text reason']\n")
    with pytest.raises(ConfigError, match="codes made of letters"):
        load_privacy_rules(tmp_path)


# --------------------------------------------------------------------------- the key


def test_the_key_comes_from_the_environment_and_is_checked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.delenv(privacy.SECRET_BLOCK_ENV, raising=False)
    assert privacy.load_hasher() is None
    with pytest.raises(PrivacyError, match=f"set {privacy.KEY_ENV}") as err:
        privacy.require_hasher(None, SuppressionList(), "erase")
    assert "\n" not in str(err.value)
    monkeypatch.setenv(privacy.KEY_ENV, "short")
    with pytest.raises(PrivacyError, match="shorter than 16"):
        privacy.load_hasher()
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    made = SuppressionList(Hasher(b"the-key-the-list-was-made-with").key_check(),
                           frozenset({"ab"}))
    with pytest.raises(PrivacyError, match="not the one the suppression list") as err:
        privacy.require_hasher(None, made, "this run")
    assert KEY not in str(err.value)
    assert privacy.require_hasher(None, SuppressionList(), "erase").key == KEY.encode()


@pytest.mark.prefect_server
def test_the_key_can_live_in_a_prefect_secret_block(prefect_server: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret

    Secret(value=KEY).save("crm-golden-test-hmac", overwrite=True)
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.setenv(privacy.SECRET_BLOCK_ENV, "crm-golden-test-hmac")
    assert privacy.load_hasher().key == KEY.encode()
    monkeypatch.delenv(privacy.SECRET_BLOCK_ENV)
    rules = PrivacyRules(hmac_key_secret_block="no-such-block")
    with pytest.raises(PrivacyError, match="cannot read the HMAC key from the Prefect Secret"):
        privacy.load_hasher(rules)


# --------------------------------------------------------------------------- suppression


def test_opt_outs_take_the_same_persons_other_rows_with_them() -> None:
    supp = privacy.RunSuppression(Hasher(KEY.encode()), frozenset(), ("record", "email"),
                                  frozenset(), ("consent_email",))
    rows = pd.DataFrame({"source": ["mkt", "sales", "sales", "mkt"],
                         "source_record_id": ["1", "2", "3", "4"],
                         "email_key": ["ana@x.es", "ana@x.es", "bob@x.es", "eva@x.es"],
                         "attr_consent_email": [False, None, None, True]})
    erased, opt_out = privacy.suppressed_rows(rows, supp)
    assert not erased.any() and opt_out.tolist() == [True, True, False, False]


# --------------------------------------------------------------------------- retention


def make_runs(out: Path, names: list[str], latest: str) -> None:
    for name in names:
        (out / "runs" / name).mkdir(parents=True)
    os.symlink(os.path.relpath(out / "runs" / latest, out), out / "latest")


RUNS = [f"202501{d:02d}T020000Z-aaaaaa" for d in range(1, 11)]  # ten nightly runs


def test_retention_keeps_the_newest_runs_and_never_latest(tmp_path: Path) -> None:
    make_runs(tmp_path, RUNS, latest=RUNS[2])  # latest was moved back to an old run
    (tmp_path / "runs" / "20250103T010000Z-bbbbbb.partial" / "stages").mkdir(parents=True)
    (tmp_path / "runs" / "20250109T010000Z-cccccc.partial" / "stages").mkdir(parents=True)
    plan = privacy.retention_plan(tmp_path, RetentionRules(keep_runs=3))
    assert sorted(p.name for p in plan) == sorted(
        [*RUNS[:2], *RUNS[3:7], "20250103T010000Z-bbbbbb.partial"])
    now = datetime(2025, 1, 10, 12, tzinfo=UTC)
    plan = privacy.retention_plan(tmp_path, RetentionRules(keep_runs=None, keep_days=2), now)
    assert sorted(p.name for p in plan) == sorted(
        [*RUNS[:2], *RUNS[3:8], "20250103T010000Z-bbbbbb.partial"])
    # while a run is being published it counts as the newest one kept
    plan = privacy.retention_plan(tmp_path, RetentionRules(keep_runs=3),
                                  adding="20250111T020000Z-dddddd")
    assert RUNS[7] in [p.name for p in plan] and RUNS[8] not in [p.name for p in plan]
    assert privacy.prune_runs(tmp_path, plan) and (tmp_path / "runs" / RUNS[2]).is_dir()
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == sorted(
        [RUNS[2], RUNS[8], RUNS[9], "20250109T010000Z-cccccc.partial"])
    assert privacy.retention_plan(tmp_path, RetentionRules(keep_runs=None)) == []


# --------------------------------------------------------------------------- the search


def test_the_search_decodes_parquet_json_and_html(tmp_path: Path) -> None:
    table = pa.table({"name": ["Ana GIL"], "emails": [["x@y.es", "ana@gil.es"]],
                      "n": [3], "when": pa.array([datetime(2020, 1, 2)], pa.timestamp("ms"))})
    pq.write_table(table, tmp_path / "t.parquet", compression="zstd")
    (tmp_path / "a.json").write_text(json.dumps({"who": "Ana Gil Muñoz"}))  # \u00f1 escaped
    (tmp_path / "r.html").write_text("<td>O&#39;Neil ana@gil.es</td>")
    (tmp_path / "s.csv").write_text("left_email\nANA@GIL.ES\n")
    found = privacy.find_occurrences(tmp_path, ["ana gil", "ana@gil.es", "Gil Muñoz",
                                                "O'Neil", "2020-01-02", "nobody"])
    assert found == {"t.parquet": {"ana gil": 1, "ana@gil.es": 1, "2020-01-02": 1},
                     "a.json": {"ana gil": 1, "gil muñoz": 1}, "r.html": {"o'neil": 1,
                                                                          "ana@gil.es": 1},
                     "s.csv": {"ana@gil.es": 1}}
