"""Row-level validation: every input row is either kept or rejected with a reason code.

Each check is a boolean Polars expression that is true for a *bad* row. All checks of a
row are evaluated, so a rejected row lists every reason that applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from flo_bayes.io.raw_text import (
    EMPTY_ROW,
    EXPECTED_FIELDS,
    FIELD_COUNT,
    HELPER_COLUMNS,
    LINE_NUMBER,
    RAW_ROW,
    WRONG_FIELD_COUNT,
)

REJECTED_COLUMNS = ("line_number", "reason_codes", "columns", "details", "raw_row")


@dataclass(frozen=True)
class RowCheck:
    """One validation rule.

    Attributes
    ----------
    is_bad : polars.Expr
        True where the row breaks the rule (nulls count as not bad).
    reason_code : str
        Short machine-readable code, e.g. ``unparseable_date``.
    column : str
        The input column the rule is about.
    detail : str or polars.Expr
        What is wrong and how to fix it; an expression gives a per-row text (e.g. the value).

    """

    is_bad: pl.Expr
    reason_code: str
    column: str
    detail: str | pl.Expr


def apply_checks(frame: pl.DataFrame, checks: list[RowCheck]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``frame`` into kept rows and rejected rows with reasons.

    Parameters
    ----------
    frame : polars.DataFrame
        Parsed rows with ``line_number`` and ``raw_row`` columns.
    checks : list of RowCheck
        The rules, in the order their reasons are listed.

    Returns
    -------
    kept, rejected : polars.DataFrame
        ``kept`` has the input columns; ``rejected`` has :data:`REJECTED_COLUMNS`.

    """
    if not checks:
        return frame, empty_rejections()
    flags = [check.is_bad.fill_null(False).alias(f"_bad_{i}") for i, check in enumerate(checks)]
    flagged = frame.with_columns(flags)
    any_bad = pl.any_horizontal([pl.col(f"_bad_{i}") for i in range(len(checks))])

    def joined(attribute: str) -> pl.Expr:
        parts = [
            pl.when(pl.col(f"_bad_{i}")).then(_as_expr(getattr(check, attribute)))
            for i, check in enumerate(checks)
        ]
        return pl.concat_list(parts).list.drop_nulls().list.join("; ")

    rejected = flagged.filter(any_bad).select(
        pl.col(LINE_NUMBER),
        joined("reason_code").alias("reason_codes"),
        joined("column").alias("columns"),
        joined("detail").alias("details"),
        pl.col(RAW_ROW),
    )
    kept = flagged.filter(~any_bad).drop([f"_bad_{i}" for i in range(len(checks))])
    return kept, rejected


def _as_expr(value: str | pl.Expr) -> pl.Expr:
    return value.cast(pl.Utf8) if isinstance(value, pl.Expr) else pl.lit(value, dtype=pl.Utf8)


def structural_checks() -> list[RowCheck]:
    """Rules for rows that cannot be read as fields at all (flags set by ``read_delimited``).

    ``empty_row``: a blank line, or a line of empty fields (``,,,,``).
    ``wrong_field_count``: more or fewer fields than the header; typically a value holding
    the delimiter (a decimal comma like ``139,99`` in a comma-separated file) or a cut line.
    """
    return [
        RowCheck(
            pl.col(EMPTY_ROW),
            "empty_row",
            "(whole row)",
            "the line is blank or holds only empty fields",
        ),
        RowCheck(
            pl.col(WRONG_FIELD_COUNT),
            "wrong_field_count",
            "(whole row)",
            pl.format(
                "the row has {} fields, the header has {}; a value containing the delimiter "
                "(e.g. a decimal comma like 139,99) must be quoted, or a field is missing",
                pl.col(FIELD_COUNT),
                pl.col(EXPECTED_FIELDS),
            ),
        ),
    ]


def split_structural(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reject empty and ragged rows first, so they get one clear reason and not ten.

    Returns
    -------
    rows, rejected : polars.DataFrame
        ``rows`` without the helper columns; ``rejected`` in the standard schema.

    """
    rows, rejected = apply_checks(raw, structural_checks())
    return rows.drop(HELPER_COLUMNS), rejected


def empty_rejections() -> pl.DataFrame:
    """Return an empty rejected-rows frame with the standard schema."""
    return pl.DataFrame(
        schema={
            "line_number": pl.Int64,
            "reason_codes": pl.Utf8,
            "columns": pl.Utf8,
            "details": pl.Utf8,
            "raw_row": pl.Utf8,
        }
    )


def reason_counts(rejected: pl.DataFrame) -> dict[str, int]:
    """Count rejected rows per reason code (a row with two reasons counts under both)."""
    if rejected.is_empty():
        return {}
    counts = (
        rejected.select(pl.col("reason_codes").str.split("; ").alias("reason"))
        .explode("reason")
        .group_by("reason")
        .len()
        .sort("reason")
    )
    return dict(zip(counts["reason"].to_list(), counts["len"].to_list(), strict=True))
