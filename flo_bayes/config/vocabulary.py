"""Names every stage agrees on: segments, tiers, categories, channels, languages.

Plain constants and one pure check (:func:`resolve_segment_map`), so the config schema can
validate names without importing the stages (polars, the models) that use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Literal

N_SCORES = 5
"""Number of score levels (quintiles)."""

Language = Literal["en", "tr"]
LANGUAGES: tuple[str, ...] = ("en", "tr")

TIER_IDS: tuple[str, ...] = (
    "vip",
    "very_active",
    "active",
    "less_active",
    "about_to_sleep",
    "lost",
)
"""Tier identifiers, most to least engaged (this is also the Enum order)."""


DEFAULT_TIER_MAP: tuple[tuple[str, str], ...] = (
    ("champions", "vip"),
    ("loyal_customers", "very_active"),
    ("potential_loyalists", "active"),
    ("new_customers", "active"),
    ("promising", "active"),
    ("need_attention", "less_active"),
    ("about_to_sleep", "about_to_sleep"),
    ("at_risk", "about_to_sleep"),
    ("cant_loose", "about_to_sleep"),
    ("hibernating", "lost"),
)
"""Default ``segment -> tier``. Recency decides first: recent segments (recency score 4-5)
are VIP / very active / active by frequency; ``need_attention`` (33) is less active;
``about_to_sleep`` (3[1-2]) and the long-gone but once-frequent ``at_risk`` and
``cant_loose`` get the re-activation coupons of *About to sleep*; only ``hibernating``
(low recency and low frequency) is *Lost*."""

FLO_CATEGORIES: tuple[str, ...] = ("AKTIFCOCUK", "AKTIFSPOR", "COCUK", "ERKEK", "KADIN")
"""Category tokens that occur in FLO's ``interested_in_categories_12`` column."""

FLO_CHANNELS: tuple[str, ...] = ("Android App", "Ios App", "Desktop", "Mobile", "Offline")
"""Values of FLO's ``order_channel`` and ``last_order_channel`` (only the latter has Offline)."""

CLASSIC_RF_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("hibernating", "[1-2][1-2]"),
    ("at_risk", "[1-2][3-4]"),
    ("cant_loose", "[1-2]5"),
    ("about_to_sleep", "3[1-2]"),
    ("need_attention", "33"),
    ("loyal_customers", "[3-4][4-5]"),
    ("promising", "41"),
    ("new_customers", "51"),
    ("potential_loyalists", "[4-5][2-3]"),
    ("champions", "5[4-5]"),
)
"""The classic RF map as ``(segment, pattern)`` pairs; patterns read recency then frequency."""

RF_CODES: tuple[str, ...] = tuple(
    f"{r}{f}" for r in range(1, N_SCORES + 1) for f in range(1, N_SCORES + 1)
)
"""All 25 possible ``RF_SCORE`` values."""


def resolve_segment_map(segment_map: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict:
    """Expand a segment map into an explicit ``RF_SCORE -> segment`` lookup.

    Parameters
    ----------
    segment_map : mapping or iterable of (segment, pattern)
        Regular expressions, each matched against the whole two-digit ``RF_SCORE``
        (``re.fullmatch``; for two-character patterns this is what the classic
        ``replace(seg_map, regex=True)`` recipe does).

    Returns
    -------
    dict
        All 25 RF codes mapped to their segment name.

    Raises
    ------
    ValueError
        If a pattern is not a valid regular expression, or an RF code is matched by no
        pattern or by more than one. The message names the segment(s) and codes.

    """
    pairs = list(segment_map.items() if isinstance(segment_map, Mapping) else segment_map)
    compiled = []
    for name, pattern in pairs:
        try:
            compiled.append((name, re.compile(pattern)))
        except re.error as err:
            raise ValueError(f"segment_map.{name}: invalid pattern {pattern!r}: {err}") from err
    lookup: dict[str, str] = {}
    unmatched: list[str] = []
    for code in RF_CODES:
        hits = [name for name, rx in compiled if rx.fullmatch(code)]
        if not hits:
            unmatched.append(code)
        elif len(hits) > 1:
            raise ValueError(f"segment_map: RF_SCORE {code!r} matches several segments {hits}")
        else:
            lookup[code] = hits[0]
    if unmatched:
        raise ValueError(f"segment_map: RF_SCORE value(s) {unmatched} match no segment")
    return lookup
