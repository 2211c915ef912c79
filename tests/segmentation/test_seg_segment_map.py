"""The RF regex segment map."""

import polars as pl
import pytest

from flo_bayes.config.vocabulary import RF_CODES
from flo_bayes.segmentation.segment_map import (
    CLASSIC_RF_SEGMENTS,
    assign_segments,
    resolve_segment_map,
)


def test_classic_map_partitions_all_codes():
    lookup = resolve_segment_map(CLASSIC_RF_SEGMENTS)
    assert set(lookup) == set(RF_CODES)
    assert lookup["55"] == "champions"
    assert lookup["15"] == "cant_loose"
    assert lookup["51"] == "new_customers"
    assert lookup["41"] == "promising"
    assert lookup["33"] == "need_attention"
    assert lookup["44"] == "loyal_customers"
    assert lookup["22"] == "hibernating"


def test_recency_digit_comes_first():
    out = assign_segments(pl.DataFrame({"rf_score": ["15", "51"]}))
    assert out["segment"].cast(pl.Utf8).to_list() == ["cant_loose", "new_customers"]


def test_gaps_and_overlaps_are_errors():
    with pytest.raises(ValueError, match="match no segment"):
        resolve_segment_map({"a": "[1-4][1-5]"})
    with pytest.raises(ValueError, match="several segments"):
        resolve_segment_map({"a": "[1-5][1-5]", "b": "55"})
    with pytest.raises(ValueError, match="segment_map.bad"):
        resolve_segment_map({"bad": "[1-"})
