"""The campaign plan: value draws -> incremental-profit draws -> choice -> portfolio view.

:func:`plan_campaigns` is pure (frames and arrays in, a :class:`PlanResult` out), so the
pipeline can call it on in-memory results; :func:`flo_bayes.campaigns.runner.build_campaign_plan`
reads a finished run folder and writes the exports.

Per campaign:

1. Eligible customers: the campaign's filters, via
   :func:`flo_bayes.segmentation.targets.target_filter_expr`.
2. Incremental revenue and profit draws on the run's shared draw index
   (:mod:`flo_bayes.campaigns.effects`).
3. Per customer: mean, 90 % band, P(loss) and the ranking criterion
   (:mod:`flo_bayes.campaigns.risk`). Customers with P(loss) above
   ``max_loss_probability`` are out.
4. Choice under the limits, jointly over campaigns (:mod:`flo_bayes.campaigns.selection`).
5. Portfolio: the campaign total per draw (mean, band, P(total < 0)) and each chosen
   customer's selection frequency.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from flo_bayes.campaigns.columns import ColumnSpec, summary_columns, target_columns
from flo_bayes.campaigns.results import CampaignPlan, PlanResult
from flo_bayes.campaigns.run_inputs import RunContext
from flo_bayes.campaigns.scoring import (
    ScoredCampaign,
    empty_reason,
    row_blocks,
    score_campaign,
    strategy_text,
)
from flo_bayes.campaigns.selection import (
    CampaignCandidates,
    assign_campaigns,
    rank_order,
    selection_frequency,
)
from flo_bayes.campaigns.tables import (
    POLARS_TYPES,
    cltv_columns,
    selection_text,
    sheet_names,
    summary_row,
    targets_frame,
    total_row,
)
from flo_bayes.config.campaigns import (
    CampaignsConfig,
    ResponseEffect,
    validate_campaigns,
)
from flo_bayes.errors import ConfigError, DataError


def plan_campaigns(
    customers: pl.DataFrame,
    value_draws: np.ndarray,
    config: CampaignsConfig,
    context: RunContext,
    *,
    seed: int | None = None,
) -> PlanResult:
    """Plan every configured campaign on a run's customers and value draws.

    Parameters
    ----------
    customers : polars.DataFrame
        One row per customer: ``customer_id``, the columns the campaigns filter on
        (``segment``, ``tier``, ``categories``, channels), ``expected_spend_per_purchase`` for
        response campaigns, and optionally ``p_alive``, ``tier_label``, the CLTV columns and
        ``convergence_passed`` (copied into the exports / checked).
    value_draws : numpy.ndarray
        Shape ``(n_customers, S)``: predictive CLTV draws over the run's CLTV horizon at the
        run's margin, rows as ``customers``, one draw index shared by all customers.
    config : CampaignsConfig
        Campaign settings; names are re-checked against ``context.segmentation``.
    context : RunContext
        Run settings (horizon, margin, currency, seed, segment names).
    seed : int, optional
        Seed of the effect draws (default: the run seed).

    Returns
    -------
    PlanResult
        Per-campaign target lists and portfolio totals, the summary and the warnings.

    Raises
    ------
    ConfigError
        If a campaign names something the run does not know, asks for another horizon or
        needs a column the run lacks -- naming the campaign and the key.
    DataError
        If the draws do not match the customers.

    """
    draws = _check_inputs(customers, value_draws)
    try:
        config = validate_campaigns(config, context.segmentation)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    seed = context.seed if seed is None else int(seed)
    one_per_customer = not config.allow_multiple_campaigns

    scored = [
        score_campaign(i, c, customers, draws, config, context, seed)
        for i, c in enumerate(config.campaigns)
    ]
    candidates = [
        CampaignCandidates(
            name=s.config.name,
            customers=s.eligible[s.loss_ok],
            values=s.criterion[s.loss_ok],
            tiebreak=s.mean[s.loss_ok],
            cost_per_contact=float(s.config.cost_per_contact),
            capacity=s.capacity,
        )
        for s in scored
    ]
    assignment = assign_campaigns(
        candidates, one_per_customer=one_per_customer, total_budget=config.total_budget
    )
    taken = np.zeros(customers.height, dtype=np.int64)
    for cand, sel in zip(candidates, assignment.selected, strict=True):
        taken[cand.customers[sel]] += 1

    cltv_cols = cltv_columns(customers, context.horizon)
    target_specs = target_columns(
        currency=context.currency,
        horizon_months=context.cltv_horizon_months,
        run_margin=context.margin,
        criterion=config.criterion,
        level=config.level,
        cltv_columns=cltv_cols,
    )
    summary_specs = summary_columns(
        currency=context.currency,
        horizon_months=context.cltv_horizon_months,
        criterion=config.criterion,
        level=config.level,
    )
    language = config.language or context.segmentation.language
    plans = tuple(
        _finish(
            s,
            np.flatnonzero(s.loss_ok)[sel],
            taken if one_per_customer else None,
            config,
            strategy_text(s.config, language),
            targets_frame_columns=target_specs,
            customers=customers,
            cltv_cols=cltv_cols,
        )
        for s, sel in zip(scored, assignment.selected, strict=True)
    )
    selection = selection_text(assignment)
    names = sheet_names([c.name for c in config.campaigns])
    rows = [
        summary_row(plan, plan.config.effect.describe(), config.criterion, selection, sheet)
        for plan, sheet in zip(plans, names, strict=True)
    ]
    if plans:
        eligible, candidates_any = _union_counts(scored, customers.height)
        rows.append(
            total_row(plans, eligible, candidates_any, config, assignment, config.criterion)
        )
    warnings = [f"campaign {p.name!r}: {p.warning}" for p in plans if p.warning]
    if "convergence_passed" in customers.columns and not customers["convergence_passed"].all():
        warnings.insert(
            0,
            "the model fit failed the convergence gate: the value draws, and this plan, are not "
            "trustworthy",
        )
    schema = {name: POLARS_TYPES[spec.kind] for name, spec in summary_specs.items()}
    return PlanResult(
        campaigns=plans,
        summary=pl.DataFrame(rows, schema=schema),
        assignment=assignment,
        config=config,
        context=context,
        seed=seed,
        n_draws=draws.shape[1],
        target_columns=target_specs,
        summary_columns=summary_specs,
        warnings=tuple(warnings),
    )


def _check_inputs(customers: pl.DataFrame, value_draws: np.ndarray) -> np.ndarray:
    """Check the value draws and return them, float draws as they are.

    No float64 copy of the whole matrix is made (for 1M customers x 100 float32 draws it
    would take 800 MB): each campaign converts only the rows it is working on.
    """
    draws = np.asarray(value_draws)
    if not np.issubdtype(draws.dtype, np.floating):
        draws = draws.astype(np.float64)
    if draws.ndim != 2 or draws.shape[0] != customers.height or draws.shape[1] < 1:
        raise DataError(
            f"value draws must have shape ({customers.height}, S >= 1), got {draws.shape}"
        )
    if not all(np.isfinite(draws[rows]).all() for rows in row_blocks(*draws.shape)):
        raise DataError("value draws contain missing or infinite values")
    if "customer_id" not in customers.columns:
        raise DataError("the customer table needs a customer_id column")
    return draws


def _stability(s: ScoredCampaign, chosen: np.ndarray, taken: np.ndarray | None) -> np.ndarray:
    """Selection frequency of the chosen customers (see ``selection_frequency``).

    The pool is the campaign's customers within the loss limit, minus those the plan gives
    to another campaign when a customer may get only one.
    """
    pool_mask = s.loss_ok.copy()
    if taken is not None and s.eligible.size:
        elsewhere = taken[s.eligible] > 0
        elsewhere[chosen] = False
        pool_mask &= ~elsewhere
    pool = np.flatnonzero(pool_mask)
    order = rank_order(s.criterion[pool], s.mean[pool])
    plan_pos = np.empty(pool.size, dtype=np.int64)
    plan_pos[order] = np.arange(pool.size)
    freq = selection_frequency(s.draws.profit(pool), chosen.size, plan_pos)
    where = np.searchsorted(pool, chosen)  # chosen customers are always in the pool
    return freq[where]


def _finish(
    s: ScoredCampaign,
    chosen: np.ndarray,
    taken: np.ndarray | None,
    config: CampaignsConfig,
    strategy: str,
    *,
    targets_frame_columns: dict[str, ColumnSpec],
    customers: pl.DataFrame,
    cltv_cols: tuple[str, ...],
) -> CampaignPlan:
    n_draws = s.effect.size
    warning = None if chosen.size else f"no customer selected: {empty_reason(s, config)}"
    effect = s.config.effect
    if isinstance(effect, ResponseEffect) and effect.discount >= s.margin:
        extra = (
            f"discount {effect.discount:g} >= margin {s.margin:g}: every response order loses money"
        )
        warning = f"{warning}; {extra}" if warning else extra
    p_selected = _stability(s, chosen, taken)
    chosen_draws = s.draws.take(chosen)
    targets = targets_frame(s, chosen, chosen_draws, p_selected, customers, cltv_cols, strategy)
    return CampaignPlan(
        name=s.config.name,
        config=s.config,
        margin=s.margin,
        strategy=strategy,
        targets=_ordered(targets, targets_frame_columns),
        profit_totals=chosen_draws.profit.sum(axis=0) if chosen.size else np.zeros(n_draws),
        revenue_totals=chosen_draws.revenue.sum(axis=0) if chosen.size else np.zeros(n_draws),
        effect_draws=s.effect,
        eligible=int(s.eligible.size),
        candidates=int((s.loss_ok & (s.criterion > 0)).sum()),
        contact_limit=s.capacity,
        warning=warning,
    )


def _union_counts(scored: list[ScoredCampaign], n_customers: int) -> tuple[int, int]:
    eligible = np.zeros(n_customers, dtype=bool)
    candidate = np.zeros(n_customers, dtype=bool)
    for s in scored:
        eligible[s.eligible] = True
        candidate[s.eligible[s.loss_ok & (s.criterion > 0)]] = True
    return int(eligible.sum()), int(candidate.sum())


def _ordered(frame: pl.DataFrame, specs: dict[str, ColumnSpec]) -> pl.DataFrame:
    return frame.select([c for c in specs if c in frame.columns])


__all__ = [
    "CampaignPlan",
    "PlanResult",
    "plan_campaigns",
]
