"""Value tiers and P(top CLTV tier) from a hand-made draws matrix."""

import numpy as np
import polars as pl
import pytest

from flo_bayes.config.segmentation import ValueTierConfig
from flo_bayes.segmentation.value_tiers import (
    add_value_tiers,
    segment_value_crosstab,
    top_k_probabilities,
    value_tiers,
)

# 5 customers, 4 draws; top 20 % = 1 customer per draw.
DRAWS = np.array(
    [
        [100.0, 100.0, 100.0, 100.0],  # top in every draw
        [10.0, 50.0, 10.0, 10.0],
        [20.0, 20.0, 20.0, 20.0],
        [0.0, 0.0, 0.0, 0.0],
        [5.0, 5.0, 200.0, 5.0],  # top in draw 2 only
    ]
)


def test_p_top_hand_made():
    out = value_tiers(DRAWS)
    assert out["p_tier_top"].to_list() == pytest.approx([0.75, 0.0, 0.0, 0.0, 0.25])


def test_top_every_draw_has_p_one():
    draws = DRAWS.copy()
    draws[4, 2] = 5.0
    out = value_tiers(draws)
    assert out["p_tier_top"][0] == 1.0
    assert out["value_tier"][0] == "top"
    assert out["p_value_tier"][0] == 1.0


def test_tiers_from_posterior_mean_and_probabilities():
    cfg = ValueTierConfig(names=("top", "rest"), shares=(0.4, 0.6))
    out = value_tiers(DRAWS, cfg)
    # means: 100, 20, 20, 0, 53.75 -> ranks 1, 3, 4, 5, 2 (ties by row order)
    assert out["value_rank"].to_list() == [1, 3, 4, 5, 2]
    assert out["value_tier"].to_list() == ["top", "rest", "rest", "rest", "top"]
    # top 2 per draw: draw0 {0,2}, draw1 {0,1}, draw2 {4,0}, draw3 {0,2}
    assert out["p_tier_top"].to_list() == pytest.approx([1.0, 0.25, 0.5, 0.0, 0.25])
    assert out["p_value_tier"].to_list() == pytest.approx([1.0, 0.75, 0.5, 1.0, 0.25])
    probs = out.select("p_tier_top", "p_tier_rest").to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)


def test_ties_share_places():
    draws = np.zeros((4, 3))
    p = top_k_probabilities(draws, np.array([1, 2, 4]))
    np.testing.assert_allclose(p, [[0.25, 0.5, 1.0]] * 4)


def test_chunking_does_not_change_result():
    rng = np.random.default_rng(1)
    draws = rng.gamma(0.5, 100.0, size=(300, 257))
    draws[rng.random(draws.shape) < 0.3] = 0.0
    ks = np.array([60, 150, 240, 300])
    full = top_k_probabilities(draws, ks, max_chunk_mb=1024)
    tiny = top_k_probabilities(draws, ks, max_chunk_mb=0.01)
    np.testing.assert_allclose(full, tiny)
    np.testing.assert_allclose(full.sum(axis=0), ks)


def test_nan_and_shape_errors():
    with pytest.raises(ValueError, match="NaN"):
        value_tiers(np.array([[np.nan, 1.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="2-d"):
        value_tiers(np.ones(3))
    with pytest.raises(ValueError, match="rows"):
        add_value_tiers(pl.DataFrame({"a": [1, 2]}), DRAWS)


def test_crosstab():
    customers = pl.DataFrame(
        {
            "segment": pl.Series(
                ["champions", "hibernating", "champions", "hibernating", "champions"],
                dtype=pl.Enum(["champions", "hibernating"]),
            ),
            "p_alive": [0.99, 0.3, 0.96, 0.85, 0.5],
        }
    )
    out = add_value_tiers(customers, DRAWS)
    table = segment_value_crosstab(out)
    assert table.height == 2 * 4 * 4
    assert table["n_customers"].sum() == 5
    champ = table.filter(pl.col("segment") == "champions")
    assert champ["share_of_segment"].sum() == pytest.approx(1.0)
    cell = table.filter(
        (pl.col("segment") == "champions")
        & (pl.col("value_tier") == "top")
        & (pl.col("p_alive_band") == ">=0.95")
    )
    assert cell["n_customers"][0] == 1
    assert table["p_alive_band"].dtype.categories.to_list() == [
        "<0.5",
        "0.5-0.8",
        "0.8-0.95",
        ">=0.95",
    ]
