"""Backtest on a transaction log: fit on a calibration period, predict the holdout per customer.

The figures (``backtest.json``) are what a user needs to decide whether to trust the
intervals: the share of customers whose actual holdout purchase count falls in their 50 % and
90 % predictive intervals (judged with the randomised PIT, the same rule as everywhere: see
:mod:`flo_bayes.predictive.intervals`), the actual total of holdout purchases against the
predicted total's mean and 90 % band, and the same for holdout spend. The predictions carry
the aggregate shock estimated on the calibration period (see
:mod:`flo_bayes.predictive.aggregate_shock`); when there is one, the same figures without it
are reported under ``without_aggregate_shock``.

With ``[data.selection]`` the log is cut to the extract the rule draws and the BG/NBD is
conditioned on the rule; the same figures of a fit on the whole calibration cohort (the rule
removed), scored on the same extract customers, are reported under ``full_cohort_fit``: the
selection-aware fit should match them although it never saw the customers outside the rule.

With ``[model] purchase = "compare"`` every purchase model is fitted on the calibration
period and compared by PSIS-LOO (:mod:`flo_bayes.models.comparison`), and each one is also
backtested here, the same way as the picked one (its own posterior and aggregate shock, the
same Gamma-Gamma fit): ``diagnostics/model_comparison.csv`` holds the LOO columns and the
per-model holdout MAE, interval coverage and total against its band; ``backtest.json`` has
the same under ``model_comparison``. The pick is the PSIS-LOO rule; the backtest figures are
shown beside it, not used for it. The other figures of ``backtest.json`` are those of the
picked model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from flo_bayes.config import Config, RunOverrides, apply_overrides
from flo_bayes.errors import UserInputError
from flo_bayes.io.writers import atomic_path, write_frame, write_json
from flo_bayes.models.comparison import PICKED_BY, ModelComparison, with_backtest
from flo_bayes.models.registry import purchase_model
from flo_bayes.predictive.expected import expected_purchases
from flo_bayes.predictive.intervals import interval_coverage
from flo_bayes.predictive.scoring import ScoringResult, score_customers
from flo_bayes.predictive.settings import ScoringSettings
from flo_bayes.progress import ConsoleProgress
from flo_bayes.runs import Manifest, RunFolder
from flo_bayes.units import days_per_unit
from flo_bayes.workflow.fit import (
    compare_purchase_models_stage,
    diagnose,
    fit_models,
    fit_stage_label,
    population_draws,
    with_purchase_fit,
)
from flo_bayes.workflow.load import input_record, load_and_prepare, selection_record
from flo_bayes.workflow.shock import aggregate_shock_for_run, apply_shock

# Calibration frequencies shown one by one in the calibration-vs-holdout plot; more are pooled.
MAX_FREQUENCY_BIN = 7
# Posterior draws used for the weekly tracking curve (closed-form expectations per week).
TRACKING_DRAWS = 200
# Interval levels the backtest figures judge (50 % and 90 %), scored whatever the config's.
BACKTEST_LEVELS = (0.5, 0.9)


@dataclass(frozen=True)
class HoldoutActuals:
    """Each calibration customer's actual holdout purchases (occasions) and spend."""

    purchases: np.ndarray
    spend: np.ndarray
    weekly_cumulative: np.ndarray


def holdout_actuals(
    transactions: pl.DataFrame,
    customer_ids: pl.Series,
    calibration_end: date,
    holdout_end: date,
    *,
    purchases_only: bool = False,
) -> HoldoutActuals:
    """Count holdout occasions (same-day purchases merged) and spend per calibration customer.

    ``purchases_only``: ``amount`` is the value of one purchase, so an occasion is worth it
    once however many same-day rows it merges.
    """
    holdout = transactions.filter(
        (pl.col("date") > calibration_end) & (pl.col("date") <= holdout_end)
    )
    value = pl.col("amount").first() if purchases_only else pl.col("amount").sum()
    occasions = holdout.group_by("customer_id", "date").agg(value)
    per_customer = occasions.group_by("customer_id").agg(
        pl.len().alias("purchases"), pl.col("amount").sum().alias("spend")
    )
    aligned = (
        pl.DataFrame({"customer_id": customer_ids})
        .join(per_customer, on="customer_id", how="left", maintain_order="left")
        .fill_null(0)
    )
    known = occasions.join(
        pl.DataFrame({"customer_id": customer_ids}), on="customer_id", how="semi"
    )
    n_weeks = _holdout_weeks(calibration_end, holdout_end)
    week = ((known["date"] - calibration_end).dt.total_days() - 1) // 7
    weekly = np.bincount(week.to_numpy(), minlength=n_weeks)[:n_weeks]
    return HoldoutActuals(
        purchases=aligned["purchases"].to_numpy().astype(np.int64),
        spend=aligned["spend"].to_numpy().astype(np.float64),
        weekly_cumulative=np.cumsum(weekly),
    )


def _holdout_weeks(calibration_end: date, holdout_end: date) -> int:
    return int(np.ceil((holdout_end - calibration_end).days / 7))


def run_backtest(
    data: Path,
    config: Config,
    calibration_end: date,
    holdout_end: date | None,
    out: Path,
    progress: ConsoleProgress | None = None,
) -> dict:
    """Fit on the calibration period, score the holdout and write the backtest results.

    Parameters
    ----------
    data : Path
        Transaction log.
    config : Config
        Run configuration (format must be ``transactions``).
    calibration_end : datetime.date
        Last day of the calibration period.
    holdout_end : datetime.date, optional
        Last day of the holdout (default: the log's last date).
    out : Path
        Folder for ``backtest.json``, plots and the per-customer table.
    progress : ConsoleProgress, optional
        Prints the stages as they run (default: silent).

    Returns
    -------
    dict
        The content of ``backtest.json``.

    """
    if config.data.format != "transactions":
        raise UserInputError("backtest needs a transaction log: set data.format = 'transactions'")
    progress = progress or ConsoleProgress(total=3, quiet=True)
    folder = RunFolder(out)
    out.mkdir(parents=True, exist_ok=True)
    # The calibration end is the analysis date: the load stage cuts there like a run does.
    config = apply_overrides(config, RunOverrides(data_path=data, analysis_date=calibration_end))
    manifest = Manifest(folder.manifest)
    manifest.start(
        run_id=folder.run_id,
        kind="backtest",
        config_source="backtest",
        config=config.model_dump(mode="json"),
        seed=config.seed,
    )
    with progress.stage("load the calibration period"), manifest.stage("load"):
        loaded, prepared = load_and_prepare(data, config, folder.rejected_rows)
        all_rows = loaded.frame
        del loaded
        holdout_end = holdout_end or all_rows["date"].max()
        if holdout_end <= calibration_end:
            raise UserInputError(
                f"--holdout-end {holdout_end} must be after --calibration-end {calibration_end}"
            )
        manifest.update(**input_record(data, config, prepared), holdout_end=str(holdout_end))
    summary, calibration = prepared.summary, prepared.loaded.frame
    unit = config.analysis.time_unit
    with_spend = not prepared.purchases_only
    compare = config.model.purchase == "compare"
    with progress.stage(fit_stage_label(config, with_spend)), manifest.stage("fit"):
        fitted = fit_models(summary, config, with_spend=with_spend, analysis_date=calibration_end)
        comparison, fits = None, {}
        if compare:
            comparison, fits = compare_purchase_models_stage(
                summary, config, folder, fitted, calibration_end
            )
            fitted = with_purchase_fit(fitted, comparison.picked, fits[comparison.picked], config)
        posterior, _, gate = diagnose(fitted, config)
        manifest.update(convergence=gate.to_dict() | {"failures": gate.failures})
        actuals = holdout_actuals(
            all_rows,
            summary["customer_id"],
            calibration_end,
            holdout_end,
            purchases_only=not with_spend,
        )
        shock = aggregate_shock_for_run(fitted, config, calibration, calibration_end)
        parameter_draws = population_draws(fitted, config)
        draws = apply_shock(parameter_draws, shock, config.seed)
        manifest.update(aggregate_shock=shock.summary())

    horizon = (holdout_end - calibration_end).days / days_per_unit(unit)
    settings = ScoringSettings(
        horizons={"holdout": horizon},
        cltv_horizon="holdout",
        interval_levels=tuple(
            sorted(set(config.prediction.interval_levels) | set(BACKTEST_LEVELS))
        ),
        time_unit=unit,
        currency=config.prediction.currency,
    )
    customers = summary.select("customer_id", "x", "t_x", "T", "gg_n", "gg_mean")
    with progress.stage("predict the holdout and compare"), manifest.stage("score"):

        def score(population) -> ScoringResult:
            return score_customers(
                customers,
                population,
                settings,
                seed=config.seed,
                chunk_size=config.prediction.chunk_size,
                actual_purchases={"holdout": actuals.purchases},
                actual_value=actuals.spend,
            )

        result = score(draws)
        table = result.table
        report = {
            "data": str(data),
            "calibration_end": str(calibration_end),
            "holdout_end": str(holdout_end),
            "time_unit": unit,
            "holdout_length": horizon,
            "customers": summary.height,
            "convergence_passed": gate.passed,
            "interval_rule": settings.count_interval_rule,
            "purchases_only": not with_spend,
            **backtest_figures(result, actuals, with_spend=with_spend),
            "aggregate_shock": shock.summary(),
            "posterior_summary": posterior.to_dicts(),
        }
        if shock.active:
            # The same figures without the shared shock, so its effect is visible.
            plain = score(parameter_draws)
            report["without_aggregate_shock"] = backtest_figures(
                plain, actuals, with_spend=with_spend
            )
        if config.data.selection is not None:
            report["selection"] = selection_record(config, prepared)
            cohort_draws, cohort_gate = full_cohort_draws(
                data, config, calibration_end, fitted.purchase_model.name
            )
            report["full_cohort_fit"] = {
                "convergence_passed": cohort_gate.passed,
                **backtest_figures(score(cohort_draws), actuals, with_spend=with_spend),
            }
        per_customer = summary.select("customer_id", "x", "t_x", "T").with_columns(
            pl.Series("holdout_purchases_actual", actuals.purchases),
            pl.Series("holdout_spend_actual", actuals.spend),
            table["purchases_holdout_pred_mean"],
            table["purchases_holdout_pred_q05"],
            table["purchases_holdout_pred_q95"],
            table["purchases_holdout_pit"],
        )
        if comparison is not None:
            per_model, shocks = {comparison.picked: result}, {comparison.picked: shock}
            for name, fit in fits.items():
                if name != comparison.picked:
                    model_fit = with_purchase_fit(fitted, name, fit, config)
                    shocks[name] = aggregate_shock_for_run(
                        model_fit, config, calibration, calibration_end
                    )
                    model_draws = population_draws(model_fit, config)
                    per_model[name] = score(apply_shock(model_draws, shocks[name], config.seed))
            report["model_comparison"] = comparison_backtest(
                comparison, per_model, actuals, folder, with_spend=with_spend
            ) | {"aggregate_shock": {name: shocks[name].summary() for name in per_model}}
            per_customer = per_customer.with_columns(
                column.alias(f"{column.name}_{name}")
                for name, scored in per_model.items()
                for column in (
                    scored.table["purchases_holdout_pred_mean"],
                    scored.table["purchases_holdout_pit"],
                )
            )
        write_frame(per_customer, folder.backtest_customers)
        vs_holdout, tracking_plot = folder.backtest_plots
        _save_figure(
            calibration_vs_holdout_figure(per_customer, fitted.purchase_model.label), vs_holdout
        )
        tracking = weekly_tracking(summary, draws, calibration_end, holdout_end, unit)
        _save_figure(
            tracking_figure(
                tracking,
                actuals.weekly_cumulative,
                result.purchase_totals["holdout"],
                calibration_end,
            ),
            tracking_plot,
        )
        write_frame(
            tracking_table(tracking, actuals.weekly_cumulative), folder.backtest_tracking_table
        )
        write_json(report, folder.backtest_json)
    manifest.update(backtest={k: v for k, v in report.items() if k != "posterior_summary"})
    manifest.finish()
    return report


def comparison_backtest(
    comparison: ModelComparison,
    scores: dict[str, ScoringResult],
    actuals: HoldoutActuals,
    folder: RunFolder,
    *,
    with_spend: bool = True,
) -> dict:
    """Backtest figures of every compared model beside its PSIS-LOO row; writes the table.

    Parameters
    ----------
    comparison : ModelComparison
        The calibration period's comparison (its table gets the backtest columns).
    scores : dict of str to ScoringResult
        Each fitted model's scores of the calibration customers over the holdout.
    actuals : HoldoutActuals
        What the customers did in the holdout.
    folder : RunFolder
        The backtest folder: ``diagnostics/model_comparison.csv`` is rewritten with the
        backtest columns (:func:`flo_bayes.models.comparison.with_backtest`).
    with_spend : bool, optional
        False for a purchase-only log.

    Returns
    -------
    dict
        ``rule``, ``picked``, ``picked_by`` and ``excluded`` of the comparison, ``models``
        (the table's rows) and ``figures`` (each model's :func:`backtest_figures`).

    """
    figures = {
        name: backtest_figures(result, actuals, with_spend=with_spend)
        for name, result in scores.items()
    }
    table = with_backtest(comparison.table, figures)
    write_frame(table, folder.model_comparison)
    return {
        "rule": comparison.rule,
        "picked": comparison.picked,
        "picked_by": PICKED_BY,
        "excluded": comparison.excluded,
        "models": table.to_dicts(),
        "figures": figures,
    }


def full_cohort_draws(
    data: Path, config: Config, calibration_end: date, purchase: str | None = None
):
    """Population draws of a fit on the whole calibration cohort: ``[data.selection]`` removed.

    The reference for a selection-aware backtest (same log, calibration end, priors, sampler
    and aggregate shock handling; only the rule is gone). ``purchase``: the purchase model to
    fit (registry name; default the configured one, BG/NBD for ``"compare"``).

    Returns
    -------
    tuple
        The population draws (with the cohort fit's aggregate shock) and its convergence gate.

    """
    cohort_config = config.model_copy(
        update={"data": config.data.model_copy(update={"selection": None})}
    )
    _, cohort = load_and_prepare(data, cohort_config)
    fitted = fit_models(
        cohort.summary,
        cohort_config,
        purchase_model(purchase) if purchase is not None else None,
        with_spend=not cohort.purchases_only,
        analysis_date=calibration_end,
    )
    _, _, gate = diagnose(fitted, cohort_config)
    shock = aggregate_shock_for_run(fitted, cohort_config, cohort.loaded.frame, calibration_end)
    draws = apply_shock(population_draws(fitted, cohort_config), shock, cohort_config.seed)
    return draws, gate


def tracking_table(tracking: np.ndarray, actual_cumulative: np.ndarray) -> pl.DataFrame:
    """Per holdout week: actual and expected purchases, in the week and cumulative.

    The weekly expectation of each posterior draw is the difference of its cumulative
    expectation, so the weekly band holds the parameter uncertainty of that week alone.

    Parameters
    ----------
    tracking : numpy.ndarray
        ``(n_weeks, S)`` expected cumulative purchases per week and draw
        (:func:`weekly_tracking`).
    actual_cumulative : numpy.ndarray
        ``(n_weeks,)`` actual cumulative purchases.

    Returns
    -------
    polars.DataFrame
        ``week``, ``actual``, ``expected_mean`` / ``_q05`` / ``_q95`` and the same
        ``cumulative_*`` columns.

    """
    weekly = np.diff(tracking, axis=0, prepend=0.0)
    actual = np.diff(actual_cumulative, prepend=0)
    columns = {"week": np.arange(1, tracking.shape[0] + 1), "actual": actual}
    for prefix, values in (("expected", weekly), ("cumulative_expected", tracking)):
        columns[f"{prefix}_mean"] = values.mean(axis=1)
        columns[f"{prefix}_q05"] = np.quantile(values, 0.05, axis=1)
        columns[f"{prefix}_q95"] = np.quantile(values, 0.95, axis=1)
    columns["cumulative_actual"] = actual_cumulative
    return pl.DataFrame(columns)


def holdout_mae(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Mean absolute error of the predicted mean holdout purchases per customer.

    Parameters
    ----------
    predicted, actual : numpy.ndarray
        ``(N,)`` predicted mean and actual holdout purchases, same customer order.

    Returns
    -------
    float

    """
    predicted, actual = np.asarray(predicted, dtype=np.float64), np.asarray(actual)
    if predicted.shape != actual.shape:
        raise ValueError(f"predicted {predicted.shape} and actual {actual.shape} differ in shape")
    return float(np.mean(np.abs(predicted - actual)))


def backtest_figures(
    result: ScoringResult, actuals: HoldoutActuals, *, with_spend: bool = True
) -> dict:
    """Coverage of the per-customer intervals and the holdout totals against their bands.

    Parameters
    ----------
    result : ScoringResult
        Scores of the calibration customers over the ``holdout`` horizon, with actuals.
    actuals : HoldoutActuals
        What the customers actually did in the holdout.
    with_spend : bool, optional
        False for a purchase-only log: the spend figures are left out.

    Returns
    -------
    dict
        ``holdout_mae`` (mean absolute error of the predicted mean holdout purchases per
        customer), ``coverage_50``, ``coverage_90``, ``holdout_actual_total``,
        ``holdout_predicted_mean`` / ``_q05`` / ``_q95`` and the same for spend (left out
        when ``with_spend`` is false: a purchase-only log's "spend" is only its counts).

    """
    count_cover = interval_coverage(
        result.table["purchases_holdout_pit"].to_numpy(), BACKTEST_LEVELS
    )
    totals = result.purchase_totals["holdout"]
    predicted = result.table["purchases_holdout_pred_mean"].to_numpy()
    figures = {
        "holdout_mae": holdout_mae(predicted, actuals.purchases),
        "coverage_50": count_cover[0.5],
        "coverage_90": count_cover[0.9],
        "holdout_actual_total": int(actuals.purchases.sum()),
        "holdout_predicted_mean": float(totals.mean()),
        "holdout_predicted_q05": float(np.quantile(totals, 0.05)),
        "holdout_predicted_q95": float(np.quantile(totals, 0.95)),
    }
    if not with_spend:
        return figures
    spend_cover = interval_coverage(result.table["cltv_holdout_pit"].to_numpy(), BACKTEST_LEVELS)
    spend = result.cltv_total
    return figures | {
        "spend_coverage_50": spend_cover[0.5],
        "spend_coverage_90": spend_cover[0.9],
        "holdout_spend_actual_total": float(actuals.spend.sum()),
        "holdout_spend_predicted_mean": float(spend.mean()),
        "holdout_spend_predicted_q05": float(np.quantile(spend, 0.05)),
        "holdout_spend_predicted_q95": float(np.quantile(spend, 0.95)),
    }


def weekly_tracking(
    summary: pl.DataFrame, draws, calibration_end: date, holdout_end: date, unit: str
) -> np.ndarray:
    """Expected cumulative holdout purchases of all customers, per week and posterior draw.

    Returns
    -------
    numpy.ndarray
        ``(n_weeks, S')`` with ``S' <= TRACKING_DRAWS`` evenly thinned draws.

    """
    keep = np.unique(
        np.linspace(0, draws.n_draws - 1, min(TRACKING_DRAWS, draws.n_draws)).astype(int)
    )
    thinned = draws.take(keep)
    x, t_x, T = (summary[c].to_numpy().astype(float) for c in ("x", "t_x", "T"))
    n_weeks = _holdout_weeks(calibration_end, holdout_end)
    weeks_to_unit = 7.0 / days_per_unit(unit)
    # The shared shock scales every customer's rate; scaling the expectation is exact
    # without dropout and close with it (the band is a picture, not a figure).
    return np.stack(
        [
            expected_purchases(thinned, x, t_x, T, (week + 1) * weeks_to_unit).sum(axis=1)
            * thinned.rate_multiplier
            for week in range(n_weeks)
        ]
    )


def calibration_vs_holdout_figure(per_customer: pl.DataFrame, label: str = "BG/NBD"):
    """Mean holdout purchases by calibration frequency: actual against predicted (``label``)."""
    grouped = (
        per_customer.with_columns(pl.col("x").clip(upper_bound=MAX_FREQUENCY_BIN).alias("bin"))
        .group_by("bin")
        .agg(
            pl.col("holdout_purchases_actual").mean().alias("actual"),
            pl.col("purchases_holdout_pred_mean").mean().alias("predicted"),
            pl.len().alias("customers"),
        )
        .sort("bin")
    )
    figure = Figure(figsize=(7, 4.5))
    axis = figure.subplots()
    bins = grouped["bin"].to_numpy()
    axis.plot(bins, grouped["actual"], "o-", label="actual", color="black")
    axis.plot(bins, grouped["predicted"], "s--", label=f"predicted ({label})", color="tab:blue")
    axis.set_xticks(bins, [f"{b}+" if b == MAX_FREQUENCY_BIN else str(b) for b in bins])
    axis.set_xlabel("repeat purchases in the calibration period (x)")
    axis.set_ylabel("mean purchases in the holdout")
    axis.set_title("Calibration vs holdout")
    axis.legend()
    figure.tight_layout()
    return figure


def tracking_figure(
    tracking: np.ndarray, actual_cumulative: np.ndarray, totals: np.ndarray, start: date
):
    """Weekly cumulative holdout purchases: actual, expected with 90 % band, final predictive band."""
    weeks = np.arange(1, tracking.shape[0] + 1)
    figure = Figure(figsize=(8, 4.5))
    axis = figure.subplots()
    axis.plot(weeks, actual_cumulative, color="black", label="actual")
    axis.plot(
        weeks, tracking.mean(axis=1), "--", color="tab:blue", label="expected (posterior mean)"
    )
    axis.fill_between(
        weeks,
        np.quantile(tracking, 0.05, axis=1),
        np.quantile(tracking, 0.95, axis=1),
        color="tab:blue",
        alpha=0.25,
        label="90 % band of the expectation",
    )
    axis.errorbar(
        [weeks[-1]],
        [totals.mean()],
        yerr=[
            [totals.mean() - np.quantile(totals, 0.05)],
            [np.quantile(totals, 0.95) - totals.mean()],
        ],
        fmt="o",
        color="tab:red",
        capsize=4,
        label="90 % predictive band of the total",
    )
    axis.set_xlabel(f"weeks after {start}")
    axis.set_ylabel("cumulative purchases")
    axis.set_title("Weekly tracking of holdout purchases")
    axis.legend(loc="upper left")
    figure.tight_layout()
    return figure


def _save_figure(figure: Figure, path: Path) -> None:
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=110)
