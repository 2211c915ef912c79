"""Console tables and the ``BENCHMARKS.md`` document from the workloads' results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from benchmarks.runner import WorkloadResult
from benchmarks.targets import (
    FLAT_BYTES_PER_CUSTOMER,
    LINEAR_TOLERANCE,
    evaluate_targets,
    flo_comparison,
    lifetimes_comparison,
    scoring_points,
)

DEFINITIONS = (
    "Every workload runs in a fresh Python process, one after the other.",
    "End-to-end seconds run from the start of the workload's process (interpreter and imports "
    "included) to its last result: for ours the pipeline's end (all exports written), for the "
    "baseline the end of `expected_customer_lifetime_value`. Both load the same file into the "
    "same customer summary.",
    "Peak MB (process) is the workload process's own `ru_maxrss`; peak MB (all processes) is the "
    "sampled (0.5 s) peak of the summed PSS of the process and its descendants (PyMC's sampler "
    "runs chains in other processes). Ratios and targets use the larger of the two. "
    "MB = MiB; 1.5 GB = 1,536 MB, 4 GB = 4,096 MB.",
    "Speed-up = baseline seconds / ours; memory ratio = baseline peak / ours.",
    f"Scoring time counts as linear when the time per customer at the largest size is at most "
    f"{LINEAR_TOLERANCE:g}x that at the next size down; memory as flat when the peak grows by "
    f"less than {FLAT_BYTES_PER_CUSTOMER:,.0f} bytes per added customer (a customers x draws "
    "float64 array would add 8 x draws bytes: 8,000 at 1,000 draws).",
    "Scoring alone: `score_customers` on simulated FLO-like customers (simulator -> CSV -> our "
    "loader -> summary), population draws = the simulator's parameters with a 5 % log-normal "
    "spread, `keep_draws = 0`, chunk size of the run config, one thread; the time is that call "
    "only, the memory the whole process's (no PyMC imported).",
)


def render_table(head: Sequence[str], rows: Sequence[Sequence[str]], *, markdown: bool) -> str:
    """Render rows as a Markdown table or as aligned plain text."""
    cells = [[str(c).replace("|", "/") if markdown else str(c) for c in row] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])
    widths = [max(len(x) for x in col) for col in zip(head, *cells, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [list(head), *cells]
    )


def _num(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}{unit}"


def _stages(stages: Mapping[str, float | None]) -> str:
    return ", ".join(f"{name} {_num(seconds)}" for name, seconds in stages.items())


def _seconds_cell(result: WorkloadResult) -> str:
    if not result.ok:
        return "FAILED"
    if result.skipped:
        return "skipped"
    m = result.metrics
    if result.workload == "cdnow_fits":
        return f"{_num(m.get('cold_seconds'))} cold / {_num(m.get('warm_seconds'))} warm"
    if result.workload == "scoring":
        return _num(m.get("seconds"))
    return _num(m.get("total_seconds", result.process_seconds))


def _notes(result: WorkloadResult) -> str:
    if not result.ok:
        return (result.error or "failed")[:160]
    if result.skipped:
        return result.skipped[:160]
    m = result.metrics
    if result.workload in ("ours_flo", "scale_1m"):  # scale_10m runs the scale_1m workload
        gate = "gate passed" if m.get("convergence_passed") else "GATE FAILED"
        return (
            f"{m.get('customers'):,} customers; {gate}; imports {_num(m.get('import_seconds'))} s; "
            f"stages (s): {_stages(m.get('stages', {}))}"
        )
    if result.workload in ("baseline_flo", "lifetimes"):
        return (
            f"BG/NBD fit {_num(m.get('bgnbd_fit_seconds'))} s, Gamma-Gamma fit "
            f"{_num(m.get('gamma_gamma_fit_seconds'))} s, CLTV {_num(m.get('cltv_seconds'))} s"
        )
    if result.workload == "cdnow_fits":
        gate = "gate passed" if m.get("convergence_passed") else "GATE FAILED"
        fits = ", ".join(_num(s) for s in m.get("fit_seconds", []))
        return f"{m.get('customers'):,} customers; fits (s): {fits}; {gate}"
    if result.workload == "scoring":
        return (
            f"{_num(m.get('microseconds_per_customer'), digits=0)} us per customer; "
            f"RSS before scoring {_num(m.get('rss_before_mb'), digits=0)} MB"
        )
    return ""


def workload_rows(
    results: Mapping[str, WorkloadResult], labels: Mapping[str, str]
) -> list[list[str]]:
    """One row per benchmark workload (setup steps left out)."""
    return [
        [
            key,
            labels.get(key, key),
            _seconds_cell(result),
            "-" if result.skipped else _num(result.peak_mb, digits=0),
            "-" if result.skipped else _num(result.tree_peak_mb, digits=0),
            _notes(result),
        ]
        for key, result in results.items()
        if not key.startswith("setup")
    ]


WORKLOAD_HEAD = ("workload", "what", "seconds", "peak MB (process)", "peak MB (all)", "notes")
COMPARISON_HEAD = ("measure", "ours", "other", "ratio")
TARGET_HEAD = ("target (issues 7 and 19)", "measured", "status")
SCORING_HEAD = (
    "customers",
    "draws",
    "seconds",
    "us per customer",
    "peak MB",
    "RSS before scoring MB",
)


def scoring_rows(results: Mapping[str, WorkloadResult]) -> list[list[str]]:
    """The scoring workloads, smallest first."""
    return [
        [
            f"{p.metrics['customers']:,}",
            f"{p.metrics['draws']:,}",
            _num(p.metrics["seconds"]),
            _num(p.metrics["microseconds_per_customer"], digits=0),
            _num(p.peak_mb, digits=0),
            _num(p.metrics.get("rss_before_mb"), digits=0),
        ]
        for p in scoring_points(results)
    ]


def sections(
    results: Mapping[str, WorkloadResult], labels: Mapping[str, str], *, markdown: bool
) -> list[tuple[str, str]]:
    """(title, table) pairs: workloads, comparisons, scoring scale, targets."""
    out = [
        (
            "Workloads",
            render_table(WORKLOAD_HEAD, workload_rows(results, labels), markdown=markdown),
        )
    ]
    rows = [[c.measure, c.ours, c.other, c.ratio] for c in flo_comparison(results)]
    if rows:
        out.append(
            (
                "FLO: ours vs pymc-marketing 1.3 defaults (same data, same run)",
                render_table(COMPARISON_HEAD, rows, markdown=markdown),
            )
        )
    rows = [[c.measure, c.ours, c.other, c.ratio] for c in lifetimes_comparison(results)]
    if rows:
        out.append(
            (
                "FLO: ours vs the lifetimes recipe (point estimates only)",
                render_table(COMPARISON_HEAD, rows, markdown=markdown),
            )
        )
    rows = scoring_rows(results)
    if rows:
        out.append(("Scoring alone at scale", render_table(SCORING_HEAD, rows, markdown=markdown)))
    checks = [[c.target, c.measured, c.status] for c in evaluate_targets(results)]
    out.append(("Targets", render_table(TARGET_HEAD, checks, markdown=markdown)))
    for key, result in results.items():
        rows = profile_rows(result)
        if rows:
            out.append(
                (
                    f"Where the time goes: {key} (cProfile, top functions by own time)",
                    render_table(PROFILE_HEAD, rows, markdown=markdown),
                )
            )
    return out


PROFILE_HEAD = ("function", "calls", "own s", "with callees s")


def profile_rows(result: WorkloadResult) -> list[list[str]]:
    """The profiled workload's top functions (none when it was not profiled)."""
    if not result.ok or result.skipped:
        return []
    return [
        [
            row["function"],
            f"{row['calls']:,}",
            _num(row["tottime"], digits=2),
            _num(row["cumtime"], digits=2),
        ]
        for row in result.metrics.get("profile") or []
    ]


def failure_details(results: Mapping[str, WorkloadResult]) -> list[str]:
    """Error and last stderr lines of every failed step."""
    lines = []
    for key, result in results.items():
        if result.ok:
            continue
        lines.append(f"{key}: {result.error}")
        lines += [f"    {line}" for line in result.stderr_tail[-15:]]
    return lines


def console_text(
    results: Mapping[str, WorkloadResult],
    labels: Mapping[str, str],
    *,
    notes: Sequence[str] = (),
) -> str:
    """The plain-text summary printed at the end of a run."""
    parts = []
    for title, table in sections(results, labels, markdown=False):
        parts += [f"== {title} ==", table, ""]
    parts += [f"note: {n}" for n in notes]
    failures = failure_details(results)
    if failures:
        parts += ["", "== Failures ==", *failures]
    return "\n".join(parts).rstrip() + "\n"


def markdown_document(
    results: Mapping[str, WorkloadResult],
    labels: Mapping[str, str],
    *,
    machine: Mapping,
    command: str,
    notes: Sequence[str] = (),
    load_after: tuple[float, float, float] | None = None,
    total_seconds: float | None = None,
) -> str:
    """``BENCHMARKS.md``: machine, versions, command, figures, targets and definitions."""
    load = machine.get("load_average")
    lines = [
        "# Benchmarks: speed, memory and scale (issues 7 and 19)",
        "",
        f"Measured {machine.get('date')} with",
        "",
        "```",
        command,
        "```",
        "",
        "## Machine",
        "",
        f"- CPU: {machine.get('cpu')}; {machine.get('cores')} usable cores "
        f"({machine.get('logical_cpus')} logical CPUs); RAM {machine.get('ram_gib')} GiB",
        f"- {machine.get('platform')}",
    ]
    if load:
        after = f", after {load_after[0]:.1f}" if load_after else ""
        lines.append(f"- 1-minute load average before the run {load[0]:.1f}{after}")
    if total_seconds is not None:
        lines.append(f"- whole harness run: {total_seconds / 60:.1f} min")
    packages = machine.get("packages", {})
    lines += [
        "",
        "## Versions",
        "",
        render_table(("package", "version"), list(packages.items()), markdown=True),
        "",
    ]
    for title, table in sections(results, labels, markdown=True):
        lines += [f"## {title}", "", table, ""]
    if notes:
        lines += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    lines += ["## Definitions", "", *[f"- {d}" for d in DEFINITIONS], ""]
    failures = failure_details(results)
    if failures:
        lines += ["## Failures", "", "```", *failures, "```", ""]
    return "\n".join(lines)
