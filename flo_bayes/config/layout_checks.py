"""Checks of a transaction log's text-layout keys that need no data: each problem names its key."""

from __future__ import annotations

import codecs
import zoneinfo

# strftime codes that read a UTC offset.
OFFSET_CODES = ("%z", "%:z", "%#z", "%::z")


def has_utc_offset(fmt: str) -> bool:
    """Whether a strftime format reads a UTC offset."""
    return any(code in fmt for code in OFFSET_CODES)


def layout_problems(layout) -> list[str]:
    """Return what is inconsistent in ``[data.transactions]`` (empty when all is well).

    Parameters
    ----------
    layout : flo_bayes.config.TransactionLayout
        The layout (``delimiter``, ``decimal``, ``encoding``, ``date_format``, ``timezone``).

    Returns
    -------
    list of str
        One sentence per problem, naming the key and the fix.

    """
    problems = []
    if layout.delimiter != "whitespace" and len(layout.delimiter) != 1:
        problems.append(
            f'delimiter = {layout.delimiter!r} must be one character (e.g. ";") or "whitespace"'
        )
    try:
        codecs.lookup(layout.encoding)
    except LookupError:
        problems.append(
            f"encoding = {layout.encoding!r} is not a known text encoding (use e.g. "
            '"utf-8", "windows-1254" or "iso-8859-9")'
        )
    has_offset = has_utc_offset(layout.date_format)
    if layout.timezone is not None:
        try:
            zoneinfo.ZoneInfo(layout.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(
                f'timezone = {layout.timezone!r} is not an IANA time zone (e.g. "Europe/Istanbul")'
            )
    elif has_offset:
        problems.append(
            "date_format holds %z (a UTC offset), so a purchase's calendar day depends on the "
            'zone it is counted in: set timezone (e.g. timezone = "Europe/Istanbul")'
        )
    return problems
