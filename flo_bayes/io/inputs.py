"""The validated-input object shared by all loaders, and the analysis-date cut."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from flo_bayes.errors import DataError
from flo_bayes.io.rejections import RowCheck, apply_checks, reason_counts


class NoUsableRowsError(DataError):
    """Every data row was rejected; the rejected rows say why (``validate --rejected``)."""


@dataclass(frozen=True)
class LoadedInput:
    """Validated input rows and the rows rejected on the way.

    Attributes
    ----------
    frame : polars.DataFrame
        Kept rows, typed, with the ``line_number`` they came from.
    rejected : polars.DataFrame
        One row per rejected input row: line, reason codes, columns, details, raw text.
    rows_read : int
        Data rows in the file (header excluded). Always ``len(frame) + len(rejected)``.
    path : Path
        The input file.
    format : str
        ``flo`` or ``transactions``.
    date_column : str
        The kept frame's column compared with the analysis date.
    extra_columns : list of str
        Columns in the file that the format does not use.
    purchases_only : bool
        A transaction log without an amount column: no spend model is fitted.

    """

    frame: pl.DataFrame
    rejected: pl.DataFrame
    rows_read: int
    path: Path
    format: str
    date_column: str
    extra_columns: list[str] = field(default_factory=list)
    purchases_only: bool = False

    def __post_init__(self) -> None:
        """Every row read is either used or rejected; anything else is a bug, not bad input."""
        if self.rows_read != self.frame.height + self.rejected.height:
            raise RuntimeError(
                f"row accounting broken for {self.path}: read {self.rows_read}, used "
                f"{self.frame.height}, rejected {self.rejected.height}"
            )

    @property
    def row_counts(self) -> dict:
        """Row accounting for the manifest: read = used + rejected."""
        return {
            "rows_read": self.rows_read,
            "rows_used": self.frame.height,
            "rows_rejected": self.rejected.height,
            "rejected_by_reason": reason_counts(self.rejected),
        }


HOLDOUT_REASON = "after_analysis_date"
"""Reason code of rows dated after the analysis date: a transaction log's holdout, not errors."""


def row_count_lines(counts: dict) -> list[str]:
    """Readable lines of a :attr:`LoadedInput.row_counts` record, for the console.

    Rows dated after the analysis date are counted as *held out* (the holdout period), not
    as rejected; each rejection reason gets its own line.

    Parameters
    ----------
    counts : dict
        ``rows_read``, ``rows_used``, ``rows_rejected``, ``rejected_by_reason``.

    Returns
    -------
    list of str
        E.g. ``["rows read 1000, used 950, held out 40 (after the analysis date),
        rejected 10", "  rejected (unparseable_date): 10"]``.

    """
    by_reason = dict(counts.get("rejected_by_reason") or {})
    held_out = by_reason.pop(HOLDOUT_REASON, 0)
    # A row with two reasons counts under both; held-out rows have only the one.
    rejected = counts["rows_rejected"] - held_out
    head = f"rows read {counts['rows_read']}, used {counts['rows_used']}"
    if held_out:
        head += f", held out {held_out} (after the analysis date)"
    head += f", rejected {rejected}"
    lines = [head]
    lines += [f"  rejected ({reason}): {count}" for reason, count in by_reason.items()]
    return lines


_REASON_HINTS = {
    "wrong_field_count": "check the delimiter and the quoting of values that contain it",
    "unparseable_date": "check the date format (FLO: YYYY-MM-DD; transaction logs: "
    "data.transactions.date_format in the config)",
    "empty_row": "the file holds no data rows; export the data again",
}


def require_usable_rows(loaded: LoadedInput) -> None:
    """Stop with a clear message when every data row was rejected.

    The message gives the counts per reason and the first rejected row's line, column and
    detail, so the user can fix the file (or the layout) without opening the rejected rows.

    Raises
    ------
    NoUsableRowsError
        When ``loaded.frame`` is empty.

    """
    if not loaded.frame.is_empty():
        return
    counts = reason_counts(loaded.rejected)
    top = max(counts, key=counts.get) if counts else ""
    first = loaded.rejected.row(0, named=True) if loaded.rejected.height else None
    where = (
        f" First: line {first['line_number']}, column {first['columns']}: {first['details']}."
        if first
        else ""
    )
    hint = _REASON_HINTS.get(top, "fix the rows listed by `flo-bayes validate --rejected FILE`")
    raise NoUsableRowsError(
        f"no usable rows: all {loaded.rows_read} data rows were rejected "
        f"({', '.join(f'{k}: {v}' for k, v in counts.items())}).{where} Next step: {hint}",
        path=loaded.path,
    )


def resolve_analysis_date(loaded: LoadedInput, fixed: date | None, offset_days: int) -> date:
    """Return the fixed analysis date, or the latest purchase date plus ``offset_days``.

    Raises
    ------
    DataError
        When no valid rows are left to derive the date from.

    """
    if fixed is not None:
        return fixed
    if loaded.frame.is_empty():
        raise DataError(
            "no valid rows left after validation; open rejected_rows.csv for the reasons",
            path=loaded.path,
        )
    return loaded.frame[loaded.date_column].max() + timedelta(days=offset_days)


def cut_at_analysis_date(loaded: LoadedInput, analysis_date: date) -> LoadedInput:
    """Move rows dated after the analysis date to the rejected rows (reason ``after_analysis_date``).

    For a transaction log these rows are the holdout period: left out of fitting.
    """
    kept, late = apply_checks(
        loaded.frame,
        [
            RowCheck(
                pl.col(loaded.date_column) > analysis_date,
                "after_analysis_date",
                loaded.date_column,
                f"dated after the analysis date {analysis_date}; left out of fitting (holdout)",
            )
        ],
    )
    rejected = pl.concat([loaded.rejected, late]).sort("line_number")
    result = replace(loaded, frame=kept, rejected=rejected)
    if kept.is_empty():
        earliest = loaded.frame[loaded.date_column].min() if loaded.frame.height else None
        raise DataError(
            f"no rows on or before the analysis date {analysis_date} (the earliest "
            f"{loaded.date_column} in the file is {earliest}); choose a later --analysis-date",
            path=loaded.path,
        )
    return result
