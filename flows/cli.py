"""``crm-golden``: the one console script. Subcommands call the same code as the flows.

Exit codes: 0 done; 1 a run failed (its completed stages are kept: ``run --resume``);
2 bad input (arguments, rules, exports; one line on stderr, never a traceback);
3 the run published but tripped ``--fail-on`` (stop downstream jobs); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import prefect
from prefect import tags

from crm_golden import __version__
from crm_golden.config.base import ConfigError
from crm_golden.config.rules import load_rules
from crm_golden.outputs import rules_markdown
from flows import erase, history, prefect_server, review_sheets, steward, undo
from flows.checkpoints import ResumeError, stages_dir
from flows.engine import EngineError, check_dask_spec
from flows.logs import configure_logging
from flows.pipeline import DataQualityGateFailed, crm_golden_pipeline, run_pipeline
from flows.privacy import PrivacyError, find_occurrences
from flows.stages import new_run_id
from flows.state import StateError
from flows.steward import StewardError
from synth.generate import generate
from synth.shapes import SHAPES, generate_shape
from transforms.baseline import exact_key_clusters
from transforms.evaluate import difficulty_profile, pairwise_metrics
from transforms.ingest import InputError, RowAccountingError
from transforms.partitions import DEFAULT_PAIRS_PER_PARTITION, DEFAULT_ROWS_PER_CHUNK
from transforms.preflight import peek_export
from transforms.publish import latest_run_dir

log = logging.getLogger("crm_golden")

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_GATE, EXIT_INTERRUPTED = 1, 2, 3, 130


def _quiet_prefect() -> None:
    # The embedded backend needs no account; telemetry would only fail on a closed network.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


def cmd_run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    run_id = args.resume or new_run_id(datetime.now(UTC), str(args.rules))
    resume = args.resume is not None
    try:
        if args.no_prefect:
            summary = run_pipeline(args.rules, args.output, retrain_model=args.retrain,
                                   run_id=run_id, resume=resume, fail_on=args.fail_on,
                                   dask=args.dask, pairs_per_partition=args.partition_pairs,
                                   rows_per_chunk=args.chunk_rows)
        else:
            _quiet_prefect()
            # The temporary server dies with this process, however it dies; flow runs a
            # kill left RUNNING are marked Crashed first (see flows.prefect_server).
            with prefect_server.temporary_server() as url:
                if url:
                    prefect_server.mark_abandoned_runs_crashed(crm_golden_pipeline.name)
                with tags(prefect_server.run_tag()):
                    summary = crm_golden_pipeline(rules_dir=str(args.rules),
                                                  output_dir=str(args.output),
                                                  retrain_model=args.retrain,
                                                  run_id=None if resume else run_id,
                                                  resume_run_id=run_id if resume else None,
                                                  fail_on=args.fail_on,
                                                  dask_address=args.dask,
                                                  pairs_per_partition=args.partition_pairs,
                                                  rows_per_chunk=args.chunk_rows)
    except DataQualityGateFailed as exc:
        _print_summary(exc.summary, args.output, t0)
        print(f"crm-golden: {exc}", file=sys.stderr)
        return EXIT_GATE
    except (ConfigError, ResumeError, RowAccountingError, InputError, StateError, OSError,
            PrivacyError, EngineError, KeyboardInterrupt):
        raise  # one-line messages in main()
    except Exception as exc:  # noqa: BLE001 - a failed run: one line and how to resume
        log.debug("run %s failed", run_id, exc_info=True)
        kept = stages_dir(Path(args.output).resolve(), run_id).is_dir()
        hint = (f"; completed stages are kept: crm-golden run --resume {run_id} --output "
                f"{args.output}" if kept else "")
        print(f"crm-golden: run {run_id} failed: {type(exc).__name__}: "
              f"{str(exc).splitlines()[0][:300] if str(exc) else ''}{hint} "
              "(-vv shows the traceback)", file=sys.stderr)
        return EXIT_FAILED
    _print_summary(summary, args.output, t0)
    return 0


def _print_summary(summary: dict, output: Path, t0: float) -> None:
    summary["wall_seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(summary, indent=2))
    print(f"outputs: {Path(output).resolve() / 'latest'}")


def cmd_validate(args: argparse.Namespace) -> int:
    """Check the rules and peek at every export without running (see transforms.preflight)."""
    rules = load_rules(args.rules)  # a ConfigError names file and key (exit 2 in main)
    comparisons = len(getattr(rules.matching, "comparisons", []))
    print(f"rules {rules.folder}: {len(rules.sources)} sources, {comparisons} comparisons, "
          f"{len(rules.survivorship.fields)} golden field groups: OK")
    bad = 0
    for cfg in rules.sources:
        peek = peek_export(cfg)
        shape = " ".join(x for x in (peek.format, peek.encoding,
                                     repr(peek.delimiter) if peek.delimiter else None) if x)
        mapped = len(cfg.export_columns())
        status = "ok   " if peek.ok else "ERROR"
        print(f"{status} {cfg.name}: {peek.file} ({shape}), {len(peek.columns)} columns, "
              f"{mapped} mapped")
        for problem in peek.problems:
            print(f"      {cfg.name}: {problem}")
        for note in peek.notes:
            print(f"      note: {note}")
        bad += not peek.ok
    if bad:
        print(f"crm-golden: {bad} of {len(rules.sources)} exports do not fit their rules",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def cmd_dictionary(args: argparse.Namespace) -> int:
    """The data dictionary of the published files for a rules folder (docs/outputs.md)."""
    print(rules_markdown(load_rules(args.rules), str(args.rules)), end="")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    if args.customers < 1:
        print(f"crm-golden: --customers must be >= 1 (got {args.customers})", file=sys.stderr)
        return EXIT_BAD_INPUT
    t0 = time.perf_counter()
    if args.shape == "crm":
        counts = generate(args.customers, Path(args.output), seed=args.seed)
    else:
        # a second, independent generator: benchmark shapes unlike the department exports
        counts = generate_shape(args.shape, args.customers, Path(args.output), seed=args.seed)
    print(json.dumps({"files": counts, "seconds": round(time.perf_counter() - t0, 1)}, indent=2,
                     default=str))
    print(f"rules for these exports: {Path(args.output).resolve() / 'rules'}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    run_dir = latest_run_dir(Path(args.output))
    truth = pd.read_csv(args.truth, dtype=str, keep_default_na=False)
    crosswalk = pd.read_parquet(run_dir / "crosswalk.parquet")
    report = {"run": run_dir.name, "model": pairwise_metrics(crosswalk, truth)}
    clean = pd.read_parquet(run_dir / "clean_records.parquet")
    # The floor: what a GROUP BY on email/phone/tax id would have given on the same records.
    base = exact_key_clusters(clean)
    base_xwalk = clean[["source", "source_record_id"]].assign(
        golden_id=base["cluster_id"].astype(str).to_numpy())
    report["exact_key_baseline"] = pairwise_metrics(base_xwalk, truth)
    report["difficulty"] = difficulty_profile(clean, truth)
    print(json.dumps(report, indent=2))
    return 0


def _steward_call(fn: Callable[[], int]) -> int:
    """Run a steward verb; an invalid request prints its reason and exits 2, nothing done."""

    try:
        return fn()
    except StewardError as exc:
        print(f"crm-golden: {exc} (nothing was recorded)", file=sys.stderr)
        return 2


def cmd_merge(args: argparse.Namespace) -> int:

    def go() -> int:
        out = steward.merge(args.output, args.golden_ids, args.reason, args.by, args.rules,
                            force=args.force, dry_run=args.dry_run)
        print(steward.format_outcome(out))
        return 0
    return _steward_call(go)


def cmd_split(args: argparse.Namespace) -> int:

    def go() -> int:
        out = steward.split(args.output, args.records, args.reason, args.by, args.rules,
                            force=args.force, dry_run=args.dry_run)
        print(steward.format_outcome(out))
        return 0
    return _steward_call(go)


def cmd_not_same(args: argparse.Namespace) -> int:

    def go() -> int:
        out = steward.not_same(args.output, args.records, args.reason, args.by, args.rules,
                               dry_run=args.dry_run)
        print(steward.format_outcome(out))
        return 0
    return _steward_call(go)


def cmd_review_export(args: argparse.Namespace) -> int:

    def go() -> int:
        n = review_sheets.review_export(args.output, args.file, band=args.band)
        kind = "workbook" if review_sheets.is_xlsx_name(args.file) else "CSV"
        print(f"wrote {n} pairs to {args.file} ({kind}; fill in decision: accept/reject, "
              "and reason)")
        return 0
    return _steward_call(go)


def cmd_review_import(args: argparse.Namespace) -> int:

    def go() -> int:
        out = review_sheets.review_import(args.output, args.file, args.reason, args.by,
                                          args.rules, force=args.force, dry_run=args.dry_run)
        print(steward.format_outcome(out))
        return 1 if out.rejected_rows else 0
    return _steward_call(go)


def cmd_undo(args: argparse.Namespace) -> int:

    def go() -> int:
        out = undo.undo(args.output, args.decision_id, args.reason, args.by, args.rules,
                        dry_run=args.dry_run)
        print(steward.format_outcome(out))
        return 0
    return _steward_call(go)


def cmd_history(args: argparse.Namespace) -> int:

    def go() -> int:
        hist = history.history(args.output, args.golden_id)
        print(json.dumps(hist, indent=2) if args.json else history.format_history(hist))
        return 0
    return _steward_call(go)


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase one person from every output, kept run and state file (see flows.erase)."""
    try:
        out = erase.erase(args.output, args.key, args.reason, args.by, args.rules)
    except (StewardError, erase.ErasureError) as exc:
        print(f"crm-golden: {exc} (nothing was erased)", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(erase.format_outcome(out))
    if args.verify:
        hits = find_occurrences(Path(args.output), out.words)
        print(f"verify: {sum(sum(c.values()) for c in hits.values())} occurrence(s) of the "
              f"person's values in {len(hits)} file(s) under {args.output}")
        return EXIT_FAILED if hits else 0
    return 0


def _steward_args(p: argparse.ArgumentParser, reason_required: bool = True) -> None:
    p.add_argument("--reason", required=reason_required, help="why (kept in the ledger)")
    p.add_argument("--by", default=None, help="who decides (default: $USER)")
    p.add_argument("--output", type=Path, default=Path("output"),
                   help="output folder holding latest/ and state/ (default: output)")
    p.add_argument("--rules", type=Path, default=None,
                   help="rules folder of the latest run (default: the one it recorded)")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 (got {value})")
    return value


def _dask_spec(text: str) -> str:
    try:
        return check_dask_spec(text)
    except EngineError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _decision_flags(p: argparse.ArgumentParser, force: bool = True) -> None:
    """--dry-run (and --force) for the verbs that record decisions."""
    p.add_argument("--dry-run", action="store_true",
                   help="show what would change (profiles kept, created, retired; records "
                        "moved; conflicts) without recording or publishing anything")
    if force:
        p.add_argument("--force", action="store_true",
                       help="record it even if it puts records with a hard conflict (valid "
                            "tax ids or a difference the model rules out) into one profile; "
                            "the ledger marks it forced")


def _version() -> str:
    return (f"crm-golden {__version__} (prefect {prefect.__version__}, "
            f"python {platform.python_version()})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm-golden", description="Golden customer profiles from department exports.",
        epilog="exit codes: 0 done, 1 run failed (resumable), 2 bad input, "
               "3 data-quality gate (--fail-on) tripped, 130 interrupted")
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="-v: stage progress with counts and timings; -vv: per-source "
                             "details, model and bands, and tracebacks")
    parser.add_argument("--log-format", choices=["text", "json"], default="text",
                        help="log lines on stderr as text (default) or one JSON object "
                             "per line")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the whole pipeline")
    run.add_argument("--rules", type=Path, default=Path("rules"),
                     help="rules folder: sources/*.yaml, matching, survivorship... "
                          "(default: rules)")
    run.add_argument("--output", type=Path, default=Path("output"),
                     help="output folder; the run goes to OUTPUT/runs/<run_id>/ and "
                          "OUTPUT/latest points at it (default: output)")
    run.add_argument("--retrain", action="store_true",
                     help="retrain the match model even if a saved one fits the rules")
    run.add_argument("--no-prefect", action="store_true",
                     help="call the stages directly, without a Prefect flow run")
    run.add_argument("--resume", metavar="RUN_ID", default=None,
                     help="continue a failed run from its last completed stage (its rules "
                          "must be unchanged)")
    run.add_argument("--fail-on", choices=["never", "warnings", "errors"], default="never",
                     help="exit 3 after publishing when the audit has errors, or warnings "
                          "or errors (default: never)")
    run.add_argument("--dask", metavar="local:N|tcp://HOST:PORT", default=None,
                     type=_dask_spec,
                     help="normalize, compare and score on Dask: local:N starts a local "
                          "cluster of N worker processes, an address uses a running "
                          "scheduler (needs pip install -e \".[dask]\"; default: in this "
                          "process)")
    run.add_argument("--partition-pairs", type=_positive, default=None, metavar="N",
                     help="candidate pairs per compare/score partition: memory follows "
                          f"it (default {DEFAULT_PAIRS_PER_PARTITION:,})")
    run.add_argument("--chunk-rows", type=_positive, default=None, metavar="N",
                     help="records per normalization chunk on Dask "
                          f"(default {DEFAULT_ROWS_PER_CHUNK:,})")
    run.set_defaults(func=cmd_run)

    val = sub.add_parser("validate", help="check the rules and peek at every export "
                                          "(columns, encoding, delimiter) without running")
    val.add_argument("--rules", type=Path, default=Path("rules"),
                     help="rules folder to check (default: rules)")
    val.set_defaults(func=cmd_validate)

    dic = sub.add_parser("dictionary", help="print the data dictionary of the published "
                                            "files (markdown) for a rules folder")
    dic.add_argument("--rules", type=Path, default=Path("rules"),
                     help="rules folder whose attributes, comparisons and golden fields to "
                          "list (default: rules)")
    dic.set_defaults(func=cmd_dictionary)

    gen = sub.add_parser("generate", help="write synthetic department exports with ground truth")
    gen.add_argument("--customers", type=int, required=True,
                     help="number of synthetic customers (>= 1)")
    gen.add_argument("--output", type=Path, required=True,
                     help="folder for the exports, truth.csv and a rules/ folder")
    gen.add_argument("--seed", type=int, default=42,
                     help="random seed: the same seed gives the same files (default: 42)")
    gen.add_argument("--shape", choices=["crm", *SHAPES], default="crm",
                     help="crm: the four department exports (default); loyalty: a loyalty "
                          "programme export; registry: an event/civil register")
    gen.set_defaults(func=cmd_generate)

    ev = sub.add_parser("evaluate", help="precision/recall/F1 of the latest run against truth")
    ev.add_argument("--truth", type=Path, required=True,
                    help="truth.csv written by generate (source, source_record_id, person)")
    ev.add_argument("--output", type=Path, default=Path("output"),
                    help="output folder whose latest run to evaluate (default: output)")
    ev.set_defaults(func=cmd_evaluate)

    mg = sub.add_parser("merge", help="merge golden profiles (the oldest id survives)")
    mg.add_argument("golden_ids", nargs="+", metavar="GOLDEN_ID", help="profiles to merge")
    _steward_args(mg)
    _decision_flags(mg)
    mg.set_defaults(func=cmd_merge)

    sp = sub.add_parser("split", help="move records out of their profile into a new one")
    sp.add_argument("records", nargs="+", metavar="SOURCE:RECORD_ID",
                    help="records to move out, as source:source_record_id")
    _steward_args(sp)
    _decision_flags(sp)
    sp.set_defaults(func=cmd_split)

    ns = sub.add_parser("not-same", aliases=["not-a-match"],  # DESIGN.md calls it not-a-match
                        help="two records are different people, for good")
    ns.add_argument("records", nargs=2, metavar="SOURCE:RECORD_ID",
                    help="the two records, as source:source_record_id")
    _steward_args(ns)
    _decision_flags(ns, force=False)  # a not-same joins nothing: no hard conflict to force
    ns.set_defaults(func=cmd_not_same)

    rv = sub.add_parser("review", help="the review queue as a spreadsheet")
    rsub = rv.add_subparsers(dest="review_command", required=True)
    rx = rsub.add_parser("export", help="write the review queue as XLSX or CSV")
    rx.add_argument("file", type=Path, metavar="FILE",
                    help="file to write: FILE.xlsx writes a workbook, any other name a CSV")
    rx.add_argument("--band", default="review", choices=["review", "auto_match", "all"],
                    help="which pairs: review (default), auto_match or all")
    rx.add_argument("--output", type=Path, default=Path("output"),
                    help="output folder whose latest run to export (default: output)")
    rx.set_defaults(func=cmd_review_export)
    ri = rsub.add_parser("import", help="record a filled-in review sheet as decisions")
    ri.add_argument("file", type=Path, metavar="FILE",
                    help="the exported file with decision (accept/reject) filled in: .xlsx, "
                         "or CSV separated by , or ; in UTF-8 or cp1252")
    _steward_args(ri, reason_required=False)
    _decision_flags(ri)
    ri.set_defaults(func=cmd_review_import)

    ud = sub.add_parser("undo", help="revert a decision (merge, split, not-same or a review "
                                     "row) and republish")
    ud.add_argument("decision_id", metavar="DECISION_ID",
                    help="the decision to revert (shown by the verb and by history)")
    _steward_args(ud, reason_required=False)
    _decision_flags(ud, force=False)
    ud.set_defaults(func=cmd_undo)

    hi = sub.add_parser("history", help="a profile's membership and decisions over time")
    hi.add_argument("golden_id", metavar="GOLDEN_ID", help="the profile (or a retired id)")
    hi.add_argument("--output", type=Path, default=Path("output"),
                    help="output folder (default: output)")
    hi.add_argument("--json", action="store_true", help="print JSON instead of text")
    hi.set_defaults(func=cmd_history)

    er = sub.add_parser("erase", help="erase a person from every output, kept run and state "
                                      "file (right to erasure); keeps them out of later runs")
    er.add_argument("key", metavar="KEY", help="a golden id, SOURCE:RECORD_ID, an e-mail or a "
                                               "phone number (recognized by its shape)")
    er.add_argument("--reason", required=True, metavar="CODE",
                    help="reason code from rules/privacy.yaml erasure_reasons (e.g. "
                         "gdpr_art17); no free text: the ledger keeps only the code")
    er.add_argument("--by", default=None, help="who erases (default: $USER)")
    er.add_argument("--output", type=Path, default=Path("output"),
                    help="output folder holding latest/, runs/ and state/ (default: output)")
    er.add_argument("--rules", type=Path, default=None,
                    help="rules folder of the latest run (default: the one it recorded)")
    er.add_argument("--verify", action="store_true",
                    help="then search every file under the output folder for the person's "
                         "values (slow on big outputs); exit 1 when any is found")
    er.set_defaults(func=cmd_erase)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose, args.log_format)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("crm-golden: interrupted; published outputs and state are unchanged or "
              "complete, the next command finishes or cleans up", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        sep = "\n" if "\n" in str(exc) else " "  # one line per problem
        print(f"crm-golden: configuration error:{sep}{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InputError as exc:
        print(f"crm-golden: unreadable export: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ResumeError, RowAccountingError, StateError, PrivacyError, EngineError) as exc:
        print(f"crm-golden: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UnicodeDecodeError as exc:
        print(f"crm-golden: cannot decode a file as {exc.encoding} (byte 0x"
              f"{exc.object[exc.start]:02x} at offset {exc.start}); check the encoding "
              "(crm-golden validate --rules DIR)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"crm-golden: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
