"""Plot functions return Figures and leave global matplotlib state alone."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from flo_bayes.api import load_run
from flo_bayes.diagnostics import fit_checks, plots


@pytest.fixture(scope="module")
def run(tiny_run: Path):
    return load_run(tiny_run)


def _all_plots(run) -> list[Figure]:
    bg = run.bgnbd_idata
    draws = run.population_draws(max_draws=20)
    customers = run.customers
    rng = np.random.default_rng(0)
    count = fit_checks.period_transactions_check(
        draws, customers["x"].to_numpy(), customers["T"].to_numpy(), rng
    )
    grid = fit_checks.frequency_recency_grid(draws, max_x=5, T=50.0, horizon=26.0)
    spend = fit_checks.spend_check(
        draws, customers["gg_n"].to_numpy(), customers["gg_mean"].to_numpy(), rng
    )
    posterior = bg["posterior"].to_dataset()
    return [
        plots.trace_plot(bg),
        plots.rank_plot(bg),
        plots.pair_plot(bg, ("r", "alpha")),
        plots.energy_plot(bg),
        plots.prior_posterior_plot(
            {name: posterior[name].values for name in ("r", "alpha")},
            {"r": (1.0, 1.5), "alpha": (10.0, 2.0)},
        ),
        plots.period_transactions_plot(count),
        plots.frequency_recency_plot(grid),
        plots.spend_plot(spend, currency="TRY"),
    ]


def test_plots_return_figures_without_global_side_effects(run):
    before = dict(mpl.rcParams)
    open_before = plt.get_fignums()
    figures = _all_plots(run)
    assert all(isinstance(figure, Figure) for figure in figures)
    assert all(figure.axes for figure in figures)
    assert dict(mpl.rcParams) == before
    assert plt.get_fignums() == open_before
