"""Shared fixtures: paths to the shared data (tests that need it skip when absent).

Test tiers (markers, see pyproject.toml): ``slow`` (real data sets, long chains), ``fit`` (NUTS on
small simulated data) and the rest, the fast unit tier: ``pytest -m "not slow and not fit"``.
A test that uses a fixture which fits models is in the ``fit`` tier automatically.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FLO_FILE = SHARED_DATA / "flo_data_20k.csv"
CDNOW_FILE = SHARED_DATA / "CDNOW_sample.txt"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def flo_file() -> Path:
    if not FLO_FILE.is_file():
        pytest.skip(f"shared FLO data not found at {FLO_FILE} (needs ../shared beside the repo)")
    return FLO_FILE


@pytest.fixture
def cdnow_file() -> Path:
    if not CDNOW_FILE.is_file():
        pytest.skip(
            f"shared CDNOW data not found at {CDNOW_FILE} (needs ../shared beside the repo)"
        )
    return CDNOW_FILE


# Fixtures that run NUTS (directly or through a real pipeline run).
FIT_FIXTURES = frozenset({"tiny_run", "tiny_report", "fitted_models"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if FIT_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.fit)
