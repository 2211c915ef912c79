"""The lazy/streaming summary -> RFM -> segment path equals the eager one; benchmark smoke run."""

import importlib.util
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from benchmarks.streaming import (
    scan_flo_csv,
    scan_transaction_csv,
    segment_customers_lazy,
    sink_segments,
    sink_transaction_summary,
    write_simulated_flo_csv,
    write_simulated_transactions,
)
from flo_bayes.config import TransactionLayout
from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.io.flo_loader import load_flo
from flo_bayes.io.transaction_loader import load_transactions
from flo_bayes.segmentation import segment_customers
from flo_bayes.simulate import simulate_flo_customers, write_flo_csv
from flo_bayes.summary import build_flo_summary, build_transaction_summary

AD = date(2021, 6, 1)
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "benchmark_rfm_scale.py"


@pytest.fixture(scope="module")
def flo_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("flo") / "flo.csv"
    write_flo_csv(simulate_flo_customers(3000, seed=5), path)
    return path


def _eager_flo_summary(path: Path) -> pl.DataFrame:
    return build_flo_summary(load_flo(path).frame.lazy(), AD, "weeks").collect()


def test_scan_flo_csv_matches_loader(flo_csv):
    eager = load_flo(flo_csv)
    assert eager.rejected.height == 0
    lazy = scan_flo_csv(flo_csv).collect(engine="streaming")
    assert_frame_equal(lazy, eager.frame.drop("line_number", "raw_row"))


@pytest.mark.parametrize("language", ["en", "tr"])
def test_streaming_segments_equal_eager(flo_csv, tmp_path, language):
    config = SegmentationConfig(language=language)
    expected = segment_customers(_eager_flo_summary(flo_csv), config)
    summary = build_flo_summary(scan_flo_csv(flo_csv), AD, "weeks")
    collected = segment_customers_lazy(summary, config).collect(engine="streaming")
    assert_frame_equal(collected, expected)
    result = sink_segments(summary, tmp_path / "seg.parquet", config)
    assert result.n_customers == expected.height
    assert not result.summary_path.exists()  # intermediate summary removed
    assert_frame_equal(pl.read_parquet(result.output_path), expected)


@pytest.mark.parametrize("n_partitions", [1, 5])
def test_partitioned_transaction_summary_equals_eager(tmp_path, n_partitions):
    log = write_simulated_transactions(
        12_000, csv_path=tmp_path / "tx.csv", batch_customers=1500, seed=3
    )
    assert log.n_rows == 12_000
    loaded = load_transactions(tmp_path / "tx.csv", TransactionLayout())
    assert loaded.rejected.height == 0 and loaded.frame.height == 12_000
    expected = build_transaction_summary(loaded.frame.lazy(), AD, "weeks").collect()
    assert expected.height == log.n_customers
    summ = sink_transaction_summary(
        scan_transaction_csv(tmp_path / "tx.csv"),
        tmp_path / "summary.parquet",
        AD,
        "weeks",
        n_partitions=n_partitions,
    )
    assert_frame_equal(pl.read_parquet(summ.summary_path), expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.parquet", "tx.csv"]
    res = sink_segments(summ.summary_path, tmp_path / "seg.parquet")
    assert_frame_equal(pl.read_parquet(res.output_path), segment_customers(expected))


def test_simulated_flo_csv_in_batches(tmp_path):
    path = tmp_path / "flo.csv"
    assert write_simulated_flo_csv(path, 2500, batch_size=1000, seed=1) == 2500
    loaded = load_flo(path)
    assert loaded.frame.height == 2500 and loaded.rejected.height == 0


def _load_script():
    spec = importlib.util.spec_from_file_location("benchmark_rfm_scale", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # runs the benchmark script end to end
def test_benchmark_script_smoke(tmp_path, capsys):
    bench = _load_script()
    md = tmp_path / "bench.md"
    argv = ["--customers", "2000", "--transactions", "20000", "--tx-format", "both"]
    argv += ["--tx-partitions", "3", "--workdir", str(tmp_path / "work"), "--markdown", str(md)]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "FLO CSV -> summary -> RFM -> segments" in out
    assert "transactions PARQUET -> summary -> RFM -> segments" in out
    text = md.read_text()
    assert text.count("\n| ") == 7  # header + baseline + 2 FLO + 3 transaction rows
    assert "| 20,000 |" in text and "| 2,000 |" in text
    assert list((tmp_path / "work").iterdir()) == []  # inputs and outputs cleaned up


@pytest.mark.parametrize("seed", range(8))
def test_streaming_frequency_score_equals_rank_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 3000))
    frame = pl.DataFrame(
        {
            "recency_days": rng.integers(0, 500, n),
            "n_orders": rng.integers(1, [3, 6, 40][seed % 3], n),
            "total_value": np.round(rng.gamma(2.0, 150.0, n), 2),
        }
    )
    expected = segment_customers(frame)
    got = segment_customers_lazy(frame.lazy()).collect(engine="streaming")
    assert_frame_equal(got, expected)


def test_scoring_plan_has_no_in_memory_fallback(flo_csv):
    summary = build_flo_summary(scan_flo_csv(flo_csv), AD, "weeks")
    graph = segment_customers_lazy(summary).show_graph(
        engine="streaming", plan_stage="physical", raw_output=True
    )
    if "in-memory engine fallback" not in graph:
        pytest.skip("this Polars version does not mark in-memory fallbacks in its plan graph")
    fallback_colour = 'fillcolor="0.0 0.3 1.0"'  # legend colour of "in-memory engine fallback"
    assert not [line for line in graph.splitlines() if fallback_colour in line]
