"""Read a delimited text file into an all-string Polars frame, with clear errors."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from flo_bayes.errors import DataError

LINE_NUMBER = "line_number"
RAW_ROW = "raw_row"
# Separator that never occurs in text files; used to read whole lines as one field.
_UNIT_SEPARATOR = "\x1f"


def read_text(path: Path) -> str:
    """Return the file's text decoded as UTF-8 (a leading byte-order mark is dropped).

    Raises
    ------
    DataError
        If the file is missing, empty, or not UTF-8 (naming the line of the first bad byte).

    """
    if not path.is_file():
        raise DataError("input file not found; check the path given to --data", path=path)
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError("input file is empty; export the data again with a header row", path=path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(
            f"line {line}: byte 0x{raw[error.start]:02x} is not valid UTF-8; "
            "re-save the file as UTF-8 (in Excel: 'CSV UTF-8')",
            path=path,
        ) from None


def read_delimited(
    path: Path, *, separator: str, has_header: bool, names: list[str] | None
) -> pl.DataFrame:
    """Read a delimited file with every field as a string, plus its physical line number.

    Parameters
    ----------
    path : Path
        The file.
    separator : str
        A single character, or ``"whitespace"`` for fields split on runs of blanks.
    has_header : bool
        Whether the first line holds column names.
    names : list of str, optional
        Column names to use when the file has no header.

    Returns
    -------
    polars.DataFrame
        String columns, the ``line_number`` (1 = first line of the file) and the row's
        fields joined by commas as ``raw_row`` (kept for the rejected-rows file).

    """
    text = read_text(path)
    first_data_line = 2 if has_header else 1
    if separator == "whitespace":
        frame = _read_whitespace(text, has_header=has_header, names=names, path=path)
    else:
        try:
            frame = pl.read_csv(
                io.StringIO(text),
                separator=separator,
                has_header=has_header,
                new_columns=None if has_header else names,
                infer_schema=False,
            )
        except pl.exceptions.PolarsError as error:
            raise DataError(
                f"cannot be parsed as a '{separator}'-separated file ({_first_line(error)}); "
                "check the delimiter and quoting",
                path=path,
            ) from None
    fields = [c for c in frame.columns if not c.startswith("_")]
    return frame.with_columns(
        pl.int_range(first_data_line, first_data_line + frame.height, dtype=pl.Int64).alias(
            LINE_NUMBER
        ),
        pl.concat_str([pl.col(c).fill_null("") for c in fields], separator=",").alias(RAW_ROW),
    )


def _read_whitespace(
    text: str, *, has_header: bool, names: list[str] | None, path: Path
) -> pl.DataFrame:
    lines = pl.DataFrame({"line": text.splitlines()})
    fields = lines.select(pl.col("line").str.strip_chars().str.extract_all(r"\S+").alias("fields"))
    if has_header:
        header = fields["fields"][0].to_list()
        fields = fields.slice(1)
    else:
        header = list(names or [])
    width = len(header)
    columns = [
        pl.col("fields").list.get(i, null_on_oob=True).alias(name) for i, name in enumerate(header)
    ]
    frame = fields.select(*columns, pl.col("fields").list.len().alias("_field_count"))
    if frame.height and frame["_field_count"].max() == 0:
        raise DataError("no fields found on any line", path=path)
    return frame.with_columns((pl.col("_field_count") != width).alias("_wrong_field_count")).drop(
        "_field_count"
    )


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def require_columns(frame: pl.DataFrame, required: list[str], *, path: Path, hint: str) -> None:
    """Stop with a clear message when required columns are missing.

    Parameters
    ----------
    frame : polars.DataFrame
        The frame as read.
    required : list of str
        Columns the format needs.
    path : Path
        Named in the message.
    hint : str
        What the user should do.

    """
    present = [c for c in frame.columns if c not in (LINE_NUMBER, RAW_ROW)]
    missing = [c for c in required if c not in present]
    if not missing:
        return
    if len(present) == 1 and any(sep in present[0] for sep in (";", "\t", "|")):
        raise DataError(
            f"only one column found ('{present[0][:60]}'); the file seems to use another "
            "delimiter than the one configured — save it comma-separated or set the delimiter",
            path=path,
        )
    raise DataError(
        f"missing column(s) {', '.join(repr(c) for c in missing)}; found {present}. {hint}",
        path=path,
    )
