"""Broken customer exports through a whole run: one table row per kind of damage.

    PYTHONPATH=. python bench/broken_exports.py [--workdir /tmp/crm-broken]
                                                [--subprocess] [--cases NAME ...]

Each case writes one tiny export (about 20 good marketing-style leads plus one defect) as
source ``x`` beside the first 200 lines of each bundled sample source (a run needs
something to link), then runs ``crm-golden run --no-prefect`` on that rules folder and
prints:

* physical rows, counted here and not by the product's reader: non-blank lines (minus
  the header for CSV) of a text export, non-empty rows (minus the header) of a workbook,
  rows in a Parquet footer; ``-`` when the file cannot be opened at all;
* source ``x``'s row of ``latest/audit.json`` ``inputs.sources`` (rows read, clean,
  quarantined, suppressed) and whether it balances: rows read = clean + quarantined +
  suppressed and rows read = physical rows;
* the exit code, and what the user sees: the quarantine reasons of source ``x`` with their
  counts (from ``latest/quarantine*.parquet``), or the ``crm-golden:`` line on stderr.
  ``TRACEBACK`` marks a Python traceback on stderr (a product bug); exit code 1 is a run
  that failed on an internal error.

By default each run is a forked child of this process (``flows.cli`` is imported once,
which saves several seconds a case); ``--subprocess`` runs ``python -m flows.cli`` instead.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE_LINES = 200
GOOD_ROWS = 20
COLUMNS = ["lead_id", "nombre_completo", "email", "telefono", "pais", "origen",
           "acepta_comunicaciones", "fecha_alta"]
SOURCE_YAML = """\
# Broken export under test (marketing's mapping).
name: x
path: {path}
format: {fmt}
{csv}date_format: "%d/%m/%Y"
decimal: ","
default_country: ES
id_column: lead_id
columns:
  full_name: nombre_completo
  email: email
  phone: telefono
  country: pais
attributes:
  lead_source: {{column: origen, vocabulary: lead_source}}
  consent_email: {{column: acepta_comunicaciones, vocabulary: consent}}
  consent_date: {{column: fecha_alta, type: date}}
  created_date: {{column: fecha_alta, type: date}}
trust: 1
"""


def good_rows(n: int = GOOD_ROWS) -> list[list[str]]:
    """``n`` valid leads (synthetic), one list of field values each, in ``COLUMNS`` order."""
    return [[f"L{i:04d}", f"Nombre{i} Apellido{i}", f"lead{i}@example.com",
             f"+34 600 {i:03d} {i:03d}", "ES", "web", "si", f"{i % 28 + 1:02d}/03/2024"]
            for i in range(1, n + 1)]


def csv_text(rows: list[list[str]], header: list[str] = COLUMNS) -> str:
    return "".join(";".join(r) + "\n" for r in [header, *rows])


def jsonl_lines(rows: list[list[str]]) -> list[str]:
    return [json.dumps(dict(zip(COLUMNS, r, strict=True)), ensure_ascii=False) for r in rows]


# --------------------------------------------------------------------------- the cases


def unbalanced_quote(path: Path) -> None:
    rows = good_rows()
    rows[5][1] = '"Nombre6 Apellido6'  # opens a quote that never closes
    path.write_text(csv_text(rows), encoding="utf-8")


def empty_file(path: Path) -> None:
    path.write_bytes(b"")


def header_only(path: Path) -> None:
    path.write_text(csv_text([]), encoding="utf-8")


def one_megabyte_field(path: Path) -> None:
    rows = good_rows()
    rows[3][1] = "x" * 1_000_000
    path.write_text(csv_text(rows), encoding="utf-8")


def xlsx_that_is_text(path: Path) -> None:
    path.write_text(csv_text(good_rows()), encoding="utf-8")


def nul_in_csv(path: Path) -> None:
    rows = good_rows()
    rows[2][1] = "Ana\x00Lopez"
    path.write_text(csv_text(rows), encoding="utf-8")


def nul_in_jsonl(path: Path) -> None:
    rows = good_rows()
    rows[2][1] = "Ana\x00Lopez"  # json.dumps writes it as \u0000
    path.write_text("\n".join(jsonl_lines(rows)) + "\n", encoding="utf-8")


def bad_utf8_jsonl(path: Path) -> None:
    lines = [ln.encode() for ln in jsonl_lines(good_rows())]
    lines[4] = lines[4].replace(b"Nombre5", b"Jos\xe9")  # Latin-1 byte in a UTF-8 file
    path.write_bytes(b"\n".join(lines) + b"\n")


def bad_utf8_csv(path: Path) -> None:
    lines = csv_text(good_rows()).encode().split(b"\n")
    lines[5] = lines[5].replace(b"Nombre5", b"Jos\xe9")
    path.write_bytes(b"\n".join(lines))


def parquet_binary_email(path: Path) -> None:
    rows = good_rows()
    arrays = {c: pa.array([r[i] for r in rows]) for i, c in enumerate(COLUMNS)}
    arrays["email"] = pa.array([r[2].encode() for r in rows], pa.binary())
    pq.write_table(pa.table(arrays), path)


def too_many_fields(path: Path) -> None:
    rows = good_rows()
    rows[6].append("extra")
    path.write_text(csv_text(rows), encoding="utf-8")


def too_few_fields(path: Path) -> None:
    rows = good_rows()
    rows[7] = rows[7][:-2]
    path.write_text(csv_text(rows), encoding="utf-8")


def malformed_json(path: Path) -> None:
    lines = jsonl_lines(good_rows())
    lines[4] = lines[4][:-10]  # cut before the closing brace
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def json_array(path: Path) -> None:
    lines = jsonl_lines(good_rows())
    lines[5] = json.dumps(good_rows()[5])  # a list of the values, not an object
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def duplicate_id(path: Path) -> None:
    rows = good_rows()
    rows[9][0] = rows[2][0]
    path.write_text(csv_text(rows), encoding="utf-8")


def missing_id(path: Path) -> None:
    rows = good_rows()
    rows[10][0] = ""
    path.write_text(csv_text(rows), encoding="utf-8")


def truncated_mid_row(path: Path) -> None:
    text = csv_text(good_rows(GOOD_ROWS + 1))
    last = text.rstrip("\n").rsplit("\n", 1)[1]
    last = last.replace("Nombre21", '"Nombre21')  # a quoted field...
    head = text.rstrip("\n").rsplit("\n", 1)[0]
    path.write_text(head + "\n" + last[: last.index("Apellido") + 4], encoding="utf-8")  # ...cut


def mapped_column_missing(path: Path) -> None:
    drop = COLUMNS.index("telefono")
    rows = [r[:drop] + r[drop + 1:] for r in good_rows()]
    path.write_text(csv_text(rows, COLUMNS[:drop] + COLUMNS[drop + 1:]), encoding="utf-8")


def damaged_parquet(path: Path) -> None:
    rows = good_rows()
    pq.write_table(pa.table({c: [r[i] for r in rows] for i, c in enumerate(COLUMNS)}), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a transfer cut half way


@dataclass(frozen=True)
class Case:
    name: str
    fmt: str
    build: Callable[[Path], None]


CASES = [
    Case("unbalanced_quote", "csv", unbalanced_quote),
    Case("empty_file", "csv", empty_file),
    Case("header_only", "csv", header_only),
    Case("field_1mb", "csv", one_megabyte_field),
    Case("xlsx_is_text", "xlsx", xlsx_that_is_text),
    Case("nul_in_name_csv", "csv", nul_in_csv),
    Case("nul_in_name_jsonl", "jsonl", nul_in_jsonl),
    Case("bad_utf8_jsonl", "jsonl", bad_utf8_jsonl),
    Case("bad_utf8_csv", "csv", bad_utf8_csv),
    Case("parquet_binary_email", "parquet", parquet_binary_email),
    Case("too_many_fields", "csv", too_many_fields),
    Case("too_few_fields", "csv", too_few_fields),
    Case("malformed_json", "jsonl", malformed_json),
    Case("json_array_line", "jsonl", json_array),
    Case("duplicate_id", "csv", duplicate_id),
    Case("missing_id", "csv", missing_id),
    Case("truncated_mid_row", "csv", truncated_mid_row),
    Case("mapped_col_missing", "csv", mapped_column_missing),
    Case("damaged_parquet", "parquet", damaged_parquet),
]


# --------------------------------------------------------------------------- counting


def physical_rows(path: Path, fmt: str) -> int | None:
    """Data rows of the file as a person would count them; None if it cannot be opened."""
    if fmt in ("csv", "jsonl"):
        text = path.read_bytes().decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
        lines = text.split("\n") if fmt == "jsonl" else re.split(r"\r\n|\r|\n", text)
        filled = sum(1 for ln in lines if ln.strip())
        return max(filled - (fmt == "csv"), 0)
    try:
        if fmt == "parquet":
            return pq.ParquetFile(path).metadata.num_rows
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        rows = [r for r in book.worksheets[0].iter_rows(values_only=True)
                if any(v not in (None, "") for v in r)]
        return max(len(rows) - 1, 0)
    except Exception:  # noqa: BLE001 - unreadable is the answer
        return None


# --------------------------------------------------------------------------- running


def prepare_samples(workdir: Path) -> Path:
    """The first lines of each bundled sample export (keeps a run short but linkable)."""
    samples = workdir / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    for src in (ROOT / "data" / "samples").iterdir():
        if src.suffix in (".csv", ".jsonl") and src.name != "truth.csv":
            lines = src.read_bytes().split(b"\n")[:SAMPLE_LINES]
            (samples / src.name).write_bytes(b"\n".join(lines) + b"\n")
    return samples


def write_rules(case_dir: Path, samples: Path, case: Case, export: Path) -> Path:
    """A copy of the repository's rules whose sources are the bundled samples plus ``x``."""
    rules = case_dir / "rules"
    shutil.copytree(ROOT / "rules", rules)
    for yaml in (rules / "sources").glob("*.yaml"):
        text = yaml.read_text(encoding="utf-8")
        yaml.write_text(re.sub(r"(?m)^path: .*/data/samples/",
                               f"path: {samples.as_posix()}/", text), encoding="utf-8")
    csv = 'csv: {delimiter: ";", encoding: utf-8, quotechar: \'"\'}\n' if case.fmt == "csv" else ""
    (rules / "sources" / "x.yaml").write_text(
        SOURCE_YAML.format(path=export.as_posix(), fmt=case.fmt, csv=csv),
        encoding="utf-8")
    return rules


def run_cli(argv: list[str], stderr_file: Path, use_subprocess: bool) -> int:
    """``crm-golden`` with ``argv``; stdout discarded, stderr to ``stderr_file``."""
    if use_subprocess:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with stderr_file.open("wb") as err:
            return subprocess.run([sys.executable, "-m", "flows.cli", *argv], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=err).returncode
    from flows.cli import main as cli_main

    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child behaves like ``python -m flows.cli``
        code = 1
        try:
            fd = os.open(stderr_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 2)
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            code = int(cli_main(argv) or 0)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - an uncaught error is what we measure
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@dataclass
class Result:
    case: Case
    physical: int | None
    counts: dict[str, int] | None
    code: int
    seen: str
    traceback: bool
    seconds: float

    @property
    def balanced(self) -> str:
        if self.counts is None:
            return "n/a"
        c = self.counts
        parts = c["clean"] + c["quarantined"] + c["suppressed"]
        return "yes" if c["rows_read"] == parts and c["rows_read"] == self.physical else "NO"


def quarantine_summary(latest: Path, audit_reasons: dict[str, int]) -> str:
    """Source ``x``'s quarantine reasons, most frequent first, with the column if any."""
    frames = [pd.read_parquet(p) for p in sorted(latest.glob("quarantine*.parquet"))]
    q = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if q.empty or "source" not in q.columns:
        q = pd.DataFrame(columns=["source", "stage", "reason", "column"])
    q = q[q["source"] == "x"]
    if q.empty:
        return "; ".join(f"{k}={v}" for k, v in audit_reasons.items()) or "(none quarantined)"
    keys = q.apply(lambda r: (f"{r['stage']}:" if r["stage"] != "ingest" else "")
                   + str(r["reason"])
                   + (f"[{r['column']}]" if pd.notna(r["column"]) else ""), axis=1)
    return "; ".join(f"{k} x{n}" for k, n in keys.value_counts().items())


def run_case(case: Case, workdir: Path, samples: Path, use_subprocess: bool) -> Result:
    case_dir = workdir / case.name
    shutil.rmtree(case_dir, ignore_errors=True)
    case_dir.mkdir(parents=True)
    export = case_dir / f"x.{case.fmt}"
    case.build(export)
    physical = physical_rows(export, case.fmt)
    rules = write_rules(case_dir, samples, case, export)
    out, err_file = case_dir / "out", case_dir / "stderr.txt"
    started = time.perf_counter()
    code = run_cli(["run", "--rules", str(rules), "--output", str(out), "--no-prefect"],
                   err_file, use_subprocess)
    seconds = time.perf_counter() - started
    stderr = err_file.read_text(encoding="utf-8", errors="replace")
    has_tb = "Traceback (most recent call last)" in stderr
    counts = None
    if code == 0 and (out / "latest" / "audit.json").is_file():
        audit = json.loads((out / "latest" / "audit.json").read_text(encoding="utf-8"))
        rows = [s for s in audit["inputs"]["sources"] if s["source"] == "x"]
        row = rows[0] if rows else {"rows_read": 0, "clean": 0, "quarantined": 0,
                                    "suppressed": 0, "quarantine_reasons": {}}
        counts = {k: int(row.get(k) or 0) for k in ("rows_read", "clean", "quarantined",
                                                    "suppressed")}
        seen = quarantine_summary(out / "latest", row.get("quarantine_reasons") or {})
        if not rows:
            seen = "(source x absent from audit.json) " + seen
    else:
        lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
        ours = [ln for ln in lines if ln.startswith("crm-golden:")]
        seen = (ours or lines or ["(nothing on stderr)"])[-1]
    if has_tb:
        seen = "TRACEBACK: " + seen
    return Result(case, physical, counts, code, seen, has_tb, seconds)


# --------------------------------------------------------------------------- report


def format_table(results: list[Result], width: int = 100) -> str:
    head = ["case", "format", "physical", "rows_read", "clean", "quarantined", "suppressed",
            "balanced", "exit", "what the user sees"]
    body = []
    for r in results:
        c = r.counts or {}
        seen = r.seen if len(r.seen) <= width else r.seen[: width - 3] + "..."
        body.append([r.case.name, r.case.fmt, "-" if r.physical is None else str(r.physical),
                     *(str(c[k]) if k in c else "-"
                       for k in ("rows_read", "clean", "quarantined", "suppressed")),
                     r.balanced, str(r.code), seen])
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head) - 1)]
    lines = []
    for i, row in enumerate([head, *body]):
        lines.append(" | ".join([*(v.ljust(w) for v, w in zip(row, widths, strict=False)),
                                 row[-1]]).rstrip())
        if i == 0:
            lines.append("-+-".join(["-" * w for w in widths] + ["-" * 20]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/crm-broken"))
    parser.add_argument("--subprocess", action="store_true",
                        help="run `python -m flows.cli` per case instead of a forked child")
    parser.add_argument("--cases", nargs="+", metavar="NAME",
                        choices=[c.name for c in CASES], help="only these cases")
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    samples = prepare_samples(workdir)
    cases = [c for c in CASES if not args.cases or c.name in args.cases]
    started = time.perf_counter()
    results = []
    for case in cases:
        results.append(run_case(case, workdir, samples, args.subprocess))
        r = results[-1]
        print(f"  {case.name}: exit {r.code} in {r.seconds:.1f}s", file=sys.stderr, flush=True)
    print(format_table(results))
    bad = [r.case.name for r in results if r.traceback]
    failed = [r.case.name for r in results if r.code not in (0, 2)]
    unbalanced = [r.case.name for r in results if r.balanced == "NO"]
    print(f"\n{len(results)} cases in {time.perf_counter() - started:.0f}s; "
          f"tracebacks: {', '.join(bad) or 'none'}; "
          f"exit codes other than 0/2: {', '.join(failed) or 'none'}; "
          f"unbalanced: {', '.join(unbalanced) or 'none'}")
    print(f"per-case files (export, rules, out, stderr.txt) under {workdir}")
    return 1 if bad or failed or unbalanced else 0


if __name__ == "__main__":
    sys.exit(main())
