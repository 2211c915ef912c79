"""A tiny finished run folder (300 simulated customers, short chains), built once per session."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from flo_bayes.config import Config
from flo_bayes.progress import ConsoleProgress
from flo_bayes.runs import RunFolder
from flo_bayes.workflow.run import run_pipeline

matplotlib.use("Agg")


def tiny_config() -> Config:
    """Defaults with 300 simulated customers and 2 short chains (fast, not converged)."""
    base = Config()
    return base.model_copy(
        update={
            "data": base.data.model_copy(update={"simulated_customers": 300}),
            "sampler": base.sampler.model_copy(update={"draws": 200, "tune": 200, "chains": 2}),
            "prediction": base.prediction.model_copy(update={"max_draws": 200, "keep_draws": 50}),
        }
    )


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete run folder written by the real pipeline."""
    folder = RunFolder.create(tmp_path_factory.mktemp("tiny") / "run", Path("unused"), "tiny")
    run_pipeline(tiny_config(), folder, ConsoleProgress(total=4, quiet=True))
    return folder.path


@pytest.fixture(scope="session")
def tiny_report(tiny_run: Path) -> Path:
    """The run's report, built once."""
    from flo_bayes.report import build_report

    return build_report(tiny_run)
