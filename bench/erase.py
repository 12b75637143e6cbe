"""Time one ``crm-golden erase`` on a generated output and count what is left of the person.

    PYTHONPATH=. python bench/erase.py [--customers 100000] [--workdir /tmp/crm-erase-bench]
                                      [--runs 1] [--kind email|golden_id]

Generates the exports (``crm-golden generate``) and runs the pipeline ``--runs`` times
with ``--no-prefect`` unless the work folder already holds a published run (minutes at
100k). Then picks a person whose e-mail, phones and names appear in no other profile
(so a search finds only them), searches every file under OUTPUT/ for their values,
times ``crm-golden erase KEY --reason gdpr_art17`` as a steward runs it (a new process:
its wall time includes Python and Prefect imports), and searches every file again: the
occurrence count after erasure must be 0. The search decodes every Parquet value (lists
flattened), JSON and HTML (``flows.privacy.find_occurrences``). Prints counts, timings
and the command, never the person's values. The HMAC key is a throwaway one unless
``$CRM_GOLDEN_HMAC_KEY`` is set.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PERSON_COLUMNS = ["email", "email_norm", "phone", "phone_2", "phone_e164", "phone_2_e164",
                  "full_name", "given_name", "family_name", "name_family", "tax_id"]


def cli(*args: str, env: dict[str, str]) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flows.cli", *args], env=env, check=True,
                          capture_output=True, text=True)
    return time.perf_counter() - t, done.stdout


def pick_person(run: Path) -> dict:
    """A profile with an e-mail and a phone whose values, family name included, are found
    in no other profile's records; the first in golden id order."""
    clean = pd.read_parquet(run / "clean_records.parquet",
                            columns=["source", "source_record_id", "email_key", *PERSON_COLUMNS])
    xw = pd.read_parquet(run / "crosswalk.parquet")
    clean = clean.merge(xw, on=["source", "source_record_id"])
    cells = clean[PERSON_COLUMNS].astype("string").fillna("")
    text = cells.iloc[:, 0].str.lower()
    for col in PERSON_COLUMNS[1:]:
        text = text + "\x1f" + cells[col].str.lower()
    sizes = clean["golden_id"].value_counts()
    candidates = clean[clean["golden_id"].isin(sizes[sizes >= 2].index)
                       & clean["email_key"].notna() & clean["phone_e164"].notna()]
    for gid in sorted(candidates["golden_id"].unique())[:200]:
        rows = clean[clean["golden_id"] == gid]
        needles = {str(v) for c in PERSON_COLUMNS for v in rows[c].dropna() if len(str(v)) > 3}
        others = "\n".join(text[(clean["golden_id"] != gid).to_numpy()])
        if not any(w.lower() in others for w in needles):
            return {"golden_id": gid, "needles": sorted(needles), "records": len(rows),
                    "email": str(rows["email"].dropna().iloc[0])}
    raise SystemExit("no distinctive person among the first 200 candidates")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/crm-erase-bench"))
    parser.add_argument("--runs", type=int, default=1, help="pipeline runs before (kept runs)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--kind", choices=["email", "golden_id"], default="email",
                        help="the KEY to erase by")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from flows.privacy import find_occurrences
    from transforms.publish import latest_run_dir

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.setdefault("CRM_GOLDEN_HMAC_KEY", secrets.token_hex(24))
    data, out = args.workdir / "data", args.workdir / "out"
    report: dict = {"customers": args.customers}
    if not (out / "latest").exists():
        gen_s, _ = cli("generate", "--customers", str(args.customers), "--output", str(data),
                       "--seed", str(args.seed), env=env)
        report["generate_seconds"] = round(gen_s, 1)
        report["pipeline_seconds"] = []
        for _ in range(args.runs):
            run_s, _ = cli("run", "--rules", str(data / "rules"), "--output", str(out),
                           "--no-prefect", env=env)
            report["pipeline_seconds"].append(round(run_s, 1))
    run = latest_run_dir(out)
    files = [p for p in out.rglob("*") if p.is_file()]
    report["files_under_output"] = len(files)
    report["bytes_under_output"] = sum(p.stat().st_size for p in files)
    report["clean_records"] = int(pd.read_parquet(run / "crosswalk.parquet").shape[0])
    person = pick_person(run)
    report["person_records"] = person["records"]
    report["needles"] = len(person["needles"])

    t = time.perf_counter()
    before = find_occurrences(out, person["needles"])
    report["search_seconds"] = round(time.perf_counter() - t, 1)
    report["occurrences_before"] = sum(sum(c.values()) for c in before.values())
    report["files_with_occurrences_before"] = len(before)

    key = person["email"] if args.kind == "email" else person["golden_id"]
    erase_s, printed = cli("erase", key, "--reason", "gdpr_art17", "--output", str(out),
                           env=env)
    report["erase_command"] = (f"crm-golden erase <{args.kind}> --reason gdpr_art17 "
                               f"--output {out}")
    report["erase_wall_seconds"] = round(erase_s, 2)
    first = printed.splitlines()[0] if printed else ""
    report["erase_inside_seconds"] = float(first.split(" in ")[1].split(" s")[0]) \
        if " in " in first else None

    after = find_occurrences(out, person["needles"])
    report["occurrences_after"] = sum(sum(c.values()) for c in after.values())
    report["files_with_occurrences_after"] = sorted(after)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
