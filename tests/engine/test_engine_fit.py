"""End to end on Dask with real (short) NUTS fits on the reduced data."""

from __future__ import annotations

import polars as pl
import pytest

from flo_bayes.engine.pipeline import run_dask_pipeline
from flo_bayes.engine.settings import EngineSettings, SamplerChoice

from .conftest import write_split


def test_end_to_end_with_fits(cluster_client, transaction_log, tmp_path):
    src = write_split(transaction_log, tmp_path / "pq", 3, "parquet")
    settings = EngineSettings(
        max_draws=100,
        keep_draws=20,
        n_cells=16,
        gg_sample_size=150,
        sampler=SamplerChoice(chains=2, draws=100, tune=150, cores=1),
    )
    manifest = run_dask_pipeline(settings, src, tmp_path / "out", client=cluster_client, seed=3)
    n_customers = transaction_log["customer_id"].n_unique()
    latest = transaction_log["date"].max()
    assert manifest["analysis_date"] == str(latest + __import__("datetime").timedelta(days=2))
    bg = manifest["data_basis"]["bgnbd"]
    assert bg["customers"] == n_customers
    assert 0 < bg["distinct_triples"] <= n_customers
    gg = manifest["data_basis"]["gamma_gamma"]
    assert gg["customers_used"] < gg["customers_eligible"]
    assert gg["fraction"] == pytest.approx(150 / gg["customers_eligible"])
    assert manifest["population_draws"] == 100
    assert {c["target"].split(".")[0] for c in manifest["convergence_gate"]["checks"]} >= {
        "bgnbd",
        "gamma_gamma",
    }
    fit = pl.read_parquet(tmp_path / "out" / "fit_summary.parquet")
    assert set(fit["parameter"]) == {"r", "alpha", "a", "b", "p", "q", "v"}
    means = dict(zip(fit["parameter"], fit["mean"], strict=True))
    # simulated truth: mean purchase rate r / alpha = 2.7 / 72 per week
    assert 0.5 < (means["r"] / means["alpha"]) / (2.7 / 72.0) < 2.0
    scores = pl.read_parquet(tmp_path / "out" / "scores" / "*.parquet")
    assert scores.height == n_customers
    assert scores["p_alive"].is_between(0, 1).all()
