"""Privacy plumbing shared by runs and verbs: the HMAC key, suppression at ingest,
retention of run folders, rewriting kept files without erased people, and a search.

Why here (flows) and not in transforms: each of these reads or writes ``OUTPUT/`` or the
environment; the hashing and matching they use are the pure functions of
``transforms.suppress``. The erase verb itself is ``flows.erase``.

* **The key** comes from ``$CRM_GOLDEN_HMAC_KEY`` or a Prefect Secret block (named in
  ``$CRM_GOLDEN_HMAC_SECRET_BLOCK`` or ``rules/privacy.yaml``); it is never written, logged
  or passed to Prefect. A suppression list stores its key's check value, so a run under
  another key (or none) refuses instead of re-ingesting erased people.
* **Suppression** drops rows of erased people (committed list, plus the hashes of an
  erasure whose publication was interrupted) and, when a rule says so, rows opted out of
  every channel; the stage counts them per source as ``suppressed``.
* **Retention** keeps the newest ``keep_runs`` run folders and none older than
  ``keep_days``; ``latest``'s target and the run being published are always kept.
* **Rewriting** a kept run removes an erased person's rows from every table, re-renders
  its audit, and replaces each file atomically; review sheets under ``OUTPUT/`` are
  rewritten and a failed run's stage results holding the person are deleted.

Messages name files, runs and counts, never a value.
"""

from __future__ import annotations

import html
import io
import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from prefect.blocks.system import Secret

from crm_golden.config.privacy import PrivacyRules, RetentionRules
from crm_golden.config.rules import Rules
from flows import state
from flows.state import StateSnapshot
from transforms import audit as aud
from transforms import suppress as sup
from transforms.golden_ids import ERASED, retire_erased
from transforms.mask import mask_value
from transforms.merge_examples import example_record_ids, merge_examples
from transforms.publish import STAGES_DIR, latest_run_dir
from transforms.report_html import render_report
from transforms.suppress import Hasher, SuppressionList

log = logging.getLogger("crm_golden.privacy")

KEY_ENV = "CRM_GOLDEN_HMAC_KEY"
SECRET_BLOCK_ENV = "CRM_GOLDEN_HMAC_SECRET_BLOCK"
KEY_HELP = (f"set {KEY_ENV} to a secret of {sup.MIN_KEY_LENGTH}+ characters (kept out of the "
            f"repository and the output folder), or name a Prefect Secret block holding it in "
            f"{SECRET_BLOCK_ENV} or rules/privacy.yaml (hmac_key_secret_block)")
RUN_ID_TIME = re.compile(r"^(\d{8}T\d{6})Z")
SHEET_SUFFIXES = (".csv", ".xlsx")


class PrivacyError(RuntimeError):
    """A privacy precondition fails (no key, another key); one line, no personal data."""


# --------------------------------------------------------------------------- the key


def load_hasher(rules: PrivacyRules | None = None) -> Hasher | None:
    """The configured HMAC key as a :class:`Hasher`; None when none is configured."""
    raw = os.environ.get(KEY_ENV, "")
    block = os.environ.get(SECRET_BLOCK_ENV) or (rules.hmac_key_secret_block if rules else None)
    if not raw and block:
        try:
            secret = cast(Secret, Secret.load(block))
            raw = str(secret.get())
        except Exception as exc:  # noqa: BLE001 - any failure: one line naming the block
            raise PrivacyError(f"cannot read the HMAC key from the Prefect Secret block "
                               f"{block!r} ({type(exc).__name__}); {KEY_HELP}") from None
    if not raw:
        return None
    if len(raw.encode()) < sup.MIN_KEY_LENGTH:
        raise PrivacyError(f"the HMAC key is shorter than {sup.MIN_KEY_LENGTH} characters; "
                           f"{KEY_HELP}")
    return Hasher(raw.encode())


def require_hasher(rules: PrivacyRules | None, suppression: SuppressionList,
                   doing: str) -> Hasher:
    """The key, which must be the one ``suppression`` was made with; else a one-line error."""
    hasher = load_hasher(rules)
    if hasher is None:
        raise PrivacyError(f"{doing} needs the HMAC key of the suppression list: {KEY_HELP}")
    if not hasher.same_key_as(suppression.key_check):
        raise PrivacyError(f"{doing}: the HMAC key is not the one the suppression list under "
                           "state/ was made with (erased people would be re-ingested); set "
                           f"{KEY_ENV} to that key")
    return hasher


# --------------------------------------------------------------------------- suppression


@dataclass(frozen=True)
class RunSuppression:
    """What a run suppresses: erased people's hashes and, when a rule says so, opt-outs."""

    hasher: Hasher
    hashes: frozenset[str]
    kinds: tuple[str, ...]
    id_sources: frozenset[str]
    opt_out_attributes: tuple[str, ...] = ()


def id_sources(rules: Rules) -> frozenset[str]:
    """Sources whose records carry their own id (a row number is no identity)."""
    return frozenset(s.name for s in rules.sources if s.id_column)


def match_kinds(rules: PrivacyRules) -> tuple[str, ...]:
    return ("record", *rules.suppression.match_on)


def pending_tombstones(snap: StateSnapshot, ledger: list[dict[str, Any]]) -> list[dict]:
    return [d for d in snap.pending(ledger) if d.get("kind") == "erase"]


def run_suppression(output_dir: Path, snap: StateSnapshot, rules: Rules
                    ) -> RunSuppression | None:
    """The suppression a run applies, or None when there is nothing to suppress.

    Hashes are the committed list's plus those of erasures recorded but not published (an
    erase killed before its commit): the person stays out either way. A non-empty list
    without its key refuses (:class:`PrivacyError`).
    """
    ledger = state.read_ledger(state.state_dir(output_dir))
    hashes = snap.suppression.hashes | state.tombstone_hashes(pending_tombstones(snap, ledger))
    opt = rules.privacy.suppression.opt_outs
    if not hashes and not opt.suppress:
        return None
    if hashes:
        hasher = require_hasher(rules.privacy, snap.suppression, "this run")
    else:  # opt-outs only: a key for this run's memory, never stored
        hasher = load_hasher(rules.privacy) or Hasher(secrets.token_bytes(32))
    return RunSuppression(hasher, frozenset(hashes), match_kinds(rules.privacy),
                          id_sources(rules), tuple(opt.attributes) if opt.suppress else ())


def suppressed_rows(frame: pd.DataFrame, supp: RunSuppression) -> tuple[np.ndarray, np.ndarray]:
    """(erased, opted_out) row masks of normalized records; an opted-out row's identifiers
    suppress this run's other rows of the same person too."""
    erased = sup.matching_rows(frame, supp.hasher, supp.hashes, supp.kinds, supp.id_sources)
    opt = np.zeros(len(frame), dtype=bool)
    if supp.opt_out_attributes:
        opt = sup.opted_out(frame, supp.opt_out_attributes)
        if opt.any():
            same = sup.subject_hashes(frame[opt], supp.hasher, supp.kinds[1:])
            opt |= sup.matching_rows(frame, supp.hasher, same, supp.kinds[1:])
    return erased, opt & ~erased


def suppressed_quarantine(quarantine: pd.DataFrame, supp: RunSuppression) -> np.ndarray:
    """Ingest-quarantine rows of erased people: by record key, or an e-mail in the row."""
    if quarantine.empty or not supp.hashes:
        return np.zeros(len(quarantine), dtype=bool)
    mask = sup.matching_rows(quarantine, supp.hasher, supp.hashes, ("record",), supp.id_sources)
    if "raw" in quarantine.columns:
        mask |= sup.text_matches(quarantine["raw"], supp.hasher, supp.hashes)
    return mask


def new_hashes_match(frame: pd.DataFrame, used: Collection[str], snap: StateSnapshot,
                     rules: Rules, output_dir: Path) -> int:
    """Rows of ``frame`` matching hashes committed since a run suppressed with ``used``
    (an erasure published while the run computed); 0 when the list did not grow."""
    supp = run_suppression(output_dir, snap, rules)
    if supp is None:
        return 0
    fresh = supp.hashes - set(used)
    if not fresh:
        return 0
    return int(sup.matching_rows(frame, supp.hasher, fresh, supp.kinds, supp.id_sources).sum())


def privacy_figures(snap: StateSnapshot, ledger: list[dict[str, Any]], run_id: str,
                    suppressed: pd.DataFrame | None, retention: RetentionRules,
                    pruned: Iterable[str]) -> dict[str, Any]:
    """The privacy section's input for a run or verb publishing as ``run_id``: counts and
    reason codes only (see ``transforms.audit.privacy_section``)."""
    tombstones = [d for d in ledger if d.get("kind") == "erase"]
    applied = [d for d in tombstones if str(d.get("decision_id")) not in snap.published]
    by_reason: dict[str, int] = {}
    for d in tombstones:
        code = str(d.get("reason_code") or "unknown")
        by_reason[code] = by_reason.get(code, 0) + 1
    per_source: dict[str, dict[str, int]] = {}
    if suppressed is not None and len(suppressed):
        counts = suppressed.groupby(["source", "why"], observed=True).size()
        for (src, why), n in counts.items():
            per_source.setdefault(str(src), {})[str(why)] = int(n)
    hashes = snap.suppression.hashes | state.tombstone_hashes(applied)
    return {"suppressed": per_source,
            "erasures": {"total": len(tombstones), "applied": len(applied),
                         "by_reason": by_reason},
            "suppression_list": len(hashes),
            "retention": {"keep_runs": retention.keep_runs, "keep_days": retention.keep_days},
            "runs_pruned": sorted(pruned)}


# --------------------------------------------------------------------------- retention


def run_started(run_dir: Path) -> datetime:
    """When a run started: from its id (``YYYYMMDDTHHMMSSZ-...``), its audit, or the folder."""
    m = RUN_ID_TIME.match(run_dir.name)
    if m:
        return datetime.strptime(m.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    try:
        audit = json.loads((run_dir / "audit.json").read_text(encoding="utf-8"))
        return datetime.fromisoformat(str(audit["run"]["started"])).astimezone(UTC)
    except (OSError, ValueError, KeyError, TypeError):
        return datetime.fromtimestamp(run_dir.stat().st_mtime, UTC)


def published_runs(output_dir: Path) -> list[Path]:
    """Complete run folders, newest first."""
    runs = Path(output_dir) / "runs"
    if not runs.is_dir():
        return []
    found = [p for p in runs.iterdir() if p.is_dir() and not p.name.endswith(".partial")]
    return sorted(found, key=lambda p: (run_started(p), p.name), reverse=True)


def retention_plan(output_dir: Path, policy: RetentionRules, now: datetime | None = None,
                   adding: str | None = None) -> list[Path]:
    """Run folders to delete once ``adding`` (the run being published) is out.

    Complete runs beyond the newest ``keep_runs`` or older than ``keep_days`` go, but never
    ``latest``'s target or ``adding``. A failed run's folder (its stage results, for
    ``--resume``) goes when it is older than ``keep_days`` or than the oldest complete run
    kept: it is needed no more recently than the policy keeps published runs.
    """
    output_dir = Path(output_dir)
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=policy.keep_days) if policy.keep_days else None
    try:
        protected = {latest_run_dir(output_dir).name}
    except FileNotFoundError:
        protected = set()
    if adding:
        protected.add(adding)
    runs = [p for p in published_runs(output_dir) if p.name != adding]
    count_limit = None if policy.keep_runs is None else policy.keep_runs - (1 if adding else 0)
    doomed: list[Path] = []
    kept: list[Path] = []
    for i, run in enumerate(runs):
        too_many = count_limit is not None and i >= count_limit
        too_old = cutoff is not None and run_started(run) < cutoff
        if (too_many or too_old) and run.name not in protected:
            doomed.append(run)
        else:
            kept.append(run)
    oldest_kept = min((run_started(p) for p in kept), default=now)
    for partial in sorted((Path(output_dir) / "runs").glob("*.partial")):
        if partial.name.removesuffix(".partial") in protected:
            continue
        started = run_started(partial)
        if (cutoff is not None and started < cutoff) or (doomed and started < oldest_kept):
            doomed.append(partial)
    return doomed


def prune_runs(output_dir: Path, plan: Iterable[Path]) -> list[str]:
    """Delete the planned run folders (call holding the state lock); their names."""
    done: list[str] = []
    for path in plan:
        if not path.exists():
            continue
        shutil.rmtree(path)
        done.append(path.name)
        if len(done) == 1:
            state.crash_point("retention.pruning")
    if done:
        log.info("retention: pruned %d run folder(s)", len(done))
    return done


# --------------------------------------------------------------------------- rewriting runs


@dataclass(frozen=True)
class Matcher:
    """What identifies erased people in a kept file.

    ``hashes``/``golden_ids`` come from the committed state (every erasure so far), so a
    sweep repeated after a crash finds what the first one did; ``record_keys`` and ``words``
    (the person's keys and plain values) only while the erase verb holds them in memory.
    """

    hasher: Hasher
    hashes: frozenset[str]
    kinds: tuple[str, ...]
    id_sources: frozenset[str]
    golden_ids: frozenset[str] = frozenset()
    record_keys: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()


@dataclass
class RunErasure:
    """One run folder's files without the erased people (computed, not yet written)."""

    run_dir: Path
    tables: dict[str, pa.Table] = field(default_factory=dict)  # changed tables only
    removed: dict[str, int] = field(default_factory=dict)  # rows removed per table
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    erased_keys: set[str] = field(default_factory=set)
    golden_ids: set[str] = field(default_factory=set)
    audit: dict[str, Any] | None = None

    @property
    def records(self) -> int:
        return self.removed.get("clean_records", 0)


def _keys(frame: pd.DataFrame, prefix: str = "") -> pd.Series:
    return (frame[f"{prefix}source"].astype(str) + ":"
            + frame[f"{prefix}source_record_id"].astype(str))


def _read(path: Path, columns: Iterable[str]) -> pd.DataFrame:
    names = set(pq.read_schema(path).names)
    return pd.read_parquet(path, columns=[c for c in columns if c in names])


KEY_COLUMNS = ["record_id", "source", "source_record_id", "email_key", "email_is_role",
               "email_is_placeholder", "phone_e164", "phone_2_e164", "tax_id_norm",
               "given_key", "family_key", "date_of_birth_norm", "thin_evidence"]
SAMPLE_FIELDS = ["full_name", "given_name", "family_name", "middle_name", "email", "phone",
                 "phone_2", "company", "street", "city", "postal_code", "region", "country",
                 "date_of_birth", "gender", "tax_id"]


def plan_run_erasure(run_dir: Path, m: Matcher, rules: Rules | None,
                     is_latest: bool = False) -> RunErasure | None:
    """The run's tables without the erased people, and its audit; None when it holds none.

    A record goes when an identifier hash or its key matches, or its profile's golden id
    is erased; a profile (golden row) goes with any of its records; links, review pairs
    and quarantine rows of those records go too. ``is_latest``: record keys of row-number
    sources are this run's own, so they match too.
    """
    clean_path = run_dir / "clean_records.parquet"
    if not clean_path.is_file() or not (run_dir / "crosswalk.parquet").is_file():
        return None
    clean = _read(clean_path, KEY_COLUMNS)
    keys = _keys(clean)
    own_keys = m.record_keys if is_latest else frozenset(
        k for k in m.record_keys if k.partition(":")[0] in m.id_sources)
    hit = sup.matching_rows(clean, m.hasher, m.hashes, m.kinds, m.id_sources) | \
        keys.isin(list(own_keys)).to_numpy()
    xw = pd.read_parquet(run_dir / "crosswalk.parquet")
    xkeys = _keys(xw)
    erased = set(keys[hit]) | set(xkeys[xw["golden_id"].isin(list(m.golden_ids))]) | \
        (set(own_keys) & set(xkeys))
    golden_ids = set(xw.loc[xkeys.isin(list(erased)).to_numpy(), "golden_id"].astype(str))
    golden_ids |= set(m.golden_ids)
    qpath = run_dir / "quarantine.parquet"
    quarantine = pd.read_parquet(qpath) if qpath.is_file() else pd.DataFrame()
    qhit = np.zeros(len(quarantine), dtype=bool)
    if len(quarantine):
        qhit = _keys(quarantine).isin(list(erased)).to_numpy()
        qhit |= sup.text_matches(quarantine["raw"], m.hasher, m.hashes)
        qhit |= sup.plain_text_matches(quarantine["raw"], m.words)
    if not erased and not qhit.any():
        return None
    out = RunErasure(run_dir, erased_keys=erased, golden_ids=golden_ids)
    ids = clean.loc[keys.isin(list(erased)).to_numpy(), "record_id"].astype("int64")
    gone = keys.isin(list(erased)).to_numpy()

    def take(name: str, keep: np.ndarray) -> None:
        path = run_dir / f"{name}.parquet"
        if (~keep).any() and path.is_file():
            out.tables[name] = pq.read_table(path).filter(pa.array(keep))
            out.removed[name] = int((~keep).sum())

    take("clean_records", ~gone)
    take("crosswalk", ~xkeys.isin(list(erased)).to_numpy())
    gold = pq.read_table(run_dir / "golden_customers.parquet", columns=["golden_id"])
    take("golden_customers", ~pc.is_in(gold["golden_id"], pa.array(sorted(golden_ids),
                                                                  pa.string())).to_numpy(
        zero_copy_only=False))
    if (run_dir / "links.parquet").is_file():
        links = pd.read_parquet(run_dir / "links.parquet",
                                columns=["left_record_id", "right_record_id"])
        take("links", ~(links["left_record_id"].isin(ids) | links["right_record_id"].isin(ids))
             .to_numpy())
    if (run_dir / "review_queue.parquet").is_file():
        review = _read(run_dir / "review_queue.parquet", ["l_source", "l_source_record_id",
                                                          "r_source", "r_source_record_id"])
        take("review_queue", ~(_keys(review, "l_").isin(list(erased))
                               | _keys(review, "r_").isin(list(erased))).to_numpy())
    take("quarantine", ~qhit)
    _redirects(run_dir, out, set(m.golden_ids))
    by_source: dict[str, dict[str, int]] = {}
    for src, n in sup.count_by(clean, gone).items():
        by_source.setdefault(src, {})["clean"] = n
    if "thin_evidence" in clean.columns:
        thin = gone & clean["thin_evidence"].fillna(False).astype(bool).to_numpy()
        for src, n in sup.count_by(clean, thin).items():
            by_source.setdefault(src, {})["thin_evidence"] = n
    if len(quarantine):
        for src, n in sup.count_by(quarantine, qhit).items():
            by_source.setdefault(src, {})["quarantined"] = n
    out.by_source = by_source
    out.audit = _audit_after(run_dir, out, clean_path, ids, quarantine[~qhit], rules)
    return out


def _redirects(run_dir: Path, out: RunErasure, erased_ids: set[str]) -> None:
    """Redirects to an erased profile lose their target (nothing resolves to the person)."""
    path = run_dir / "id_redirects.parquet"
    if not erased_ids or not path.is_file():
        return
    table = pq.read_table(path)
    red = table.to_pandas()
    hit = red["current_id"].isin(list(erased_ids)) | red["retired_id"].isin(list(erased_ids))
    if not hit.any():
        return
    red.loc[hit, "current_id"] = None
    red.loc[hit, "reason"] = ERASED
    out.tables["id_redirects"] = pa.Table.from_pandas(red, schema=table.schema,
                                                      preserve_index=False)
    out.removed.setdefault("id_redirects", 0)


def _table(out: RunErasure, name: str) -> pa.Table:
    """A table of the run after the erasure: the filtered one, or the file unchanged."""
    table = out.tables.get(name)
    return table if table is not None else pq.read_table(out.run_dir / f"{name}.parquet")


def _flat_golden(table: pa.Table) -> pd.DataFrame:
    """The golden table without list columns but ``sources`` (what the audit reads)."""
    names = [n for n, t in zip(table.schema.names, table.schema.types, strict=True)
             if not pa.types.is_list(t) or n == "sources"]
    return table.select(names).to_pandas()


def _audit_after(run_dir: Path, out: RunErasure, clean_path: Path, ids: pd.Series,
                 quarantine: pd.DataFrame, rules: Rules | None) -> dict[str, Any] | None:
    path = run_dir / "audit.json"
    if not path.is_file():
        return None
    audit = json.loads(path.read_text(encoding="utf-8"))
    gone = pq.read_table(clean_path, filters=[("record_id", "in", ids.tolist())]).to_pandas() \
        if len(ids) else pd.DataFrame()
    samples = aud.invalid_samples(gone) if len(gone) else pd.DataFrame(columns=["field", "value"])
    masked = (mask_value(str(f), v) for f, v in zip(samples["field"], samples["value"],
                                                    strict=True))
    removed_samples = {m for m in masked if m is not None}
    golden = _table(out, "golden_customers")
    crosswalk = _table(out, "crosswalk").to_pandas()
    examples = _examples(run_dir, out, audit, rules)
    rewritten = {"at": datetime.now(UTC).isoformat(timespec="seconds"),
                 "records": out.records, "profiles": out.removed.get("golden_customers", 0),
                 "quarantine_rows": out.removed.get("quarantine", 0)}
    privacy = dict(audit.get("privacy") or {})
    figures = {"suppressed": {}, "erasures": privacy.get("erasures") or {},
               "suppression_list": privacy.get("suppression_list_size", 0),
               "retention": privacy.get("retention") or {},
               "runs_pruned": privacy.get("runs_pruned") or [],
               "rewritten": [*(privacy.get("rewritten_after_publication") or []), rewritten]}
    for row in privacy.get("suppressed_by_source") or []:
        figures["suppressed"][row["source"]] = {"erased": row.get("erased", 0),
                                                "opt_out": row.get("opt_out", 0)}
    return aud.erased_audit(audit, removed=out.by_source, quarantine=quarantine,
                            golden=_flat_golden(golden), crosswalk=crosswalk,
                            removed_samples=removed_samples, examples=examples,
                            privacy=figures)


def _examples(run_dir: Path, out: RunErasure, audit: dict, rules: Rules | None
              ) -> list[dict] | None:
    """Merge examples picked again among the links left (None: none can be rebuilt)."""
    if rules is None or not (run_dir / "links.parquet").is_file():
        return None
    links = _table(out, "links").to_pandas()
    ids = example_record_ids(links)
    if not ids:
        return []
    clean = out.tables.get("clean_records")
    if clean is not None:
        rows = clean.filter(pc.is_in(clean["record_id"], pa.array(ids, pa.int64()))).to_pandas()
    else:
        rows = pq.read_table(run_dir / "clean_records.parquet",
                             filters=[("record_id", "in", ids)]).to_pandas()
    params = ((audit.get("matching") or {}).get("model") or {}).get("parameters") or []
    return merge_examples(links, rows, params, rules)


def table_bytes(table: pa.Table) -> bytes:
    """A table as the Parquet bytes ``transforms.publish.write_parquet`` would write."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return sink.getvalue()


def _replace_file(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.erasing")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_run_erasure(er: RunErasure) -> None:
    """Replace each changed file of a kept run (atomically, one by one), then its audit
    and report; a kill in between leaves files a repeated erase finds and finishes."""
    for name, table in er.tables.items():
        _replace_file(er.run_dir / f"{name}.parquet", table_bytes(table))
    if er.audit is not None:
        _replace_file(er.run_dir / "audit.json",
                      (json.dumps(er.audit, indent=2, ensure_ascii=False) + "\n").encode())
        _replace_file(er.run_dir / "audit_report.html", render_report(er.audit).encode())
    state.fsync_dir(er.run_dir)


# --------------------------------------------------------------------------- other files


def review_sheets(output_dir: Path) -> list[Path]:
    """Spreadsheets under ``OUTPUT/`` outside ``runs/`` and ``state/`` (exported sheets)."""
    out = []
    for root, dirs, files in os.walk(output_dir, followlinks=False):
        here = Path(root)
        if here == Path(output_dir):
            dirs[:] = [d for d in dirs if d not in ("runs", "state", "latest")]
        out += [here / f for f in files if f.lower().endswith(SHEET_SUFFIXES)]
    return sorted(out)


def rewrite_sheet(path: Path, m: Matcher, erased_keys: Collection[str]) -> int:
    """Drop the rows of a review sheet (CSV or XLSX) that name or show an erased person:
    a record key, an e-mail whose key hash matches, or (during the erase verb) one of the
    person's values. Returns the rows removed (the file is rewritten only then)."""
    if path.suffix.lower() == ".csv":
        sheet = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        sheet = pd.read_excel(path, dtype=str, keep_default_na=False)
    if sheet.empty:
        return 0
    text = sheet.astype(str).agg("\x1f".join, axis=1)
    hit = sup.text_matches(text, m.hasher, m.hashes) | sup.plain_text_matches(text, m.words)
    keys = set(erased_keys) | set(m.record_keys)
    for col in ("left_record", "right_record"):
        if col in sheet.columns and keys:
            hit |= sheet[col].str.lstrip("'").isin(list(keys)).to_numpy()
    for col in [c for c in sheet.columns if c.endswith("phone")]:
        phones = sheet[col].str.lstrip("'")
        hashes = sup.hash_values(m.hasher, "phone", phones.where(phones != "", None))
        hit |= hashes.isin(list(m.hashes)).to_numpy()
    if not hit.any():
        return 0
    kept = sheet[~hit]
    if path.suffix.lower() == ".csv":
        data = kept.to_csv(index=False, encoding="utf-8-sig").encode("utf-8-sig")
    else:
        sink = io.BytesIO()
        kept.to_excel(sink, index=False)
        data = sink.getvalue()
    _replace_file(path, data)
    return int(hit.sum())


def stage_results_holding(output_dir: Path, m: Matcher, erased_keys: Collection[str]
                          ) -> list[Path]:
    """Failed runs' folders whose stage results hold an erased person (raw or normalized)."""
    found = []
    keys = list(set(erased_keys) | set(m.record_keys))
    for partial in sorted((Path(output_dir) / "runs").glob(f"*.partial/{STAGES_DIR}")):
        for path in partial.rglob("*.parquet"):
            names = set(pq.read_schema(path).names)
            if not {"source", "source_record_id"} <= names and "email" not in names:
                continue
            frame = _read(path, [*KEY_COLUMNS, "email", "raw"])
            hit = np.zeros(len(frame), dtype=bool)
            if {"source", "source_record_id"} <= names:
                hit |= _keys(frame).isin(keys).to_numpy()
            hit |= sup.matching_rows(frame, m.hasher, m.hashes,
                                     [k for k in m.kinds if k != "record"])
            for col in ("email", "raw"):
                if col in frame.columns:
                    hit |= sup.text_matches(frame[col], m.hasher, m.hashes)
            if hit.any():
                found.append(partial.parent)
                break
    return found


@dataclass
class Sweep:
    """What a sweep rewrote or deleted (names only)."""

    runs: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    stage_results: list[str] = field(default_factory=list)
    erased_keys: set[str] = field(default_factory=set)


def sweep(output_dir: Path, m: Matcher, rules: Rules | None, skip: Collection[str] = (),
          erased_keys: Collection[str] = ()) -> Sweep:
    """Every kept run folder but ``skip`` rewritten without the erased people, then review
    sheets under ``OUTPUT/``, then failed runs' stage results holding them deleted.

    Call holding the state lock. Idempotent: what was rewritten matches nothing the next
    time, so an erasure repeated after a kill finishes the job.
    """
    output_dir = Path(output_dir)
    done = Sweep(erased_keys=set(erased_keys))
    for run in published_runs(output_dir):
        if run.name in skip:
            continue
        er = plan_run_erasure(run, m, rules)
        if er is None:
            continue
        write_run_erasure(er)
        done.erased_keys |= er.erased_keys
        done.runs.append(run.name)
        if len(done.runs) == 1:
            state.crash_point("erase.sweeping")
    for sheet in review_sheets(output_dir):
        if rewrite_sheet(sheet, m, done.erased_keys):
            done.sheets.append(str(sheet.relative_to(output_dir)))
    for partial in stage_results_holding(output_dir, m, done.erased_keys):
        shutil.rmtree(partial)
        done.stage_results.append(partial.name)
    if done.runs or done.sheets or done.stage_results:
        log.info("erasure: rewrote %d kept run(s) and %d sheet(s), deleted the stage results "
                 "of %d failed run(s)", len(done.runs), len(done.sheets),
                 len(done.stage_results))
    return done


def state_matcher(snap: StateSnapshot, rules: Rules, hasher: Hasher,
                  extra: Iterable[str] = ()) -> Matcher:
    """Everything the committed state knows about erased people, for a sweep."""
    erased: set[str] = set()
    if snap.registry is not None:
        ids = snap.registry.ids
        erased = set(ids.loc[ids["retired_reason"] == ERASED, "golden_id"].astype(str))
    return Matcher(hasher, frozenset(snap.suppression.hashes | set(extra)),
                   match_kinds(rules.privacy), id_sources(rules), frozenset(erased))


def apply_pending_erasures(registry: Any, tombstones: list[dict[str, Any]], hasher: Hasher,
                           rules: Rules, crosswalk: pd.DataFrame, run_id: str) -> Any:
    """The registry without the records of erasures a kill left unpublished.

    Their rows were suppressed by this run (the tombstones' hashes); their records still in
    the registry are found by record-key hash, and ids holding no record of this run are
    retired as erased.
    """
    hashes = state.tombstone_hashes(tombstones)
    members = registry.members
    hit = sup.matching_rows(members, hasher, hashes, ("record",), id_sources(rules))
    if not hit.any():
        return registry
    keys = set(_keys(members[hit]))
    gids = set(members.loc[hit, "golden_id"].astype(str)) - set(crosswalk["golden_id"])
    return retire_erased(registry, gids, keys, run_id)


# --------------------------------------------------------------------------- search


def _walk(root: Path) -> Iterator[Path]:
    for base, _, files in os.walk(root, followlinks=False):
        for f in files:
            p = Path(base) / f
            if not p.is_symlink():
                yield p


def _parquet_text(path: Path) -> Iterator[pa.Array]:
    """Every value of a Parquet file as lower-case text, column by column (lists flattened)."""
    table = pq.read_table(path)
    for col in table.columns:
        arr = col.combine_chunks() if col.num_chunks else pa.array([], col.type)
        while pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
            arr = pc.list_flatten(arr)
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            try:
                arr = arr.cast(pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
        yield pc.utf8_lower(arr)


def find_occurrences(root: Path, needles: Iterable[str]) -> dict[str, dict[str, int]]:
    """Where each needle occurs under ``root``: {file: {needle: count}}, case-insensitive.

    Parquet is decoded (every value of every column, lists flattened); JSON and JSON Lines
    are read decoded too (escapes resolved); HTML is unescaped; anything else is read as
    UTF-8 text. For tests and the erasure benchmark.
    """
    words = sorted({n.lower() for n in needles if n and n.strip()})
    if not words:
        return {}
    any_word = "|".join(re.escape(w) for w in words)
    found: dict[str, dict[str, int]] = {}
    for path in _walk(Path(root)):
        counts: dict[str, int] = {}
        if path.suffix == ".parquet":
            for arr in _parquet_text(path):
                hit = pc.match_substring_regex(arr, any_word)  # one pass, most columns miss
                if not pc.any(hit).as_py():
                    continue
                for value in arr.filter(hit).to_pylist():
                    for w in words:
                        if w in value:
                            counts[w] = counts.get(w, 0) + value.count(w)
        else:
            text = path.read_bytes().decode("utf-8", errors="ignore")
            texts = [text]
            if path.suffix == ".html":
                texts.append(html.unescape(text))
            elif path.suffix in (".json", ".jsonl"):
                texts.append(_json_text(text))
            for w in words:
                n = max(t.lower().count(w) for t in texts)
                if n:
                    counts[w] = n
        if counts:
            found[str(path.relative_to(root))] = counts
    return found


def _json_text(text: str) -> str:
    """JSON or JSON Lines with every string unescaped (``\\u00e9`` read as ``é``)."""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        pass
    out = []
    for line in text.splitlines():
        try:
            out.append(json.dumps(json.loads(line), ensure_ascii=False))
        except ValueError:
            out.append(line)
    return "\n".join(out)
