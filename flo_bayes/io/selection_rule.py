"""Cut the input to the customers an extract's selection rule keeps (``[data.selection]``).

A transaction log usually holds the whole cohort; the rule then draws the extract the fit
conditions on. A file that already is the extract (FLO's) passes unchanged, and any customer
in it that the rule would not have kept is reported the same way. Either way every row of a
dropped customer goes to the rejected rows with reason ``outside_selection_rule``, so the row
accounting still holds.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl

from flo_bayes.config import SelectionRule
from flo_bayes.io.rejections import RowCheck, apply_checks
from flo_bayes.units import days_per_unit

OUTSIDE_SELECTION_RULE = "outside_selection_rule"


def rule_text(rule: SelectionRule) -> str:
    """The rule in words, for the manifest, the report and messages."""
    return (
        f">= {rule.min_purchase_occasions} purchase occasion(s), last purchase on or after "
        f"{rule.last_purchase_on_or_after}"
    )


def apply_window_rule(
    summary: pl.DataFrame, *, window_start: date | None, min_purchase_occasions: int = 2
) -> pl.DataFrame:
    """Keep the customers an activity-window extract keeps.

    Parameters
    ----------
    summary : polars.DataFrame
        Customer summary with ``last_purchase`` and ``n_orders``.
    window_start : datetime.date or None
        Earliest qualifying last-purchase date; ``None``: no window.
    min_purchase_occasions : int
        Minimum number of purchase occasions.

    Returns
    -------
    polars.DataFrame
        The kept rows, in input order.

    """
    keep = pl.col("n_orders") >= min_purchase_occasions
    if window_start is not None:
        keep &= pl.col("last_purchase") >= window_start
    return summary.filter(keep)


def apply_selection_rule(loaded, summary: pl.DataFrame, rule: SelectionRule):
    """Keep the customers ``rule`` keeps; reject every input row of the others.

    Parameters
    ----------
    loaded : flo_bayes.io.inputs.LoadedInput
        The validated rows, already cut at the analysis date (``customer_id`` column).
    summary : polars.DataFrame
        Their customer summary (``customer_id``, ``n_orders``, ``last_purchase``).
    rule : SelectionRule
        ``[data.selection]``.

    Returns
    -------
    tuple
        The loaded input with the dropped customers' rows moved to ``rejected`` and the
        summary of the kept customers (input order).

    """
    kept = apply_window_rule(
        summary,
        window_start=rule.last_purchase_on_or_after,
        min_purchase_occasions=rule.min_purchase_occasions,
    )
    if kept.height == summary.height:
        return loaded, summary
    kept_ids = kept["customer_id"].implode()
    frame, dropped = apply_checks(
        loaded.frame,
        [
            RowCheck(
                ~pl.col("customer_id").is_in(kept_ids),
                OUTSIDE_SELECTION_RULE,
                "customer_id",
                f"customer outside [data.selection] ({rule_text(rule)}); left out of "
                "the extract the fit conditions on",
            )
        ],
    )
    rejected = pl.concat([loaded.rejected, dropped]).sort("line_number")
    return replace(loaded, frame=frame, rejected=rejected), kept


def window_length(window_start: date, analysis_date: date, time_unit: str = "weeks") -> float:
    """Time from the window start (first qualifying day) to the analysis date, in model units."""
    if window_start >= analysis_date:
        raise ValueError(
            f"window start {window_start} must lie before the analysis date {analysis_date}"
        )
    return (analysis_date - window_start).days / days_per_unit(time_unit)
