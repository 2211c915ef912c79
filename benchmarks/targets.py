"""Ratios of ours against the baselines, and issue 7's targets with met or missed.

Definitions (also printed with the figures):

* **end-to-end seconds** -- from the start of the workload's Python process (interpreter and
  imports included) to its last result: for ours the pipeline's end (exports written), for
  the baseline the end of ``expected_customer_lifetime_value``. Both include loading the
  same file into the same customer summary.
* **peak MB** -- the larger of the workload process's own peak resident memory and the
  sampled peak of its whole process tree (PyMC's sampler runs chains in other processes).
  MB = MiB; 1.5 GB = 1,536 MB and 4 GB = 4,096 MB.
* **speed-up** = baseline seconds / ours; **memory ratio** = baseline peak / ours.
* **time linear in customers** -- time per customer at the largest scoring size is at most
  :data:`LINEAR_TOLERANCE` times that at the next size down.
* **memory flat in customers** -- peak memory grows by less than :data:`FLAT_BYTES_PER_CUSTOMER`
  bytes per added customer between the smallest and largest size (an array of customers x
  draws float64 values would add ``8 x draws`` bytes per customer: 8,000 at 1,000 draws).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from benchmarks.runner import WorkloadResult

FLO_SECONDS_MAX = 60.0
FLO_MEMORY_MB_MAX = 1536.0
SPEEDUP_MIN = 10.0
MEMORY_RATIO_MIN = 4.0
CDNOW_WARM_SECONDS_MAX = 10.0
SCALE_CUSTOMERS = 1_000_000
SCALE_SECONDS_MAX = 600.0
SCALE_MEMORY_MB_MAX = 4096.0
LINEAR_TOLERANCE = 1.25
FLAT_BYTES_PER_CUSTOMER = 1000.0
FLO_DATA_NAME = "flo_data_20k.csv"

MET, MISSED, NOT_RUN, FAILED = "met", "MISSED", "not run", "failed"


@dataclass(frozen=True)
class Comparison:
    """One row of the ours-versus-baseline table."""

    measure: str
    ours: str
    other: str
    ratio: str


@dataclass(frozen=True)
class TargetCheck:
    """One target of issue 7: what was measured and whether it was met."""

    target: str
    measured: str
    status: str


def _usable(results: Mapping[str, WorkloadResult], key: str) -> WorkloadResult | None:
    result = results.get(key)
    if result is None or not result.ok or result.skipped:
        return None
    return result


def _absent(results: Mapping[str, WorkloadResult], key: str) -> str:
    result = results.get(key)
    if result is None:
        return NOT_RUN
    if result.skipped:
        return f"{NOT_RUN} ({result.skipped[:60]})"
    return FAILED


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} s"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} MB"


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _times(ratio: float | None, better: str, worse: str) -> str:
    """``2.5x faster`` for a ratio of 2.5, ``4.0x slower`` for 0.25."""
    if not ratio:
        return "-"
    return f"{ratio:.1f}x {better}" if ratio >= 1 else f"{1 / ratio:.1f}x {worse}"


def flo_comparison(results: Mapping[str, WorkloadResult]) -> list[Comparison]:
    """Ours against pymc-marketing's defaults (and lifetimes) on the same FLO data."""
    ours = _usable(results, "ours_flo")
    base = _usable(results, "baseline_flo")
    rows: list[Comparison] = []
    if ours is None or base is None:
        return rows
    om, bm = ours.metrics, base.metrics
    speedup = _ratio(bm.get("total_seconds"), om.get("total_seconds"))
    rows.append(
        Comparison(
            "end to end (process start to results)",
            _seconds(om.get("total_seconds")),
            _seconds(bm.get("total_seconds")),
            _times(speedup, "faster", "slower"),
        )
    )
    ours_fit = (om.get("stages") or {}).get("fit")
    base_fit = (bm.get("bgnbd_fit_seconds") or 0) + (bm.get("gamma_gamma_fit_seconds") or 0)
    fit_ratio = _ratio(base_fit, ours_fit)
    rows.append(
        Comparison(
            "both model fits",
            _seconds(ours_fit),
            f"{_seconds(base_fit)} (BG/NBD {bm.get('bgnbd_fit_seconds', 0):.0f} + "
            f"Gamma-Gamma {bm.get('gamma_gamma_fit_seconds', 0):.0f})",
            _times(fit_ratio, "faster", "slower"),
        )
    )
    ours_score = (om.get("stages") or {}).get("score")
    score_ratio = _ratio(bm.get("cltv_seconds"), ours_score)
    rows.append(
        Comparison(
            "CLTV: ours = predictive scoring + exports; baseline = expected CLTV only",
            _seconds(ours_score),
            _seconds(bm.get("cltv_seconds")),
            _times(score_ratio, "faster", "slower"),
        )
    )
    memory_ratio = _ratio(base.footprint_mb, ours.footprint_mb)
    rows.append(
        Comparison(
            "peak memory (all processes)",
            _mb(ours.footprint_mb),
            _mb(base.footprint_mb),
            _times(memory_ratio, "leaner", "heavier"),
        )
    )
    return rows


def lifetimes_comparison(results: Mapping[str, WorkloadResult]) -> list[Comparison]:
    """Ours against the frequentist lifetimes recipe (point estimates only)."""
    ours = _usable(results, "ours_flo")
    lt = _usable(results, "lifetimes")
    if ours is None or lt is None:
        return []
    ratio = _ratio(ours.metrics.get("total_seconds"), lt.metrics.get("total_seconds"))
    parts = lt.metrics.get("timed_parts_seconds")
    return [
        Comparison(
            "end to end (process start to results)",
            _seconds(ours.metrics.get("total_seconds")),
            f"{_seconds(lt.metrics.get('total_seconds'))} (fits + CLTV {_seconds(parts)})",
            f"ours takes {ratio:.1f}x as long" if ratio else "-",
        ),
        Comparison(
            "peak memory (all processes)",
            _mb(ours.footprint_mb),
            _mb(lt.footprint_mb),
            f"ours uses {_ratio(ours.footprint_mb, lt.footprint_mb):.1f}x as much"
            if lt.footprint_mb
            else "-",
        ),
    ]


def _not_comparable(metrics: dict, data_name: str | None = FLO_DATA_NAME) -> str | None:
    """Why a run's figures cannot be held against a target (other data, shorter chains)."""
    if data_name is not None and not str(metrics.get("data_path", "")).endswith(data_name):
        return f"n/a ({metrics.get('customers')} simulated customers, not {data_name})"
    if metrics.get("sampler_overrides"):
        return (
            "n/a (sampler overridden: "
            + ", ".join(f"{k} {v}" for k, v in metrics["sampler_overrides"].items())
            + ")"
        )
    return None


def _check(value: float | None, limit: float, *, at_least: bool = False) -> str:
    if value is None:
        return FAILED
    ok = value >= limit if at_least else value <= limit
    return MET if ok else MISSED


def scoring_points(results: Mapping[str, WorkloadResult]) -> list[WorkloadResult]:
    """Successful scoring runs, smallest first."""
    points = [r for r in results.values() if r.workload == "scoring" and r.ok]
    return sorted(points, key=lambda r: r.metrics["customers"])


def scoring_linearity(points: list[WorkloadResult]) -> tuple[float | None, float | None]:
    """(time-per-customer ratio largest / next, memory growth in bytes per added customer)."""
    if len(points) < 2:
        return None, None
    big, next_down, small = points[-1], points[-2], points[0]
    per = _ratio(
        big.metrics["microseconds_per_customer"], next_down.metrics["microseconds_per_customer"]
    )
    added = big.metrics["customers"] - small.metrics["customers"]
    growth = None
    if added > 0 and big.peak_mb is not None and small.peak_mb is not None:
        growth = (big.peak_mb - small.peak_mb) * 2**20 / added
    return per, growth


def evaluate_targets(results: Mapping[str, WorkloadResult]) -> list[TargetCheck]:
    """Issue 7's targets, each with the measured figure and met / MISSED / not run."""
    checks: list[TargetCheck] = []
    ours = _usable(results, "ours_flo")
    base = _usable(results, "baseline_flo")
    flo_size = None
    if ours is not None:
        flo_size = _not_comparable(ours.metrics)
    if ours is None:
        status = _absent(results, "ours_flo")
        checks += [
            TargetCheck("FLO 20k end to end <= 60 s", "-", status),
            TargetCheck("FLO 20k peak memory <= 1.5 GB", "-", status),
            TargetCheck("FLO fits pass the convergence gate", "-", status),
        ]
    else:
        seconds = ours.metrics.get("total_seconds")
        checks.append(
            TargetCheck(
                "FLO 20k end to end <= 60 s",
                _seconds(seconds),
                flo_size or _check(seconds, FLO_SECONDS_MAX),
            )
        )
        checks.append(
            TargetCheck(
                "FLO 20k peak memory <= 1.5 GB",
                _mb(ours.footprint_mb),
                flo_size or _check(ours.footprint_mb, FLO_MEMORY_MB_MAX),
            )
        )
        passed = ours.metrics.get("convergence_passed")
        failures = ours.metrics.get("gate_failures", [])
        checks.append(
            TargetCheck(
                "FLO fits pass the convergence gate",
                "passed"
                if passed
                else f"FAILED ({ours.metrics.get('gate_failure_count', len(failures))} checks), e.g. "
                + (failures[0] if failures else "-"),
                flo_size or (MET if passed else MISSED),
            )
        )
    if ours is None or base is None:
        status = (
            _absent(results, "baseline_flo") if ours is not None else _absent(results, "ours_flo")
        )
        checks.append(TargetCheck(">= 10x faster than the baseline, same run", "-", status))
        checks.append(TargetCheck(">= 4x leaner than the baseline, same run", "-", status))
    else:
        speedup = _ratio(base.metrics.get("total_seconds"), ours.metrics.get("total_seconds"))
        leaner = _ratio(base.footprint_mb, ours.footprint_mb)
        checks.append(
            TargetCheck(
                ">= 10x faster than the baseline, same run",
                "-" if speedup is None else f"{speedup:.1f}x",
                flo_size or _check(speedup, SPEEDUP_MIN, at_least=True),
            )
        )
        checks.append(
            TargetCheck(
                ">= 4x leaner than the baseline, same run",
                "-" if leaner is None else f"{leaner:.1f}x",
                flo_size or _check(leaner, MEMORY_RATIO_MIN, at_least=True),
            )
        )

    cdnow = _usable(results, "cdnow_fits")
    if cdnow is None:
        checks.append(
            TargetCheck("CDNOW both fits <= 10 s (compiled)", "-", _absent(results, "cdnow_fits"))
        )
    else:
        warm = cdnow.metrics.get("warm_seconds")
        measured = f"{_seconds(warm)} warm ({_seconds(cdnow.metrics.get('cold_seconds'))} cold)"
        checks.append(
            TargetCheck(
                "CDNOW both fits <= 10 s (compiled)",
                measured,
                _not_comparable(cdnow.metrics, data_name=None)
                or _check(warm, CDNOW_WARM_SECONDS_MAX),
            )
        )

    scale = _usable(results, "scale_1m")
    if scale is None:
        status = _absent(results, "scale_1m")
        checks.append(TargetCheck("1M customers end to end <= 10 min", "-", status))
        checks.append(TargetCheck("1M customers peak memory <= 4 GB", "-", status))
    else:
        n = scale.metrics.get("customers")
        size = _not_comparable(scale.metrics, data_name=None) or (
            None if n == SCALE_CUSTOMERS else f"n/a ({n:,} customers)"
        )
        seconds = scale.metrics.get("total_seconds")
        checks.append(
            TargetCheck(
                "1M customers end to end <= 10 min",
                _seconds(seconds),
                size or _check(seconds, SCALE_SECONDS_MAX),
            )
        )
        checks.append(
            TargetCheck(
                "1M customers peak memory <= 4 GB",
                _mb(scale.footprint_mb),
                size or _check(scale.footprint_mb, SCALE_MEMORY_MB_MAX),
            )
        )

    points = scoring_points(results)
    per, growth = scoring_linearity(points)
    if per is None:
        status = NOT_RUN if not points else "n/a (needs 2 sizes)"
        checks.append(TargetCheck("scoring time linear in customers", "-", status))
        checks.append(TargetCheck("scoring memory flat in customers", "-", status))
    else:
        sizes = " / ".join(f"{p.metrics['microseconds_per_customer']:,.0f}" for p in points)
        checks.append(
            TargetCheck(
                "scoring time linear in customers",
                f"{sizes} us per customer; largest/next = {per:.2f}",
                _check(per, LINEAR_TOLERANCE),
            )
        )
        peaks = " / ".join(_mb(p.peak_mb) for p in points)
        checks.append(
            TargetCheck(
                "scoring memory flat in customers",
                f"peaks {peaks}; +{growth:,.0f} bytes per added customer",
                _check(growth, FLAT_BYTES_PER_CUSTOMER),
            )
        )
    return checks
