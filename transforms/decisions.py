"""Steward decisions as constraints that outrank the model (pure functions, no file I/O).

Decisions are replayed in ledger order over *record keys* (``source:source_record_id``),
never over golden ids or record_ids, because those are what survive from one run to the
next:

- ``merge`` (and an accepted review pair): all named records form one forced group; any
  earlier not-same between them is lifted (the later, explicit decision wins).
- ``split``: the named records leave their forced groups and form a new one, and each is
  cannot-linked to the rest of the profile it was taken out of.
- ``not_same`` (and a rejected review pair): a cannot-link between two records.
- ``undo``: the decision it names (``undoes``) is replayed as if it had never been
  recorded; the ledger stays append-only, so the undo is a decision of its own.

The result is must-link pairs (a star per forced group) and cannot-link pairs, mapped to
this run's ``record_id``; decisions whose records no longer exist are counted as stale.

This module also holds the review spreadsheet's pure parts: building the side-by-side
sheet, escaping cells a spreadsheet would execute, and parsing a filled-in sheet back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

KINDS = ("merge", "split", "not_same", "undo")

# Review sheet: the identity columns shown side by side (review-queue suffix -> sheet name).
SHEET_FIELDS = {
    "name_given": "given_name",
    "name_middle": "middle_name",
    "name_family": "family_name",
    "email_norm": "email",
    "phone_e164": "phone",
    "date_of_birth_norm": "date_of_birth",
    "street_norm": "street",
    "postal_code_norm": "postal_code",
    "city_norm": "city",
    "country_code": "country",
    "tax_id_norm": "tax_id",
    "company_norm": "company",
}
SHEET_DECISIONS = ("accept", "reject")
# A cell starting with one of these is a formula (or DDE payload) to Excel/LibreOffice/Sheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE_MARK = "'"


def record_key(source: str, source_record_id: str) -> str:
    return f"{source}:{source_record_id}"


def parse_record_ref(ref: str) -> tuple[str, str]:
    """``SOURCE:RECORD_ID`` -> (source, record id); the id may itself contain ':'."""
    source, sep, rid = ref.partition(":")
    if not sep or not source or not rid:
        raise ValueError(f"expected SOURCE:RECORD_ID, got a value without that shape ({ref!r})")
    return source, rid


def decision_id(kind: str, basis: str, targets: Iterable[str]) -> str:
    """Deterministic id of a decision from its content key, so recording it is idempotent.

    ``basis`` says what the decision was made against: the run a verb read (a verb retried
    after a crash reads the same run, so it gets the same id, while the same request made
    later is a new decision), or the review sheet a row comes from.
    """
    key = json.dumps([kind, basis, sorted(str(t) for t in targets)], ensure_ascii=False)
    return "D" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def affected_groups(decision: Mapping[str, Any], group_of: Mapping[str, Any]) -> set[Any]:
    """The groups (profiles, clusters) a decision changes, given each record key's group.

    A merge changes the groups of its records when they are not already one; a not-same
    the group holding both records; a split the group it takes records out of; an undo the
    groups of every record the decision it reverts named. Records no longer delivered are
    skipped.
    """
    present = [group_of[k] for k in decision.get("records", []) if k in group_of]
    groups = set(present)
    kind = decision.get("kind")
    if kind == "merge":
        return groups if len(groups) > 1 else set()
    if kind == "not_same":
        return groups if len(present) == 2 and len(groups) == 1 else set()
    return groups


@dataclass
class Constraints:
    """Decision constraints for one run, as record_id pairs, plus bookkeeping."""

    must_link: pd.DataFrame
    cannot_link: pd.DataFrame
    applied: int = 0
    stale: int = 0
    stale_ids: list[str] = field(default_factory=list)


class _Replay:
    """Forced groups and cannot-links over record keys, built by replaying the ledger."""

    def __init__(self) -> None:
        self.group: dict[str, int] = {}
        self.members: dict[int, set[str]] = {}
        self.cannot: set[tuple[str, str]] = set()
        self._next = 0

    def _new_group(self, keys: Iterable[str]) -> int:
        gid = self._next
        self._next += 1
        self.members[gid] = set()
        for k in keys:
            self._leave(k)
            self.group[k] = gid
            self.members[gid].add(k)
        return gid

    def _leave(self, key: str) -> None:
        gid = self.group.pop(key, None)
        if gid is not None:
            self.members[gid].discard(key)
            if not self.members[gid]:
                del self.members[gid]

    def merge(self, keys: list[str]) -> None:
        everyone = set(keys)
        for k in keys:
            if k in self.group:
                everyone |= self.members[self.group[k]]
        self._new_group(sorted(everyone))
        self.cannot = {p for p in self.cannot if not (p[0] in everyone and p[1] in everyone)}

    def split(self, keys: list[str], profile: list[str]) -> None:
        moved = set(keys)
        self._new_group(sorted(moved))
        for a in sorted(moved):
            for b in profile:
                if b not in moved:
                    self.cannot.add(_ordered(a, b))

    def not_same(self, a: str, b: str) -> None:
        self.cannot.add(_ordered(a, b))

    def same_group(self, a: str, b: str) -> bool:
        return a in self.group and self.group.get(a) == self.group.get(b)

    def decided(self, a: str, b: str) -> bool:
        """True when a decision settles whether ``a`` and ``b`` are the same person."""
        return self.same_group(a, b) or _ordered(a, b) in self.cannot


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def undone_ids(decisions: list[dict[str, Any]]) -> dict[str, str]:
    """Decision id -> id of the ``undo`` decision that reverts it."""
    return {str(d["undoes"]): str(d["decision_id"]) for d in decisions
            if d.get("kind") == "undo" and d.get("undoes")}


def in_force(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The decisions that still apply: undos and the decisions they revert left out."""
    undone = undone_ids(decisions)
    return [d for d in decisions
            if d.get("kind") != "undo" and str(d.get("decision_id")) not in undone]


def undo_target(decisions: list[dict[str, Any]], target_id: str) -> dict[str, Any]:
    """The decision ``target_id`` names, if it can be undone (``ValueError`` says why not).

    An undo cannot itself be undone (record the decision again instead), and a decision is
    undone once: :func:`undo_id` is derived from the target alone.
    """
    target = next((d for d in decisions if str(d.get("decision_id")) == target_id), None)
    if target is None:
        raise ValueError(f"unknown decision id {target_id!r}: not in the decisions ledger "
                         "(crm-golden history GOLDEN_ID lists a profile's decisions)")
    if target.get("kind") == "undo":
        raise ValueError(f"{target_id} is an undo; an undo cannot be undone (record the "
                         "decision again instead)")
    return target


def undo_id(target_id: str) -> str:
    """The id of the undo of ``target_id``: one per decision, so a retried undo is the same."""
    return decision_id("undo", target_id, [target_id])


def undo_records(target: dict[str, Any]) -> list[str]:
    """Every record whose profile the undo of ``target`` may change (a split's whole
    former profile, the records of a merge or not-same)."""
    return sorted(set(target.get("records", [])) | set(target.get("profile_records", [])))


def joined_sides(decisions: list[dict[str, Any]], decision: dict[str, Any],
                 profile_of: Mapping[str, Any]) -> list[list[str]]:
    """The groups of records ``decision`` forces into one profile that were apart before it.

    A merge (or an accepted review pair) joins its forced group as replayed after it; the
    sides are that group's records by current profile (``profile_of``: record key -> golden
    id; records no longer delivered are left out). A split forces the moved records into a
    profile of their own, without the rest of the profile that may have held them together:
    each moved record is a side, except records an earlier decision already forced together.
    A not-same joins nothing.
    """
    kind = decision.get("kind")
    if kind == "merge":
        after = replay([*decisions, decision])
        first = decision["records"][0]
        group = after.members[after.group[first]] if first in after.group else set()
        sides: dict[Any, list[str]] = {}
        for key in sorted(group):
            if key in profile_of:
                sides.setdefault(profile_of[key], []).append(key)
        return list(sides.values())
    if kind == "split":
        before = replay(decisions)
        held: dict[Any, list[str]] = {}
        for key in sorted(decision["records"]):
            if key in profile_of:
                held.setdefault(before.group.get(key, key), []).append(key)
        return list(held.values())
    return []


def replay(decisions: list[dict[str, Any]]) -> _Replay:
    """Forced groups and cannot-links after every decision in force, in ledger order."""
    state = _Replay()
    for d in in_force(decisions):
        kind = d["kind"]
        if kind == "merge":
            state.merge(d["records"])
        elif kind == "split":
            state.split(d["records"], d.get("profile_records", []))
        elif kind == "not_same":
            state.not_same(d["records"][0], d["records"][1])
        else:
            raise ValueError(f"unknown decision kind {kind!r} in ledger")
    return state


def check_not_same(decisions: list[dict[str, Any]], a: str, b: str) -> None:
    """A not-same between records a decision already merged is refused."""
    if a == b:
        raise ValueError("a record cannot be 'not the same' as itself")
    if replay(decisions).same_group(a, b):
        raise ValueError("these records were merged by an earlier decision; split them instead")


def is_stale(decision: dict[str, Any], present: set[str] | pd.Index) -> bool:
    """A decision no longer applies when too few of its records are still delivered.

    A merge needs two present records, a not-same both, a split one moved record and one
    record of the profile it left; a merge that lost one member of five still applies.
    """
    def here(keys: Iterable[str]) -> int:
        return sum(1 for k in keys if k in present)

    kind = decision["kind"]
    if kind == "merge":
        return here(decision["records"]) < 2
    if kind == "not_same":
        return here(decision["records"]) < 2
    others = [k for k in decision.get("profile_records", []) if k not in decision["records"]]
    return here(decision["records"]) < 1 or (bool(others) and here(others) < 1)


def constraints_for_run(decisions: list[dict[str, Any]], clean: pd.DataFrame) -> Constraints:
    """Must-link and cannot-link record_id pairs for the records present in this run.

    Undone decisions (and the undos) are skipped: ``applied`` and ``stale`` count the
    decisions in force.
    """
    empty = pd.DataFrame({"left_record_id": pd.Series(dtype="int64"),
                          "right_record_id": pd.Series(dtype="int64")})
    if not decisions:
        return Constraints(empty, empty.copy())
    state = replay(decisions)
    decisions = in_force(decisions)
    keys = clean["source"].astype(str) + ":" + clean["source_record_id"].astype(str)
    rid = pd.Series(clean["record_id"].to_numpy(), index=keys.to_numpy())
    must: list[tuple[int, int]] = []
    for members in state.members.values():
        present = sorted(rid[k] for k in members if k in rid.index)
        must.extend((present[0], other) for other in present[1:])
    cannot = [(rid[a], rid[b]) for a, b in sorted(state.cannot)
              if a in rid.index and b in rid.index]
    present_keys = set(rid.index)
    stale_ids = [d["decision_id"] for d in decisions if is_stale(d, present_keys)]

    def frame(pairs: list[tuple[int, int]]) -> pd.DataFrame:
        if not pairs:
            return empty.copy()
        out = pd.DataFrame(pairs, columns=["left_record_id", "right_record_id"]).astype("int64")
        return out.drop_duplicates().reset_index(drop=True)

    return Constraints(frame(must), frame(cannot), applied=len(decisions) - len(stale_ids),
                       stale=len(stale_ids), stale_ids=stale_ids)


def restrict_pairs(pairs: pd.DataFrame, record_ids: Iterable[int]) -> pd.DataFrame:
    """The pairs whose two records are both in ``record_ids`` (for a partial recluster)."""
    keep = pd.Index(list(record_ids))
    mask = (pairs["left_record_id"].isin(keep) & pairs["right_record_id"].isin(keep))
    return pairs[mask].reset_index(drop=True)


def drop_decided_pairs(review: pd.DataFrame, decisions: list[dict[str, Any]]) -> pd.DataFrame:
    """The review queue without the pairs a decision already settled (merged or kept apart).

    ``review`` is the review queue (``l_source``, ``l_source_record_id``, ``r_...``).
    """
    if review.empty or not decisions:
        return review
    state = replay(decisions)
    left = review["l_source"].astype(str) + ":" + review["l_source_record_id"].astype(str)
    right = review["r_source"].astype(str) + ":" + review["r_source_record_id"].astype(str)
    decided = [state.decided(a, b) for a, b in zip(left, right, strict=True)]
    return review[~pd.Series(decided, index=review.index, dtype=bool)].reset_index(drop=True)


# --------------------------------------------------------------------------- review sheet


def escape_cell(value: object) -> object:
    """Prefix a quote to text a spreadsheet would execute (``=cmd|...``, ``+1...``, ``@SUM``)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return ESCAPE_MARK + value
    return value


def unescape_cell(value: object) -> object:
    """Undo :func:`escape_cell` (only a quote that precedes a formula prefix is removed)."""
    if (isinstance(value, str) and value.startswith(ESCAPE_MARK)
            and value[1:].startswith(FORMULA_PREFIXES)):
        return value[1:]
    return value


def pair_id(left_key: str, right_key: str) -> str:
    """Stable id of an unordered record pair, to spot a sheet row whose keys were edited."""
    a, b = sorted((left_key, right_key))
    return "P" + hashlib.sha256(f"{a}\x1f{b}".encode()).hexdigest()[:12]


def review_sheet(review: pd.DataFrame, golden_of: pd.Series | None = None,
                 exported_from: str | None = None) -> pd.DataFrame:
    """One row per pair for a steward: ids, score, both records side by side, blank answer.

    ``review`` is shaped like ``review_queue.parquet``; ``golden_of`` maps record keys to
    the current golden id (shown so stewards see which profiles are concerned);
    ``exported_from`` (the run the sheet comes from) makes each answered row's decision id
    stable, so importing the same sheet twice records nothing new. Every text cell is
    escaped with :func:`escape_cell`; numbers are left as numbers.
    """
    left = review["l_source"].astype(str) + ":" + review["l_source_record_id"].astype(str)
    right = review["r_source"].astype(str) + ":" + review["r_source_record_id"].astype(str)
    out = pd.DataFrame({
        "pair_id": [pair_id(a, b) for a, b in zip(left, right, strict=True)],
        **({"exported_from": exported_from} if exported_from else {}),
        "left_record": left.to_numpy(),
        "right_record": right.to_numpy(),
        "match_weight": review["match_weight"].astype(float).round(3).to_numpy(),
        "match_probability": review["match_probability"].astype(float).round(5).to_numpy(),
    })
    if golden_of is not None:
        out["left_golden_id"] = left.map(golden_of).to_numpy()
        out["right_golden_id"] = right.map(golden_of).to_numpy()
    for col, name in SHEET_FIELDS.items():
        for side, prefix in (("l_", "left_"), ("r_", "right_")):
            if side + col in review.columns:
                values = review[side + col].astype("string").astype(object)
                out[prefix + name] = values.where(values.notna(), None).to_numpy()
    out["decision"] = ""
    out["reason"] = ""
    text = [c for c in out.columns if c not in ("match_weight", "match_probability")]
    for col in text:
        out[col] = out[col].map(escape_cell)
    return out


@dataclass
class SheetAnswer:
    """One answered row of a review sheet (``row`` is the spreadsheet row number)."""

    row: int
    decision: str  # accept | reject
    left: str
    right: str
    reason: str
    exported_from: str = ""  # run the sheet was exported from (blank on older sheets)


@dataclass
class SheetParse:
    """A filled-in sheet: answers to record, blank rows ignored, rows rejected with why."""

    answers: list[SheetAnswer]
    ignored: list[int]
    rejected: list[tuple[int, str]]


def parse_review_sheet(sheet: pd.DataFrame) -> SheetParse:
    """Read the steward's answers; a bad value rejects its row, never the whole sheet.

    Row numbers are the spreadsheet's (the header is row 1). Rejection messages name the
    row and the problem, never the cell's content (it may be personal).
    """
    required = {"pair_id", "left_record", "right_record", "decision"}
    missing = sorted(required - set(sheet.columns))
    if missing:
        raise ValueError(f"review sheet lacks columns {missing}")
    answers: list[SheetAnswer] = []
    ignored: list[int] = []
    rejected: list[tuple[int, str]] = []
    def cell(rec: dict, col: str) -> str:
        value = rec.get(col)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        return str(unescape_cell(str(value))).strip()

    for i, rec in enumerate(sheet.to_dict("records")):
        row = i + 2
        decision = cell(rec, "decision").lower()
        if not decision:
            ignored.append(row)
            continue
        if decision not in SHEET_DECISIONS:
            rejected.append((row, "decision must be accept, reject or blank"))
            continue
        left, right = cell(rec, "left_record"), cell(rec, "right_record")
        try:
            parse_record_ref(left)
            parse_record_ref(right)
        except ValueError:
            rejected.append((row, "left_record/right_record must be SOURCE:RECORD_ID"))
            continue
        if cell(rec, "pair_id") != pair_id(left, right):
            rejected.append((row, "pair_id does not match left_record/right_record"))
            continue
        answers.append(SheetAnswer(row, decision, left, right, cell(rec, "reason"),
                                   cell(rec, "exported_from")))
    return SheetParse(answers, ignored, rejected)
