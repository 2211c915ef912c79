"""Ratios of ours against the baselines, and the targets of issues 7 and 19 with met or missed.

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

LIFETIMES_RATIO_MAX = 4.0
FIRST_RUN_RATIO_MAX = 2.0
FLO_MEMORY_MB_MAX = 1536.0
SPEEDUP_MIN = 10.0
MEMORY_RATIO_MIN = 4.0
CDNOW_WARM_SECONDS_MAX = 3.0
SCALE_CUSTOMERS = 1_000_000
SCALE_SECONDS_MAX = 120.0
SCALE_MEMORY_MB_MAX = 3072.0
SCORING_US_PER_1000_DRAWS_MAX = 60.0
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
    """One target: what was measured and whether it was met."""

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


def _flo_target_rows(results: Mapping[str, WorkloadResult]) -> list[TargetCheck]:
    """FLO: warm run against the lifetimes recipe, first run against warm, memory, gate."""
    ours = _usable(results, "ours_flo")
    first = _usable(results, "ours_flo_first")
    lt = _usable(results, "lifetimes")
    rows: list[TargetCheck] = []
    if ours is None:
        status = _absent(results, "ours_flo")
        return [
            TargetCheck(
                f"FLO end to end (warm) <= {LIFETIMES_RATIO_MAX:g}x lifetimes", "-", status
            ),
            TargetCheck(f"FLO first run <= {FIRST_RUN_RATIO_MAX:g}x warm", "-", status),
            TargetCheck("FLO 20k peak memory <= 1.5 GB", "-", status),
            TargetCheck("FLO fits pass the convergence gate", "-", status),
        ]
    flo_size = _not_comparable(ours.metrics)
    warm = ours.metrics.get("total_seconds")
    if lt is None:
        rows.append(
            TargetCheck(
                f"FLO end to end (warm) <= {LIFETIMES_RATIO_MAX:g}x lifetimes",
                _seconds(warm),
                _absent(results, "lifetimes"),
            )
        )
    else:
        ratio = _ratio(warm, lt.metrics.get("total_seconds"))
        rows.append(
            TargetCheck(
                f"FLO end to end (warm) <= {LIFETIMES_RATIO_MAX:g}x lifetimes",
                f"{_seconds(warm)} vs {_seconds(lt.metrics.get('total_seconds'))}: "
                + ("-" if ratio is None else f"{ratio:.1f}x"),
                flo_size or _check(ratio, LIFETIMES_RATIO_MAX),
            )
        )
    if first is None:
        rows.append(
            TargetCheck(
                f"FLO first run <= {FIRST_RUN_RATIO_MAX:g}x warm",
                "-",
                _absent(results, "ours_flo_first"),
            )
        )
    else:
        cold = first.metrics.get("total_seconds")
        ratio = _ratio(cold, warm)
        rows.append(
            TargetCheck(
                f"FLO first run <= {FIRST_RUN_RATIO_MAX:g}x warm",
                f"{_seconds(cold)} first vs {_seconds(warm)} warm: "
                + ("-" if ratio is None else f"{ratio:.1f}x"),
                flo_size or _check(ratio, FIRST_RUN_RATIO_MAX),
            )
        )
    rows.append(
        TargetCheck(
            "FLO 20k peak memory <= 1.5 GB",
            _mb(ours.footprint_mb),
            flo_size or _check(ours.footprint_mb, FLO_MEMORY_MB_MAX),
        )
    )
    passed = ours.metrics.get("convergence_passed")
    failures = ours.metrics.get("gate_failures", [])
    rows.append(
        TargetCheck(
            "FLO fits pass the convergence gate",
            "passed"
            if passed
            else f"FAILED ({ours.metrics.get('gate_failure_count', len(failures))} checks), e.g. "
            + (failures[0] if failures else "-"),
            flo_size or (MET if passed else MISSED),
        )
    )
    return rows


def _baseline_rows(results: Mapping[str, WorkloadResult]) -> list[TargetCheck]:
    """The pymc-marketing defaults stay the baseline column: speed-up and memory ratio."""
    ours = _usable(results, "ours_flo")
    base = _usable(results, "baseline_flo")
    if ours is None or base is None:
        status = (
            _absent(results, "baseline_flo") if ours is not None else _absent(results, "ours_flo")
        )
        return [
            TargetCheck(f">= {SPEEDUP_MIN:g}x faster than pymc-marketing defaults", "-", status),
            TargetCheck(
                f">= {MEMORY_RATIO_MIN:g}x leaner than pymc-marketing defaults", "-", status
            ),
        ]
    flo_size = _not_comparable(ours.metrics)
    speedup = _ratio(base.metrics.get("total_seconds"), ours.metrics.get("total_seconds"))
    leaner = _ratio(base.footprint_mb, ours.footprint_mb)
    return [
        TargetCheck(
            f">= {SPEEDUP_MIN:g}x faster than pymc-marketing defaults",
            "-" if speedup is None else f"{speedup:.1f}x",
            flo_size or _check(speedup, SPEEDUP_MIN, at_least=True),
        ),
        TargetCheck(
            f">= {MEMORY_RATIO_MIN:g}x leaner than pymc-marketing defaults",
            "-" if leaner is None else f"{leaner:.1f}x",
            flo_size or _check(leaner, MEMORY_RATIO_MIN, at_least=True),
        ),
    ]


def _cdnow_rows(results: Mapping[str, WorkloadResult]) -> list[TargetCheck]:
    target = f"CDNOW both fits <= {CDNOW_WARM_SECONDS_MAX:g} s (warm)"
    cdnow = _usable(results, "cdnow_fits")
    if cdnow is None:
        return [TargetCheck(target, "-", _absent(results, "cdnow_fits"))]
    warm = cdnow.metrics.get("warm_seconds")
    measured = f"{_seconds(warm)} warm ({_seconds(cdnow.metrics.get('cold_seconds'))} cold)"
    return [
        TargetCheck(
            target,
            measured,
            _not_comparable(cdnow.metrics, data_name=None) or _check(warm, CDNOW_WARM_SECONDS_MAX),
        )
    ]


def _scale_rows(results: Mapping[str, WorkloadResult]) -> list[TargetCheck]:
    seconds_target = f"1M customers end to end <= {SCALE_SECONDS_MAX:g} s"
    memory_target = f"1M customers peak memory <= {SCALE_MEMORY_MB_MAX / 1024:g} GB"
    rows: list[TargetCheck] = []
    scale = _usable(results, "scale_1m")
    if scale is None:
        status = _absent(results, "scale_1m")
        rows += [TargetCheck(seconds_target, "-", status), TargetCheck(memory_target, "-", status)]
    else:
        n = scale.metrics.get("customers")
        size = _not_comparable(scale.metrics, data_name=None) or (
            None if n == SCALE_CUSTOMERS else f"n/a ({n:,} customers)"
        )
        seconds = scale.metrics.get("total_seconds")
        rows.append(
            TargetCheck(
                seconds_target, _seconds(seconds), size or _check(seconds, SCALE_SECONDS_MAX)
            )
        )
        rows.append(
            TargetCheck(
                memory_target,
                _mb(scale.footprint_mb),
                size or _check(scale.footprint_mb, SCALE_MEMORY_MB_MAX),
            )
        )
    big = _usable(results, "scale_10m")
    if big is None:
        rows.append(
            TargetCheck(
                "10M customers on one machine: measured", "-", _absent(results, "scale_10m")
            )
        )
    else:
        rows.append(
            TargetCheck(
                "10M customers on one machine: measured",
                f"{big.metrics.get('customers'):,} customers: "
                f"{_seconds(big.metrics.get('total_seconds'))}, peak {_mb(big.footprint_mb)}",
                MET,
            )
        )
    return rows


def _scoring_rows(results: Mapping[str, WorkloadResult]) -> list[TargetCheck]:
    speed_target = f"scoring <= {SCORING_US_PER_1000_DRAWS_MAX:g} us per customer per 1,000 draws"
    points = scoring_points(results)
    if not points:
        return [
            TargetCheck(speed_target, "-", NOT_RUN),
            TargetCheck("scoring time linear in customers", "-", NOT_RUN),
            TargetCheck("scoring memory flat in customers", "-", NOT_RUN),
        ]
    largest = points[-1].metrics
    per_1000 = largest["microseconds_per_customer"] * 1000.0 / max(largest["draws"], 1)
    rows = [
        TargetCheck(
            speed_target,
            f"{per_1000:,.0f} us at {largest['customers']:,} customers x {largest['draws']:,} draws",
            _check(per_1000, SCORING_US_PER_1000_DRAWS_MAX),
        )
    ]
    per, growth = scoring_linearity(points)
    if per is None:
        status = "n/a (needs 2 sizes)"
        rows.append(TargetCheck("scoring time linear in customers", "-", status))
        rows.append(TargetCheck("scoring memory flat in customers", "-", status))
        return rows
    sizes = " / ".join(f"{p.metrics['microseconds_per_customer']:,.0f}" for p in points)
    rows.append(
        TargetCheck(
            "scoring time linear in customers",
            f"{sizes} us per customer; largest/next = {per:.2f}",
            _check(per, LINEAR_TOLERANCE),
        )
    )
    peaks = " / ".join(_mb(p.peak_mb) for p in points)
    rows.append(
        TargetCheck(
            "scoring memory flat in customers",
            f"peaks {peaks}; +{growth:,.0f} bytes per added customer",
            _check(growth, FLAT_BYTES_PER_CUSTOMER),
        )
    )
    return rows


def evaluate_targets(results: Mapping[str, WorkloadResult]) -> list[TargetCheck]:
    """Issue 19's targets (and the baseline ratios), each with its figure and met / MISSED."""
    return [
        *_flo_target_rows(results),
        *_baseline_rows(results),
        *_cdnow_rows(results),
        *_scale_rows(results),
        *_scoring_rows(results),
    ]
