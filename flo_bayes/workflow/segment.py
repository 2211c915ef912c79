"""The segment stage: RFM scores, segments, tiers, profiles and target lists, written to disk."""

from __future__ import annotations

import polars as pl

from flo_bayes.io.writers import write_frame
from flo_bayes.runs import RunFolder
from flo_bayes.schema.columns import round_for_export
from flo_bayes.segmentation import (
    SegmentationConfig,
    build_profiles,
    segment_customers,
    select_targets,
)

SEGMENT_COLUMNS = (
    "recency_score",
    "frequency_score",
    "monetary_score",
    "rf_score",
    "rfm_score",
    "segment",
    "tier",
    "tier_label",
)


def segment_and_profile(
    summary: pl.DataFrame,
    config: SegmentationConfig,
    folder: RunFolder,
    *,
    purchases_only: bool = False,
) -> pl.DataFrame:
    """Score and segment the customers and write segment and tier profiles.

    Parameters
    ----------
    summary : polars.DataFrame
        Customer summary in file order.
    config : SegmentationConfig
        Segment map, tier map and language.
    folder : RunFolder
        Where ``segments/*.csv`` go.
    purchases_only : bool, optional
        A log without amounts (monetary score = frequency score).

    Returns
    -------
    polars.DataFrame
        ``summary`` with :data:`SEGMENT_COLUMNS` added.

    """
    segmented = segment_customers(summary, config, purchases_only=purchases_only)
    for name, by in (("segment", "segment"), ("tier", ["tier", "tier_label"])):
        tables = build_profiles(segmented, by)
        write_frame(csv_ready(tables.summary), folder.segments_dir / f"{name}_profiles.csv")
        for label, table in (
            ("order_channel_mix", tables.order_channel_mix),
            ("last_order_channel_mix", tables.last_order_channel_mix),
            ("category_mix", tables.category_mix),
        ):
            if table is not None:
                write_frame(csv_ready(table), folder.segments_dir / f"{name}_{label}.csv")
    return segmented


def export_target_lists(
    customers: pl.DataFrame, config: SegmentationConfig, folder: RunFolder, *, data_format: str
) -> tuple[dict[str, int], list[str]]:
    """Write one CSV per target list that applies to this run; return sizes and warnings.

    The built-in target lists are FLO's classic cases (category and channel filters on FLO's
    summary file): they apply to FLO-format runs only, so a transaction log (CDNOW) gets
    none unless its config names its own. A configured list whose filters need columns the
    data lack is skipped with a warning saying which.

    Parameters
    ----------
    customers : polars.DataFrame
        The scored customer table.
    config : SegmentationConfig
        Its target lists.
    folder : RunFolder
        Where ``targets/<name>.csv`` go.
    data_format : str
        The run's input format (``"flo"`` or ``"transactions"``).

    Returns
    -------
    tuple
        ``{name: customers selected}`` of the lists written, and warnings of those skipped.

    """
    from flo_bayes.config.segmentation import flo_target_lists

    if data_format != "flo" and tuple(config.target_lists) == flo_target_lists():
        return {}, []
    sizes: dict[str, int] = {}
    warnings: list[str] = []
    for target in config.target_lists:
        try:
            selected = select_targets(customers, target, config)
        except ValueError as error:
            warnings.append(f"target list '{target.name}' skipped: {error}")
            continue
        write_frame(
            csv_ready(round_for_export(selected)), folder.targets_dir / f"{target.name}.csv"
        )
        sizes[target.name] = selected.height
    return sizes, warnings


def csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Make every column CSV-writable: lists joined with '|', enums as text."""
    return frame.with_columns(
        [
            pl.col(name).list.join("|") if dtype == pl.List(pl.Utf8) else pl.col(name).cast(pl.Utf8)
            for name, dtype in frame.schema.items()
            if isinstance(dtype, pl.List | pl.Enum | pl.Categorical)
        ]
    )
