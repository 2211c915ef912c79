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

# Parameters whose posteriors are strongly correlated (r with alpha in the BG/NBD; p, q and
# v in the Gamma-Gamma, which share one spend scale), shown in pair plots.
CORRELATED_PARAMETERS: dict[str, tuple[str, ...]] = {
    "bgnbd": ("r", "alpha"),
    "gamma_gamma": ("p", "q", "v"),
}

# Colours used across the plots (matplotlib's tab10 entries).
OBSERVED_COLOR = "#1f77b4"
MODEL_COLOR = "#ff7f0e"
PRIOR_COLOR = "#7f7f7f"

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
        return _collection_figure(collection, title)


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
        figure.subplots_adjust(top=0.78)
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
) -> Figure:
    """Posterior histogram against the log-normal prior density, per parameter, on a log axis.

    Densities are with respect to ``log(theta)``, so both curves keep their shape on the
    logarithmic axis; a posterior much narrower than the prior means the data, not the prior,
    determine the parameter.

    Parameters
    ----------
    posterior : mapping of str to numpy.ndarray
        Posterior draws per parameter (any shape; flattened).
    priors : mapping of str to (float, float)
        ``(median, log_sd)`` of each parameter's log-normal prior.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    """
    from scipy.stats import norm

    names = [name for name in posterior if name in priors]
    with plot_style():
        figure = Figure(figsize=(3.2 * max(len(names), 1), 2.8), layout="constrained")
        axes = figure.subplots(1, max(len(names), 1), squeeze=False)[0]
        for axis, name in zip(axes, names, strict=False):
            draws = np.log(np.asarray(posterior[name], dtype=np.float64).reshape(-1))
            median, log_sd = priors[name]
            centre = np.log(median)
            prior_low, prior_high = centre - 3 * log_sd, centre + 3 * log_sd
            low = min(prior_low, draws.min())
            high = max(prior_high, draws.max())
            grid = np.linspace(low, high, 400)
            axis.hist(
                draws,
                bins=60,
                density=True,
                histtype="stepfilled",
                color=MODEL_COLOR,
                alpha=0.6,
                label="posterior",
            )
            axis.plot(
                grid, norm.pdf(grid, centre, log_sd), color=PRIOR_COLOR, lw=1.5, label="prior"
            )
            ratio = np.std(np.exp(draws), ddof=1) / _lognormal_sd(median, log_sd)
            axis.set_title(f"{name}  (posterior sd / prior sd = {ratio:.2g})")
            axis.set_xlabel(f"log({name})")
            axis.set_yticks([])
        if names:
            axes[0].legend(loc="upper left")
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
