"""Audit: one JSON-safe dict carries every figure of a run, nothing personal leaks into it
or the markdown headline, and warnings follow the rules' thresholds."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from transforms.audit import build_audit, erased_audit, invalid_samples
from transforms.audit_text import headline_markdown
from transforms.mask import mask_email

# Real-looking personal data that must never appear unmasked in any output.
PEOPLE = [
    {"given": "José", "family": "García Pérez", "email": "jose.garcia@gmail.com",
     "phone": "+34612345678"},
    {"given": "Александр", "family": "Пушкин", "email": "a.pushkin@yandex.ru",
     "phone": "+79161234567"},
    {"given": "Siobhan", "family": "O'Connell", "email": "siobhan.oconnell@outlook.com",
     "phone": "+14155552671"},
    {"given": "Guadalupe", "family": "Hernández", "email": "lupita.hdz@hotmail.com",
     "phone": "+525512345678"},
]
BAD_SAMPLES = [
    ("marketing", "email", "bad_tld", "jose.garcia@gmail.con"),
    ("marketing", "email", "bad_tld", "jose.garcia@gmail.con"),
    ("marketing", "email", "bad_tld", "lupita.hdz@hotmail.cmo"),
    ("sales", "phone", "too_short", "+3461234"),
    ("support", "email", "no_at", "siobhan.oconnell.outlook.com"),
    ("finance", "date_of_birth", "impossible_date", "31/02/1985"),
    ("finance", "tax_id", "bad_checksum", "12345678A"),
]


def raw_values() -> list[str]:
    """Every raw personal value and its identifying parts (surnames, local parts)."""
    out = []
    for p in PEOPLE:
        out += [p["given"], p["email"], p["phone"], p["email"].split("@")[0], p["phone"][1:]]
        out += [w for w in re.split(r"[\s']", p["family"]) if len(w) > 2]
        out.append(f"{p['given']} {p['family']}")
    out += [v for *_, v in BAD_SAMPLES]
    out += ["jose.garcia", "lupita.hdz", "siobhan.oconnell", "12345678A"]
    return out


class FakeThresholds:
    invalid_rate_warning = 0.05
    invalid_rate_per_field = {"date_of_birth": 0.02}
    completeness_warning = 0.0

    def invalid_rate_for(self, field: str) -> float:
        return self.invalid_rate_per_field.get(field, self.invalid_rate_warning)


def fake_rules() -> SimpleNamespace:
    return SimpleNamespace(
        files_hash=lambda: "ab" * 32,
        sources=[SimpleNamespace(name=s) for s in ("marketing", "sales", "support", "finance")],
        validation=SimpleNamespace(thresholds=FakeThresholds()),
        matching=SimpleNamespace(
            bands=SimpleNamespace(auto_match_weight=10.0, review_weight=4.0),
            cluster=SimpleNamespace(max_cluster_size=5),
        ),
    )


def quality_frame(email_invalid_marketing: int) -> pd.DataFrame:
    rows = []
    for src in ("marketing", "sales", "support", "finance"):
        for field, present, valid, fixed, invalid, distinct in (
            ("email", 90, 80, 5, 5, 80), ("phone", 70, 65, 3, 2, 66),
            ("given_name", 100, 100, 0, 0, 60), ("date_of_birth", 40, 39, 0, 1, 40),
        ):
            if src == "marketing" and field == "email":
                invalid = email_invalid_marketing
                valid = present - fixed - invalid
            rows.append({
                "source": src, "field": field, "rows": 100, "present": present,
                "completeness": present / 100, "valid": valid, "fixed": fixed,
                "invalid": invalid, "validity": (valid + fixed) / present,
                "invalid_rate": invalid / present, "distinct_ratio": distinct / present,
                "top_invalid_reasons": "bad_tld:3, no_at:2" if invalid else "",
            })
    return pd.DataFrame(rows)


def link_metrics() -> dict:
    return {
        "records": 380,
        "link_type": "dedupe_and_link",
        "blocking": {
            "pairs": 12345, "total_comparisons": 72010, "reduction_ratio": 0.82857936,
            "rules": [
                {"rule": "email", "pairs": 300, "blocks_skipped": 0, "pairs_skipped": 0,
                 "max_block_size": 50, "new_pairs": 300},
                {"rule": "name", "pairs": 12100, "blocks_skipped": 2, "pairs_skipped": 90100,
                 "max_block_size": 300, "new_pairs": 12045},
                {"rule": "tax_id", "skipped": True, "pairs": 0},
            ],
            "notes": ["blocking rule 'tax_id' skipped: column absent"],
        },
        "comparison_notes": [],
        "model_source": "trained",
        "model": {
            "prior": 0.00123, "prior_weight": -9.665, "lambda_candidates": 0.0412,
            "training": {"n_records": 380, "candidate_pairs": 12345, "em_pairs": 12345,
                         "em_iterations": 17, "em_converged": True, "u_random_pairs": 30000,
                         "total_comparisons": 72010, "seed": 42,
                         "em_runs": [{"rule": "email", "pairs": 1265, "lambda": 0.9493,
                                      "iterations": 12, "converged": True,
                                      "comparisons": ["given_name", "phone"]}]},
            "parameters": [
                {"comparison": "email", "level": "exact", "m": 0.81234, "u": 0.00001234,
                 "weight": 16.006, "tf_adjusted": True},
                {"comparison": "email", "level": "else", "m": 0.18766, "u": 0.99998766,
                 "weight": -2.414, "tf_adjusted": False},
                {"comparison": "given_name", "level": "exact", "m": 0.9, "u": 0.0125,
                 "weight": 6.17, "tf_adjusted": True},
            ],
        },
        "weight_histogram": [
            {"from": -12.0, "to": -10.0, "pairs": 9000}, {"from": -10.0, "to": -8.0, "pairs": 2500},
            {"from": 4.0, "to": 6.0, "pairs": 300}, {"from": 12.0, "to": 14.0, "pairs": 545},
        ],
        "pairs_per_band": {"no_match": 11500, "review": 300, "auto_match": 545},
        "clusters": {
            "clusters": 4, "records": 9, "auto_edges": 545, "must_link_edges": 0,
            "cannot_link_pairs": 0, "size_distribution": {"1": 1, "2": 2, "7": 1},
            "largest_clusters": [{"cluster_id": 3, "size": 7}],
            "merges_blocked": {"tax_id": 3, "date_of_birth": 1, "given_name": 2,
                               "cannot_link": 0},
            "bridges_cut": 4, "merges_blocked_by_size_cap": 1, "hard_components": 2,
            "hard_component_edges": 40,
        },
        "timings_s": {"block": 0.1, "compare": 0.4, "train": 1.2, "score": 0.05,
                      "cluster": 0.02, "total": 1.77},
    }


def golden_frame() -> pd.DataFrame:
    rows = []
    for i, p in enumerate(PEOPLE):
        rows.append({
            "golden_id": f"G{i:08d}",
            "given_name": p["given"], "family_name": p["family"],
            "given_name__source": ["marketing", "sales", "sales", "finance"][i],
            "family_name__source": ["marketing", "sales", "sales", "finance"][i],
            "email": p["email"], "email__source": ["marketing", "marketing", "support", None][i],
            "emails": [p["email"]], "phone": p["phone"],
            "phone__source": ["sales", "sales", "sales", "finance"][i],
            "phones": [p["phone"]],
            "record_count": [7, 2, 2, 1][i],
            "sources": [["marketing", "sales", "support"], ["marketing", "sales"],
                        ["sales", "support"], ["finance"]][i],
            "source_count": [3, 2, 2, 1][i],
        })
    return pd.DataFrame(rows)


def clean_frame() -> pd.DataFrame:
    """Clean records 0..3, one per person (personal data the examples must mask)."""
    return pd.DataFrame({
        "record_id": range(4), "source": ["marketing", "sales", "support", "finance"],
        "name_given": [p["given"] for p in PEOPLE], "name_family": [p["family"] for p in PEOPLE],
        "email_norm": [p["email"] for p in PEOPLE], "phone_e164": [p["phone"] for p in PEOPLE],
    })


def links_frame() -> pd.DataFrame:
    """Scored pairs: two auto-matches and a review pair, with levels and weights."""
    return pd.DataFrame({
        "left_record_id": [0, 0, 1], "right_record_id": [1, 2, 3],
        "match_weight": [12.5, 11.0, 5.25], "match_probability": [0.9999, 0.999, 0.97],
        "lvl_email": pd.array([0, 1, -1], dtype="int8"), "w_email": [16.0, -2.41, 0.0],
        "lvl_given_name": pd.array([0, 0, 0], dtype="int8"), "w_given_name": [6.17, 6.17, 6.17],
        "band": ["auto_match", "auto_match", "review"],
    })


def make_inputs(tmp_path: Path, previous_run: str | None = None,
                email_invalid_marketing: int = 12) -> dict:
    """Keyword arguments for ``build_audit`` with personal data in every frame."""
    ctx = SimpleNamespace(
        run_id="20250101T120000Z-abc123", started=datetime.now(UTC) - timedelta(seconds=5),
        stage_seconds={"load_rules": 0.01, "ingest": 0.5, "normalize": 1.25, "link": 1.8,
                       "survive": 0.3, "golden_ids": 0.1, "publish": 0.2, "total": 4.16},
        output_dir=tmp_path, rules_dir=tmp_path / "rules", today=date(2025, 1, 1),
    )
    files = [
        {"source": s, "file": f"{s}.csv", "path": str(tmp_path / f"{s}.csv"), "format": "csv",
         "encoding": "utf-8", "delimiter": ";", "rows": n, "sha256": f"{i}" * 64}
        for i, (s, n) in enumerate([("marketing", 100), ("sales", 100), ("support", 100),
                                    ("finance", 100), ("legacy", 0)])
    ]
    accounting = pd.DataFrame({
        "source": ["finance", "legacy", "marketing", "sales", "support"],
        "rows_read": [100, 0, 100, 100, 100], "clean": [95, 0, 93, 96, 96],
        "quarantined": [5, 0, 7, 4, 4], "suppressed": [0, 0, 0, 0, 0],
        "balanced": [True] * 5,
    })
    qrows = []
    for src, n in (("finance", 5), ("marketing", 7), ("sales", 4), ("support", 4)):
        for k in range(n):
            p = PEOPLE[k % len(PEOPLE)]
            qrows.append({
                "source": src, "source_record_id": p["email"], "source_file": f"{src}.csv",
                "source_row": k + 1, "stage": "validate" if k % 3 else "ingest",
                "reason": "no_usable_identifier" if k % 3 else "malformed_row",
                "column": pd.NA,
                "raw": json.dumps({"full_name": f"{p['given']} {p['family']}",
                                   "email": p["email"], "phone": p["phone"]},
                                  ensure_ascii=False),
            })
    unmapped = pd.DataFrame({
        "source": ["marketing", "sales", "support"],
        "attribute": ["lead_source", "payment_method", "preferred_channel"],
        "present": [100, 80, 50], "unmapped": [7, 0, 2], "unmapped_distinct": [3, 0, 1],
    })
    review = pd.DataFrame({
        "left_record_id": [1, 2], "right_record_id": [5, 9], "match_weight": [5.5, 7.25],
        "match_probability": [0.97, 0.99],
        "l_name_given": [PEOPLE[0]["given"], PEOPLE[1]["given"]],
        "r_email_norm": [PEOPLE[0]["email"], PEOPLE[1]["email"]],
        "queued_since": [date(2024, 12, 30), date(2024, 12, 12)],  # 2 and 20 days old
    })
    samples = pd.DataFrame(BAD_SAMPLES, columns=["source", "field", "reason", "value"])
    crosswalk = pd.DataFrame({
        "source": ["marketing"] * 3 + ["sales"] * 4 + ["support"] * 2 + ["finance"],
        "source_record_id": [str(i) for i in range(10)],
        "golden_id": ["G00000000", "G00000000", "G00000001", "G00000000", "G00000000",
                      "G00000001", "G00000002", "G00000000", "G00000002", "G00000003"],
    })
    return dict(
        links=links_frame(), clean=clean_frame(),
        ctx=ctx, rules=fake_rules(), files=files, accounting=accounting,
        quarantine=pd.DataFrame(qrows), quality=quality_frame(email_invalid_marketing),
        unmapped=unmapped, link_metrics=link_metrics(), golden=golden_frame(),
        churn={"created": 3, "kept": 1, "merged": 1, "split": 0, "retired": 1},
        review=review, decisions={"applied": 2, "stale": 1}, previous_run=previous_run,
        version="0.1.0", samples=samples, crosswalk=crosswalk,
    )


def write_previous(tmp_path: Path, run_id: str = "20241231T120000Z-prev01") -> str:
    """A previous run's audit.json with a low marketing invalid-email rate."""
    prev = build_audit(**make_inputs(tmp_path, email_invalid_marketing=2))
    folder = tmp_path / "runs" / run_id
    folder.mkdir(parents=True)
    (folder / "audit.json").write_text(json.dumps(prev), encoding="utf-8")
    return run_id


def sparse_inputs(tmp_path: Path) -> dict:
    """``make_inputs`` with no linking, quality or golden output: a run that produced little."""
    kwargs = make_inputs(tmp_path)
    kwargs.update(link_metrics={}, golden=pd.DataFrame(), quality=pd.DataFrame(),
                  unmapped=pd.DataFrame(), quarantine=pd.DataFrame(), review=pd.DataFrame(),
                  samples=None, crosswalk=None)
    kwargs["rules"] = SimpleNamespace(files_hash=lambda: "x", validation=None, matching=None)
    return kwargs


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    tmp_path = tmp_path_factory.mktemp("audit")
    prev = write_previous(tmp_path)
    audit = build_audit(**make_inputs(tmp_path, previous_run=prev))
    md = headline_markdown(audit, tmp_path / "runs" / "20250101T120000Z-abc123")
    return audit, md


# --------------------------------------------------------------------------- tests


def test_no_raw_personal_data_in_json_or_markdown(built: tuple[dict, str]) -> None:
    audit, md = built
    text_json = json.dumps(audit, ensure_ascii=False)
    for raw in raw_values():
        for name, doc in (("json", text_json), ("markdown", md)):
            assert raw not in doc, f"raw personal value {raw!r} leaked into {name}"
    # The quarantined rows' raw JSON and record ids were never copied.
    assert "source_record_id" not in text_json
    assert "full_name" not in text_json


def test_masked_samples_match_the_json(built: tuple[dict, str]) -> None:
    audit, _ = built
    reasons = {(r["source"], r["field"], r["reason"]): r
               for r in audit["quality"]["invalid_reasons"]}
    bad_tld = reasons[("marketing", "email", "bad_tld")]
    assert bad_tld["samples"] == ["j***@gm***.con", "l***@ho***.cmo"]  # most frequent first
    assert reasons[("sales", "phone", "too_short")]["samples"] == ["+34 ***"]
    assert reasons[("finance", "date_of_birth", "impossible_date")]["samples"] == ["**/**/****"]
    largest = audit["clusters"]["largest_profiles"][0]
    assert largest == {"golden_id": "G00000000", "records": 7,
                       "sources": ["marketing", "sales", "support"], "name": "J*** G*** P***",
                       "email": "j***@gm***.com", "phone": "+34 6** *** *78"}


def test_accounting_invariant_and_quality_figures(built: tuple[dict, str]) -> None:
    audit, _ = built
    inputs = audit["inputs"]
    assert inputs["invariant_passed"] is True
    assert inputs["totals"] == {"rows_read": 400, "clean": 380, "quarantined": 20,
                                "suppressed": 0}
    mk = next(s for s in inputs["sources"] if s["source"] == "marketing")
    assert mk["quarantine_reasons"] == {"ingest:malformed_row": 3,
                                        "validate:no_usable_identifier": 4}
    assert "the accounting invariant passed for all 5 sources" in inputs["takeaway"]
    cell = next(c for c in audit["quality"]["fields"]
                if (c["source"], c["field"]) == ("marketing", "email"))
    assert cell["completeness"] == 0.9 and cell["invalid_rate"] == round(12 / 90, 4)
    assert cell["fixed_rate"] == round(5 / 90, 4)


def test_matching_clusters_and_changes(built: tuple[dict, str]) -> None:
    audit, _ = built
    m = audit["matching"]
    assert m["bands"] == {"auto_match_weight": 10.0, "review_weight": 4.0}
    assert m["skipped_blocks"] == [{"rule": "name", "blocks_skipped": 2, "pairs_skipped": 90100,
                                    "max_block_size": 300}]
    c = audit["clusters"]
    winners = {(w["field"], w["source"]): w["profiles"] for w in c["field_winners"]}
    assert winners[("email", "marketing")] == 2 and winners[("phone", "sales")] == 3
    by_source = {r["source"]: r for r in c["records_by_source"]}
    assert by_source["sales"] == {"source": "sales", "records": 4, "profiles": 3,
                                  "records_per_profile": 1.333, "profiles_with_duplicates": 1}
    ch = audit["changes"]
    assert ch["churn"]["created"] == 3 and ch["decisions"] == {"applied": 2, "stale": 1}
    assert ch["review"]["pairs"] == 2 and ch["review"]["age_days"]["oldest"] == 20
    assert {d["metric"] for d in ch["vs_previous"]} >= {"golden profiles", "rows read",
                                                        "review pairs"}
    assert 5 <= audit["run"]["duration_s"] < 600


def test_warnings_follow_the_rules_thresholds(built: tuple[dict, str]) -> None:
    audit, md = built
    codes = {(w["code"], w.get("source"), w.get("field")) for w in audit["warnings"]["items"]}
    assert ("source_empty", "legacy", None) in codes
    # 2/90 -> 12/90 invalid e-mails in marketing: doubled since the previous run.
    assert ("invalid_rate_doubled", "marketing", "email") in codes
    assert ("invalid_rate", "marketing", "email") in codes
    # 1/40 = 2.5% invalid dates > the 2% per-field threshold, in every source.
    assert ("invalid_rate", "sales", "date_of_birth") in codes
    assert ("invalid_rate", "sales", "email") in codes  # 5/90 = 5.6% > 5%
    assert ("invalid_rate", "sales", "phone") not in codes  # 2/70 = 2.9% <= 5%
    assert ("invalid_rate_doubled", "sales", "email") not in codes  # unchanged
    big = next(w for w in audit["warnings"]["items"] if w["code"] == "cluster_too_large")
    assert big["value"] == 7 and big["threshold"] == 5
    assert audit["warnings"]["count"] >= 5
    assert "warnings" in md and "audit_report.html" in md


def test_tolerates_missing_metrics(tmp_path: Path) -> None:
    audit = build_audit(**sparse_inputs(tmp_path))
    json.dumps(audit, allow_nan=False)


def test_invalid_samples_from_normalized_records(tmp_path: Path) -> None:
    records = pd.DataFrame({
        "source": ["marketing", "marketing", "marketing", "sales"],
        "email": ["jose.garcia@gmail.con", "jose.garcia@gmail.con", "ok@gmail.com", "x@y"],
        "email_status": ["invalid", "invalid", "valid", "invalid"],
        "email_reason": ["bad_tld", "bad_tld", pd.NA, "no_domain"],
        "phone": ["+34612345678", None, None, None],
        "phone_status": ["valid", "missing", "missing", "missing"],
    })
    samples = invalid_samples(records)
    assert samples.to_dict("records") == [
        {"source": "marketing", "field": "email", "reason": "bad_tld",
         "value": "jose.garcia@gmail.con"},
        {"source": "sales", "field": "email", "reason": "no_domain", "value": "x@y"},
    ]
    kwargs = make_inputs(tmp_path)
    kwargs["samples"] = samples
    audit = build_audit(**kwargs)
    got = {(r["source"], r["reason"]): r["samples"] for r in audit["quality"]["invalid_reasons"]
           if r["field"] == "email"}
    assert got[("marketing", "bad_tld")] == ["j***@gm***.con"]
    assert got[("sales", "no_domain")] == ["***@***"]
    assert "jose.garcia" not in json.dumps(audit)


def test_fields_a_source_does_not_export_are_not_shown_as_incomplete(tmp_path: Path) -> None:
    kwargs = make_inputs(tmp_path)
    rules = fake_rules()
    # finance maps everything but email; marketing maps email.
    rules.sources = [SimpleNamespace(name="finance", columns={"full_name": "n", "tax_id": "t"}),
                     SimpleNamespace(name="marketing", columns={"email": "e"})]
    kwargs["rules"] = rules
    kwargs["quality"] = pd.DataFrame([
        {"source": "finance", "field": "email", "rows": 10, "present": 0, "completeness": 0.0},
        {"source": "marketing", "field": "email", "rows": 10, "present": 0,
         "completeness": 0.0},
    ])
    cells = {(c["source"], c["field"]): c for c in build_audit(**kwargs)["quality"]["fields"]}
    assert cells[("finance", "email")]["completeness"] is None      # not exported
    assert cells[("marketing", "email")]["completeness"] == 0.0     # exported, but empty


def test_merge_examples_explain_each_comparison_masked(tmp_path: Path) -> None:
    audit = build_audit(**make_inputs(tmp_path))
    examples = audit["matching"]["examples"]
    assert [e["band"] for e in examples] == ["auto_match", "auto_match", "review"]
    strongest = {c["comparison"]: c for c in examples[0]["comparisons"]}
    assert strongest["email"]["level"] == "exact" and strongest["email"]["weight"] == 16.0
    assert strongest["email"]["verdict"] == "agrees"
    assert strongest["email"]["left"] == mask_email(PEOPLE[0]["email"])
    assert examples[0]["takeaway"].startswith("Merged at weight 12.5: email exact (+16.0)")
    weakest = {c["comparison"]: c for c in examples[1]["comparisons"]}
    assert (weakest["email"]["level"], weakest["email"]["verdict"]) == ("else", "disagrees")
    review = {c["comparison"]: c for c in examples[2]["comparisons"]}
    assert review["email"]["verdict"] == "no value"
    text = json.dumps(examples, ensure_ascii=False)
    for raw in raw_values():
        assert raw not in text


def test_review_queue_age_comes_from_queued_since(tmp_path: Path) -> None:
    audit = build_audit(**make_inputs(tmp_path))
    age = audit["changes"]["review"]["age_days"]
    assert (age["oldest"], age["under_7"], age["7_to_30"], age["over_30"]) == (20, 1, 1, 0)


def test_privacy_section_holds_counts_and_reason_codes_only(tmp_path: Path) -> None:
    figures = {"suppressed": {"sales": {"erased": 2, "opt_out": 1}, "web": {"erased": 1}},
               "erasures": {"total": 3, "applied": 1, "by_reason": {"gdpr_art17": 2,
                                                                    "deceased": 1}},
               "suppression_list": 17, "retention": {"keep_runs": 7, "keep_days": None},
               "runs_pruned": ["20240101T000000Z-old001"]}
    audit = build_audit(**make_inputs(tmp_path), privacy=figures)
    pv = audit["privacy"]
    assert pv["suppressed_total"] == 4 and pv["suppression_list_size"] == 17
    assert pv["suppressed_by_source"][0] == {"source": "sales", "erased": 2, "opt_out": 1,
                                             "total": 3}
    assert pv["erasures"]["by_reason"] == {"deceased": 1, "gdpr_art17": 2}
    assert "3 erasures on record (1 applied by this run)" in pv["takeaway"]
    assert build_audit(**make_inputs(tmp_path))["privacy"]["suppressed_total"] == 0


def test_an_erasure_moves_a_runs_rows_to_suppressed_and_drops_their_samples(
        tmp_path: Path) -> None:
    audit = build_audit(**make_inputs(tmp_path))
    src = audit["inputs"]["sources"][0]
    sample = next(r for r in audit["quality"]["invalid_reasons"] if r["samples"])
    kwargs = make_inputs(tmp_path)
    after = erased_audit(audit, removed={src["source"]: {"clean": 2, "quarantined": 1}},
                         quarantine=kwargs["quarantine"], golden=kwargs["golden"],
                         crosswalk=kwargs["crosswalk"], removed_samples=[sample["samples"][0]],
                         examples=None, privacy={"rewritten": [{"records": 2}]})
    new = next(s for s in after["inputs"]["sources"] if s["source"] == src["source"])
    assert (new["clean"], new["suppressed"]) == (src["clean"] - 2, src["suppressed"] + 3)
    assert after["inputs"]["invariant_passed"] and after["matching"]["examples"] == []
    again = next(r for r in after["quality"]["invalid_reasons"]
                 if (r["source"], r["field"], r["reason"]) ==
                 (sample["source"], sample["field"], sample["reason"]))
    assert sample["samples"][0] not in again["samples"]
    assert "rewritten by 1 later erasure" in after["privacy"]["takeaway"]
