"""Read a delimited text file into an all-string Polars frame, with clear errors.

Every physical line after the header is one input row, numbered by its line in the file
(``line_number``, 1 = first line) and kept verbatim as ``raw_row`` for the rejected-rows
file. So ``rows_read`` equals the file's line count minus the header, which a user can check
with any text editor. Rows that cannot be split into the header's fields are not an error for
the whole file: they are flagged (``_empty_row``, ``_wrong_field_count``) and the loaders
reject them with a reason code (see :func:`flo_bayes.io.rejections.structural_checks`).

What stops the whole file (:class:`~flo_bayes.errors.DataError`, exit code 2): a missing or
empty file, bytes not in the configured encoding (UTF-8 by default; an Excel workbook or a
UTF-16 export is named as such; a UTF-8 file read as Windows-1254 would be garbled, so that is
refused too), a damaged gzip file,
duplicate column names, missing columns, a header without data rows, and a quoted field that runs over a line
break (neither input format has free text, so that is broken quoting, after which the split
of the following lines into rows cannot be trusted).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from pathlib import Path

import polars as pl

from flo_bayes.errors import DataError

LINE_NUMBER = "line_number"
RAW_ROW = "raw_row"
# Helper columns set by read_delimited and consumed by the structural row checks.
EMPTY_ROW = "_empty_row"
WRONG_FIELD_COUNT = "_wrong_field_count"
FIELD_COUNT = "_field_count"
EXPECTED_FIELDS = "_expected_fields"
HELPER_COLUMNS = (EMPTY_ROW, WRONG_FIELD_COUNT, FIELD_COUNT, EXPECTED_FIELDS)

_XLSX_MAGIC = b"PK\x03\x04"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_GZIP_MAGIC = b"\x1f\x8b"


def read_text(path: Path, encoding: str = "utf-8", *, encoding_hint: str = "") -> str:
    """Return the file's text (a leading byte-order mark is dropped); ``.gz`` files are unpacked.

    Parameters
    ----------
    path : Path
        The file; gzip-compressed content (``.csv.gz``) is recognised by its magic bytes.
    encoding : str
        Text encoding. UTF-8 is checked strictly; another encoding (``windows-1254``,
        ``iso-8859-9``) is refused for a file that is valid UTF-8 with non-ASCII text, which
        it would turn into mojibake (``ü`` read as ``Ã¼``).
    encoding_hint : str
        Added to the not-UTF-8 message: where the user can set another encoding.

    Raises
    ------
    DataError
        If the file is missing, empty, not in the encoding (naming the line of the first bad
        byte), an Excel workbook, UTF-16 text, or a broken gzip file.

    """
    if not path.is_file():
        raise DataError("input file not found; check the path given to --data", path=path)
    raw = path.read_bytes()
    if raw.startswith(_GZIP_MAGIC):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise DataError(
                f"the gzip file is damaged ({error}); compress it again", path=path
            ) from None
    if not raw.strip():
        raise DataError("input file is empty; export the data again with a header row", path=path)
    if raw.startswith(_XLSX_MAGIC):
        raise DataError(
            "this is an Excel workbook (.xlsx), not a text file; in Excel use "
            "'Save As' > 'CSV UTF-8 (Comma delimited)'",
            path=path,
        )
    if raw.startswith(_UTF16_BOMS):
        raise DataError(
            "the file is UTF-16 text; re-save it as UTF-8 (in Excel: 'CSV UTF-8')", path=path
        )
    if codecs.lookup(encoding).name != "utf-8":
        return _decode_legacy(raw, encoding, path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(
            f"line {line}: byte 0x{raw[error.start]:02x} is not valid UTF-8; "
            f"re-save the file as UTF-8 (in Excel: 'CSV UTF-8'){encoding_hint}",
            path=path,
        ) from None


def _decode_legacy(raw: bytes, encoding: str, path: Path) -> str:
    """Decode a single-byte encoding, refusing UTF-8 files it would silently garble."""
    if not raw.isascii():
        try:
            raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        else:
            raise DataError(
                f"encoding = {encoding!r} is set, but the file is UTF-8 (its non-ASCII "
                "letters would be misread); remove the encoding key from [data.transactions]",
                path=path,
            )
    try:
        return raw.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(
            f"line {line}: byte 0x{raw[error.start]:02x} is not valid {encoding}; check the "
            "encoding key in [data.transactions]",
            path=path,
        ) from None


def split_lines(text: str) -> list[str]:
    """Split text into physical lines on LF, CRLF or (old Mac files) CR.

    Unlike :meth:`str.splitlines`, other Unicode line separators inside fields stay put. A
    final line break does not start an extra empty line.
    """
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def read_delimited(
    path: Path,
    *,
    separator: str,
    has_header: bool,
    names: list[str] | None,
    encoding: str = "utf-8",
    encoding_hint: str = "",
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
    encoding, encoding_hint : str
        See :func:`read_text`.

    Returns
    -------
    polars.DataFrame
        One string column per header name (empty fields are null), the ``line_number``
        (1 = first line of the file), the line's text as ``raw_row``, and the helper columns
        :data:`HELPER_COLUMNS` for the structural row checks. It may have no rows (see
        :func:`require_rows`).

    Raises
    ------
    DataError
        When the file cannot be used at all (see the module docstring).

    """
    text = read_text(path, encoding, encoding_hint=encoding_hint)
    lines = split_lines(text)
    if separator == "whitespace" or '"' not in text:
        frame, header_fields = _read_unquoted(lines, separator, has_header, len(names or []))
    else:
        frame, header_fields = _read_quoted(text, lines, separator, has_header, path)
    header = _header_names(header_fields, path) if has_header else list(names or [])
    return _finish(frame, header)


def _field(i: int) -> str:
    return f"_f{i}"


def _blank_line(separator: str) -> pl.Expr:
    """True where a line holds nothing but separators, quotes and blanks."""
    strip = r"[\s\"]" if separator == "whitespace" else rf"[\s\"{re.escape(separator)}]"
    return pl.col(RAW_ROW).str.replace_all(strip, "").eq("")


def _body(lines: list[str], has_header: bool) -> pl.DataFrame:
    first = 2 if has_header else 1
    body = lines[1:] if has_header else lines
    return pl.DataFrame({RAW_ROW: body}, schema={RAW_ROW: pl.Utf8}).with_columns(
        pl.int_range(first, first + len(body), dtype=pl.Int64).alias(LINE_NUMBER)
    )


def _read_unquoted(
    lines: list[str], separator: str, has_header: bool, n_names: int
) -> tuple[pl.DataFrame, list[str]]:
    """No quoting: a line's fields are its text split at the separator (or runs of blanks)."""

    def split(text: pl.Expr) -> pl.Expr:
        if separator == "whitespace":
            return text.str.extract_all(r"\S+")
        return text.str.split(separator)

    header = []
    if has_header and lines:
        header = pl.Series([lines[0]]).to_frame("h").select(split(pl.col("h")))[0, 0].to_list()
    fields = split(pl.col(RAW_ROW))
    width = len(header) if has_header else n_names
    frame = _body(lines, has_header).with_columns(
        *[fields.list.get(i, null_on_oob=True).alias(_field(i)) for i in range(width)],
        fields.list.len().alias(FIELD_COUNT),
        _blank_line(separator).alias(EMPTY_ROW),
    )
    return frame, header


def _read_quoted(
    text: str, lines: list[str], separator: str, has_header: bool, path: Path
) -> tuple[pl.DataFrame, list[str]]:
    """Quoted fields: Polars' reader when every line closes its quotes, else Python's csv."""
    parity = pl.Series(lines, dtype=pl.Utf8).str.count_matches('"', literal=True) % 2
    if lines and parity.max() == 0:
        try:
            parsed = pl.read_csv(
                io.StringIO(text),
                separator=separator,
                has_header=False,
                infer_schema=False,
                truncate_ragged_lines=True,
                quote_char='"',
            )
        except pl.exceptions.PolarsError:
            parsed = None
        # Every line closes its quotes, so a line is at most one row: equal heights align.
        if parsed is not None and parsed.height == len(lines):
            header = [v or "" for v in parsed.row(0)] if has_header else []
            body = parsed.slice(1) if has_header else parsed
            outside_quotes = pl.col(RAW_ROW).str.replace_all(r'"(?:[^"]|"")*"', "")
            frame = _body(lines, has_header).with_columns(
                *[s.alias(_field(i)) for i, s in enumerate(body.iter_columns())],
                (outside_quotes.str.count_matches(separator, literal=True) + 1).alias(FIELD_COUNT),
                _blank_line(separator).alias(EMPTY_ROW),
            )
            return frame, header
    return _read_with_csv_module(text, lines, separator, has_header, path)


def _read_with_csv_module(
    text: str, lines: list[str], separator: str, has_header: bool, path: Path
) -> tuple[pl.DataFrame, list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=False)
    records: list[list[str]] = []
    previous_end = 0
    for record in reader:
        start, end = previous_end + 1, reader.line_num
        if end > start:
            raise DataError(
                f"line {start}: a quoted field runs over a line break (to line {end}); "
                "a stray double quote? Fix or remove the quote on that line",
                path=path,
            )
        # A blank line gives no record: keep one per line so line numbers stay exact.
        records.extend([[]] * (start - 1 - len(records)))
        records.append(record)
        previous_end = end
    records.extend([[]] * (len(lines) - len(records)))
    header = records[0] if has_header and records else []
    body = records[1:] if has_header else records
    width = max((len(r) for r in body), default=0)
    padded = (r if len(r) == width else r + [None] * (width - len(r)) for r in body)
    columns = list(zip(*padded, strict=True)) if body else []
    frame = _body(lines, has_header).with_columns(
        *[pl.Series(_field(i), list(c), dtype=pl.Utf8) for i, c in enumerate(columns)],
        pl.Series(FIELD_COUNT, [len(r) for r in body], dtype=pl.UInt32),
        pl.Series(EMPTY_ROW, [not any(f.strip() for f in r) for r in body], dtype=pl.Boolean),
    )
    return frame, header


def _header_names(fields: list[str], path: Path) -> list[str]:
    names = [
        name.strip() or f"column_{i}" for i, name in enumerate((f or "" for f in fields), start=1)
    ]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataError(
                f"column {name!r} appears twice in the header; rename or remove one", path=path
            )
        seen.add(name)
    return names


def _finish(frame: pl.DataFrame, header: list[str]) -> pl.DataFrame:
    """Name the fields after the header (empty -> null); flag rows of another field count."""
    columns = []
    for i, name in enumerate(header):
        value = pl.col(_field(i)) if _field(i) in frame.columns else pl.lit(None, dtype=pl.Utf8)
        columns.append(pl.when(value == "").then(None).otherwise(value).alias(name))
    return frame.select(
        *columns,
        pl.col(LINE_NUMBER),
        pl.col(RAW_ROW),
        pl.col(EMPTY_ROW),
        # A blank line has no fields (splitting "" at a separator would say one).
        pl.when(pl.col(RAW_ROW).str.strip_chars() == "")
        .then(0)
        .otherwise(pl.col(FIELD_COUNT))
        .cast(pl.UInt32)
        .alias(FIELD_COUNT),
        pl.lit(len(header), dtype=pl.UInt32).alias(EXPECTED_FIELDS),
    ).with_columns(
        (~pl.col(EMPTY_ROW) & (pl.col(FIELD_COUNT) != len(header))).alias(WRONG_FIELD_COUNT)
    )


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
    present = data_columns(frame)
    missing = [c for c in required if c not in present]
    if not missing:
        return
    found = [sep for sep in (";", "\t", "|", ",") if len(present) == 1 and sep in present[0]]
    if found:
        shown = "\\t" if found[0] == "\t" else found[0]
        raise DataError(
            f"only one column found ('{present[0][:60]}'); the file seems to use another "
            f"delimiter than the one configured ({shown!r}?) — save it comma-separated or, for "
            f'a transaction log, set delimiter = "{shown}" in [data.transactions]',
            path=path,
        )
    if len(present) == 1 and " " in present[0].strip():
        raise DataError(
            f"only one column found ('{present[0][:60]}'); if the fields are separated by "
            'spaces, set delimiter = "whitespace" in [data.transactions]',
            path=path,
        )
    raise DataError(
        f"missing column(s) {', '.join(repr(c) for c in missing)}; found {present}. {hint}",
        path=path,
    )


def match_column_case(frame: pl.DataFrame, required: list[str], *, path: Path) -> pl.DataFrame:
    """Rename columns that differ from a required name only in letter case or blanks.

    ``Customer_ID`` or ``" Date "`` is taken for ``customer_id`` / ``date`` when it is the only
    such column; two candidates (``Date`` and ``DATE``) stop the run, since either could be
    meant. An exact match always wins. Column order never matters: fields are found by name.

    Raises
    ------
    DataError
        When two columns match one required name ignoring case.

    """
    present = data_columns(frame)
    renames = {}
    for name in required:
        if name in present:
            continue
        candidates = [c for c in present if c.strip().casefold() == name.casefold()]
        if len(candidates) > 1:
            raise DataError(
                f"columns {candidates} all match {name!r} when letter case is ignored; rename "
                "or remove all but one",
                path=path,
            )
        if candidates:
            renames[candidates[0]] = name
    return frame.rename(renames) if renames else frame


def require_rows(frame: pl.DataFrame, *, path: Path) -> None:
    """Stop when the file holds a header but no data rows (checked after the columns)."""
    if frame.is_empty():
        raise DataError(
            "the file has a header but no data rows; export the data rows too", path=path
        )


def data_columns(frame: pl.DataFrame) -> list[str]:
    """The file's own columns (without line number, raw text and helper columns)."""
    return [c for c in frame.columns if c not in (LINE_NUMBER, RAW_ROW, *HELPER_COLUMNS)]
