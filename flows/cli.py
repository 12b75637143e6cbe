"""``crm-golden``: the one console script. Subcommands call the same code as the flows."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from prefect import tags

from crm_golden.config.base import ConfigError
from flows import prefect_server, steward
from flows.pipeline import crm_golden_pipeline, run_pipeline
from flows.state import StateError
from flows.steward import StewardError
from synth.generate import generate
from synth.shapes import SHAPES, generate_shape
from transforms.baseline import exact_key_clusters
from transforms.evaluate import difficulty_profile, pairwise_metrics
from transforms.ingest import InputError, RowAccountingError
from transforms.publish import latest_run_dir

log = logging.getLogger("crm_golden")


def _quiet_prefect() -> None:
    # The embedded backend needs no account; telemetry would only fail on a closed network.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


def cmd_run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    if args.no_prefect:

        summary = run_pipeline(args.rules, args.output, retrain_model=args.retrain)
    else:
        _quiet_prefect()
        # The temporary server dies with this process, however it dies; flow runs a kill
        # left RUNNING are marked Crashed first (see flows.prefect_server).
        with prefect_server.temporary_server() as url:
            if url:
                prefect_server.mark_abandoned_runs_crashed(crm_golden_pipeline.name)
            with tags(prefect_server.run_tag()):
                summary = crm_golden_pipeline(rules_dir=str(args.rules),
                                              output_dir=str(args.output),
                                              retrain_model=args.retrain)
    summary["wall_seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(summary, indent=2))
    print(f"outputs: {Path(args.output).resolve() / 'latest'}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    if args.customers < 1:
        print(f"crm-golden: --customers must be >= 1 (got {args.customers})", file=sys.stderr)
        return 2
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
        out = steward.merge(args.output, args.golden_ids, args.reason, args.by, args.rules)
        print(steward.format_outcome(out))
        return 0
    return _steward_call(go)


def cmd_split(args: argparse.Namespace) -> int:

    def go() -> int:
        out = steward.split(args.output, args.records, args.reason, args.by, args.rules)
        print(steward.format_outcome(out))
        return 0
    return _steward_call(go)


def cmd_not_same(args: argparse.Namespace) -> int:

    def go() -> int:
        out = steward.not_same(args.output, args.records, args.reason, args.by, args.rules)
        print(steward.format_outcome(out))
        return 0
    return _steward_call(go)


def cmd_review_export(args: argparse.Namespace) -> int:

    def go() -> int:
        n = steward.review_export(args.output, args.file, band=args.band)
        print(f"wrote {n} pairs to {args.file} (fill in decision: accept/reject, and reason)")
        return 0
    return _steward_call(go)


def cmd_review_import(args: argparse.Namespace) -> int:

    def go() -> int:
        out = steward.review_import(args.output, args.file, args.reason, args.by, args.rules)
        print(steward.format_outcome(out))
        return 1 if out.rejected_rows else 0
    return _steward_call(go)


def cmd_history(args: argparse.Namespace) -> int:

    def go() -> int:
        hist = steward.history(args.output, args.golden_id)
        print(json.dumps(hist, indent=2) if args.json else steward.format_history(hist))
        return 0
    return _steward_call(go)


def _steward_args(p: argparse.ArgumentParser, reason_required: bool = True) -> None:
    p.add_argument("--reason", required=reason_required, help="why (kept in the ledger)")
    p.add_argument("--by", default=None, help="who decides (default: $USER)")
    p.add_argument("--output", type=Path, default=Path("output"))
    p.add_argument("--rules", type=Path, default=None,
                   help="rules folder of the latest run (default: the one it recorded)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm-golden", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the whole pipeline")
    run.add_argument("--rules", type=Path, default=Path("rules"))
    run.add_argument("--output", type=Path, default=Path("output"))
    run.add_argument("--retrain", action="store_true",
                     help="retrain the match model even if a saved one fits the rules")
    run.add_argument("--no-prefect", action="store_true",
                     help="call the stages directly, without a Prefect flow run")
    run.set_defaults(func=cmd_run)

    gen = sub.add_parser("generate", help="write synthetic department exports with ground truth")
    gen.add_argument("--customers", type=int, required=True)
    gen.add_argument("--output", type=Path, required=True)
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--shape", choices=["crm", *SHAPES], default="crm",
                     help="crm: the four department exports (default); loyalty: a loyalty "
                          "programme export; registry: an event/civil register")
    gen.set_defaults(func=cmd_generate)

    ev = sub.add_parser("evaluate", help="precision/recall/F1 of the latest run against truth")
    ev.add_argument("--truth", type=Path, required=True)
    ev.add_argument("--output", type=Path, default=Path("output"))
    ev.set_defaults(func=cmd_evaluate)

    mg = sub.add_parser("merge", help="merge golden profiles (the oldest id survives)")
    mg.add_argument("golden_ids", nargs="+", metavar="GOLDEN_ID")
    _steward_args(mg)
    mg.set_defaults(func=cmd_merge)

    sp = sub.add_parser("split", help="move records out of their profile into a new one")
    sp.add_argument("records", nargs="+", metavar="SOURCE:RECORD_ID")
    _steward_args(sp)
    sp.set_defaults(func=cmd_split)

    ns = sub.add_parser("not-same", aliases=["not-a-match"],  # DESIGN.md calls it not-a-match
                        help="two records are different people, for good")
    ns.add_argument("records", nargs=2, metavar="SOURCE:RECORD_ID")
    _steward_args(ns)
    ns.set_defaults(func=cmd_not_same)

    rv = sub.add_parser("review", help="the review queue as a spreadsheet")
    rsub = rv.add_subparsers(dest="review_command", required=True)
    rx = rsub.add_parser("export", help="write the review queue as CSV")
    rx.add_argument("file", type=Path, metavar="FILE.csv")
    rx.add_argument("--band", default="review", choices=["review", "auto_match", "all"])
    rx.add_argument("--output", type=Path, default=Path("output"))
    rx.set_defaults(func=cmd_review_export)
    ri = rsub.add_parser("import", help="record a filled-in review CSV as decisions")
    ri.add_argument("file", type=Path, metavar="FILE.csv")
    _steward_args(ri, reason_required=False)
    ri.set_defaults(func=cmd_review_import)

    hi = sub.add_parser("history", help="a profile's membership and decisions over time")
    hi.add_argument("golden_id", metavar="GOLDEN_ID")
    hi.add_argument("--output", type=Path, default=Path("output"))
    hi.add_argument("--json", action="store_true")
    hi.set_defaults(func=cmd_history)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "matplotlib", "matplotlib.category"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("crm-golden: interrupted; published outputs and state are unchanged or "
              "complete, the next command finishes or cleans up", file=sys.stderr)
        return 130
    except ConfigError as exc:
        sep = "\n" if "\n" in str(exc) else " "  # one line per problem
        print(f"crm-golden: configuration error:{sep}{exc}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"crm-golden: unreadable export: {exc}", file=sys.stderr)
        return 2
    except (RowAccountingError, StateError) as exc:
        print(f"crm-golden: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"crm-golden: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
