"""Random kill -9 trials of a run, a merge and a review import; prints survived/total.

    python bench/chaos.py [--trials 50] [--kinds run merge review] [--customers 100]
                          [--workdir /tmp/crm-chaos] [--seed 1]

Each trial starts from a copy of one published output, starts the operation in a forked
process (everything already imported, so a trial costs the operation itself) and kills it
with SIGKILL: half the trials at a crash point of ``flows.state.CRASH_POINTS`` chosen at
random (``$CRM_GOLDEN_CRASH_AT``), half after a random delay within the operation's
measured duration (anywhere: mid-Parquet, mid-ledger, mid-rename...). A trial survives when:

* before any recovery, ``latest`` is a complete run (readers never see a half-written one);
  ("left a half-done commit" counts trials whose kill left something for recovery to do)
* after the next writer's recovery, ``flows.state.verify`` finds nothing wrong;
* the user's retry works: the same merge or the same sheet again (refused only when it is
  already published), each decision is in the ledger once and published, and the latest
  outputs reflect it (merged pairs share a golden id, rejected pairs do not);
* for runs (half of them on a larger export with edited rules): a merge, then a full run,
  succeed and ``verify`` stays clean.

Prints ids and counts only.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows import review_sheets, state, steward  # noqa: E402
from flows.pipeline import run_pipeline  # noqa: E402
from synth.generate import generate  # noqa: E402
from transforms.publish import OUTPUT_TABLES, latest_run_dir  # noqa: E402

POINTS = {
    "run": [p for p in state.CRASH_POINTS if p != "ledger.appended"],
    "merge": [p for p in state.CRASH_POINTS if p != "run.computed"],
    "review": [p for p in state.CRASH_POINTS if p != "run.computed"],
}


def killed(fn: Callable[[], Any], point: str | None, delay: float | None) -> bool:
    """Run ``fn`` in a forked child killed at ``point`` or after ``delay`` s; True if killed."""

    def child() -> None:
        if point:
            os.environ[state.CRASH_ENV] = point
        try:
            fn()
        except Exception:  # noqa: BLE001 - the parent checks the outcome
            os._exit(3)
        os._exit(0)

    proc = mp.get_context("fork").Process(target=child)
    proc.start()
    if delay is not None:
        proc.join(delay)
        if proc.is_alive():
            os.kill(proc.pid, signal.SIGKILL)
    proc.join(600)
    if proc.exitcode == 3:
        raise RuntimeError("the operation failed before it was killed")
    return proc.exitcode == -signal.SIGKILL


def reader_view(out: Path) -> list[str]:
    """What a consumer reading ``latest`` now would see wrong (before any recovery)."""
    try:
        run = latest_run_dir(out)
    except FileNotFoundError:
        return ["no latest"]
    missing = [t for t in OUTPUT_TABLES if not (run / f"{t}.parquet").is_file()]
    return [f"latest lacks {', '.join(missing)}"] if missing else []


RECOVERIES: list[str] = []  # what each trial's first recovery did (a kill mid-commit)


def recovered_problems(out: Path) -> list[str]:
    with state.locked(out) as notes:
        RECOVERIES.extend(notes)
    problems = state.verify(out)
    ledger = state.read_ledger(state.state_dir(out))
    published = state.read_state(out).published
    runs = {p.name for p in (out / "runs").iterdir()}
    problems += [f"decision {d} published by missing run {r}" for d, r in published.items()
                 if r not in runs]
    ids = [d["decision_id"] for d in ledger]
    if len(ids) != len(set(ids)):
        problems.append("a decision is in the ledger twice")
    return problems


def golden_of(out: Path) -> pd.Series:
    x = pd.read_parquet(latest_run_dir(out) / "crosswalk.parquet")
    return pd.Series(x["golden_id"].to_numpy(), index=(x["source"] + ":" +
                                                       x["source_record_id"]).to_numpy())


def trial_merge(out: Path, rng: random.Random, point: str | None,
                delay: float | None) -> tuple[bool, list[str]]:
    profiles = sorted(set(golden_of(out)))
    g1, g2 = rng.sample(profiles, 2)
    members = golden_of(out)
    keys = sorted(members[members.isin([g1, g2])].index)
    # random profiles may hold different tax ids: force, the trial is about crashes
    was_killed = killed(lambda: steward.merge(out, [g1, g2], "chaos: same person",
                                              force=True), point, delay)
    problems = reader_view(out) + recovered_problems(out)
    try:
        steward.merge(out, [g1, g2], "chaos: same person", force=True)  # the user retries
    except steward.StewardError as exc:
        if "merged with itself" not in str(exc):
            problems.append(f"retry refused: {exc}")
    merges = [d for d in state.read_ledger(state.state_dir(out)) if d["kind"] == "merge"]
    if len(merges) != 1:
        problems.append(f"{len(merges)} merge decisions after a retried merge")
    if golden_of(out)[keys].nunique() != 1:
        problems.append("the merged profiles are not one after the retry")
    return was_killed, problems + recovered_problems(out)


def trial_review(out: Path, rng: random.Random, point: str | None,
                 delay: float | None) -> tuple[bool, list[str]]:
    sheet = out.parent / "sheet.csv"
    review_sheets.review_export(out, sheet, band="all")
    rows = pd.read_csv(sheet, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    used: set[str] = set()
    answered = []
    for i in rng.sample(range(len(rows)), min(len(rows), 12)):
        pair = {rows.at[i, "left_record"], rows.at[i, "right_record"]}
        if pair & used:
            continue  # one answer per record keeps the expected outcome simple
        used |= pair
        rows.at[i, "decision"] = rng.choice(["accept", "reject"])
        answered.append(i)
        if len(answered) == 4:
            break
    rows.to_csv(sheet, index=False, encoding="utf-8-sig")
    # an accepted pair may hold a hard conflict: force, the trial is about crashes
    was_killed = killed(lambda: review_sheets.review_import(out, sheet, force=True), point,
                        delay)
    problems = reader_view(out) + recovered_problems(out)
    review_sheets.review_import(out, sheet, force=True)  # the user imports the sheet again
    ledger = state.read_ledger(state.state_dir(out))
    if len(ledger) != len(answered):
        problems.append(f"{len(ledger)} decisions for {len(answered)} answered rows")
    gid = golden_of(out)
    for i in answered:
        same = gid[rows.at[i, "left_record"]] == gid[rows.at[i, "right_record"]]
        if same != (rows.at[i, "decision"] == "accept"):
            problems.append(f"sheet row {i + 2} not reflected in latest")
    return was_killed, problems + recovered_problems(out)


def trial_run(out: Path, rng: random.Random, point: str | None, delay: float | None,
              rules: Path) -> tuple[bool, list[str]]:
    was_killed = killed(lambda: run_pipeline(rules, out), point, delay)
    problems = reader_view(out) + recovered_problems(out)
    profiles = sorted(set(golden_of(out)))
    steward.merge(out, rng.sample(profiles, 2), "chaos: after a killed run",
                  force=True)
    run_pipeline(rules, out)
    return was_killed, problems + recovered_problems(out)


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--kinds", nargs="+", default=["run", "merge", "review"],
                        choices=["run", "merge", "review"])
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/crm-chaos"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    generate(args.customers, work / "a", seed=args.seed)
    generate(int(args.customers * 1.3), work / "b", seed=args.seed + 1)
    surv = work / "b" / "rules" / "survivorship.yaml"
    surv.write_text(surv.read_text() + "\n# chaos: a different rule set\n")
    rules = {"a": work / "a" / "rules", "b": work / "b" / "rules"}
    base = work / "base"
    run_pipeline(rules["a"], base)
    out = work / "trial" / "out"

    def fresh() -> Path:
        shutil.rmtree(out.parent, ignore_errors=True)
        shutil.copytree(base, out, symlinks=True)
        return out

    durations = {
        "run": timed(lambda: run_pipeline(rules["a"], fresh())),
        "merge": timed(lambda: steward.merge(fresh(), sorted(set(golden_of(out)))[:2], "t",
                                             force=True)),
        "review": 0.0,
    }
    sheet = work / "t.csv"
    review_sheets.review_export(fresh(), sheet, band="all")
    rows = pd.read_csv(sheet, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    rows.loc[0, "decision"] = "reject"
    rows.to_csv(sheet, index=False, encoding="utf-8-sig")
    durations["review"] = timed(lambda: review_sheets.review_import(out, sheet))
    print(f"operation seconds (unkilled): "
          f"{ {k: round(v, 2) for k, v in durations.items()} }", flush=True)

    results = {}
    for kind in args.kinds:
        survived = kills = mid_commit = 0
        t0 = time.perf_counter()
        for i in range(args.trials):
            point = rng.choice(POINTS[kind]) if i % 2 == 0 else None
            # a little past the measured duration, so some kills land in the commit's last steps
            delay = None if point else rng.uniform(0, 1.3 * durations[kind])
            fresh()
            RECOVERIES.clear()
            try:
                if kind == "run":
                    ok_killed, problems = trial_run(out, rng, point, delay,
                                                    rules["b" if i % 4 >= 2 else "a"])
                elif kind == "merge":
                    ok_killed, problems = trial_merge(out, rng, point, delay)
                else:
                    ok_killed, problems = trial_review(out, rng, point, delay)
            except Exception as exc:  # noqa: BLE001 - a trial that raises did not survive
                ok_killed, problems = True, [f"{type(exc).__name__}: {exc}"]
                traceback.print_exc(limit=3)
            kills += ok_killed
            survived += not problems
            mid_commit += bool(RECOVERIES)
            where = point or f"{delay:.2f}s"
            if problems:
                print(f"  {kind} trial {i} killed at {where}: {problems}", flush=True)
        results[kind] = (survived, kills, mid_commit, time.perf_counter() - t0)
        print(f"{kind}: survived {survived}/{args.trials} (killed {kills}, "
              f"{results[kind][3]:.0f} s)", flush=True)
    print("\n| kind | trials | killed | left a half-done commit | survived |\n"
          "|---|---|---|---|---|")
    for kind, (survived, kills, mid, _) in results.items():
        print(f"| {kind} | {args.trials} | {kills} | {mid} | {survived}/{args.trials} |")


if __name__ == "__main__":
    main()
