"""Benchmark the streaming summary -> RFM -> segment build at scale (issue 4, point 7).

Two inputs are simulated to disk in batches (memory follows the batch, not the total):

* a FLO-schema customer CSV (default 10,000,000 customers);
* a transaction log ``customer_id,date,amount`` (default 100,000,000 rows) as CSV, Parquet
  (one file per batch) or both.

For each input the benchmark times (a) the generation and (b) the query that scans the input,
builds the customer summary, scores RFM, maps segments and tiers and writes Parquet with
Polars' streaming engine (:mod:`benchmarks.streaming`; the transaction summary
runs in ``--tx-partitions`` customer partitions). Every stage runs in a fresh Python
subprocess and its peak memory is that process's maximum resident set size (``os.wait4``
rusage), so one stage's memory never pollutes another's. A baseline process that only
imports the modules is measured as well. The notes column gives each step's time and the
highest RSS sampled during it (RSS includes memory kept from earlier steps).

``--ooc-budget-mb`` sets ``POLARS_OOC_MEMORY_BUDGET_MB`` for the query stages, to try
Polars' experimental spilling (e.g. with ``--tx-partitions 1``).

Examples
--------
Full default run (about 8 minutes and 7 GB of disk on a shared 2-core machine)::

    .venv/bin/python scripts/benchmark_rfm_scale.py --markdown outputs/rfm_scale.md

Smoke run::

    .venv/bin/python scripts/benchmark_rfm_scale.py --customers 2000 --transactions 20000
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/ is a top-level folder of the repository, not part of the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ANALYSIS_DATE = date(2021, 6, 1)
TIME_UNIT = "weeks"
ROWS_PER_PARTITION = 2_000_000


# ------------------------------------------------------------------ stages (run in a child)


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def stage_baseline() -> dict:
    """Import what the stages import, nothing else."""
    import benchmarks.streaming  # noqa: F401

    return {"rows": 0}


def stage_gen_flo(path: str, n: int, batch: int, seed: int) -> dict:
    """Write the simulated FLO customer CSV."""
    from benchmarks.streaming import write_simulated_flo_csv

    rows = write_simulated_flo_csv(
        path, n, batch_size=batch, seed=seed, analysis_date=ANALYSIS_DATE
    )
    return {"rows": rows, "notes": f"CSV {_size(Path(path)) / 1e9:.2f} GB"}


class RssSampler(threading.Thread):
    """Record this process's resident set size every 50 ms (Linux ``/proc``; else nothing)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self.start_time = time.perf_counter()
        self._stop_event = threading.Event()

    def run(self) -> None:  # noqa: D102
        status = Path("/proc/self/status")
        while not self._stop_event.is_set() and status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    mb = int(line.split()[1]) / 1024
                    self.samples.append((time.perf_counter() - self.start_time, mb))
            self._stop_event.wait(0.05)

    def steps(self, durations: list[tuple[str, float]]) -> str:
        """Stop, then describe consecutive steps as ``name 12.3 s (0.45 GB peak)``."""
        self._stop_event.set()
        self.join()
        parts, lo = [], 0.0
        for name, seconds in durations:
            hi = lo + seconds
            peak = max((mb for t, mb in self.samples if lo - 0.05 <= t <= hi + 0.05), default=0)
            parts.append(f"{name} {seconds:.1f} s ({peak / 1024:.2f} GB)")
            lo = hi
        return ", ".join(parts)


def stage_query_flo(path: str, out: str) -> dict:
    """FLO CSV -> summary -> RFM -> segments -> Parquet."""
    from benchmarks.streaming import scan_flo_csv, sink_segments
    from flo_bayes.summary import build_flo_summary

    sampler = RssSampler()
    sampler.start()
    summary = build_flo_summary(scan_flo_csv(path), ANALYSIS_DATE, TIME_UNIT)
    res = sink_segments(summary, out)
    notes = sampler.steps(
        [
            ("summary", res.summary_seconds),
            ("edges", res.edges_seconds),
            ("scores+segments", res.segments_seconds),
        ]
    )
    return {"rows": res.n_customers, "customers": res.n_customers, "notes": notes}


def stage_gen_tx(csv_path: str | None, parquet_dir: str | None, n: int, batch: int, seed: int):
    """Write the simulated transaction log."""
    from benchmarks.streaming import write_simulated_transactions

    log = write_simulated_transactions(
        n,
        csv_path=csv_path,
        parquet_dir=parquet_dir,
        batch_customers=batch,
        seed=seed,
        analysis_date=ANALYSIS_DATE,
    )
    sizes = [
        f"{kind} {_size(Path(p)) / 1e9:.2f} GB"
        for kind, p in (("CSV", csv_path), ("Parquet", parquet_dir))
        if p is not None
    ]
    return {
        "rows": log.n_rows,
        "customers": log.n_customers,
        "notes": f"{log.n_customers:,} customers; " + ", ".join(sizes),
    }


def stage_query_tx(source: str, kind: str, out: str, partitions: int) -> dict:
    """Transaction log -> partitioned summary -> RFM -> segments -> Parquet."""
    import polars as pl

    from benchmarks.streaming import (
        scan_transaction_csv,
        sink_segments,
        sink_transaction_summary,
    )

    sampler = RssSampler()
    sampler.start()
    if kind == "csv":
        transactions = scan_transaction_csv(source)
    else:
        transactions = pl.scan_parquet(sorted(Path(source).glob("*.parquet")))
    out_path = Path(out)
    summary_path = out_path.with_name(f"{out_path.stem}.summary.parquet")
    summ = sink_transaction_summary(
        transactions, summary_path, ANALYSIS_DATE, TIME_UNIT, n_partitions=partitions
    )
    res = sink_segments(summ.summary_path, out_path)
    summary_path.unlink(missing_ok=True)
    steps = sampler.steps(
        [
            ("split", summ.partition_seconds),
            ("summaries", summ.summary_seconds),
            ("merge", summ.merge_seconds),
            ("edges", res.edges_seconds),
            ("scores+segments", res.segments_seconds),
        ]
    )
    notes = f"{res.n_customers:,} customers, {summ.n_partitions} partitions: {steps}"
    return {"customers": res.n_customers, "notes": notes}


STAGES = {
    "baseline": stage_baseline,
    "gen_flo": stage_gen_flo,
    "query_flo": stage_query_flo,
    "gen_tx": stage_gen_tx,
    "query_tx": stage_query_tx,
}


# ------------------------------------------------------------------ parent: run and report


def run_stage(name: str, kwargs: dict, workdir: Path, env: dict | None = None) -> dict:
    """Run one stage in a fresh interpreter; return its result, seconds and peak MB."""
    result_file = workdir / f".{name}.result.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--run-stage",
        name,
        "--stage-args",
        json.dumps(kwargs),
        "--stage-result",
        str(result_file),
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"stage {name} failed with exit code {proc.returncode}")
    result = json.loads(result_file.read_text())
    result_file.unlink()
    result.update(seconds=seconds, peak_mb=usage.ru_maxrss / 1024)  # Linux: KiB
    return result


def _row(label: str, res: dict) -> dict:
    rows = res.get("rows")
    return {
        "stage": label,
        "rows": rows,
        "seconds": res["seconds"],
        "peak_mb": res["peak_mb"],
        "rows_per_s": rows / res["seconds"] if rows else None,
        "notes": res.get("notes", ""),
    }


def format_table(rows: list[dict], markdown: bool = False) -> str:
    """Render the result rows as plain text or a Markdown table."""
    head = ["stage", "rows", "seconds", "peak MB", "rows/s", "notes"]
    body = [
        [
            r["stage"],
            f"{r['rows']:,}" if r["rows"] else "",
            f"{r['seconds']:.1f}",
            f"{r['peak_mb']:,.0f}",
            f"{r['rows_per_s']:,.0f}" if r["rows_per_s"] else "",
            r["notes"],
        ]
        for r in rows
    ]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
        return "\n".join(lines + ["| " + " | ".join(b) + " |" for b in body])
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" if i in (0, 5) else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join(fmt.format(*line) for line in [head, *body])


def _machine() -> str:
    import numpy
    import polars

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} CPUs, {mem:.0f} GiB RAM, Python {platform.python_version()}, "
        f"polars {polars.__version__}, numpy {numpy.__version__}"
    )


def benchmark(args: argparse.Namespace, workdir: Path) -> list[dict]:
    """Run the requested stages in ``workdir`` and return the table rows."""

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    query_env = {}
    if args.ooc_budget_mb:
        query_env["POLARS_OOC_MEMORY_BUDGET_MB"] = str(args.ooc_budget_mb)
    rows = []
    rows.append(_row("baseline (imports only)", run_stage("baseline", {}, workdir)))
    if args.customers > 0:
        flo_csv = workdir / "flo_customers.csv"
        log(f"generating {args.customers:,} FLO customers -> {flo_csv}")
        kw = {"path": str(flo_csv), "n": args.customers, "batch": args.flo_batch, "seed": 42}
        res = run_stage("gen_flo", kw, workdir)
        rows.append(_row("generate FLO customers (CSV)", res))
        log("FLO query")
        kw = {"path": str(flo_csv), "out": str(workdir / "flo_segments.parquet")}
        res = run_stage("query_flo", kw, workdir, query_env)
        rows.append(_row("FLO CSV -> summary -> RFM -> segments", res))
        if not args.keep:
            flo_csv.unlink()
    if args.transactions > 0:
        csv_path = workdir / "transactions.csv" if args.tx_format in ("csv", "both") else None
        pq_dir = workdir / "transactions_parquet" if args.tx_format != "csv" else None
        log(f"generating {args.transactions:,} transactions ({args.tx_format})")
        kw = {
            "csv_path": str(csv_path) if csv_path else None,
            "parquet_dir": str(pq_dir) if pq_dir else None,
            "n": args.transactions,
            "batch": args.tx_batch,
            "seed": 7,
        }
        res = run_stage("gen_tx", kw, workdir)
        rows.append(_row(f"generate transaction log ({args.tx_format})", res))
        partitions = args.tx_partitions or max(1, math.ceil(args.transactions / ROWS_PER_PARTITION))
        for kind, source in (("csv", csv_path), ("parquet", pq_dir)):
            if source is None:
                continue
            log(f"transaction query from {kind}, {partitions} partitions")
            kw = {
                "source": str(source),
                "kind": kind,
                "out": str(workdir / f"tx_segments_{kind}.parquet"),
                "partitions": partitions,
            }
            res = run_stage("query_tx", kw, workdir, query_env)
            res["rows"] = args.transactions
            label = f"transactions {kind.upper()} -> summary -> RFM -> segments"
            rows.append(_row(label, res))
            if not args.keep:
                shutil.rmtree(source) if source.is_dir() else source.unlink()
    if not args.keep:
        for p in workdir.glob("*segments*.parquet"):
            p.unlink()
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--customers", type=int, default=10_000_000, help="FLO customers (0: skip)")
    p.add_argument(
        "--transactions", type=int, default=100_000_000, help="transaction rows (0: skip)"
    )
    p.add_argument("--tx-format", choices=("csv", "parquet", "both"), default="csv")
    p.add_argument(
        "--tx-partitions",
        type=int,
        default=0,
        help=f"customer partitions of the log summary (0: one per {ROWS_PER_PARTITION:,} rows)",
    )
    p.add_argument(
        "--ooc-budget-mb",
        type=int,
        default=0,
        help="set POLARS_OOC_MEMORY_BUDGET_MB for the query stages (experimental spilling)",
    )
    p.add_argument("--flo-batch", type=int, default=1_000_000, help="customers per FLO batch")
    p.add_argument("--tx-batch", type=int, default=2_000_000, help="customers per log batch")
    p.add_argument("--workdir", type=Path, help="where to write inputs (default: a /tmp dir)")
    p.add_argument("--keep", action="store_true", help="keep generated inputs and outputs")
    p.add_argument("--markdown", type=Path, help="also write the table to this Markdown file")
    p.add_argument("--run-stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    p.add_argument("--stage-args", default="{}", help=argparse.SUPPRESS)
    p.add_argument("--stage-result", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, internally, one stage in a child process)."""
    args = parse_args(argv)
    if args.run_stage:
        result = STAGES[args.run_stage](**json.loads(args.stage_args))
        args.stage_result.write_text(json.dumps(result))
        return 0

    own_tmp = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="rfm_scale_", dir="/tmp")) if own_tmp else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        rows = benchmark(args, workdir)
    finally:
        if own_tmp and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    machine = _machine()
    command = "python scripts/benchmark_rfm_scale.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    print(format_table(rows))
    print(f"\n{machine}\nPeak MB = max RSS of the stage's own process (baseline included).")
    if args.markdown:
        text = (
            "# RFM at scale: streaming summary -> RFM -> segments\n\n"
            f"`{command.strip()}`\n\n{machine}. Each stage runs in a fresh process; peak MB is "
            "its maximum resident set size, interpreter and imports included (see baseline).\n\n"
            f"{format_table(rows, markdown=True)}\n"
        )
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
