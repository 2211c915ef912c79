"""Settings of the segmentation stage, as pydantic models (``extra="forbid"``, frozen).

A TOML file holds them under one table, e.g.::

    [segmentation]
    language = "tr"                      # labels and strategies: "en" or "tr"

    [segmentation.segment_map]           # optional; defaults to the classic RF map
    hibernating = "[1-2][1-2]"
    # ... one regex per segment, matched against the whole RF_SCORE

    [segmentation.tier_map]              # optional; defaults to DEFAULT_TIER_MAP
    champions = "vip"
    # ... every segment needs a tier

    [[segmentation.target_lists]]
    name = "new_womens_shoe_brand"
    segments = ["champions", "loyal_customers"]
    categories_any = ["KADIN"]

    [segmentation.value_tiers]
    names = ["top", "high", "mid", "low"]
    shares = [0.2, 0.3, 0.3, 0.2]

Load with ``SegmentationConfig.model_validate(tomllib.load(f)["segmentation"])``. Unknown
keys, unknown segment, tier, category or channel names fail with a message naming the key.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from flo_bayes.config.package_data import read_preset
from flo_bayes.config.vocabulary import (
    CLASSIC_RF_SEGMENTS,
    DEFAULT_TIER_MAP,
    FLO_CATEGORIES,
    FLO_CHANNELS,
    TIER_IDS,
    Language,
    resolve_segment_map,
)

TierId = Literal["vip", "very_active", "active", "less_active", "about_to_sleep", "lost"]


_NAME_RE = re.compile(r"^[A-Za-z0-9_\-]+$")

_VOCAB_KEY = "segmentation_vocabulary"


@dataclass(frozen=True)
class Vocabulary:
    """Names a target list may use; passed to validation as pydantic context.

    Attributes
    ----------
    segments, categories, channels : tuple of str
        Allowed segment names, category tokens and channel values.

    """

    segments: tuple[str, ...] = tuple(name for name, _ in CLASSIC_RF_SEGMENTS)
    categories: tuple[str, ...] = FLO_CATEGORIES
    channels: tuple[str, ...] = FLO_CHANNELS


def _vocabulary(info: ValidationInfo) -> Vocabulary:
    context = info.context or {}
    vocab = context.get(_VOCAB_KEY)
    return vocab if isinstance(vocab, Vocabulary) else Vocabulary()


def _unique(values: tuple[str, ...], key: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{key}: {v!r} is listed twice")
        seen.add(v)
    return values


def _members(values: tuple[str, ...], allowed: tuple[str, ...], key: str, what: str) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"{key}: unknown {what} {unknown}; known: {list(allowed)}")


class TargetListConfig(BaseModel):
    """One campaign target list: customers passing every non-empty filter.

    Within a filter the listed values are alternatives (OR); filters combine with AND.
    Category tokens match whole list elements exactly (``AKTIFCOCUK`` is not ``COCUK``).

    Attributes
    ----------
    name : str
        Identifier (letters, digits, ``_`` and ``-``), used in output names.
    description : str
        Free text for the marketing note.
    segments : tuple of str
        RF segments to include (empty: any).
    tiers : tuple of TierId
        Tiers to include (empty: any).
    categories_any : tuple of str
        Keep customers interested in at least one of these categories.
    categories_all : tuple of str
        Keep customers interested in all of these categories.
    order_channels : tuple of str
        Allowed ``order_channel`` values (platform used).
    last_order_channels : tuple of str
        Allowed ``last_order_channel`` values (channel of the last purchase).
    sort_by : str or None
        Column to order the list by (e.g. ``"p_tier_top"``); None keeps file order.
    descending : bool
        Sort direction for ``sort_by``.
    max_customers : int or None
        Keep at most this many customers (after sorting).

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    segments: tuple[str, ...] = ()
    tiers: tuple[TierId, ...] = ()
    categories_any: tuple[str, ...] = ()
    categories_all: tuple[str, ...] = ()
    order_channels: tuple[str, ...] = ()
    last_order_channels: tuple[str, ...] = ()
    sort_by: str | None = None
    descending: bool = True
    max_customers: PositiveInt | None = None

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError(f"name: {value!r} must use only letters, digits, '_' and '-'")
        return value

    @field_validator("segments")
    @classmethod
    def _check_segments(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        _members(value, _vocabulary(info).segments, "segments", "segment(s)")
        return _unique(value, "segments")

    @field_validator("tiers")
    @classmethod
    def _check_tiers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _unique(value, "tiers")

    @field_validator("categories_any", "categories_all")
    @classmethod
    def _check_categories(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        key = info.field_name or "categories"
        _members(value, _vocabulary(info).categories, key, "category/categories")
        return _unique(value, key)

    @field_validator("order_channels", "last_order_channels")
    @classmethod
    def _check_channels(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        key = info.field_name or "channels"
        _members(value, _vocabulary(info).channels, key, "channel(s)")
        return _unique(value, key)


class ValueTierConfig(BaseModel):
    """Value tiers from the predictive CLTV draws (point 6 of issue 4).

    Attributes
    ----------
    names : tuple of str
        Tier names, most valuable first.
    shares : tuple of float
        Share of customers in each tier (same length as ``names``, positive, sum 1). The
        first share is the "top CLTV tier" of ``p_tier_<first name>`` (default 20 %).
    p_alive_edges : tuple of float
        Inner edges of the P(alive) bands, increasing, inside (0, 1).
    max_chunk_mb : float
        Memory budget for one chunk of draws (the draws are processed chunk by chunk).

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    names: tuple[str, ...] = ("top", "high", "mid", "low")
    shares: tuple[float, ...] = (0.2, 0.3, 0.3, 0.2)
    p_alive_edges: tuple[float, ...] = (0.5, 0.8, 0.95)
    max_chunk_mb: float = Field(default=256.0, gt=0)

    @field_validator("names")
    @classmethod
    def _check_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(value) < 2:
            raise ValueError("names: give at least two value tiers")
        for v in value:
            if not _NAME_RE.match(v):
                raise ValueError(f"names: {v!r} must use only letters, digits, '_' and '-'")
        return _unique(value, "names")

    @field_validator("shares")
    @classmethod
    def _check_shares(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(not (0 < s <= 1) for s in value):
            raise ValueError(f"shares: every share must be in (0, 1], got {list(value)}")
        if not math.isclose(sum(value), 1.0, abs_tol=1e-9):
            raise ValueError(f"shares: must sum to 1, got {sum(value)}")
        return value

    @field_validator("p_alive_edges")
    @classmethod
    def _check_edges(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(not (0 < e < 1) for e in value) or list(value) != sorted(set(value)):
            raise ValueError(
                f"p_alive_edges: must be strictly increasing and inside (0, 1), got {list(value)}"
            )
        return value

    @model_validator(mode="after")
    def _same_length(self) -> ValueTierConfig:
        if len(self.names) != len(self.shares):
            raise ValueError(f"value_tiers: {len(self.names)} names but {len(self.shares)} shares")
        return self

    @property
    def top_share(self) -> float:
        """Share of customers in the top value tier."""
        return self.shares[0]


def flo_target_lists() -> tuple[TargetListConfig, ...]:
    """FLO's two classic target lists, from the package preset ``presets/flo_targets.toml``.

    Returns
    -------
    tuple of TargetListConfig
        ``new_womens_shoe_brand`` (champions and loyal_customers interested in KADIN) and
        ``mens_kids_discount_40`` (at_risk, cant_loose and new_customers interested in
        ERKEK or COCUK); the default ``target_lists``.

    """
    return tuple(
        TargetListConfig.model_validate({k: v for k, v in item.items() if k != "campaign"})
        for item in read_preset("flo_targets")["target"]
    )


class SegmentationConfig(BaseModel):
    """All settings of the RFM / segmentation stage.

    Attributes
    ----------
    language : {"en", "tr"}
        Language of tier labels and strategies.
    segment_map : dict of str to str
        Segment name to regex on ``RF_SCORE`` (recency digit first); every one of the 25
        codes must match exactly one pattern. Default: the classic map.
    tier_map : dict of str to TierId
        Segment to tier; must cover exactly the segments of ``segment_map``.
    categories : tuple of str
        Category tokens target lists may use (default FLO's five).
    channels : tuple of str
        Channel values target lists may use (default FLO's).
    target_lists : tuple of TargetListConfig
        Campaign target lists, validated against the names above (default: FLO's two
        classic cases; give ``target_lists = []`` for none).
    value_tiers : ValueTierConfig
        Settings of the CLTV value tiers.

    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: Language = "en"
    segment_map: dict[str, str] = Field(default_factory=lambda: dict(CLASSIC_RF_SEGMENTS))
    tier_map: dict[str, TierId] = Field(default_factory=lambda: dict(DEFAULT_TIER_MAP))
    categories: tuple[str, ...] = FLO_CATEGORIES
    channels: tuple[str, ...] = FLO_CHANNELS
    target_lists: tuple[TargetListConfig, ...] = Field(default_factory=lambda: flo_target_lists())
    value_tiers: ValueTierConfig = Field(default_factory=ValueTierConfig)

    @field_validator("segment_map")
    @classmethod
    def _check_segment_map(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _NAME_RE.match(name):
                raise ValueError(f"segment_map.{name}: segment names use letters, digits, '_'")
        resolve_segment_map(value)
        return value

    @field_validator("target_lists", mode="before")
    @classmethod
    def _check_target_lists(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, list | tuple):
            return value
        data = info.data
        vocab = Vocabulary(
            segments=tuple(data.get("segment_map", dict(CLASSIC_RF_SEGMENTS))),
            categories=tuple(data.get("categories", FLO_CATEGORIES)),
            channels=tuple(data.get("channels", FLO_CHANNELS)),
        )
        out = []
        for i, item in enumerate(value):
            raw = item.model_dump() if isinstance(item, TargetListConfig) else item
            label = f"target_lists[{i}]"
            if isinstance(raw, dict) and "name" in raw:
                label += f" ({raw['name']!r})"
            try:
                out.append(TargetListConfig.model_validate(raw, context={_VOCAB_KEY: vocab}))
            except ValidationError as err:
                parts = [
                    f"{label}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                    for e in err.errors()
                ]
                raise ValueError("; ".join(parts)) from None
        names = [t.name for t in out]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"target_lists: duplicate name(s) {dupes}")
        return tuple(out)

    @model_validator(mode="after")
    def _check_tier_map(self) -> SegmentationConfig:
        missing = [s for s in self.segment_map if s not in self.tier_map]
        if missing:
            raise ValueError(f"tier_map: segment(s) {missing} of segment_map have no tier")
        unknown = [s for s in self.tier_map if s not in self.segment_map]
        if unknown:
            raise ValueError(
                f"tier_map.{unknown[0]}: unknown segment(s) {unknown}; "
                f"segments: {list(self.segment_map)}"
            )
        return self

    @property
    def vocabulary(self) -> Vocabulary:
        """Names that target lists may use under this config."""
        return Vocabulary(tuple(self.segment_map), self.categories, self.channels)

    def validate_target_list(self, target: TargetListConfig | dict) -> TargetListConfig:
        """Validate a target list (instance or mapping) against this config's names.

        Parameters
        ----------
        target : TargetListConfig or dict
            Target-list definition.

        Returns
        -------
        TargetListConfig
            The validated definition.

        Raises
        ------
        pydantic.ValidationError
            Naming the offending key.

        """
        raw = target.model_dump() if isinstance(target, TargetListConfig) else target
        return TargetListConfig.model_validate(raw, context={_VOCAB_KEY: self.vocabulary})


__all__ = [
    "FLO_CHANNELS",
    "Language",
    "SegmentationConfig",
    "TIER_IDS",
    "TargetListConfig",
    "TierId",
    "ValueTierConfig",
    "Vocabulary",
]
