"""RFM scores equal the classic pandas qcut recipe, edges included."""

import numpy as np
import pandas as pd
import polars as pl
import pytest

from flo_bayes.segmentation.rfm import (
    DuplicateEdgesError,
    add_rfm_scores,
    compute_rfm_edges,
    qcut_probabilities,
    rf_string_exprs,
    rfm_score_exprs,
)


def _pandas_scores(rec, freq, mon):
    r = pd.qcut(rec, 5, labels=[5, 4, 3, 2, 1]).astype(int)
    f = pd.qcut(pd.Series(freq).rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    m = pd.qcut(mon, 5, labels=[1, 2, 3, 4, 5]).astype(int)
    return np.asarray(r), np.asarray(f), np.asarray(m)


@pytest.mark.parametrize("seed", range(12))
def test_scores_equal_pandas_qcut(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(10, 2500))
    rec = rng.integers(0, [40, 400, 1000][seed % 3], n)
    mon = [np.round(rng.gamma(2.0, 150.0, n), 2), rng.integers(1, 40, n) * 0.1][seed % 2]
    freq = rng.integers(1, 8, n)
    frame = pl.DataFrame({"recency_days": rec, "n_orders": freq, "total_value": mon})
    out = add_rfm_scores(frame)
    r, f, m = _pandas_scores(rec, freq, mon)
    np.testing.assert_array_equal(out["recency_score"].to_numpy(), r)
    np.testing.assert_array_equal(out["frequency_score"].to_numpy(), f)
    np.testing.assert_array_equal(out["monetary_score"].to_numpy(), m)


def test_edges_equal_pandas_bins():
    rng = np.random.default_rng(7)
    mon = rng.gamma(2.0, 150.0, 1001)
    frame = pl.DataFrame(
        {"recency_days": rng.integers(0, 300, 1001), "n_orders": 1, "total_value": mon}
    )
    _, bins = pd.qcut(mon, 5, retbins=True)
    assert compute_rfm_edges(frame).monetary == tuple(bins.tolist())
    assert qcut_probabilities(5)[0] == 0.0 and qcut_probabilities(5)[-1] == 1.0


def test_score_strings_and_dtypes():
    frame = pl.DataFrame(
        {
            "recency_days": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "n_orders": [5, 5, 1, 1, 2, 3, 4, 9, 2, 2],
            "total_value": [10.0, 20, 30, 40, 50, 60, 70, 80, 90, 100],
        }
    )
    out = add_rfm_scores(frame)
    assert out["recency_score"].to_list() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # ordinal rank of n_orders: ties broken by order of appearance
    assert out["frequency_score"].to_list() == [4, 5, 1, 1, 2, 3, 4, 5, 2, 3]
    r, f, m = _pandas_scores(frame["recency_days"], frame["n_orders"], frame["total_value"])
    assert out["frequency_score"].to_list() == f.tolist()
    assert out["rf_score"][0] == "54"
    assert out["rfm_score"][0] == "541"
    assert out["recency_score"].dtype == pl.Int8


def test_lazy_matches_eager():
    rng = np.random.default_rng(3)
    frame = pl.DataFrame(
        {
            "recency_days": rng.integers(0, 365, 500),
            "n_orders": rng.integers(1, 9, 500),
            "total_value": rng.gamma(2.0, 100.0, 500),
        }
    )
    lazy = frame.lazy()
    edges = compute_rfm_edges(lazy)
    out = lazy.with_columns(rfm_score_exprs(edges)).with_columns(rf_string_exprs()).collect()
    assert out.equals(add_rfm_scores(frame))


def test_duplicate_edges_raise_like_pandas():
    frame = pl.DataFrame(
        {"recency_days": [1] * 8 + [2, 3], "n_orders": list(range(10)), "total_value": range(10)}
    )
    with pytest.raises(ValueError, match="Bin edges must be unique"):
        pd.qcut(frame["recency_days"].to_numpy(), 5, labels=[5, 4, 3, 2, 1])
    with pytest.raises(DuplicateEdgesError, match="recency_days"):
        add_rfm_scores(frame)


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="total_value"):
        add_rfm_scores(pl.DataFrame({"recency_days": [1], "n_orders": [1]}))
