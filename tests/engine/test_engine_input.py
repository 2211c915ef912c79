"""Input rules of the engine: every row used or rejected with its reason; clear path errors."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from flo_bayes.engine.dask_input import read_transactions, resolve_paths

ROWS = [
    ("c1", "2020-01-05", "10.5", None),
    ("c1", "2020-03-01", "7", None),
    ("", "2020-01-05", "3", "missing_customer_id"),
    ("c2", "05/01/2020", "3", "unparseable_date"),
    ("c2", "1970-01-01", "3", "implausible_date"),
    ("c2", "2020-02-02", "abc", "invalid_amount"),
    ("c2", "2020-02-02", "-4", "negative_amount"),
    ("c2", "2020-02-02", "2e9", "implausible_value"),
    ("c3", "2020-07-01", "5", "after_analysis_date"),
    ("c3", "2020-02-03", "0", None),
]


def test_every_row_is_used_or_rejected_with_its_reason(tmp_path):
    import dask

    frame = pl.DataFrame(
        {
            "customer_id": [r[0] for r in ROWS],
            "date": [r[1] for r in ROWS],
            "amount": [r[2] for r in ROWS],
        }
    )
    frame[:5].write_csv(tmp_path / "a.csv")
    frame[5:].write_csv(tmp_path / "b.csv")
    parsed = read_transactions(str(tmp_path / "*.csv"), analysis_date=date(2020, 6, 1), n_cells=4)
    with dask.config.set(scheduler="sync"):
        rows = pl.from_pandas(parsed.compute()).sort("_gpos")
    assert rows.height == len(ROWS)
    assert rows.get_column("reason").to_list() == [r[3] for r in ROWS]
    # positions follow the sorted file list, then the row in each file
    assert rows.get_column("_gpos").to_list() == [*range(5), *((1 << 32) + k for k in range(5))]


def test_paths_that_match_nothing_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing"):
        resolve_paths(str(tmp_path / "nothing*.parquet"))
    (tmp_path / "x.csv").write_text("customer_id,date,amount\n")
    (tmp_path / "y.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match="mixes Parquet and CSV"):
        resolve_paths(str(tmp_path))


def test_pipeline_writes_every_rejected_row(cluster_client, transaction_log, tmp_path):
    from flo_bayes.engine.pipeline import run_dask_pipeline
    from flo_bayes.engine.settings import EngineSettings
    from flo_bayes.predictive.population import PopulationDraws

    from .conftest import ANALYSIS_DATE

    good = transaction_log.with_columns(
        pl.col("date").cast(pl.Utf8), pl.col("amount").cast(pl.Utf8)
    )
    bad = pl.DataFrame(
        {
            "customer_id": [r[0] for r in ROWS if r[3]],
            "date": [r[1] for r in ROWS if r[3]],
            "amount": [r[2] for r in ROWS if r[3]],
        }
    )
    (tmp_path / "in").mkdir()
    good.write_csv(tmp_path / "in" / "a.csv")
    bad.write_csv(tmp_path / "in" / "b.csv")
    draws = PopulationDraws.constant(
        r=2.7, alpha=72.0, a=0.5, b=6.0, p=4.1, q=9.0, v=295.0, n_draws=20
    )
    settings = EngineSettings(analysis_date=ANALYSIS_DATE, max_draws=20, keep_draws=5, n_cells=16)
    # the analysis date is 2021-01-03 here, so the "after" row (2020-07-01) is kept as a
    # purchase of c3; every other bad row is rejected
    run_dask_pipeline(
        settings,
        str(tmp_path / "in"),
        tmp_path / "out",
        population_draws=draws,
        client=cluster_client,
        seed=1,
    )
    rejected = pl.read_parquet(tmp_path / "out" / "rejected" / "*.parquet")
    expected = [r[3] for r in ROWS if r[3] and r[3] != "after_analysis_date"]
    assert sorted(rejected["reason"].to_list()) == sorted(expected)
    assert set(rejected.columns) >= {"_gpos", "reason", "raw_customer_id", "raw_date", "raw_amount"}
    summary = pl.read_parquet(tmp_path / "out" / "summary" / "*.parquet")
    assert summary.height == transaction_log["customer_id"].n_unique() + 1  # + c3
