"""Convergence and fit-to-data plots of a run's models; every function returns a Figure.

MCMC plots (trace, rank, pair, energy) use ArviZ 1.x's ``arviz_plots`` with the matplotlib
backend; the prior-vs-posterior plot and the fit-to-data plots use matplotlib directly.
No function changes global matplotlib state: styles apply inside ``matplotlib.rc_context``
and figures that ``arviz_plots`` registers with pyplot are closed (unregistered) before they
are returned, so callers own them and nothing accumulates in pyplot.

Inputs are the saved posteriors (``xarray.DataTree`` from ``arviz.from_netcdf``) and the
NumPy results of :mod:`flo_bayes.diagnostics.fit_checks`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from flo_bayes.diagnostics.fit_checks import CountCheck, FrequencyRecencyGrid, SpendCheck

# Parameters whose posteriors are strongly correlated (the BG/NBD rate shape r and scale
# alpha trade off; so do the Gamma-Gamma shapes p, q and scale v), shown in pair plots.
CORRELATED_PARAMETERS: dict[str, tuple[str, ...]] = {
    "bgnbd": ("r", "alpha"),
    "mbgnbd": ("r", "alpha"),
    "pnbd": ("r", "alpha", "s", "beta"),
    "gamma_gamma": ("p", "q", "v"),
}

# Colours used across the plots (matplotlib's tab10 entries).
OBSERVED_COLOR = "#1f77b4"
MODEL_COLOR = "#ff7f0e"
PRIOR_COLOR = "#7f7f7f"

# Prior-vs-posterior: a posterior wider than this factor (largest / smallest value shown)
# is drawn on a log axis.
LOG_AXIS_RATIO = 20.0

# Style applied while a figure is built and saved (never globally).
PLOT_RC: dict[str, object] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "figure.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@contextmanager
def plot_style() -> Iterator[None]:
    """Apply the report's matplotlib style for the duration of the block only."""
    with mpl.rc_context(PLOT_RC):
        yield


def _detach(figure: Figure) -> Figure:
    """Unregister a pyplot-created figure so pyplot does not keep it alive; return it."""
    import matplotlib.pyplot as plt

    plt.close(figure)
    return figure


def _collection_figure(collection, title: str) -> Figure:
    """The matplotlib Figure behind an ``arviz_plots`` PlotCollection, titled and detached."""
    figure = collection.viz["figure"].item()
    figure.suptitle(title, fontsize=11)
    return _detach(figure)


def _chain_legend(figure: Figure, idata: xr.DataTree, *, by: str) -> None:
    """Name the chains with their integer ids, from the first panel's lines (one per chain).

    ``arviz_plots`` draws one line per chain in the order of the ``chain`` coordinate and
    tells them apart by ``by`` (``"color"`` or ``"linestyle"``) without a legend.
    """
    from matplotlib.lines import Line2D

    chains = [int(c) for c in idata["posterior"]["chain"].values]
    lines = figure.axes[0].get_lines()[: len(chains)] if figure.axes else []
    if len(lines) < len(chains):
        return
    handles = [
        Line2D(
            [],
            [],
            color=line.get_color() if by == "color" else "black",
            linestyle=line.get_linestyle() if by == "linestyle" else "-",
            lw=1.5,
        )
        for line in lines
    ]
    figure.legend(
        handles,
        [f"chain {c}" for c in chains],
        loc="upper right",
        ncols=len(chains),
        frameon=False,
        fontsize=8,
    )


def _present(idata: xr.DataTree, names: Sequence[str] | None) -> list[str] | None:
    if names is None:
        return None
    available = set(idata["posterior"].data_vars)
    return [name for name in names if name in available]


def trace_plot(
    idata: xr.DataTree, *, var_names: Sequence[str] | None = None, title: str = "Trace"
) -> Figure:
    """Marginal densities per chain and the traces (``arviz.plot_trace_dist``).

    Parameters
    ----------
    idata : xarray.DataTree
        A fitted model's saved posterior (``posterior`` and ``sample_stats`` groups).
    var_names : sequence of str, optional
        Parameters to show; default all.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    """
    import arviz as az

    with plot_style():
        collection = az.plot_trace_dist(
            idata, var_names=_present(idata, var_names), backend="matplotlib", compact=True
        )
        figure = _collection_figure(collection, title)
        _chain_legend(figure, idata, by="linestyle")
        return figure


def rank_plot(
    idata: xr.DataTree, *, var_names: Sequence[str] | None = None, title: str = "Rank ECDF"
) -> Figure:
    """Fractional-rank ECDF differences per chain with a simultaneous envelope (``plot_rank``).

    Chains that sample the same distribution stay inside the envelope.

    Parameters
    ----------
    idata : xarray.DataTree
        A fitted model's saved posterior.
    var_names : sequence of str, optional
        Parameters to show; default all.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    """
    import arviz as az

    with plot_style():
        names = _present(idata, var_names) or list(idata["posterior"].data_vars)
        collection = az.plot_rank(
            idata,
            var_names=names,
            backend="matplotlib",
            figure_kwargs={"figsize": (max(3.0 * len(names), 6.0), 3.4)},
        )
        figure = _collection_figure(collection, title)
        figure.subplots_adjust(top=0.74)
        _chain_legend(figure, idata, by="color")
        return figure


def pair_plot(
    idata: xr.DataTree,
    var_names: Sequence[str],
    *,
    max_points: int = 2000,
    seed: int = 0,
    title: str = "Pair plot",
) -> Figure:
    """Scatter of correlated parameters with marginals (``arviz.plot_pair``).

    Parameters
    ----------
    idata : xarray.DataTree
        A fitted model's saved posterior.
    var_names : sequence of str
        Two or more parameters (see :data:`CORRELATED_PARAMETERS`).
    max_points : int
        Thin the draws evenly to at most this many points per chain-combined scatter.
    seed : int
        Unused by the even thinning; kept for a uniform signature.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    """
    import arviz as az

    del seed
    posterior = idata["posterior"].to_dataset()[_present(idata, var_names)]
    n_total = posterior.sizes["chain"] * posterior.sizes["draw"]
    step = max(1, int(np.ceil(n_total / max_points)))
    thinned = xr.DataTree.from_dict({"posterior": posterior.isel(draw=slice(None, None, step))})
    with plot_style():
        size = 2.6 * len(posterior.data_vars) + 1.0
        collection = az.plot_pair(
            thinned,
            backend="matplotlib",
            marginal=True,
            figure_kwargs={"figsize": (size + 1.0, size)},
        )
        figure = _collection_figure(collection, title)
        _annotate_correlations(figure, posterior, list(posterior.data_vars))
        return figure


def _annotate_correlations(figure: Figure, posterior: xr.Dataset, names: list[str]) -> None:
    values = np.stack([posterior[name].values.reshape(-1) for name in names])
    corr = np.corrcoef(values)
    pairs = [
        f"corr({names[i]}, {names[j]}) = {corr[i, j]:+.2f}"
        for i in range(len(names))
        for j in range(i + 1, len(names))
    ]
    figure.text(0.99, 0.99, "\n".join(pairs), ha="right", va="top", fontsize=9)


def energy_plot(idata: xr.DataTree, *, title: str = "Energy") -> Figure:
    """Marginal and transition energy distributions with E-BFMI per chain (``plot_energy``).

    Parameters
    ----------
    idata : xarray.DataTree
        A fitted model's saved posterior with ``sample_stats.energy``.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    """
    import arviz as az

    with plot_style():
        collection = az.plot_energy(idata, backend="matplotlib")
        return _collection_figure(collection, title)


def prior_posterior_plot(
    posterior: Mapping[str, np.ndarray],
    priors: Mapping[str, tuple[float, float]],
    *,
    title: str = "Prior and posterior",
    interval: float = 0.9,
) -> Figure:
    """Per parameter: the posterior zoomed in with the prior over the same range, and both intervals.

    A posterior far narrower than its prior is a spike on the prior's axis, so each column
    has two panels. Top: the posterior density of ``log(theta)`` over the posterior's own
    range (axis in ``theta``, log scale), with the prior density over that range on its own
    scale (dashed; the top of the panel is the prior's peak, so a flat line near the top
    means the prior is flat there and a low line means the posterior sits in the prior's
    tail). Bottom: the prior's and the posterior's central intervals on one log axis, which
    shows how much of the prior the data ruled out.

    Parameters
    ----------
    posterior : mapping of str to numpy.ndarray
        Posterior draws per parameter (any shape; flattened).
    priors : mapping of str to (float, float)
        ``(median, log_sd)`` of each parameter's log-normal prior.
    title : str
        Figure title.
    interval : float
        Central probability of the intervals in the bottom panels.

    Returns
    -------
    matplotlib.figure.Figure

    """
    from scipy.stats import lognorm, norm

    names = [name for name in posterior if name in priors]
    z = float(norm.ppf(0.5 + interval / 2))
    tail = (1 - interval) / 2
    columns = max(len(names), 1)
    with plot_style():
        figure = Figure(figsize=(3.3 * columns, 3.9), layout="constrained")
        axes = figure.subplots(2, columns, squeeze=False, gridspec_kw={"height_ratios": (3.0, 1.2)})
        for j, name in enumerate(names):
            top, bottom = axes[0, j], axes[1, j]
            draws = np.log(np.asarray(posterior[name], dtype=np.float64).reshape(-1))
            median, log_sd = priors[name]
            centre = float(np.log(median))
            low, high = np.quantile(draws, (0.001, 0.999))
            pad = 0.25 * (high - low) if high > low else 0.1
            grid = np.linspace(low - pad, high + pad, 300)
            theta_grid = np.exp(grid)
            # A posterior spanning less than a factor LOG_AXIS_RATIO reads best on a plain
            # axis (densities of theta); a wider one on a log axis (densities of log theta).
            log_axis = theta_grid[-1] / theta_grid[0] > LOG_AXIS_RATIO
            if log_axis:
                density, edges = np.histogram(draws, bins=50, density=True)
                edges = np.exp(edges)
                prior_density = norm.pdf(grid, centre, log_sd)
                prior_peak = norm.pdf(centre, centre, log_sd)
            else:
                density, edges = np.histogram(np.exp(draws), bins=50, density=True)
                prior_density = lognorm.pdf(theta_grid, s=log_sd, scale=median)
                prior_peak = lognorm.pdf(median * np.exp(-(log_sd**2)), s=log_sd, scale=median)
            top.stairs(density, edges, fill=True, color=MODEL_COLOR, alpha=0.6, label="posterior")
            twin = top.twinx()
            twin.plot(
                theta_grid,
                prior_density,
                color=PRIOR_COLOR,
                lw=1.5,
                ls="--",
                label="prior (own scale)",
            )
            twin.set_ylim(0, 1.05 * prior_peak)
            twin.set_yticks([])
            twin.spines["right"].set_visible(False)
            if log_axis:
                top.set_xscale("log")
            top.xaxis.set_major_locator(
                MaxNLocator(4) if not log_axis else top.xaxis.get_major_locator()
            )
            top.set_xlim(theta_grid[0], theta_grid[-1])
            top.set_yticks([])
            ratio = np.std(np.exp(draws), ddof=1) / _lognormal_sd(median, log_sd)
            top.set_title(f"{name}: posterior sd / prior sd = {ratio:.2g}")
            top.set_xlabel(f"{name} (posterior range{', log scale' if log_axis else ''})")
            if j == 0:
                handles = top.get_legend_handles_labels()
                extra = twin.get_legend_handles_labels()
                top.legend(handles[0] + extra[0], handles[1] + extra[1], loc="upper left")
            prior_band = np.exp([centre - z * log_sd, centre + z * log_sd])
            posterior_band = np.exp(np.quantile(draws, (tail, 1 - tail)))
            bottom.hlines(1, *prior_band, color=PRIOR_COLOR, lw=5)
            bottom.plot(median, 1, "|", color="black", ms=10)
            bottom.hlines(0, *posterior_band, color=MODEL_COLOR, lw=5)
            bottom.plot(np.exp(np.median(draws)), 0, "|", color="black", ms=10)
            bottom.set_xscale("log")
            bottom.set_ylim(-0.7, 1.7)
            bottom.set_yticks(
                [0, 1], [f"posterior {interval:.0%}", f"prior {interval:.0%}"] if j == 0 else []
            )
            bottom.tick_params(axis="y", length=0)
            bottom.set_xlabel(f"{name} (log scale)")
        figure.suptitle(title, fontsize=11)
        return figure


def _lognormal_sd(median: float, log_sd: float) -> float:
    s2 = log_sd**2
    return float(median * np.sqrt(np.exp(s2) * (np.exp(s2) - 1.0)))


def period_transactions_plot(
    check: CountCheck, *, interval: float = 0.9, title: str | None = None
) -> Figure:
    """Customers per repeat-purchase count: observed bars against the posterior predictive.

    Parameters
    ----------
    check : CountCheck
        From :func:`flo_bayes.diagnostics.fit_checks.period_transactions_check`.
    interval : float
        Central probability of the predictive band drawn as error bars.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    """
    tail = (1 - interval) / 2
    low, mid, high = check.predicted_quantiles((tail, 0.5, 1 - tail))
    positions = np.arange(len(check.labels))
    width = 0.4
    with plot_style():
        figure = Figure(figsize=(8, 3.4), layout="constrained")
        axis = figure.subplots()
        axis.bar(
            positions - width / 2, check.observed, width, color=OBSERVED_COLOR, label="observed"
        )
        axis.bar(
            positions + width / 2,
            check.predicted.mean(axis=0),
            width,
            color=MODEL_COLOR,
            alpha=0.8,
            label=f"posterior predictive (mean, {interval:.0%} band)",
        )
        axis.errorbar(
            positions + width / 2,
            mid,
            yerr=[mid - low, high - mid],
            fmt="none",
            ecolor="black",
            capsize=3,
            lw=1,
        )
        axis.set_xticks(positions, check.labels)
        axis.set_xlabel("repeat purchases x in the calibration period")
        axis.set_ylabel("customers")
        axis.legend()
        axis.set_title(
            title or "Period transactions: observed vs simulated repeat purchases (BG/NBD)"
        )
        return figure


def frequency_recency_plot(grid: FrequencyRecencyGrid, *, time_unit: str = "weeks") -> Figure:
    """Heatmaps of expected purchases and P(alive) over frequency ``x`` and recency ``t_x``.

    Parameters
    ----------
    grid : FrequencyRecencyGrid
        From :func:`flo_bayes.diagnostics.fit_checks.frequency_recency_grid`.
    time_unit : str
        Unit of ``t_x``, ``T`` and the horizon, for labels.

    Returns
    -------
    matplotlib.figure.Figure

    """
    extent = (grid.t_x[0], grid.t_x[-1], grid.x[0] - 0.5, grid.x[-1] + 0.5)
    with plot_style():
        figure = Figure(figsize=(10, 3.8), layout="constrained")
        left, right = figure.subplots(1, 2)
        expected = np.ma.masked_invalid(grid.expected_purchases)
        positive = expected.compressed()
        positive = positive[positive > 0]
        norm = (
            LogNorm(vmin=max(positive.min(), 1e-3), vmax=positive.max())
            if positive.size and positive.max() > 10 * max(positive.min(), 1e-3)
            else None
        )
        image = left.imshow(
            expected, origin="lower", aspect="auto", extent=extent, cmap="viridis", norm=norm
        )
        figure.colorbar(image, ax=left, label="expected purchases")
        left.set_title(f"Expected purchases in the next {grid.horizon:.3g} {time_unit}")
        image = right.imshow(
            np.ma.masked_invalid(grid.p_alive),
            origin="lower",
            aspect="auto",
            extent=extent,
            cmap="magma",
            vmin=0,
            vmax=1,
        )
        figure.colorbar(image, ax=right, label="P(alive)")
        right.set_title("P(alive)")
        for axis in (left, right):
            axis.set_xlabel(f"recency t_x ({time_unit}, first to last purchase)")
            axis.set_ylabel("frequency x (repeat purchases)")
            axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        figure.suptitle(
            f"Frequency-recency grid for a customer with T = {grid.T:.3g} {time_unit} "
            "(posterior means; blank: impossible histories x = 0, t_x > 0)",
            fontsize=10,
        )
        return figure


def spend_plot(
    check: SpendCheck, *, currency: str = "", interval: float = 0.9, title: str | None = None
) -> Figure:
    """Observed vs posterior-predictive distribution of mean spend per purchase (Gamma-Gamma).

    Parameters
    ----------
    check : SpendCheck
        From :func:`flo_bayes.diagnostics.fit_checks.spend_check`.
    currency : str
        Currency label.
    interval : float
        Central probability of the predictive band.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    """
    tail = (1 - interval) / 2
    low, mid, high = np.quantile(check.predicted, (tail, 0.5, 1 - tail), axis=0)
    with plot_style():
        figure = Figure(figsize=(8, 3.4), layout="constrained")
        axis = figure.subplots()
        edges = check.edges
        axis.fill_between(
            edges,
            np.r_[low, low[-1]],
            np.r_[high, high[-1]],
            step="post",
            color=MODEL_COLOR,
            alpha=0.35,
            label=f"posterior predictive {interval:.0%} band",
        )
        axis.step(edges, np.r_[mid, mid[-1]], where="post", color=MODEL_COLOR, lw=1.2)
        axis.step(
            edges,
            np.r_[check.observed, check.observed[-1]],
            where="post",
            color=OBSERVED_COLOR,
            lw=1.8,
            label="observed",
        )
        axis.set_xscale("log")
        axis.set_xlabel(f"mean spend per purchase ({currency})".replace(" ()", ""))
        axis.set_ylabel("share of customers")
        pm = check.predicted_mean
        axis.legend(
            title=f"mean: observed {check.observed_mean:,.1f}, predicted {pm.mean():,.1f} "
            f"[{np.quantile(pm, tail):,.1f}, {np.quantile(pm, 1 - tail):,.1f}]",
            title_fontsize=8,
        )
        axis.set_title(title or "Mean spend per purchase: observed vs Gamma-Gamma predictive")
        return figure


def tracking_plots(
    weeks: np.ndarray,
    actual: np.ndarray,
    expected: tuple[np.ndarray, np.ndarray, np.ndarray],
    cumulative_actual: np.ndarray,
    cumulative_expected: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    start: str = "",
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Holdout tracking side by side: purchases per week (left) and cumulative (right).

    Parameters
    ----------
    weeks : numpy.ndarray
        Week numbers (1 = first holdout week).
    actual, cumulative_actual : numpy.ndarray
        Actual purchases in each week and cumulated.
    expected, cumulative_expected : tuple of numpy.ndarray
        ``(mean, q05, q95)`` of the model's expectation per week and cumulated.
    start : str
        Day the holdout starts after (for the x label).
    labels : mapping of str to str, optional
        Translated texts: ``actual``, ``expected``, ``band``, ``weekly``, ``cumulative``,
        ``x``, ``y``.

    Returns
    -------
    matplotlib.figure.Figure

    """
    text = {
        "actual": "actual",
        "expected": "expected (posterior mean)",
        "band": "90 % band of the expectation",
        "weekly": "Purchases per holdout week",
        "cumulative": "Cumulative purchases",
        "x": f"weeks after {start}" if start else "holdout week",
        "y": "purchases",
    } | dict(labels or {})
    with plot_style():
        figure = Figure(figsize=(11, 3.6), layout="constrained")
        left, right = figure.subplots(1, 2)
        for axis, observed, (mean, low, high), title in (
            (left, actual, expected, text["weekly"]),
            (right, cumulative_actual, cumulative_expected, text["cumulative"]),
        ):
            axis.fill_between(weeks, low, high, color=MODEL_COLOR, alpha=0.3, label=text["band"])
            axis.plot(weeks, mean, "--", color=MODEL_COLOR, lw=1.5, label=text["expected"])
            axis.plot(weeks, observed, color="black", lw=1.3, label=text["actual"])
            axis.set_title(title)
            axis.set_xlabel(text["x"])
            axis.set_ylabel(text["y"])
            axis.set_ylim(bottom=0)
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        left.legend(loc="upper right")
        return figure
