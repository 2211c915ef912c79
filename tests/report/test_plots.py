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


def test_prior_posterior_zooms_on_the_posterior_and_shows_both_intervals(run):
    posterior = run.bgnbd_idata["posterior"].to_dataset()
    draws = posterior["r"].values.reshape(-1)
    prior = (1.0, 2.0)  # median 1, log-sd 2: far wider than the posterior
    figure = plots.prior_posterior_plot({"r": draws}, {"r": prior})
    top, bottom = figure.axes[0], figure.axes[1]
    low, high = top.get_xlim()
    # The top panel spans the posterior (with a margin), not the prior's +-3 sd.
    assert low <= draws.min() and high >= draws.max()
    assert high / low < np.exp(2 * 3 * prior[1]) / 10
    # The bottom panel holds the prior's 90 % interval, which is wider than the posterior's.
    segments = [c.get_segments()[0] for c in bottom.collections]
    widths = sorted(abs(s[1][0] - s[0][0]) for s in segments)
    z = 1.6448536269514722
    assert widths[-1] == pytest.approx(np.exp(z * 2.0) - np.exp(-z * 2.0))
    assert widths[0] < widths[-1] / 10


@pytest.mark.parametrize("make", [plots.trace_plot, plots.rank_plot])
def test_chain_legends_name_chains_with_integers(run, make):
    figure = make(run.bgnbd_idata)
    labels = [text.get_text() for legend in figure.legends for text in legend.get_texts()]
    chains = [int(c) for c in run.bgnbd_idata["posterior"]["chain"].values]
    assert labels == [f"chain {c}" for c in chains]


def test_tracking_plots_draw_weekly_and_cumulative():
    weeks = np.arange(1, 11)
    weekly = np.full(10, 5.0)
    figure = plots.tracking_plots(
        weeks,
        weekly,
        (weekly, weekly - 1, weekly + 1),
        np.cumsum(weekly),
        (np.cumsum(weekly), np.cumsum(weekly) - 3, np.cumsum(weekly) + 3),
        start="1997-09-30",
    )
    left, right = figure.axes
    assert left.get_xlabel() == "weeks after 1997-09-30"
    assert max(line.get_ydata().max() for line in right.get_lines()) == pytest.approx(50.0)
    assert max(line.get_ydata().max() for line in left.get_lines()) == pytest.approx(5.0)
