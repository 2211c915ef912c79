"""Command line of the benchmark harness (``scripts/benchmark.py``).

Runs the chosen workloads one after the other, each in a fresh process, prints progress on
stderr and the tables on stdout, and writes ``BENCHMARKS.md`` (and optionally the raw results
as JSON). Exit code 0 when every workload finished (skipped optional ones included), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.plan import (
    FULL,
    QUICK,
    WORKLOAD_GROUPS,
    Sampler,
    Sizes,
    Step,
    build_plan,
    default_paths,
    with_overrides,
)

DEFAULT_MARKDOWN = Path("BENCHMARKS.md")
DEFAULT_TIMEOUT_SECONDS = 2 * 3600


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(WORKLOAD_GROUPS))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown workloads {unknown}; choose from {', '.join(WORKLOAD_GROUPS)}"
        )
    return names


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(n.replace("_", "")) for n in text.split(",") if n.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    """The harness's options (hidden ones shorten runs for trying the harness)."""
    p = argparse.ArgumentParser(
        prog="benchmark.py",
        description="Benchmark our FLO pipeline against pymc-marketing's defaults (issue 7).",
    )
    p.add_argument(
        "--only",
        type=_names,
        help=f"comma-separated workloads to run (default: all): {', '.join(WORKLOAD_GROUPS)}",
    )
    p.add_argument("--skip", type=_names, default=[], help="comma-separated workloads to leave out")
    p.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and short chains (smoke test; the figures say nothing about the targets)",
    )
    p.add_argument(
        "--customers-1m",
        type=int,
        metavar="N",
        help=f"customers of the large run (default {FULL.scale_customers:,})",
    )
    p.add_argument(
        "--scale-keep-draws",
        type=int,
        metavar="K",
        help=f"prediction.keep_draws of the large run (default {FULL.scale_keep_draws})",
    )
    p.add_argument(
        "--scoring-sizes",
        type=_sizes,
        metavar="N,N,...",
        help="customers of the scoring-alone runs (default 20000,200000,1000000)",
    )
    p.add_argument(
        "--scoring-draws",
        type=int,
        metavar="S",
        help=f"population draws of the scoring-alone runs (default {FULL.scoring_draws})",
    )
    p.add_argument(
        "--flo-data", type=Path, help="FLO file (default ../shared/data/flo_data_20k.csv)"
    )
    p.add_argument(
        "--cdnow-data", type=Path, help="CDNOW sample (default ../shared/data/CDNOW_sample.txt)"
    )
    p.add_argument(
        "--markdown",
        type=Path,
        help=f"write the report here (default {DEFAULT_MARKDOWN}; with --quick: none)",
    )
    p.add_argument("--json", type=Path, help="also write the raw results as JSON")
    p.add_argument(
        "--workdir", type=Path, help="where inputs and run folders go (default: a temp dir)"
    )
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help="seconds after which a workload is ended and reported failed (default 7200)",
    )
    p.add_argument("--verbose", action="store_true", help="show every line the workloads print")
    hidden = argparse.SUPPRESS
    for who in ("ours", "baseline"):
        for what in ("chains", "draws", "tune"):
            p.add_argument(f"--{who}-{what}", type=int, help=hidden)
    p.add_argument("--heartbeat", type=float, default=60.0, help=hidden)
    return p


def chosen_sizes(args: argparse.Namespace) -> Sizes:
    """The size set with the command line's overrides."""
    return with_overrides(
        QUICK if args.quick else FULL,
        scale_customers=args.customers_1m,
        scale_keep_draws=args.scale_keep_draws,
        scoring_sizes=args.scoring_sizes,
        scoring_draws=args.scoring_draws,
        ours_sampler=Sampler(args.ours_chains, args.ours_draws, args.ours_tune),
        baseline_sampler=Sampler(args.baseline_chains, args.baseline_draws, args.baseline_tune),
    )


def _missing_input(step: Step) -> str | None:
    if step.needs or step.setup:
        return None
    path = step.args.get("data_path")
    if path and not Path(path).is_file():
        return f"input not found: {path}"
    return None


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_notes(
    sizes: Sizes, args: argparse.Namespace, machine: dict, groups: list[str]
) -> list[str]:
    """What a reader must know about this run's settings."""
    from benchmarks.machine import busy_warning

    notes = []
    if args.quick:
        notes.append(
            "QUICK RUN: tiny sizes and short chains; the figures only show that the harness "
            "works and say nothing about the targets."
        )
    warning = busy_warning(machine.get("load_average"), machine.get("cores", 1))
    if warning:
        notes.append(warning)
    base = sizes.baseline_sampler.as_overrides()
    if "baseline_flo" in groups:
        notes.append(
            "Baseline sampler: PyMC NUTS, "
            + ", ".join(f"{k} {v}" for k, v in base.items())
            + ("" if "tune" in base else ", tune default (1000)")
            + ", default priors, init and target_accept."
        )
    if sizes.ours_sampler.as_overrides():
        notes.append(
            "Our sampler overridden: "
            + ", ".join(f"{k} {v}" for k, v in sizes.ours_sampler.as_overrides().items())
        )
    if {"ours_flo", "scale_1m"} & set(groups):
        notes.append(
            "Our pipeline runs as `flo-bayes run` does, into a temporary folder, without "
            "report.html (excluded by the targets); stage times come from its manifest."
        )
    if "ours_flo" in groups:
        notes.append(
            "FLO runs twice: first with empty compile caches (`NUMBA_CACHE_DIR` and PyTensor's "
            "`compiledir` pointed at a new folder: what a user sees on the first run after "
            "`pip install`), then warm, reading the caches the first run wrote."
        )
    if "scale_10m" in groups:
        notes.append(
            f"10M run: {sizes.scale_10m_customers:,} simulated customers, same config as the "
            f"large run, `prediction.keep_draws` {min(sizes.scale_10m_keep_draws, sizes.scale_keep_draws)}."
        )
    if "scale_1m" in groups:
        notes.append(
            f'Large run: `Config()` defaults with `data.format = "flo"`, '
            f"{sizes.scale_customers:,} simulated customers and `prediction.keep_draws` lowered "
            f"to {sizes.scale_keep_draws} (the thinned customers x draws CLTV matrix kept for "
            f"value tiers and written to cltv_draws.parquet: {sizes.scale_keep_draws} x 8 bytes "
            "per customer)."
        )
    return notes


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit code."""
    from benchmarks.machine import busy_warning, describe_machine, load_average
    from benchmarks.report import console_text, markdown_document
    from benchmarks.runner import WorkloadResult, run_workload

    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    groups = [g for g in (args.only or WORKLOAD_GROUPS) if g not in args.skip]
    sizes = chosen_sizes(args)
    own_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="flo_bench_")) if own_workdir else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    paths = default_paths(workdir.resolve())
    if args.flo_data:
        paths = replace(paths, flo_data=args.flo_data.resolve())
    if args.cdnow_data:
        paths = replace(paths, cdnow_data=args.cdnow_data.resolve())
    steps = build_plan(groups, sizes, paths)

    machine = describe_machine()
    warning = busy_warning(machine["load_average"], machine["cores"])
    _log(f"benchmark: {', '.join(groups)} ({len(steps)} processes); work dir {workdir}")
    if warning:
        _log(f"WARNING: {warning}")

    started = time.perf_counter()
    results: dict[str, WorkloadResult] = {}
    labels = {step.key: step.label for step in steps}
    try:
        for index, step in enumerate(steps, start=1):
            prefix = f"[{index}/{len(steps)}] {step.key}"
            missing = _missing_input(step)
            if step.needs and not (step.needs in results and results[step.needs].ok):
                results[step.key] = WorkloadResult(
                    step.key, step.workload, ok=False, error=f"setup step {step.needs} failed"
                )
                _log(f"{prefix}: not run, its setup step failed")
                continue
            if missing:
                results[step.key] = WorkloadResult(
                    step.key, step.workload, ok=True, metrics={"skipped": missing}
                )
                _log(f"{prefix}: skipped, {missing}")
                continue
            _log(f"{prefix}: {step.label} ...")
            result = run_workload(
                step.key,
                step.workload,
                step.args,
                workdir=workdir,
                log=_log,
                timeout=args.timeout,
                verbose=args.verbose,
                heartbeat_seconds=args.heartbeat,
                env=step.env,
            )
            results[step.key] = result
            status = (
                "skipped: " + result.skipped
                if result.skipped
                else ("done" if result.ok else f"FAILED ({result.error})")
            )
            footprint = result.footprint_mb
            _log(
                f"{prefix}: {status} in {result.wall_seconds:.1f} s"
                + (f", peak {footprint:,.0f} MB" if footprint is not None else "")
            )
    finally:
        if own_workdir and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    total_seconds = time.perf_counter() - started

    notes = run_notes(sizes, args, machine, groups)
    print(console_text(results, labels, notes=notes), end="")
    command = "python scripts/benchmark.py " + shlex.join(argv)
    markdown = args.markdown or (None if args.quick else DEFAULT_MARKDOWN)
    if markdown is not None:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(
            markdown_document(
                results,
                labels,
                machine=machine,
                command=command.strip(),
                notes=notes,
                load_after=load_average(),
                total_seconds=total_seconds,
            ),
            encoding="utf-8",
        )
        _log(f"wrote {markdown}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "command": command.strip(),
                    "machine": machine,
                    "notes": notes,
                    "results": {k: r.to_dict() for k, r in results.items()},
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        _log(f"wrote {args.json}")
    if own_workdir and args.keep:
        _log(f"kept work dir {workdir}")
    failed = [k for k, r in results.items() if not r.ok]
    _log(
        f"finished in {total_seconds / 60:.1f} min"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0
