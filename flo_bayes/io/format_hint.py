"""A hint when an input file looks like the other input format (``--format flo`` vs ``transactions``)."""

from __future__ import annotations

import re
from pathlib import Path

# Columns only FLO's customer summary has; two of them make the file FLO-like.
FLO_MARKERS = ("master_id", "first_order_date", "last_order_date", "customer_value_total")
_DATE = re.compile(r"\b(?:\d{4}-?\d{2}-?\d{2}|\d{1,2}/\d{1,2}/\d{2,4})\b")


def format_hint(path: Path, data_format: str) -> str:
    """Advice to try the other ``--format`` when the file's first line suggests it, else ``""``.

    Parameters
    ----------
    path : Path
        The input file (only its first 8 KiB are read).
    data_format : str
        The format it was read as: ``"flo"`` or ``"transactions"``.

    Returns
    -------
    str
        E.g. ``" This looks like FLO's customer summary (master_id, first_order_date):
        try --format flo."``, or an empty string.

    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(8192).decode("utf-8", errors="replace")
    except OSError:
        return ""
    first = head.splitlines()[0].lower() if head.strip() else ""
    found = [marker for marker in FLO_MARKERS if marker in first]
    if data_format == "transactions" and len(found) >= 2:
        return (
            f" This looks like FLO's customer summary ({', '.join(found)}): try --format flo "
            '(or [data] format = "flo").'
        )
    if data_format == "flo" and not found and _DATE.search(first):
        return (
            " This looks like a transaction log (one purchase per line): try --format "
            "transactions, with its layout in [data.transactions] (see configs/cdnow.toml)."
        )
    return ""
