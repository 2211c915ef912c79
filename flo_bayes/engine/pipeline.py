"""``run_dask_pipeline``: load -> summary -> RFM -> fit -> scoring -> totals -> plan -> outputs.

Outputs under ``out_dir``:

- ``summary/`` -- customer summary, one Parquet file per partition;
- ``rejected/`` -- rejected input rows with their reason and global position;
- ``scores/`` -- one row per customer: summary, RFM scores, segment, tier, predictive
  columns and the plan's tentative campaign columns;
- ``plan/`` -- final campaign assignments (``assignments-<i>.parquet``);
- ``totals.parquet`` -- per-draw totals by segment, tier, campaign (on the kept draws) and for
  all customers (every draw), summarised as mean and 5/50/95 % quantiles;
- ``manifest.json`` -- settings, seed, RNG layout, how each model's data were reduced
  (sufficient statistics / subsample), convergence gate, dual prices, spend, stage times.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pandas as pd
import polars as pl

from flo_bayes.engine import adapters
from flo_bayes.engine.dask_cluster import dask_client
from flo_bayes.engine.dask_input import (
    REASON_COL,
    InputLayout,
    estimate_rows,
    latest_date,
    read_transactions,
    resolve_paths,
)
from flo_bayes.engine.dask_rfm import rfm_cuts, segment_partition
from flo_bayes.engine.dask_scoring import SCORES_DIR, score_all, score_partition
from flo_bayes.engine.dask_summary import FIRST_COL, customer_summary, default_partitions
from flo_bayes.engine.fit import fit_models, posterior_of
from flo_bayes.engine.keyed_scoring import DrawTotals
from flo_bayes.engine.keys import CELL_COL, KEY_COL, in_subsample
from flo_bayes.engine.plan import (
    CAMPAIGN_COL,
    COST_COL,
    PRIORITY_COL,
    REDUCED_COL,
    VALUE_COL,
    DualPrices,
    PlanOutcome,
    dual_prices,
    exact_spend,
    make_assigner,
)
from flo_bayes.engine.settings import EngineSettings
from flo_bayes.engine.sufficient_stats import (
    TRIPLE_COLS,
    distributed_triples,
    gamma_gamma_sample,
)

_LOG = logging.getLogger("flo_bayes.engine")
TRIMMED_COL = "campaign_trimmed"
RFM_COLUMNS = ("recency_days", "n_orders", "total_value", FIRST_COL)
GG_COLUMNS = ("customer_id", "gg_n", "gg_mean", KEY_COL)


def scoring_settings_of(settings: EngineSettings):
    """The project's ``ScoringSettings`` for the engine settings."""
    horizons = dict(
        adapters.horizon_in_units(m, settings.time_unit) for m in settings.horizons_months
    )
    cltv_name, _ = adapters.horizon_in_units(settings.cltv_horizon_months, settings.time_unit)
    return adapters.scoring_settings(
        horizons, cltv_name, margin=settings.margin, time_unit=settings.time_unit
    )


def cltv_mean_column(settings: EngineSettings) -> str:
    """Name of the expected-CLTV column the plan ranks by."""
    name, _ = adapters.horizon_in_units(settings.cltv_horizon_months, settings.time_unit)
    return f"expected_cltv_{name}_mean"


def totals_frame(totals: DrawTotals) -> pl.DataFrame:
    """Summarise per-draw totals: one row per group (and ``all``)."""
    rows = []

    def row(col: str, group: str, customers: int, values: np.ndarray, basis: str) -> None:
        q = np.quantile(values, [0.05, 0.5, 0.95])
        rows.append(
            {
                "group_column": col,
                "group": group,
                "customers": customers,
                "draws": int(values.size),
                "draw_basis": basis,
                "cltv_mean": float(values.mean()),
                "cltv_q05": float(q[0]),
                "cltv_median": float(q[1]),
                "cltv_q95": float(q[2]),
            }
        )

    if totals.cltv_total is not None:
        n_all = sum(v for (c, _), v in totals.counts.items() if c == "segment")
        row("all", "all", n_all, np.asarray(totals.cltv_total), "all draws")
    for (col, group), values in sorted(totals.groups.items()):
        row(col, group, totals.counts[(col, group)], np.asarray(values), "kept draws")
    return pl.DataFrame(rows)


def _read(path: str, columns: list[str] | None = None) -> pl.DataFrame:
    return pl.read_parquet(path, columns=columns)


def _campaign_counts(path: str, thresholds: dict[str, float], tau: float | None) -> dict:
    frame = _read(path, [CAMPAIGN_COL, REDUCED_COL, PRIORITY_COL])
    keep = _keep_expr(thresholds, tau)
    return dict(
        frame.filter(pl.col(CAMPAIGN_COL).is_not_null() & keep)
        .group_by(CAMPAIGN_COL)
        .len()
        .iter_rows()
    )


def _keep_expr(thresholds: dict[str, float], tau: float | None) -> pl.Expr:
    keep = pl.lit(True)
    for name, cut in thresholds.items():
        keep = keep & ((pl.col(CAMPAIGN_COL) != name) | (pl.col(REDUCED_COL) > cut))
    if tau is not None:
        keep = keep & (pl.col(PRIORITY_COL) > tau)
    return keep


def _spend(counts: dict[str, int], costs: dict[str, float]) -> Fraction:
    return sum((exact_spend(costs[c], n) for c, n in counts.items()), Fraction(0))


def trim_plan(files: list[str], plan, compute) -> PlanOutcome:
    """Apply the budgets exactly over all customers (module docstring of ``plan``, step 3)."""
    from flo_bayes.engine.order_stats import order_statistics

    costs = {c.name: c.cost_per_contact for c in plan.campaigns}

    def count(th, tau):
        return _sum_counts(compute([dask.delayed(_campaign_counts)(f, th, tau) for f in files]))

    counts = count({}, None)
    outcome = PlanOutcome()
    thresholds: dict[str, float] = {}
    for camp in plan.campaigns:
        n_c = counts.get(camp.name, 0)
        if camp.budget is None or exact_spend(camp.cost_per_contact, n_c) <= _exact(camp.budget):
            continue
        cap = math.floor(_exact(camp.budget) / _exact(camp.cost_per_contact))
        drop = n_c - cap

        def extract(path, name=camp.name):
            frame = _read(path, [CAMPAIGN_COL, REDUCED_COL]).filter(pl.col(CAMPAIGN_COL) == name)
            return frame.get_column(REDUCED_COL).to_numpy()

        _, cut = order_statistics(files, extract, [drop - 1], compute=compute)
        thresholds[camp.name] = float(cut[drop - 1])
    tau = None
    if plan.total_budget is not None:
        budget = _exact(plan.total_budget)
        current = count(thresholds, None)
        if _spend(current, costs) > budget:
            prio = _priority_range(files, thresholds, compute)
            lo, hi = prio[0] - 1e-12 * max(1.0, abs(prio[0])), prio[1]
            for _ in range(64):
                mid = 0.5 * (lo + hi)
                if mid in (lo, hi):
                    break
                if _spend(count(thresholds, mid), costs) <= budget:
                    hi = mid
                else:
                    lo = mid
            tau = hi
    final = count(thresholds, tau)
    outcome.contacts = {c.name: int(final.get(c.name, 0)) for c in plan.campaigns}
    outcome.spend = {
        c.name: float(exact_spend(c.cost_per_contact, outcome.contacts[c.name]))
        for c in plan.campaigns
    }
    outcome.trimmed = int(sum(counts.values()) - sum(final.values()))
    outcome.thresholds = thresholds
    outcome.total_threshold = tau
    return outcome


def _exact(amount: float) -> Fraction:
    return exact_spend(amount, 1)


def _sum_counts(pieces: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for piece in pieces:
        for k, v in piece.items():
            out[k] = out.get(k, 0) + int(v)
    return out


def _priority_part(path: str, thresholds: dict[str, float]) -> tuple[float, float]:
    frame = _read(path, [CAMPAIGN_COL, REDUCED_COL, PRIORITY_COL]).filter(
        pl.col(CAMPAIGN_COL).is_not_null() & _keep_expr(thresholds, None)
    )
    if frame.height == 0:
        return math.inf, -math.inf
    values = frame.get_column(PRIORITY_COL)
    return float(values.min()), float(values.max())


def _priority_range(files, thresholds, compute) -> tuple[float, float]:
    parts = compute([dask.delayed(_priority_part)(f, thresholds) for f in files])
    return min(p[0] for p in parts), max(p[1] for p in parts)


def _write_assignments(path: str, index: int, out_dir: str, thresholds, tau) -> list[int]:
    frame = _read(
        path,
        ["customer_id", CELL_COL, CAMPAIGN_COL, REDUCED_COL, PRIORITY_COL, VALUE_COL, COST_COL],
    )
    selected = frame.filter(pl.col(CAMPAIGN_COL).is_not_null())
    keep = _keep_expr(thresholds, tau)
    final = selected.filter(keep).select("customer_id", CAMPAIGN_COL, VALUE_COL, COST_COL)
    folder = Path(out_dir) / "plan"
    folder.mkdir(parents=True, exist_ok=True)
    final.write_parquet(folder / f"assignments-{index:05d}.parquet")
    trimmed = selected.filter(~keep).get_column(CELL_COL).unique().to_list()
    return [int(c) for c in trimmed]


class _TrimmedRule:
    """Assign tentatively, then keep the campaign only on the customers the trim dropped."""

    def __init__(self, assigner, thresholds, tau) -> None:
        self.assigner, self.thresholds, self.tau = assigner, thresholds, tau

    def __call__(self, table: pl.DataFrame) -> pl.DataFrame:
        table = self.assigner(table)
        dropped = pl.col(CAMPAIGN_COL).is_not_null() & ~_keep_expr(self.thresholds, self.tau)
        return table.with_columns(
            pl.when(dropped).then(pl.col(CAMPAIGN_COL)).otherwise(None).alias(TRIMMED_COL)
        )


def run_dask_pipeline(
    settings: EngineSettings,
    data_paths,
    out_dir: str | Path,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    seed: int = 20210601,
    layout: InputLayout | None = None,
    population_draws: Any = None,
    client: Any = None,
) -> dict:
    """Run the whole pipeline on Dask and write the outputs (module docstring).

    Parameters
    ----------
    settings : EngineSettings
        What to compute.
    data_paths : str, Path or list
        Transaction log: file(s), folder(s) or glob(s) of CSV or Parquet.
    out_dir : str or Path
        Output folder (created).
    scheduler : str, optional
        Address of a running Dask scheduler; None starts a ``LocalCluster``.
    n_workers : int, optional
        Workers of the local cluster (default: the machine's cores).
    seed : int
        Seed of every random choice (fits, scoring).
    layout : InputLayout, optional
        Input column names and date format.
    population_draws : PopulationDraws, optional
        Skip the fits and score with these draws (known parameters, tests, benchmarks of
        the data path alone).
    client : distributed.Client, optional
        Use this client instead of connecting / starting one.

    Returns
    -------
    dict
        The manifest (also written to ``manifest.json``).

    """
    if client is None:
        with dask_client(scheduler, n_workers=n_workers) as own:
            return run_dask_pipeline(
                settings,
                data_paths,
                out_dir,
                seed=seed,
                layout=layout,
                population_draws=population_draws,
                client=own,
            )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    compute = lambda tasks: list(client.gather(client.compute(list(tasks))))  # noqa: E731
    stages: dict[str, float] = {}
    clock = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[name] = round(now - clock, 3)
        clock = now
        _LOG.info("stage %s done in %.1f s", name, stages[name])

    # load + summary
    analysis_date = settings.analysis_date
    if analysis_date is None:
        probe = read_transactions(data_paths, layout, analysis_date=None, n_cells=1)
        analysis_date = latest_date(probe) + timedelta(days=settings.analysis_date_offset_days)
        stage("analysis_date")
    parsed = read_transactions(
        data_paths,
        layout,
        analysis_date=analysis_date,
        n_cells=settings.n_cells,
        rejected_dir=str(out / "rejected"),
    )
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    n_parts = max(
        2 * n_workers,
        default_partitions(
            estimate_rows(resolve_paths(data_paths)), n_workers, settings.rows_per_partition
        ),
    )
    summary = customer_summary(parsed, analysis_date, settings.time_unit, n_partitions=n_parts)
    summary.to_parquet(str(out / "summary"), write_index=False)
    stage("load_and_summary")

    files = sorted(str(p) for p in (out / "summary").glob("*.parquet"))
    cuts = rfm_cuts(_columns(files, RFM_COLUMNS), compute=compute)
    stage("rfm_quintiles")

    basis: dict = {}
    gate: dict = {}
    fit_table = None
    if population_draws is None:
        triples = distributed_triples(_columns(files, TRIPLE_COLS), compute=compute)
        gg = gamma_gamma_sample(
            _columns(files, GG_COLUMNS), settings.gg_sample_size, compute=compute
        )
        stage("sufficient_statistics")
        sampler = adapters.sampler_settings(**asdict(settings.sampler))
        fitted = fit_models(triples, gg, time_unit=settings.time_unit, sampler=sampler, seed=seed)
        population_draws = adapters.population_draws(
            posterior_of(fitted.bgnbd_idata),
            posterior_of(fitted.gamma_gamma_idata),
            settings.max_draws,
        )
        basis, gate, fit_table = fitted.data_basis, fitted.gate.to_dict(), fitted.summary
        fit_table.write_parquet(out / "fit_summary.parquet")
        stage("fit")
    else:
        basis = {"bgnbd": {"data": "population draws given"}, "gamma_gamma": {"data": "given"}}

    scoring = scoring_settings_of(settings)
    cltv_col = cltv_mean_column(settings)
    prices: DualPrices | None = None
    assigner = None
    if settings.plan is not None and settings.plan.campaigns:
        n_customers = int(sum(compute([dask.delayed(_height)(f) for f in files])))
        fraction = min(1.0, settings.plan.sample_size / max(1, n_customers))
        shared = client.scatter(population_draws, broadcast=True)
        pilot_tasks = [
            dask.delayed(_pilot_scores)(
                f, fraction, shared, scoring, cuts, seed, settings.n_cells, cltv_col
            )
            for f in files
        ]
        table = pl.concat(compute(pilot_tasks))
        prices = dual_prices(table, settings.plan, fraction, cltv_col)
        assigner = make_assigner(settings.plan, prices, cltv_col)
        stage("plan_dual_prices")

    parts = [dask.delayed(_read)(f) for f in files]
    totals = score_all(
        client,
        parts,
        population_draws,
        scoring,
        cuts,
        seed=seed,
        n_cells=settings.n_cells,
        keep_draws=settings.keep_draws,
        out_dir=str(out),
        assign=assigner,
    )
    stage("scoring")

    outcome = None
    if assigner is not None:
        score_files = sorted(str(p) for p in (out / SCORES_DIR).glob("*.parquet"))
        outcome = trim_plan(score_files, settings.plan, compute)
        trimmed_cells = compute(
            [
                dask.delayed(_write_assignments)(
                    f, i, str(out), outcome.thresholds, outcome.total_threshold
                )
                for i, f in enumerate(score_files)
            ]
        )
        cells = sorted({c for part in trimmed_cells for c in part})
        if cells:
            rule = _TrimmedRule(assigner, outcome.thresholds, outcome.total_threshold)
            shared = client.scatter(population_draws, broadcast=True)
            tasks = [
                dask.delayed(_rescore_trimmed)(
                    p, shared, scoring, cuts, seed, settings, rule, cells
                )
                for p in parts
            ]
            for part_totals in compute(tasks):
                for (col, group), values in part_totals.groups.items():
                    key = (CAMPAIGN_COL, group)
                    totals.groups[key] = totals.groups[key] - values
                    totals.counts[key] -= part_totals.counts[(col, group)]
        stage("plan_budget_trim")

    totals_frame(totals).write_parquet(out / "totals.parquet")
    manifest = {
        "engine": "dask",
        "scheduler": scheduler or "LocalCluster",
        "workers": len(client.scheduler_info().get("workers", {})),
        "seed": int(seed),
        "analysis_date": analysis_date.isoformat(),
        "time_unit": settings.time_unit,
        "rng_layout": {
            "n_cells": settings.n_cells,
            "cell": "SipHash of customer id text mod n_cells",
            "stream": "PCG64(SeedSequence(cell_seed(seed, cell), spawn_key=(0, 0)))",
            "order_in_cell": "(key, customer_id)",
        },
        "population_draws": int(population_draws.n_draws),
        "keep_draws": int(settings.keep_draws),
        "data_basis": basis,
        "convergence_gate": gate,
        "rfm": {
            "method": "exact order statistics (histogram refinement); frequency rank ties by "
            "first appearance",
            "edges": {
                "recency": list(cuts.edges.recency),
                "frequency_rank": list(cuts.edges.frequency_rank),
                "monetary": list(cuts.edges.monetary),
            },
        },
        "plan": None
        if outcome is None
        else {
            "method": "dual prices on a keyed subsample, applied per customer, exact budget trim",
            "dual_prices": prices.campaign,
            "total_price": prices.total,
            "sample_customers": prices.sample_customers,
            "sample_fraction": prices.sample_fraction,
            "contacts": outcome.contacts,
            "spend": outcome.spend,
            "trimmed": outcome.trimmed,
            "budgets": {c.name: c.budget for c in settings.plan.campaigns},
            "total_budget": settings.plan.total_budget,
        },
        "stage_seconds": stages,
        "customers": int(sum(compute([dask.delayed(_height)(f) for f in files]))),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    return manifest


def _columns(files: list[str], columns: tuple[str, ...]) -> list:
    """One lazily read partition per file, only the columns a pass needs."""
    return [dask.delayed(_read)(f, list(columns)) for f in files]


def _height(path: str) -> int:
    return int(pl.scan_parquet(path).select(pl.len()).collect().item())


def _pilot_scores(path, fraction, draws, scoring, cuts, seed, n_cells, cltv_col) -> pl.DataFrame:
    """Expected CLTV of the keyed pilot subsample of one summary file (for the plan LP).

    Only the deterministic expected CLTV is read, so the pilot is scored in plain chunks
    (not cell by cell): its draws, which depend on the grouping, are never used.
    """
    del n_cells  # the pilot's predictive draws are not used; see docstring
    frame = _read(path)
    pilot = frame.filter(pl.Series(in_subsample(frame.get_column(KEY_COL).to_numpy(), fraction)))
    segmented = segment_partition(pilot, cuts)
    scored = adapters.score_block(segmented, draws, scoring, seed=seed).table
    return pl.concat(
        [segmented.select("customer_id", "segment", "tier"), scored.select(cltv_col)],
        how="horizontal",
    )


def _rescore_trimmed(part, draws, scoring, cuts, seed, settings, rule, cells) -> DrawTotals:
    frame = part if isinstance(part, pl.DataFrame) else pl.from_pandas(part)
    cells_here = set(frame.get_column(CELL_COL).unique().to_list()) & set(cells)
    if not cells_here:
        return DrawTotals()
    _, totals = score_partition(
        frame,
        0,
        draws,
        scoring,
        cuts,
        seed=seed,
        n_cells=settings.n_cells,
        keep_draws=settings.keep_draws,
        out_dir=None,
        assign=rule,
        group_cols=(TRIMMED_COL,),
        only_cells=sorted(cells_here),
    )
    return totals


def local_reference(
    settings: EngineSettings,
    data_paths,
    *,
    seed: int,
    population_draws: Any,
    layout: InputLayout | None = None,
) -> tuple[pl.DataFrame, DrawTotals]:
    """The same per-customer computation in one process, with the single-process segmentation.

    Reads every file in order with Polars, summarises the whole log with the project's
    summary, segments it with the project's in-memory segmentation
    (``segmentation.pipeline.segment_customers``, frequency ties by first appearance) and
    scores it with :func:`~flo_bayes.engine.keyed_scoring.score_keyed` in one call.
    """
    from flo_bayes.engine.dask_input import InputLayout as Layout
    from flo_bayes.engine.dask_input import parse_partition, resolve_paths
    from flo_bayes.engine.dask_summary import summarise_partition
    from flo_bayes.engine.keyed_scoring import score_keyed

    layout = layout or Layout()
    files = resolve_paths(data_paths)
    if files[0].endswith((".parquet", ".pq")):
        raw = pl.concat([pl.read_parquet(f) for f in files])
    else:
        raw = pl.concat([pl.read_csv(f, infer_schema=False) for f in files])
    analysis_date = settings.analysis_date
    if analysis_date is None:
        probe = pl.from_pandas(parse_partition(raw.to_pandas(), layout, 0, None, 1))
        latest = probe.filter(pl.col(REASON_COL).is_null()).get_column("date").max()
        analysis_date = latest + timedelta(days=settings.analysis_date_offset_days)
    parsed = pl.from_pandas(
        parse_partition(raw.to_pandas(), layout, 0, analysis_date, settings.n_cells)
    ).filter(pl.col(REASON_COL).is_null())
    summary = summarise_partition(parsed.drop(REASON_COL), analysis_date, settings.time_unit)
    segmented = adapters.segment_customers_local(summary, adapters.segmentation_config())
    return score_keyed(
        segmented,
        population_draws,
        scoring_settings_of(settings),
        seed=seed,
        n_cells=settings.n_cells,
        keep_draws=settings.keep_draws,
        group_cols=("segment", "tier"),
    )


__all__ = ["local_reference", "run_dask_pipeline", "totals_frame", "pd"]
