"""Campaign settings as pydantic models (``extra="forbid"``, frozen), and their TOML loader.

A TOML file holds them under one table::

    [campaigns]
    criterion = "expected"           # "expected" | "lower_bound" | "cvar"
    level = 0.25                     # lower-tail probability for lower_bound / cvar
    max_loss_probability = 0.5       # skip customers with P(incremental profit < 0) above this
    allow_multiple_campaigns = false # at most one campaign per customer
    margin = 0.5                     # gross margin of the campaigns' extra sales (or "run")

    [[campaigns.campaigns]]
    name = "vip_care"
    tiers = ["vip"]
    cost_per_contact = 12.0          # currency of the run (TRY for FLO)
    budget = 6000.0                  # and/or max_contacts = 500
    effect = { kind = "uplift_share", share = { mean = 0.12, sd = 0.05 } }

Every campaign error names the campaign and the key, e.g.
``campaigns[2] ('vip_care').cost_per_contact: must be >= 0, got -1.0``.

Segment, category and channel names are checked against a
:class:`~flo_bayes.config.segmentation.Vocabulary`: the one passed with
:func:`validate_campaigns` (a run's segmentation settings) or FLO's defaults.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from flo_bayes.config.errors import EFFECT_KINDS, clean_message, format_errors
from flo_bayes.config.package_data import read_preset
from flo_bayes.config.segmentation import SegmentationConfig, TargetListConfig, Vocabulary
from flo_bayes.config.vocabulary import TIER_IDS, Language
from flo_bayes.errors import ConfigError

Criterion = Literal["expected", "lower_bound", "cvar"]
CRITERIA: tuple[str, ...] = ("expected", "lower_bound", "cvar")

_NAME_RE = re.compile(r"^[A-Za-z0-9_\-]+$")
_VOCAB_KEY = "campaign_vocabulary"

FILTER_KEYS: tuple[str, ...] = (
    "segments",
    "tiers",
    "categories_any",
    "categories_all",
    "order_channels",
    "last_order_channels",
)
"""Eligibility filters, with the meaning of :class:`TargetListConfig`'s fields."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _finite(value: float, key: str = "") -> float:
    # ``key`` prefixes the message only where pydantic's error location lacks it.
    if not math.isfinite(value):
        raise ValueError(f"{key + ': ' if key else ''}must be a finite number, got {value}")
    return value


def _non_negative(value: float | None) -> float | None:
    if value is None:
        return None
    _finite(value)
    if value < 0:
        raise ValueError(f"must be >= 0, got {value}")
    return value


def _margin(value: float | None) -> float | None:
    if value is None:
        return None
    _finite(value)
    if not 0 < value <= 1:
        raise ValueError(f"must be in (0, 1] (share of revenue kept as profit), got {value}")
    return value


class BetaSpec(_Model):
    """A distribution on [0, 1]: Beta(alpha, beta), Beta given by mean and sd, or a fixed value.

    Give exactly one of: ``alpha`` and ``beta``; ``mean`` and ``sd``; ``fixed``.

    Attributes
    ----------
    alpha, beta : float, optional
        Beta shape parameters (> 0).
    mean, sd : float, optional
        Mean in (0, 1) and standard deviation in (0, sqrt(mean (1 - mean))); converted with
        ``kappa = mean (1 - mean) / sd**2 - 1``, ``alpha = mean kappa``, ``beta = (1 - mean) kappa``.
    fixed : float, optional
        A value in [0, 1] known without uncertainty.

    """

    alpha: float | None = None
    beta: float | None = None
    mean: float | None = None
    sd: float | None = None
    fixed: float | None = None

    @model_validator(mode="after")
    def _one_form(self) -> BetaSpec:
        given = {
            k for k in ("alpha", "beta", "mean", "sd", "fixed") if getattr(self, k) is not None
        }
        forms = ({"alpha", "beta"}, {"mean", "sd"}, {"fixed"})
        if given not in forms:
            raise ValueError(
                f"give exactly one of (alpha, beta), (mean, sd) or fixed; got {sorted(given)}"
            )
        for key in given:
            _finite(getattr(self, key), key)
        if self.fixed is not None and not 0 <= self.fixed <= 1:
            raise ValueError(f"fixed: must be inside [0, 1], got {self.fixed}")
        if self.alpha is not None and (self.alpha <= 0 or self.beta <= 0):  # type: ignore[operator]
            raise ValueError(f"alpha and beta must be > 0, got {self.alpha} and {self.beta}")
        if self.mean is not None:
            if not 0 < self.mean < 1:
                raise ValueError(f"mean: must be inside (0, 1), got {self.mean}")
            limit = math.sqrt(self.mean * (1 - self.mean))
            if not 0 < self.sd < limit:  # type: ignore[operator]
                raise ValueError(
                    f"sd: must be in (0, {limit:.4g}) for a Beta with mean {self.mean}, got {self.sd}"
                )
        return self

    @property
    def shape(self) -> tuple[float, float] | None:
        """``(alpha, beta)``, or None for a fixed value."""
        if self.fixed is not None:
            return None
        if self.alpha is not None:
            return float(self.alpha), float(self.beta)  # type: ignore[arg-type]
        m, s = float(self.mean), float(self.sd)  # type: ignore[arg-type]
        kappa = m * (1 - m) / s**2 - 1
        return m * kappa, (1 - m) * kappa

    @property
    def expected(self) -> float:
        """Mean of the distribution."""
        shape = self.shape
        if shape is None:
            return float(self.fixed)  # type: ignore[arg-type]
        return shape[0] / (shape[0] + shape[1])

    def describe(self) -> str:
        """Short text, e.g. ``Beta(4.9, 36.3), mean 0.12``."""
        shape = self.shape
        if shape is None:
            return f"fixed {self.fixed:g}"
        return f"Beta({shape[0]:.3g}, {shape[1]:.3g}), mean {self.expected:.3g}"


class UpliftShareEffect(_Model):
    """The campaign adds a share of the customer's horizon value.

    Incremental revenue in draw ``d`` = ``share_d x value_d`` (value as revenue), with
    ``share_d ~ share``. Where the customer would buy nothing, the campaign adds nothing.

    Attributes
    ----------
    kind : "uplift_share"
    share : BetaSpec
        Share of the horizon value added (net of any discount the campaign gives).

    """

    kind: Literal["uplift_share"]
    share: BetaSpec

    def describe(self) -> str:
        """One-line text for the exports."""
        return f"uplift share of horizon value ~ {self.share.describe()}"


class ResponseEffect(_Model):
    """The customer answers with an extra order with probability ``p_response``.

    Incremental profit in draw ``d`` = ``p_d x order_value x (margin - discount) - cost``, with
    ``p_d ~ p_response``: the expected response given the campaign's response rate (the coin
    flip of each customer is averaged out; see :mod:`flo_bayes.campaigns.effects`).

    Attributes
    ----------
    kind : "response"
    p_response : BetaSpec
        *Incremental* response probability (orders that would not happen without the contact).
    order_value : float or "expected_spend"
        Revenue of a response order at list price: a number, or the customer's
        ``expected_spend_per_purchase``.
    discount : float
        Share of the list price given away on a response order, in [0, 1).

    """

    kind: Literal["response"]
    p_response: BetaSpec
    order_value: float | Literal["expected_spend"] = "expected_spend"
    discount: float = 0.0

    @field_validator("order_value")
    @classmethod
    def _check_order_value(cls, value: float | str) -> float | str:
        if isinstance(value, str):
            return value
        _finite(value)
        if value <= 0:
            raise ValueError(f"must be > 0, got {value}")
        return value

    @field_validator("discount")
    @classmethod
    def _check_discount(cls, value: float) -> float:
        _finite(value)
        if not 0 <= value < 1:
            raise ValueError(f"must be in [0, 1), got {value}")
        return value

    def describe(self) -> str:
        """One-line text for the exports."""
        value = (
            "expected spend per purchase"
            if self.order_value == "expected_spend"
            else f"{self.order_value:g}"
        )
        disc = f", discount {self.discount:.0%}" if self.discount else ""
        return f"response ~ {self.p_response.describe()} x order value {value}{disc}"


Effect = Annotated[UpliftShareEffect | ResponseEffect, Field(discriminator="kind")]


def _vocabulary(info: ValidationInfo) -> Vocabulary:
    context = info.context or {}
    vocab = context.get(_VOCAB_KEY)
    return vocab if isinstance(vocab, Vocabulary) else Vocabulary()


def _check_members(values: tuple[str, ...], allowed: tuple[str, ...], what: str) -> None:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; known: {list(allowed)}")
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        raise ValueError(f"{dupes} listed twice")


class CampaignConfig(_Model):
    """One campaign: who is eligible, what a contact costs, the budget and the assumed effect.

    Attributes
    ----------
    name : str
        Identifier (letters, digits, ``_``, ``-``); names the CSV and the workbook sheet.
    description : str
        Free text for marketing.
    strategy : str, optional
        Strategy text in the exports; if absent, the strategies of the campaign's ``tiers``
        (``flo_bayes.segmentation.tiers``), else ``description``.
    segments, tiers, categories_any, categories_all, order_channels, last_order_channels
        Eligibility filters with the meaning of
        :class:`~flo_bayes.config.segmentation.TargetListConfig` (OR within, AND across;
        empty means any; category tokens match exactly).
    cost_per_contact : float
        Cost of one contact, in the run's currency (>= 0).
    budget : float, optional
        Spend limit of the campaign (>= 0). None: no budget limit.
    max_contacts : int, optional
        Contact limit (>= 0). None: no contact limit. Both None: every worthwhile customer.
    margin : float, optional
        Gross margin of the extra sales, in (0, 1]; None uses ``campaigns.margin``.
    horizon_months : float, optional
        Horizon of the campaign's value; must equal the run's CLTV horizon (None: the run's).
    effect : UpliftShareEffect or ResponseEffect
        Assumed effect with its uncertainty (``kind = "uplift_share"`` or ``"response"``).

    """

    name: str
    description: str = ""
    strategy: str | None = None
    segments: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    categories_any: tuple[str, ...] = ()
    categories_all: tuple[str, ...] = ()
    order_channels: tuple[str, ...] = ()
    last_order_channels: tuple[str, ...] = ()
    cost_per_contact: float
    budget: float | None = None
    max_contacts: int | None = None
    margin: float | None = None
    horizon_months: float | None = None
    effect: Effect

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError(f"must use only letters, digits, '_' and '-', got {value!r}")
        return value

    @field_validator("segments")
    @classmethod
    def _check_segments(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        _check_members(value, _vocabulary(info).segments, "segment(s)")
        return value

    @field_validator("tiers")
    @classmethod
    def _check_tiers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _check_members(value, TIER_IDS, "tier(s)")
        return value

    @field_validator("categories_any", "categories_all")
    @classmethod
    def _check_categories(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        _check_members(value, _vocabulary(info).categories, "category/categories")
        return value

    @field_validator("order_channels", "last_order_channels")
    @classmethod
    def _check_channels(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        _check_members(value, _vocabulary(info).channels, "channel(s)")
        return value

    @field_validator("cost_per_contact", "budget")
    @classmethod
    def _check_money(cls, value: float | None) -> float | None:
        return _non_negative(value)

    @field_validator("max_contacts")
    @classmethod
    def _check_max_contacts(cls, value: int | None) -> int | None:
        if value is not None and value < 0:
            raise ValueError(f"must be >= 0, got {value}")
        return value

    @field_validator("margin")
    @classmethod
    def _check_margin(cls, value: float | None) -> float | None:
        return _margin(value)

    @field_validator("horizon_months")
    @classmethod
    def _check_horizon(cls, value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError(f"must be > 0 months, got {value}")
        return value

    def filters(self) -> dict[str, tuple[str, ...]]:
        """The eligibility filters as a mapping (keys of :data:`FILTER_KEYS`)."""
        return {key: getattr(self, key) for key in FILTER_KEYS}

    def target_list(self, segmentation: SegmentationConfig | None = None) -> TargetListConfig:
        """The eligibility filters as a target list, validated against ``segmentation``'s names.

        Parameters
        ----------
        segmentation : SegmentationConfig, optional
            Allowed segment, category and channel names (default: FLO's).

        Returns
        -------
        TargetListConfig
            Usable with :func:`flo_bayes.segmentation.targets.target_filter_expr`.

        Raises
        ------
        ConfigError
            If a filter names something ``segmentation`` does not know, naming the campaign.

        """
        segmentation = segmentation or SegmentationConfig()
        raw = {"name": self.name, "description": self.description, **self.filters()}
        try:
            return segmentation.validate_target_list(raw)
        except ValidationError as err:
            parts = [
                f"campaign {self.name!r}.{'.'.join(str(p) for p in e['loc'])}: "
                f"{clean_message(e['msg'])}"
                for e in err.errors()
            ]
            raise ConfigError("; ".join(parts)) from None


def tier_campaigns_from_preset() -> tuple[CampaignConfig, ...]:
    """The six tier campaigns of the package preset ``presets/tier_campaigns.toml``.

    Returns
    -------
    tuple of CampaignConfig
        One campaign per marketing tier.

    """
    raw = read_preset("tier_campaigns")["campaigns"]["campaigns"]
    return tuple(CampaignConfig.model_validate(item) for item in raw)


class CampaignsConfig(_Model):
    """All campaign-planning settings.

    Attributes
    ----------
    criterion : {"expected", "lower_bound", "cvar"}
        Per-customer ranking value of the incremental-profit draws: the mean; the lower
        ``level``-quantile; or the CVaR, the mean of the ``ceil(level x n_draws)`` lowest draws
        (the draws at or below the ``level``-quantile). See :mod:`flo_bayes.campaigns.risk`.
    level : float
        Lower-tail probability in (0, 1) for ``lower_bound`` and ``cvar`` (0.25: the lower
        quartile, or the mean of the worst quarter).
    max_loss_probability : float
        A customer with P(incremental profit < 0) above this, in [0, 1], is not chosen.
    allow_multiple_campaigns : bool
        False: a customer gets at most one campaign (an assignment problem, solved exactly).
    total_budget : float, optional
        Spend limit over all campaigns together, on top of each campaign's own limits.
    margin : float or "run"
        Default gross margin of the campaigns' extra sales, in (0, 1]; ``"run"`` uses the
        run's ``prediction.margin``. A campaign's own ``margin`` wins.
    language : {"en", "tr"}, optional
        Language of tier strategy texts; None uses the run's segmentation language.
    campaigns : tuple of CampaignConfig
        The campaigns; default: one per tier (:func:`~flo_bayes.config.defaults.default_tier_campaigns`).

    Notes
    -----
    The value draws are *predictive*: they include whether the customer buys at all. On FLO
    a typical customer buys nothing in about 45 % of the 6-month draws, so for an uplift
    campaign the lower quartile and the CVaR at 25 % are ``-cost`` for most customers and
    the risk criteria keep only reliable repeat buyers. They pay off when the budget binds
    and a sure, smaller gain is preferred; ``expected`` with the loss limit is the default.
    A customer is chosen only if the criterion is positive (the sum is maximised).

    """

    criterion: Criterion = "expected"
    level: float = 0.25
    max_loss_probability: float = 0.5
    allow_multiple_campaigns: bool = False
    total_budget: float | None = None
    margin: float | Literal["run"] = 0.5
    language: Language | None = None
    campaigns: tuple[CampaignConfig, ...] = Field(default_factory=tier_campaigns_from_preset)

    @field_validator("level")
    @classmethod
    def _check_level(cls, value: float) -> float:
        _finite(value)
        if not 0 < value < 1:
            raise ValueError(f"must be inside (0, 1) (a lower-tail probability), got {value}")
        return value

    @field_validator("max_loss_probability")
    @classmethod
    def _check_loss(cls, value: float) -> float:
        _finite(value)
        if not 0 <= value <= 1:
            raise ValueError(f"must be in [0, 1], got {value}")
        return value

    @field_validator("total_budget")
    @classmethod
    def _check_total_budget(cls, value: float | None) -> float | None:
        return _non_negative(value)

    @field_validator("margin")
    @classmethod
    def _check_default_margin(cls, value: float | str) -> float | str:
        return value if isinstance(value, str) else _margin(value)  # type: ignore[return-value]

    @field_validator("campaigns", mode="before")
    @classmethod
    def _check_campaigns(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, list | tuple):
            return value
        out = []
        problems: list[str] = []
        for i, item in enumerate(value):
            raw = item.model_dump() if isinstance(item, CampaignConfig) else item
            label = f"campaigns[{i}]"
            if isinstance(raw, dict) and "name" in raw:
                label += f" ({raw['name']!r})"
            try:
                out.append(CampaignConfig.model_validate(raw, context=info.context))
            except ValidationError as err:
                problems.extend(format_errors(err, prefix=f"{label}."))
        if problems:
            raise ValueError("; ".join(problems))
        names = [c.name for c in out]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"campaigns: duplicate name(s) {dupes}")
        return tuple(out)

    def get(self, name: str) -> CampaignConfig:
        """Return the campaign called ``name``."""
        for campaign in self.campaigns:
            if campaign.name == name:
                return campaign
        raise KeyError(f"no campaign {name!r}; campaigns: {[c.name for c in self.campaigns]}")


def vocabulary_context(segmentation: SegmentationConfig | Vocabulary | None) -> dict[str, Any]:
    """Pydantic validation context that checks campaign filters against these names.

    Parameters
    ----------
    segmentation : SegmentationConfig or Vocabulary or None
        Allowed segment, category and channel names (None: FLO's defaults).

    Returns
    -------
    dict
        Pass as ``context=`` to ``CampaignsConfig.model_validate``.

    """
    if segmentation is None:
        vocab = Vocabulary()
    elif isinstance(segmentation, Vocabulary):
        vocab = segmentation
    else:
        vocab = segmentation.vocabulary
    return {_VOCAB_KEY: vocab}


def validate_campaigns(
    raw: dict[str, Any] | CampaignsConfig,
    segmentation: SegmentationConfig | Vocabulary | None = None,
) -> CampaignsConfig:
    """Validate a ``[campaigns]`` mapping against a segmentation's names.

    Parameters
    ----------
    raw : dict or CampaignsConfig
        Parsed TOML content of the ``[campaigns]`` table (or a config to re-check).
    segmentation : SegmentationConfig or Vocabulary, optional
        Allowed segment, category and channel names (default: FLO's).

    Returns
    -------
    CampaignsConfig
        The validated settings.

    Raises
    ------
    ValueError
        One line per problem, each naming the campaign and key (suitable inside a pydantic
        ``field_validator`` of the run config).

    """
    data = raw.model_dump() if isinstance(raw, CampaignsConfig) else raw
    try:
        return CampaignsConfig.model_validate(data, context=vocabulary_context(segmentation))
    except ValidationError as err:
        raise ValueError("; ".join(format_errors(err, prefix="campaigns."))) from None


__all__ = [
    "BetaSpec",
    "CRITERIA",
    "CampaignConfig",
    "CampaignsConfig",
    "Criterion",
    "EFFECT_KINDS",
    "Effect",
    "FILTER_KEYS",
    "ResponseEffect",
    "UpliftShareEffect",
    "validate_campaigns",
    "vocabulary_context",
]
