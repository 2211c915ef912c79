"""Six marketing tiers with FLO's communication strategies, in English and Turkish."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from flo_bayes.config.vocabulary import DEFAULT_TIER_MAP, LANGUAGES, TIER_IDS, Language
from flo_bayes.segmentation.segment_map import SEGMENT_COL

TIER_COL = "tier"
TIER_LABEL_COL = "tier_label"


@dataclass(frozen=True)
class Tier:
    """One marketing tier.

    Attributes
    ----------
    id : str
        Identifier used in configs and data (``"vip"``, ...).
    label_en, label_tr : str
        Display name in English and Turkish.
    strategies_en, strategies_tr : tuple of str
        Communication strategies in English and Turkish.

    """

    id: str
    label_en: str
    label_tr: str
    strategies_en: tuple[str, ...]
    strategies_tr: tuple[str, ...]

    def label(self, language: Language = "en") -> str:
        """Return the tier's display name in ``language`` (``"en"`` or ``"tr"``)."""
        _check_language(language)
        return self.label_tr if language == "tr" else self.label_en

    def strategies(self, language: Language = "en") -> tuple[str, ...]:
        """Return the tier's communication strategies in ``language``."""
        _check_language(language)
        return self.strategies_tr if language == "tr" else self.strategies_en


TIERS: tuple[Tier, ...] = (
    Tier(
        "vip",
        "VIP",
        "Vip Müşteri",
        (
            "Dedicated customer representative",
            "Personal thank-you notes and small gifts",
            "First access to new products",
        ),
        (
            "Özel müşteri temsilcisi",
            "Kişiye özel teşekkür notları ve küçük hediyeler",
            "Yeni ürünlere ilk erişim",
        ),
    ),
    Tier(
        "very_active",
        "Very active",
        "Çok Aktif",
        (
            "Loyalty-programme enrolment for those without a card",
            "Escalating discounts for card holders",
            "Referral bonuses",
        ),
        (
            "Kartı olmayanlar için sadakat programına kayıt",
            "Kart sahiplerine kademeli artan indirimler",
            "Arkadaşını getir (referans) bonusları",
        ),
    ),
    Tier(
        "active",
        "Active",
        "Aktif",
        (
            "Instagram engagement contests",
            "New-season campaign e-mails",
            "Loyalty-programme encouragement",
        ),
        (
            "Instagram etkileşim yarışmaları",
            "Yeni sezon kampanya e-postaları",
            "Sadakat programına katılım teşviki",
        ),
    ),
    Tier(
        "less_active",
        "Less active",
        "Az Aktif",
        (
            '"We missed you" messages',
            "Ads for recently viewed products",
            "24-hour come-back discount",
        ),
        (
            '"Seni özledik" mesajları',
            "Son görüntülenen ürünlerin reklamları",
            "24 saatlik geri dönüş indirimi",
        ),
    ),
    Tier(
        "about_to_sleep",
        "About to sleep",
        "Uyumak Üzere",
        (
            "Attention-grabbing notifications",
            "Personalised SMS with a one-time coupon",
            "App push coupon",
        ),
        (
            "Dikkat çekici bildirimler",
            "Tek kullanımlık kupon içeren kişiye özel SMS",
            "Uygulama bildirimiyle (push) kupon",
        ),
    ),
    Tier(
        "lost",
        "Lost",
        "Kayıp",
        (
            '"Come-back story" social-media campaign',
            '"Why did you leave?" survey with a gift voucher',
            "Aggressive end-of-season discounts",
        ),
        (
            '"Geri dönüş hikâyesi" sosyal medya kampanyası',
            'Hediye çeki karşılığında "Neden ayrıldınız?" anketi',
            "Agresif sezon sonu indirimleri",
        ),
    ),
)


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")


def get_tier(tier_id: str) -> Tier:
    """Return the :class:`Tier` with identifier ``tier_id``.

    Parameters
    ----------
    tier_id : str
        One of :data:`TIER_IDS`.

    Returns
    -------
    Tier
        The tier definition.

    """
    for tier in TIERS:
        if tier.id == tier_id:
            return tier
    raise ValueError(f"unknown tier {tier_id!r}; known tiers: {list(TIER_IDS)}")


def tier_table(language: Language = "en") -> pl.DataFrame:
    """One row per tier with its label and strategies in ``language``.

    Parameters
    ----------
    language : {"en", "tr"}, default "en"
        Language of labels and strategies.

    Returns
    -------
    polars.DataFrame
        Columns ``tier`` (Enum), ``tier_label``, ``strategies`` (List(Utf8)) and
        ``strategy_text`` (strategies joined with ``"; "``, handy in Excel).

    """
    _check_language(language)
    return pl.DataFrame(
        {
            TIER_COL: [t.id for t in TIERS],
            TIER_LABEL_COL: [t.label(language) for t in TIERS],
            "strategies": [list(t.strategies(language)) for t in TIERS],
            "strategy_text": ["; ".join(t.strategies(language)) for t in TIERS],
        },
        schema_overrides={TIER_COL: pl.Enum(TIER_IDS)},
    )


def tier_exprs(
    tier_map: Mapping[str, str] | Iterable[tuple[str, str]] = DEFAULT_TIER_MAP,
    language: Language = "en",
    *,
    segment_col: str = SEGMENT_COL,
) -> list[pl.Expr]:
    """Expressions for ``tier`` (Enum of :data:`TIER_IDS`) and ``tier_label``.

    Parameters
    ----------
    tier_map : mapping or iterable of (segment, tier), default :data:`DEFAULT_TIER_MAP`
        Every segment that occurs must be mapped.
    language : {"en", "tr"}, default "en"
        Language of ``tier_label``.
    segment_col : str, default ``"segment"``
        Segment column.

    Returns
    -------
    list of polars.Expr
        Two expressions; an unmapped segment makes the query fail.

    """
    _check_language(language)
    mapping = dict(tier_map.items() if isinstance(tier_map, Mapping) else tier_map)
    for segment, tier in mapping.items():
        if tier not in TIER_IDS:
            raise ValueError(f"tier_map.{segment}: unknown tier {tier!r}; known: {list(TIER_IDS)}")
    labels = {t.id: t.label(language) for t in TIERS}
    seg = pl.col(segment_col).cast(pl.Utf8)
    tier = seg.replace_strict(mapping, return_dtype=pl.Enum(TIER_IDS))
    label_dtype = pl.Enum([labels[t] for t in TIER_IDS])
    return [
        tier.alias(TIER_COL),
        tier.cast(pl.Utf8).replace_strict(labels, return_dtype=label_dtype).alias(TIER_LABEL_COL),
    ]


def assign_tiers(
    segmented: pl.DataFrame,
    tier_map: Mapping[str, str] | Iterable[tuple[str, str]] = DEFAULT_TIER_MAP,
    language: Language = "en",
) -> pl.DataFrame:
    """Add ``tier`` and ``tier_label`` to a frame with a ``segment`` column.

    Parameters
    ----------
    segmented : polars.DataFrame
        Frame with ``segment``.
    tier_map : mapping or iterable of (segment, tier), default :data:`DEFAULT_TIER_MAP`
        Segment to tier.
    language : {"en", "tr"}, default "en"
        Language of ``tier_label``.

    Returns
    -------
    polars.DataFrame
        ``segmented`` with the two columns.

    Raises
    ------
    ValueError
        If a segment present in the data has no tier.

    """
    mapping = dict(tier_map.items() if isinstance(tier_map, Mapping) else tier_map)
    present = segmented.get_column(SEGMENT_COL).cast(pl.Utf8).unique().drop_nulls().to_list()
    unmapped = sorted(set(present) - set(mapping))
    if unmapped:
        raise ValueError(f"tier_map: segment(s) {unmapped} have no tier")
    return segmented.with_columns(tier_exprs(mapping, language))
