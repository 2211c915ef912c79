"""Synthetic run outputs for the campaign tests (small, seeded, written under tmp_path)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from flo_bayes.campaigns.run_inputs import RunContext
from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.segmentation.tiers import DEFAULT_TIER_MAP, TIERS

SEGMENT_TIER = dict(DEFAULT_TIER_MAP)
SEGMENTS = tuple(SEGMENT_TIER)
CATEGORY_SETS = (["KADIN"], ["ERKEK"], ["COCUK", "KADIN"], ["AKTIFCOCUK"], ["ERKEK", "AKTIFSPOR"])
RUN_SEED = 20210601


def synthetic_customers(
    n: int = 400, n_draws: int = 200, seed: int = 3
) -> tuple[pl.DataFrame, np.ndarray]:
    """Customers with segments, tiers, categories and predictive CLTV draws (margin 1)."""
    rng = np.random.default_rng(seed)
    segments = [SEGMENTS[i % len(SEGMENTS)] for i in range(n)]
    labels = {t.id: t.label_en for t in TIERS}
    p_buy = rng.uniform(0.2, 0.95, n)
    scale = rng.gamma(3.0, 60.0, n)
    buys = rng.random((n, n_draws)) < p_buy[:, None]
    amounts = rng.gamma(2.0, scale[:, None] / 2.0, (n, n_draws)) * rng.integers(1, 4, (n, n_draws))
    draws = np.where(buys, amounts, 0.0)
    customers = pl.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(n)],
            "segment": segments,
            "tier": [SEGMENT_TIER[s] for s in segments],
            "tier_label": [labels[SEGMENT_TIER[s]] for s in segments],
            "categories": [CATEGORY_SETS[i % len(CATEGORY_SETS)] for i in range(n)],
            "order_channel": ["Mobile" if i % 2 else "Ios App" for i in range(n)],
            "last_order_channel": ["Offline" if i % 3 else "Mobile" for i in range(n)],
            "p_alive": rng.uniform(0.3, 1.0, n),
            "expected_spend_per_purchase": scale,
            "cltv_6m_pred_mean": draws.mean(axis=1),
            "cltv_6m_pred_q05": np.quantile(draws, 0.05, axis=1),
            "cltv_6m_pred_q95": np.quantile(draws, 0.95, axis=1),
            "convergence_passed": [True] * n,
        }
    )
    return customers, draws


def context(margin: float = 1.0, horizon: float = 6.0) -> RunContext:
    """Run settings matching :func:`synthetic_customers`."""
    return RunContext(
        cltv_horizon_months=horizon,
        margin=margin,
        currency="TRY",
        seed=RUN_SEED,
        segmentation=SegmentationConfig(),
        horizons_months=(3.0, horizon),
    )


def write_run(folder: Path, n: int = 400, n_draws: int = 200, *, status: str = "complete") -> Path:
    """A run folder with the files ``build_campaign_plan`` reads."""
    customers, draws = synthetic_customers(n, n_draws)
    folder.mkdir(parents=True, exist_ok=True)
    customers.write_parquet(folder / "customers.parquet")
    labels = [f"draw_{5 * k}" for k in range(n_draws)]
    frame = pl.DataFrame(draws, schema=labels).insert_column(0, customers["customer_id"])
    frame.write_parquet(folder / "cltv_draws.parquet")
    manifest = {
        "status": status,
        "seed": RUN_SEED,
        "config": {
            "seed": RUN_SEED,
            "prediction": {
                "horizons_months": [3.0, 6.0],
                "cltv_horizon_months": 6.0,
                "margin": 1.0,
                "currency": "TRY",
            },
            "segmentation": {"language": "en"},
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    return write_run(tmp_path / "run")


@pytest.fixture
def make_run():
    """``write_run(folder, n=400, n_draws=200, *, status="complete")``."""
    return write_run


@pytest.fixture(scope="session")
def inputs() -> tuple[pl.DataFrame, np.ndarray]:
    """Synthetic customers and their value draws (margin 1, 6 months)."""
    return synthetic_customers()


@pytest.fixture
def make_context():
    """``context(margin=1.0, horizon=6.0)``: run settings for the synthetic customers."""
    return context


@pytest.fixture
def run_seed() -> int:
    return RUN_SEED
