"""The Dask engine against the single-process path, on a 2-worker LocalCluster."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import numpy as np
import pandas as pd
import polars as pl
import pytest

from flo_bayes.engine import adapters
from flo_bayes.engine.order_stats import order_statistics
from flo_bayes.engine.pipeline import local_reference, run_dask_pipeline
from flo_bayes.engine.plan import PlanSettings, ScaleCampaign, exact_spend
from flo_bayes.engine.settings import EngineSettings
from flo_bayes.engine.sufficient_stats import (
    bgnbd_model,
    distributed_triples,
    gamma_gamma_sample,
    weighted_distinct_values,
)
from flo_bayes.predictive.population import PopulationDraws

from .conftest import ANALYSIS_DATE, write_split

N_DRAWS = 40
SEED = 5


def _sync(tasks):
    import dask

    return list(dask.compute(*tasks, scheduler="sync"))


@pytest.fixture(scope="module")
def draws() -> PopulationDraws:
    rng = np.random.default_rng(0)
    truth = dict(r=2.7, alpha=72.0, a=0.5, b=6.0, p=4.1, q=9.0, v=295.0)
    return PopulationDraws(
        **{k: v * np.exp(0.05 * rng.standard_normal(N_DRAWS)) for k, v in truth.items()}
    )


def _settings(plan: PlanSettings | None = None) -> EngineSettings:
    return EngineSettings(
        analysis_date=ANALYSIS_DATE, max_draws=N_DRAWS, keep_draws=10, n_cells=32, plan=plan
    )


def _plan(safety: float) -> PlanSettings:
    return PlanSettings(
        campaigns=(
            ScaleCampaign("winback", 5.0, 0.1, tiers=("lost", "less_active"), budget=150.0),
            ScaleCampaign("vip", 8.0, 0.15, budget=400.0),
        ),
        total_budget=500.0,
        sample_size=300,
        safety=safety,
    )


def _assert_same_rows(a: pl.DataFrame, b: pl.DataFrame, columns: list[str]) -> None:
    a, b = a.sort("customer_id"), b.sort("customer_id")
    assert a.get_column("customer_id").to_list() == b.get_column("customer_id").to_list()
    for col in columns:
        x, y = a.get_column(col), b.get_column(col)
        if x.dtype.is_float():
            # the summary's float sums may differ in the last bit with row grouping order
            np.testing.assert_allclose(x.to_numpy(), y.to_numpy(), rtol=1e-12, err_msg=col)
        else:
            assert x.cast(pl.Utf8).to_list() == y.cast(pl.Utf8).to_list(), col


def test_order_statistics_are_exact_with_ties():
    rng = np.random.default_rng(3)
    for data in (
        rng.normal(size=20_000),
        rng.integers(0, 4, 20_000).astype(float),
        np.round(rng.exponential(size=20_000), 1),
    ):
        parts = [pd.DataFrame({"v": c}) for c in np.array_split(data, 5)]
        ranks = [0, 7, 4_000, 12_345, 19_999, -1]
        _, got = order_statistics(
            parts, lambda p: p["v"].to_numpy(), ranks, compute=_sync, collect_limit=500
        )
        expected = np.sort(data)
        assert [got[r] for r in ranks] == [expected[r] for r in ranks]


def test_sufficient_statistics_equal_per_customer_likelihood():
    from pymc_marketing.clv import BetaGeoModel

    rng = np.random.default_rng(1)
    n = 2_000
    x = rng.poisson(1.5, n).astype(float)
    T = np.round(rng.uniform(10, 80, n), 1)
    t_x = np.where(x > 0, np.round(rng.uniform(0, 1, n) * T, 1), 0.0)
    parts = [
        pd.DataFrame({"x": a, "t_x": b, "T": c})
        for a, b, c in zip(*(np.array_split(v, 4) for v in (x, t_x, T)), strict=True)
    ]
    triples = distributed_triples(parts, compute=_sync)
    assert triples["n_customers"].sum() == n
    assert len(triples) < n  # customers really share triples
    grouped = weighted_distinct_values(triples)
    direct = adapters.distinct_values(x, t_x, T)
    for name in direct.__dataclass_fields__:
        np.testing.assert_allclose(getattr(grouped, name), getattr(direct, name), err_msg=name)
    priors = adapters.default_bgnbd_priors("weeks")
    reduced = bgnbd_model(triples, priors).compile_logp()
    library = BetaGeoModel(model_config={k: p.to_pymc() for k, p in priors.items()})
    library.build_model(
        pd.DataFrame({"customer_id": range(n), "frequency": x, "recency": t_x, "T": T})
    )
    per_customer = library.model.compile_logp()
    for point in ((8.0, 0.7, 2.5, 0.6), (40.0, 0.2, 5.0, 2.0)):
        values = dict(
            zip(("alpha_log__", "a_log__", "b_log__", "r_log__"), np.log(point), strict=True)
        )
        assert reduced(values) == pytest.approx(per_customer(values), rel=1e-12, abs=1e-8)


def test_gamma_gamma_subsample_is_keyed_by_customer(cluster_client, transaction_log, tmp_path):
    from flo_bayes.engine.dask_summary import summarise_partition
    from flo_bayes.engine.keys import with_keys

    frame = with_keys(transaction_log, 32).with_columns(
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("_gpos")
    )
    summary = summarise_partition(frame, ANALYSIS_DATE, "weeks")
    whole = gamma_gamma_sample([summary.to_pandas()], 100, compute=_sync)
    split = gamma_gamma_sample(
        [
            summary[rows.tolist()].to_pandas()
            for rows in np.array_split(np.arange(summary.height)[::-1], 3)
        ],
        100,
        compute=_sync,
    )
    assert (
        whole.customers.get_column("customer_id").to_list()
        == split.customers.get_column("customer_id").to_list()
    )
    assert whole.n_eligible == int(((summary["gg_n"] > 0) & (summary["gg_mean"] > 0)).sum())
    assert whole.fraction == pytest.approx(100 / whole.n_eligible)
    assert 50 <= whole.n_used <= 150  # a Binomial(n_eligible, fraction) count around 100


def test_local_and_dask_give_the_same_customers(cluster_client, transaction_log, draws, tmp_path):
    src = write_split(transaction_log, tmp_path / "csv", 3, "csv")
    settings = _settings()
    run_dask_pipeline(
        settings, src, tmp_path / "out", population_draws=draws, client=cluster_client, seed=SEED
    )
    dask_rows = pl.read_parquet(tmp_path / "out" / "scores" / "*.parquet")
    local_rows, local_totals = local_reference(settings, src, seed=SEED, population_draws=draws)
    assert dask_rows.height == local_rows.height == transaction_log["customer_id"].n_unique()
    columns = [c for c in local_rows.columns if not c.startswith("_") or c in ("_key", "_cell")]
    _assert_same_rows(dask_rows, local_rows, columns)
    totals = pl.read_parquet(tmp_path / "out" / "totals.parquet")
    everyone = totals.filter(pl.col("group_column") == "all")
    assert everyone["cltv_mean"].item() == pytest.approx(
        float(local_totals.cltv_total.mean()), rel=1e-10
    )
    segments = totals.filter(pl.col("group_column") == "segment")
    assert segments["customers"].sum() == local_rows.height
    # segment totals add up to the all-customer total draw by draw on the kept positions
    kept = adapters.thin_indices(N_DRAWS, settings.keep_draws)
    seg_sum = sum(v for (c, _), v in local_totals.groups.items() if c == "segment")
    np.testing.assert_allclose(seg_sum, local_totals.cltv_total[kept], rtol=1e-10)


def test_results_do_not_depend_on_partitioning(cluster_client, transaction_log, draws, tmp_path):
    # one CSV and the default shuffle (4 partitions on 2 workers) against five Parquet files
    # shuffled into about 300 rows a partition
    runs = (("one_csv", 1, "csv", _settings()), ("five_parquet", 5, "parquet", None))
    outputs, n_parts = [], []
    for name, n_files, fmt, settings in runs:
        if settings is None:
            settings = dataclasses.replace(_settings(), rows_per_partition=300)
        src = write_split(transaction_log, tmp_path / name, n_files, fmt)
        run_dask_pipeline(
            settings,
            src,
            tmp_path / f"out_{name}",
            population_draws=draws,
            client=cluster_client,
            seed=SEED,
        )
        scores = tmp_path / f"out_{name}" / "scores"
        n_parts.append(len(list(scores.glob("*.parquet"))))
        outputs.append(pl.read_parquet(scores / "*.parquet"))
    assert n_parts[0] == 4 and n_parts[1] == -(-transaction_log.height // 300)
    columns = [c for c in outputs[0].columns if c != "_first"]
    _assert_same_rows(outputs[0], outputs[1], columns)


@pytest.mark.parametrize("safety", [0.02, -0.6])
def test_plan_never_exceeds_budget(cluster_client, transaction_log, draws, tmp_path, safety):
    # safety -0.6 inflates the sample budgets, so the dual prices over-select and the final
    # trim has to cut customers; 0.02 is the default conservative setting
    plan = _plan(safety)
    src = write_split(transaction_log, tmp_path / "csv", 2, "csv")
    manifest = run_dask_pipeline(
        _settings(plan),
        src,
        tmp_path / "out",
        population_draws=draws,
        client=cluster_client,
        seed=SEED,
    )
    chosen = pl.read_parquet(tmp_path / "out" / "plan" / "*.parquet")
    costs = {c.name: c.cost_per_contact for c in plan.campaigns}
    counts = dict(chosen.group_by("campaign").len().iter_rows())
    spend = {name: exact_spend(costs[name], counts.get(name, 0)) for name in costs}
    for camp in plan.campaigns:
        assert spend[camp.name] <= Fraction(str(camp.budget))
    assert sum(spend.values()) <= Fraction(str(plan.total_budget))
    assert chosen["customer_id"].n_unique() == chosen.height  # one campaign per customer
    assert manifest["plan"]["contacts"] == {name: counts.get(name, 0) for name in costs}
    if safety < 0:
        assert manifest["plan"]["trimmed"] > 0
    # campaign totals cover exactly the finally assigned customers
    totals = pl.read_parquet(tmp_path / "out" / "totals.parquet").filter(
        pl.col("group_column") == "campaign"
    )
    assert dict(totals.select("group", "customers").iter_rows()) == {
        k: v for k, v in counts.items() if v
    }
    scores = pl.read_parquet(tmp_path / "out" / "scores" / "*.parquet")
    expected = scores.join(
        chosen.select("customer_id", "campaign"), on="customer_id", how="inner", suffix="_final"
    )
    assert (expected["campaign"] == expected["campaign_final"]).all()
    json.loads((tmp_path / "out" / "manifest.json").read_text())
