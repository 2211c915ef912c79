"""The score stage: per-customer predictive draws, value tiers and the customer exports."""

from __future__ import annotations

import numpy as np
import polars as pl

from flo_bayes.config import Config
from flo_bayes.diagnostics.convergence import GateResult
from flo_bayes.io.writers import write_frame
from flo_bayes.predictive.from_config import scoring_settings
from flo_bayes.predictive.population import PopulationDraws
from flo_bayes.predictive.scoring import score_customers
from flo_bayes.runs import RunFolder
from flo_bayes.schema.columns import (
    base_column_descriptions,
    dictionary_frame,
    round_for_export,
)
from flo_bayes.segmentation import segment_value_crosstab, value_tiers
from flo_bayes.workflow.segment import csv_ready

# Observed-spend columns of the customer summary, absent from a purchase-only run's exports.
SPEND_COLUMNS = ("total_value", "gg_n", "gg_mean")


def score_and_export(
    segmented: pl.DataFrame,
    draws: PopulationDraws,
    config: Config,
    folder: RunFolder,
    gate: GateResult,
    *,
    with_spend: bool = True,
) -> tuple[pl.DataFrame, np.ndarray | None]:
    """Per-customer predictions, value tiers and target lists, written with a data dictionary.

    Parameters
    ----------
    segmented : polars.DataFrame
        Customer summary with RFM segments, in file order.
    draws : PopulationDraws
        Paired posterior draws of both models (see :func:`population_draws`).
    config : Config
        Run configuration.
    folder : RunFolder
        Output folder.
    gate : GateResult
        Convergence gate; its verdict is stamped on every exported row.
    with_spend : bool, optional
        False for a purchase-only log: the observed-spend columns (:data:`SPEND_COLUMNS`)
        are left out, and ``expected_spend_per_purchase`` is the configured value of one
        purchase (CLTV = margin x value_per_purchase x discounted purchases).

    Returns
    -------
    tuple
        The exported customer table and the kept CLTV draws (float32; ``None`` if none).

    """
    settings = scoring_settings(config)
    result = score_customers(
        segmented.select("customer_id", "x", "t_x", "T", "gg_n", "gg_mean"),
        draws,
        settings,
        seed=config.seed,
        chunk_size=config.prediction.chunk_size,
        # A short posterior cannot give more kept draws than it has.
        keep_draws=min(config.prediction.keep_draws, draws.n_draws),
        n_workers=config.prediction.workers,
    )
    customers = segmented.hstack(result.table.drop("customer_id"))
    descriptions = base_column_descriptions(
        settings.time_unit, settings.currency, config.segmentation.value_tiers.names
    )
    descriptions.update(result.data_dictionary)
    if not with_spend:
        customers = customers.drop(SPEND_COLUMNS, strict=False)
        descriptions["expected_spend_per_purchase"] = (
            f"value of one purchase ({settings.currency}), [data.transactions] "
            "value_per_purchase: the log has no amounts, so no spend model was fitted and "
            "every value column is this times the (discounted) purchases"
        )
    draw_index = result.draw_index
    # float32 halves the largest array a large run holds (customers x kept draws); its
    # precision (7 digits) is far finer than the draws' Monte Carlo error.
    kept = None if result.cltv_draws is None else result.cltv_draws.astype(np.float32)
    del result
    if kept is not None:
        tiers = value_tiers(kept, config.segmentation.value_tiers).drop("cltv_mean")
        customers = customers.hstack(tiers)
        write_frame(
            segment_value_crosstab(customers, config.segmentation.value_tiers).with_columns(
                pl.col(pl.Enum).cast(pl.Utf8)
            ),
            folder.segments_dir / "segment_value_crosstab.csv",
        )
        draws_frame = pl.DataFrame(
            kept, schema=[f"draw_{int(i)}" for i in draw_index]
        ).insert_column(0, customers["customer_id"])
        write_frame(draws_frame, folder.cltv_draws)
        del draws_frame
    customers = customers.with_columns(pl.lit(gate.passed).alias("convergence_passed"))
    # Full precision in parquet (analysts); the CSV is rounded to each column's unit.
    write_frame(customers, folder.customers_parquet)
    write_frame(csv_ready(round_for_export(customers)), folder.customers_csv)
    write_frame(
        dictionary_frame(
            customers.columns,
            descriptions,
            time_unit=settings.time_unit,
            currency=settings.currency,
        ),
        folder.data_dictionary,
    )
    return customers, kept
