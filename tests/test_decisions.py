"""Pure replay of steward decisions and the review sheet's escaping and parsing."""

from __future__ import annotations

import pandas as pd
import pytest

from transforms import decisions as dec


def _d(i: int, kind: str, records: list[str], **extra: object) -> dict:
    return {"decision_id": f"D{i}", "kind": kind, "records": records, **extra}


def _clean(keys: list[str]) -> pd.DataFrame:
    src, rid = zip(*(k.split(":", 1) for k in keys), strict=True)
    return pd.DataFrame({"record_id": range(len(keys)), "source": src, "source_record_id": rid})


def test_merge_forms_one_group_and_lifts_an_earlier_not_same() -> None:
    ledger = [_d(1, "not_same", ["a:1", "b:2"]), _d(2, "merge", ["a:1", "b:2", "c:3"])]
    state = dec.replay(ledger)
    assert state.same_group("a:1", "c:3")
    assert not state.cannot


def test_split_leaves_group_and_cannot_links_the_rest() -> None:
    ledger = [_d(1, "merge", ["a:1", "b:2", "c:3"]),
              _d(2, "split", ["c:3"], profile_records=["a:1", "b:2", "c:3"])]
    state = dec.replay(ledger)
    assert state.same_group("a:1", "b:2") and not state.same_group("a:1", "c:3")
    assert state.cannot == {("a:1", "c:3"), ("b:2", "c:3")}


def test_not_same_refused_between_records_merged_by_a_decision() -> None:
    ledger = [_d(1, "merge", ["a:1", "b:2"])]
    with pytest.raises(ValueError, match="merged by an earlier decision"):
        dec.check_not_same(ledger, "a:1", "b:2")
    with pytest.raises(ValueError, match="itself"):
        dec.check_not_same(ledger, "a:1", "a:1")
    dec.check_not_same(ledger, "a:1", "c:3")


def test_constraints_map_to_record_ids_and_count_stale() -> None:
    clean = _clean(["a:1", "b:2", "c:3", "d:4"])
    ledger = [_d(1, "merge", ["a:1", "b:2", "gone:9"]),  # applies: two records present
              _d(2, "not_same", ["c:3", "d:4"]),
              _d(3, "not_same", ["c:3", "gone:8"]),  # stale
              _d(4, "merge", ["d:4", "gone:7"])]  # stale: one record left
    cons = dec.constraints_for_run(ledger, clean)
    assert cons.must_link.values.tolist() == [[0, 1]]
    assert cons.cannot_link.values.tolist() == [[2, 3]]
    assert (cons.applied, cons.stale, cons.stale_ids) == (2, 2, ["D3", "D4"])


def test_no_ledger_means_no_constraints() -> None:
    cons = dec.constraints_for_run([], _clean(["a:1"]))
    assert cons.must_link.empty and cons.cannot_link.empty and cons.applied == 0


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+34600", "-1+2", "@SUM(A1)", "\tx"])
def test_formula_cells_are_escaped_and_restored(value: str) -> None:
    escaped = dec.escape_cell(value)
    assert escaped == "'" + value
    assert dec.unescape_cell(escaped) == value


def test_plain_cells_and_numbers_are_untouched() -> None:
    assert dec.escape_cell("Ana") == "Ana"
    assert dec.escape_cell(-1.5) == -1.5
    assert dec.unescape_cell("'quoted text") == "'quoted text"


def _review_row() -> pd.DataFrame:
    return pd.DataFrame({
        "left_record_id": [0], "right_record_id": [1], "match_weight": [-2.5],
        "match_probability": [0.4], "l_source": ["a"], "l_source_record_id": ["1"],
        "r_source": ["b"], "r_source_record_id": ["2"], "l_name_given": ["=cmd|' /C calc'!A0"],
        "r_name_given": ["Ana"], "l_phone_e164": ["+34600000000"], "r_phone_e164": [None],
    })


def test_review_sheet_is_side_by_side_and_escaped() -> None:
    sheet = dec.review_sheet(_review_row(), pd.Series({"a:1": "G1", "b:2": "G2"}))
    row = sheet.iloc[0]
    assert row["left_given_name"] == "'=cmd|' /C calc'!A0"
    assert row["left_phone"] == "'+34600000000"
    assert row["match_weight"] == -2.5  # a number, not escaped text
    assert (row["left_golden_id"], row["right_golden_id"]) == ("G1", "G2")
    assert row["pair_id"] == dec.pair_id("b:2", "a:1")
    assert row["decision"] == "" and row["reason"] == ""


def test_parse_review_sheet_reports_rows_by_spreadsheet_number() -> None:
    pid = dec.pair_id("a:1", "b:2")
    sheet = pd.DataFrame({
        "pair_id": [pid, pid, pid, "Pbad", pid],
        "left_record": ["a:1"] * 5, "right_record": ["b:2"] * 5,
        "decision": ["Accept", "", "maybe", "reject", "reject"],
        "reason": ["'=SUM(A1)", "", "", "", None],
    })
    parsed = dec.parse_review_sheet(sheet)
    assert [(a.row, a.decision, a.reason) for a in parsed.answers] == [
        (2, "accept", "=SUM(A1)"), (6, "reject", "")]
    assert parsed.ignored == [3]
    assert [r for r, _ in parsed.rejected] == [4, 5]


def test_drop_decided_pairs() -> None:
    review = _review_row()
    assert len(dec.drop_decided_pairs(review, [_d(1, "not_same", ["b:2", "a:1"])])) == 0
    assert len(dec.drop_decided_pairs(review, [_d(1, "merge", ["a:1", "b:2"])])) == 0
    assert len(dec.drop_decided_pairs(review, [_d(1, "merge", ["a:1", "c:3"])])) == 1


def test_conflicts_are_checked_only_between_what_a_decision_joins() -> None:
    profile = {"s:1": "G1", "s:2": "G1", "s:3": "G2", "s:4": "G3"}
    merge = {"kind": "merge", "records": ["s:1", "s:2", "s:3"], "decision_id": "Dm"}
    assert dec.joined_sides([], merge, profile) == [["s:1", "s:2"], ["s:3"]]
    earlier = [{"kind": "merge", "records": ["s:1", "s:2"], "decision_id": "D0"}]
    split = {"kind": "split", "records": ["s:1", "s:2", "s:3"], "decision_id": "Ds"}
    assert dec.joined_sides([], split, profile) == [["s:1"], ["s:2"], ["s:3"]]
    assert dec.joined_sides(earlier, split, profile) == [["s:1", "s:2"], ["s:3"]]
    not_same = {"kind": "not_same", "records": ["s:1", "s:4"], "decision_id": "Dn"}
    assert dec.joined_sides([], not_same, profile) == []
    accept = {"kind": "merge", "records": ["s:2", "s:4"], "decision_id": "Da"}
    # an accepted pair joins the forced groups of both records
    assert dec.joined_sides(earlier, accept, profile) == [["s:1", "s:2"], ["s:4"]]


def test_undone_decisions_stop_constraining_later_runs() -> None:
    clean = pd.DataFrame({"record_id": [0, 1, 2], "source": "s",
                          "source_record_id": ["1", "2", "3"]})
    ns = {"decision_id": "D1", "kind": "not_same", "records": ["s:1", "s:2"]}
    mg = {"decision_id": "D2", "kind": "merge", "records": ["s:1", "s:2", "s:3"]}
    sp = {"decision_id": "D3", "kind": "split", "records": ["s:3"],
          "profile_records": ["s:1", "s:2", "s:3"]}

    def undo_of(d: dict) -> dict:
        return {"decision_id": dec.undo_id(d["decision_id"]), "kind": "undo",
                "undoes": d["decision_id"], "records": d["records"]}

    cons = dec.constraints_for_run([ns, mg, undo_of(mg)], clean)
    assert cons.must_link.empty and len(cons.cannot_link) == 1  # the not-same is back
    assert (cons.applied, cons.stale) == (1, 0)
    cons = dec.constraints_for_run([ns, undo_of(ns)], clean)
    assert cons.cannot_link.empty and cons.applied == 0
    cons = dec.constraints_for_run([mg, sp, undo_of(sp)], clean)
    assert len(cons.must_link) == 2 and cons.cannot_link.empty
    assert not dec.replay([ns, undo_of(ns)]).decided("s:1", "s:2")
    with pytest.raises(ValueError, match="cannot be undone"):
        dec.undo_target([ns, undo_of(ns)], dec.undo_id("D1"))
