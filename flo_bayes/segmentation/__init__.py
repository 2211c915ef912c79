"""RFM scores, RF segments, marketing tiers, profiles, target lists and CLTV value tiers."""

from flo_bayes.config.segmentation import (
    FLO_CHANNELS,
    SegmentationConfig,
    TargetListConfig,
    ValueTierConfig,
)
from flo_bayes.config.vocabulary import FLO_CATEGORIES
from flo_bayes.segmentation.categories import parse_categories
from flo_bayes.segmentation.pipeline import segment_customers
from flo_bayes.segmentation.profiles import (
    ProfileTables,
    build_profiles,
    category_mix,
    channel_mix,
    profile_summary,
)
from flo_bayes.segmentation.rfm import (
    DuplicateEdgesError,
    RfmEdges,
    add_rfm_scores,
    compute_rfm_edges,
    rf_string_exprs,
    rfm_score_exprs,
)
from flo_bayes.segmentation.segment_map import (
    CLASSIC_RF_SEGMENTS,
    assign_segments,
    resolve_segment_map,
    segment_expr,
)
from flo_bayes.segmentation.targets import (
    select_targets,
    target_filter_expr,
    target_list_sizes,
)
from flo_bayes.segmentation.tiers import (
    DEFAULT_TIER_MAP,
    TIER_IDS,
    TIERS,
    assign_tiers,
    get_tier,
    tier_exprs,
    tier_table,
)
from flo_bayes.segmentation.value_tiers import (
    add_value_tiers,
    p_alive_band_expr,
    segment_value_crosstab,
    top_k_probabilities,
    value_tiers,
)

__all__ = [
    "CLASSIC_RF_SEGMENTS",
    "DEFAULT_TIER_MAP",
    "DuplicateEdgesError",
    "FLO_CATEGORIES",
    "FLO_CHANNELS",
    "ProfileTables",
    "RfmEdges",
    "SegmentationConfig",
    "TIERS",
    "TIER_IDS",
    "TargetListConfig",
    "ValueTierConfig",
    "add_rfm_scores",
    "add_value_tiers",
    "assign_segments",
    "assign_tiers",
    "build_profiles",
    "category_mix",
    "channel_mix",
    "compute_rfm_edges",
    "get_tier",
    "p_alive_band_expr",
    "parse_categories",
    "profile_summary",
    "resolve_segment_map",
    "rf_string_exprs",
    "rfm_score_exprs",
    "segment_customers",
    "segment_expr",
    "segment_value_crosstab",
    "select_targets",
    "target_filter_expr",
    "target_list_sizes",
    "tier_exprs",
    "tier_table",
    "top_k_probabilities",
    "value_tiers",
]
