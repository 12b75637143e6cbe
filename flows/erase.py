"""``crm-golden erase KEY --reason CODE``: a person out of every output, kept run and state.

KEY is recognised by its shape: a golden id (``G`` + 12 hex digits), a source record
(``SOURCE:RECORD_ID``, a source of the rules), an e-mail (has ``@``) or a phone number.
The person is every profile of the latest run the KEY reaches (a golden id or record:
its profile; an e-mail or phone: every profile holding a record with its normalized key).
Split first when a profile wrongly holds someone else.

Under the state lock, in this order, so that a kill at any instruction leaves something
a repeated ``erase`` (or, for a kill after step 4, the next run) finishes:

1. the latest run's tables without the person are computed in memory;
2. run folders beyond the retention policy are deleted, then every other kept run folder
   is rewritten without the person (each file replaced atomically), review sheets under
   ``OUTPUT/`` are rewritten, and failed runs' stage results holding the person are
   deleted (such a run must be started again);
3. the ledger is rewritten: decisions naming the person's records lose those keys and
   their free-text reason, and a tombstone is appended (a keyed hash of the KEY, the keyed
   hashes of the person's identifiers, a reason code, who and when: no plain value);
4. a new run and state generation are committed: latest without the person, the registry
   without their records (their golden ids retired as ``erased``, no redirect target),
   the suppression list with their hashes. Older generations (which name the person) are
   deleted once it is current;
5. the run that was latest, now a kept run, is rewritten like the others.

Review sheets exported outside ``OUTPUT/`` are the steward's to delete: the tool cannot
know where they went. Messages and the outcome carry counts, run ids and golden ids only.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from crm_golden.config.rules import Rules
from flows import privacy, stages, state, steward
from flows.privacy import Matcher, RunErasure
from transforms import audit as aud
from transforms import decisions as dec
from transforms import suppress as sup
from transforms.emails import normalize_emails
from transforms.golden_ids import ERASED, redirects_table, retire_erased
from transforms.phones import normalize_phones
from transforms.publish import OUTPUT_TABLES
from transforms.report_html import render_report

GOLDEN_ID_RE = re.compile(r"^G[0-9a-f]{12}$")
PHONE_RE = re.compile(r"^\+?[\d\s().\-/]+$")
# Columns whose values are the person's words: searched in free text (quarantined rows,
# sheets, reasons) while the verb runs, never stored.
WORD_COLUMNS = ["email", "email_norm", "email_key", "phone", "phone_2", "phone_e164",
                "phone_2_e164", "tax_id", "tax_id_norm", "full_name"]
NAME_PAIRS = [("given_name", "family_name"), ("name_given", "name_family")]


class ErasureError(ValueError):
    """An erase request that cannot be carried out; nothing was changed."""


@dataclass
class ErasureOutcome:
    """What an erasure did, in counts and ids (printed; no personal data)."""

    run_id: str | None
    previous_run: str
    reason_code: str
    decision_id: str | None = None
    already_erased: bool = False
    golden_ids_retired: list[str] = field(default_factory=list)
    records_erased: int = 0
    rows_removed: dict[str, int] = field(default_factory=dict)  # latest, per table
    runs_rewritten: list[str] = field(default_factory=list)
    runs_pruned: list[str] = field(default_factory=list)
    sheets_rewritten: list[str] = field(default_factory=list)
    stage_results_deleted: list[str] = field(default_factory=list)
    decisions_scrubbed: int = 0
    hashes_added: int = 0
    seconds: float = 0.0
    # the person's values, for ``erase --verify``'s search only: never printed or stored
    words: tuple[str, ...] = field(default=(), repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "words"}


def format_outcome(out: ErasureOutcome) -> str:
    """A short summary of an erasure: runs, counts and golden ids only."""
    if out.already_erased:
        lines = [f"already erased: latest {out.previous_run} holds nobody this KEY reaches; "
                 "the kept files were checked again"]
    else:
        lines = [f"published run {out.run_id} (was {out.previous_run}) in {out.seconds:.2f} s;"
                 f" tombstone {out.decision_id} (reason {out.reason_code})",
                 f"  golden ids retired (no redirect): {', '.join(out.golden_ids_retired)}",
                 f"  records erased: {out.records_erased}; rows removed from latest: "
                 + ", ".join(f"{k} {v}" for k, v in sorted(out.rows_removed.items())),
                 f"  keyed hashes added to the suppression list: {out.hashes_added}; ledger "
                 f"decisions scrubbed: {out.decisions_scrubbed}"]
    lines.append(f"  kept runs rewritten: {len(out.runs_rewritten)}; runs pruned by "
                 f"retention: {len(out.runs_pruned)}")
    if out.sheets_rewritten:
        lines.append(f"  review sheets rewritten: {', '.join(out.sheets_rewritten)}")
    if out.stage_results_deleted:
        lines.append("  failed runs whose stage results held the person were deleted (start "
                     f"them again): {', '.join(out.stage_results_deleted)}")
    lines.append("  review sheets exported outside the output folder are yours to delete")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the KEY


def classify(key: str, sources: set[str]) -> tuple[str, str]:
    """(kind, value) of an erase KEY: golden_id, record, email or phone, by its shape."""
    text = str(key).strip()
    if GOLDEN_ID_RE.match(text):
        return "golden_id", text
    if "@" in text:
        return "email", text
    source, sep, rid = text.partition(":")
    if sep and source in sources and rid:
        return "record", dec.record_key(source, rid)
    if PHONE_RE.match(text) and sum(c.isdigit() for c in text) >= 7:
        return "phone", text
    raise ErasureError("KEY must be a golden id (G + 12 hex digits), SOURCE:RECORD_ID with a "
                       f"source of the rules ({', '.join(sorted(sources))}), an e-mail or a "
                       "phone number")


def _phone_keys(value: str, rules: Rules) -> list[str]:
    """E.164 forms of a phone KEY: as given when international, else in each source's
    default country."""
    regions = sorted({s.default_country for s in rules.sources if s.default_country})
    tries = [None] if value.strip().startswith("+") or not regions else regions
    out = []
    for region in tries:
        e164 = normalize_phones(pd.Series([value], dtype="string"),
                                default_country=region)["phone_e164"].iloc[0]
        if isinstance(e164, str) and e164:
            out.append(e164)
    return sorted(set(out))


def _subject(hasher: sup.Hasher, kind: str, value: str, phones: list[str]) -> str | None:
    """The keyed hash a KEY stands for (the tombstone's subject)."""
    if kind == "email":
        return sup.key_hash(hasher, "email", value)
    if kind == "phone":
        return hasher.digest("phone", phones[0]) if phones else None
    return hasher.digest(kind, value)


def _locate(latest: steward.Latest, kind: str, value: str, phones: list[str],
            matcher_hashes: frozenset[str], hasher: sup.Hasher, rules: Rules) -> set[str]:
    """Golden ids of the latest run the KEY reaches (plus those of interrupted erasures)."""
    index = latest.index
    found: set[str] = set()
    if kind == "golden_id":
        red = latest.redirects
        hit = red.loc[red["retired_id"] == value, "current_id"]
        target = value if not len(hit) else hit.iloc[0]
        if isinstance(target, str) and (index["golden_id"] == target).any():
            found.add(target)
    elif kind == "record":
        if value in latest.by_key.index:
            found.add(str(latest.by_key.at[value, "golden_id"]))
    else:
        cols = ["record_id", "email_key", "phone_e164", "phone_2_e164"]
        clean = privacy._read(latest.run_dir / "clean_records.parquet", cols)
        if kind == "email":
            key = sup.text_of(normalize_emails(pd.Series([value], dtype="string"))
                            ["email_key"].iloc[0])
            hit = clean["email_key"].astype(object) == key if key else np.zeros(len(clean), bool)
        else:
            hit = np.zeros(len(clean), dtype=bool)
            for col in ("phone_e164", "phone_2_e164"):
                if col in clean.columns and phones:
                    hit |= clean[col].isin(phones).to_numpy()
        ids = clean.loc[np.asarray(hit, dtype=bool), "record_id"]
        found |= set(index.loc[index["record_id"].isin(ids), "golden_id"].astype(str))
    if matcher_hashes:  # an erasure killed before its commit: its person goes now too
        clean = privacy._read(latest.run_dir / "clean_records.parquet", privacy.KEY_COLUMNS)
        hit = sup.matching_rows(clean, hasher, matcher_hashes, privacy.match_kinds(
            rules.privacy), privacy.id_sources(rules))
        keys = set(privacy._keys(clean)[hit])
        found |= set(index.loc[index["key"].isin(list(keys)), "golden_id"].astype(str))
    return found


def _words(rows: pd.DataFrame) -> tuple[str, ...]:
    """The person's distinctive values (e-mails, phones, tax ids, full names)."""
    words: set[str] = set()
    for col in WORD_COLUMNS:
        if col in rows.columns:
            words |= {str(v).strip() for v in rows[col].dropna() if len(str(v).strip()) >= 4}
    for given, family in NAME_PAIRS:
        if given in rows.columns and family in rows.columns:
            both = rows[[given, family]].dropna()
            words |= {f"{g} {f}".strip() for g, f in zip(both[given], both[family], strict=True)}
    return tuple(sorted(words))


# --------------------------------------------------------------------------- the verb


def erase(output_dir: Path | str, key: str, reason_code: str, by: str | None = None,
          rules_dir: Path | str | None = None) -> ErasureOutcome:
    """Erase the person KEY names from every file under ``output_dir`` (see the module)."""
    t0 = time.perf_counter()
    output_dir = Path(output_dir)
    with state.locked(output_dir):
        latest = steward.load_latest(output_dir)
        snap = state.read_state(output_dir)
        sd = state.state_dir(output_dir)
        ledger = state.read_ledger(sd)
        rules = steward.load_rules_checked(steward.resolve_rules_dir(snap, rules_dir),
                                           latest.audit)
        codes = rules.privacy.erasure_reasons
        if reason_code not in codes:
            raise ErasureError(f"--reason must be one of the reason codes of "
                               f"rules/privacy.yaml: {', '.join(codes)}")
        hasher = privacy.require_hasher(rules.privacy, snap.suppression, "erase")
        kind, value = classify(key, {s.name for s in rules.sources})
        phones = _phone_keys(value, rules) if kind == "phone" else []
        subject = _subject(hasher, kind, value, phones)
        if subject is None:
            raise ErasureError(f"the {kind.replace('_', ' ')} given does not normalize to a "
                               "key the pipeline uses")
        pending = privacy.pending_tombstones(snap, ledger)
        pending_hashes = frozenset(state.tombstone_hashes(pending))
        gids = _locate(latest, kind, value, phones, pending_hashes, hasher, rules)
        if not gids:
            return _already(output_dir, latest, snap, rules, hasher, kind, value, subject,
                            reason_code, t0)
        return _erase(output_dir, latest, snap, ledger, rules, hasher, gids, subject,
                      pending_hashes, reason_code, by, t0)


def _already(output_dir: Path, latest: steward.Latest, snap: state.StateSnapshot,
             rules: Rules, hasher: sup.Hasher, kind: str, value: str, subject: str,
             reason_code: str, t0: float) -> ErasureOutcome:
    """The KEY reaches nobody in latest: fine when it was erased before (the kept files
    are swept again, for an erasure a kill interrupted); an error otherwise."""
    erased_ids = _erased_ids(snap)
    before = subject in snap.suppression.hashes or (kind == "golden_id" and value in erased_ids)
    if not before:
        raise ErasureError(f"no record of the latest run {latest.run_dir.name} matches the "
                           f"{kind.replace('_', ' ')} given")
    matcher = Matcher(hasher, snap.suppression.hashes, privacy.match_kinds(rules.privacy),
                      privacy.id_sources(rules), frozenset(erased_ids))
    out = ErasureOutcome(run_id=None, previous_run=latest.run_dir.name,
                         reason_code=reason_code, already_erased=True)
    sweep = privacy.sweep(output_dir, matcher, rules, skip={latest.run_dir.name})
    out.runs_rewritten, out.sheets_rewritten, out.stage_results_deleted = (
        sweep.runs, sweep.sheets, sweep.stage_results)
    out.seconds = round(time.perf_counter() - t0, 3)
    return out


def _erased_ids(snap: state.StateSnapshot) -> set[str]:
    if snap.registry is None:
        return set()
    ids = snap.registry.ids
    return set(ids.loc[ids["retired_reason"] == ERASED, "golden_id"].astype(str))


def _erase(output_dir: Path, latest: steward.Latest, snap: state.StateSnapshot,
           ledger: list[dict[str, Any]], rules: Rules, hasher: sup.Hasher, gids: set[str],
           subject: str, pending_hashes: frozenset[str], reason_code: str, by: str | None,
           t0: float) -> ErasureOutcome:
    if snap.registry is None:
        raise ErasureError("no golden id registry under state/; run the pipeline first")
    ctx = stages.new_run_context(rules.folder, output_dir)
    ctx.state = snap
    index = latest.index
    members = snap.registry.members
    registry_keys = set(members.loc[members["golden_id"].isin(list(gids)), "source"].astype(str)
                        + ":" + members.loc[members["golden_id"].isin(list(gids)),
                                            "source_record_id"].astype(str))
    person = index[index["golden_id"].isin(list(gids))]
    person_keys = set(person["key"]) | registry_keys
    rows = pq.read_table(latest.run_dir / "clean_records.parquet",
                         filters=[("record_id", "in", person["record_id"].tolist())]).to_pandas()
    kinds = privacy.match_kinds(rules.privacy)
    id_sources = privacy.id_sources(rules)
    hashes = sup.subject_hashes(rows, hasher, kinds, id_sources) | {subject} | pending_hashes
    suppression = snap.suppression.adding(hashes, hasher.key_check())
    erased_ids = _erased_ids(snap) | gids
    matcher = Matcher(hasher, suppression.hashes, kinds, id_sources, frozenset(erased_ids),
                      frozenset(person_keys), _words(rows))
    del rows  # the person's values are not needed past this point

    # 1. latest without the person (in memory)
    plan = privacy.retention_plan(output_dir, rules.privacy.retention, adding=ctx.run_id)
    new_ledger, scrubbed = dec.scrub_decisions(ledger, person_keys, gids, matcher.words)
    tombstone = {
        "decision_id": dec.decision_id(dec.TOMBSTONE, latest.run_dir.name, [subject]),
        "kind": dec.TOMBSTONE, "subject": subject, "hashes": sorted(hashes - pending_hashes),
        "reason_code": reason_code, "by": steward._who(by), "at": steward._now(),
        "run_id": latest.run_dir.name, "records_erased": int(len(person)),
        "profiles_erased": len(gids),
    }
    if tombstone["decision_id"] not in {str(d.get("decision_id")) for d in new_ledger}:
        new_ledger.append(tombstone)
    lat = privacy.plan_run_erasure(latest.run_dir, matcher, rules, is_latest=True)
    if lat is None:
        raise ErasureError("the latest run holds none of the records found; run the "
                           "pipeline, then retry")
    out = ErasureOutcome(run_id=ctx.run_id, previous_run=latest.run_dir.name,
                         reason_code=reason_code, decision_id=str(tombstone["decision_id"]),
                         golden_ids_retired=sorted(gids), records_erased=lat.records,
                         rows_removed=dict(lat.removed), decisions_scrubbed=scrubbed,
                         hashes_added=len(suppression.hashes) - len(snap.suppression.hashes),
                         words=matcher.words)

    # 2. kept runs, sheets and stage results (retention first: no need to rewrite those)
    out.runs_pruned = privacy.prune_runs(output_dir, plan)
    sweep = privacy.sweep(output_dir, matcher, rules, skip={latest.run_dir.name},
                          erased_keys=lat.erased_keys)
    out.runs_rewritten, out.sheets_rewritten, out.stage_results_deleted = (
        sweep.runs, sweep.sheets, sweep.stage_results)

    # 3. the ledger: the tombstone in, the person's keys and words out
    state.rewrite_ledger(state.state_dir(output_dir), new_ledger)
    state.crash_point("erase.ledger_rewritten")

    # 4. the new run and state generation
    registry = retire_erased(snap.registry, gids, person_keys | lat.erased_keys, ctx.run_id)
    published = stages.published_after(snap, new_ledger, ctx.run_id)
    audit = _run_audit(lat, latest, ctx, snap, new_ledger, rules, out, registry)
    tables, documents = _outputs(latest.run_dir, lat, registry)
    out.seconds = round(time.perf_counter() - t0, 3)
    audit["run"]["stage_seconds"] = {"erase": out.seconds}
    stages.stage_commit(ctx, tables, {
        **documents, "audit.json": audit, "audit_report.html": render_report(audit),
        "model.json": (latest.run_dir / "model.json").read_bytes(),
    }, state.StateUpdate(
        registry=registry, model_json=snap.model_json, model_rules_hash=snap.model_rules_hash,
        rules_dir=snap.rules_dir or str(rules.folder), published=published,
        suppression=suppression, erasure=True))
    # 5. the run that was latest is a kept run now: rewritten like the others (a kill
    # before this is finished by a repeated erase, which sweeps every kept run)
    privacy.write_run_erasure(lat)
    out.runs_rewritten.append(latest.run_dir.name)
    out.seconds = round(time.perf_counter() - t0, 3)
    return out


def _outputs(run_dir: Path, lat: RunErasure, registry: Any) -> tuple[dict, dict]:
    """The new run's tables: crosswalk and redirects as frames, the rest as Parquet bytes
    (filtered, or copied unchanged), so their schemas and descriptions stay as published."""
    tables: dict[str, Any] = {
        "crosswalk": privacy._table(lat, "crosswalk").to_pandas(),
        "id_redirects": redirects_table(registry.ids),
    }
    documents: dict[str, Any] = {}
    for name in OUTPUT_TABLES:
        if name in tables:
            continue
        if name in lat.tables:
            documents[f"{name}.parquet"] = privacy.table_bytes(lat.tables[name])
        elif (run_dir / f"{name}.parquet").is_file():
            documents[f"{name}.parquet"] = (run_dir / f"{name}.parquet").read_bytes()
    return tables, documents


def _run_audit(lat: RunErasure, latest: steward.Latest, ctx: stages.RunContext,
               snap: state.StateSnapshot, ledger: list[dict[str, Any]], rules: Rules,
               out: ErasureOutcome, registry: Any) -> dict[str, Any]:
    """The latest audit without the person, as the audit of the erasure's own run."""
    audit = dict(lat.audit or latest.audit)
    previous = latest.audit.get("privacy") or {}
    suppressed: dict[str, dict[str, int]] = {
        r["source"]: {"erased": int(r.get("erased", 0)), "opt_out": int(r.get("opt_out", 0))}
        for r in previous.get("suppressed_by_source") or []}
    for src, gone in lat.by_source.items():
        row = suppressed.setdefault(src, {"erased": 0, "opt_out": 0})
        row["erased"] += int(gone.get("clean", 0)) + int(gone.get("quarantined", 0))
    figures = privacy.privacy_figures(snap, ledger, ctx.run_id, None, rules.privacy.retention,
                                      out.runs_pruned)
    figures["suppressed"] = suppressed
    audit["privacy"] = aud.privacy_section(figures)
    finished = datetime.now(UTC)
    run = dict(audit.get("run") or {})
    run.update({"run_id": ctx.run_id, "started": ctx.started.isoformat(),
                "finished": finished.isoformat(),
                "duration_s": round((finished - ctx.started).total_seconds(), 3),
                "previous_run": latest.run_dir.name, "kind": "erasure",
                "takeaway": (f"Erasure republished run {latest.run_dir.name} as {ctx.run_id}: "
                             f"{lat.records} records and {len(out.golden_ids_retired)} "
                             f"profiles removed (reason {out.reason_code}).")})
    audit["run"] = run
    changes = dict(audit.get("changes") or {})
    active = int((registry.ids["status"] == "active").sum())
    changes["churn"] = {"created": 0, "kept": int(lat.audit["clusters"]["golden_profiles"])
                        if lat.audit else 0, "merged": 0, "split": 0,
                        "retired": len(out.golden_ids_retired), "erased":
                        len(out.golden_ids_retired), "absent": 0, "active": active}
    changes["previous_run"] = latest.run_dir.name
    changes["takeaway"] = (f"{len(out.golden_ids_retired)} golden id(s) retired by an erasure "
                           "(no redirect target); nothing else changed.")
    audit["changes"] = changes
    return audit
