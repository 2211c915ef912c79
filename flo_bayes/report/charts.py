"""CLTV charts and group tables of the report (results, not diagnostics)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from flo_bayes.diagnostics.plots import MODEL_COLOR, OBSERVED_COLOR, plot_style

# Share of the largest values left off the CLTV histogram's axis (they are heavy-tailed).
HISTOGRAM_TOP_CUT = 0.995
# Width (inches) of the executive summary's charts: the page's content width at 90 dpi.
SUMMARY_WIDTH = 12.6


def cltv_columns(customers: pl.DataFrame, horizon: str) -> dict[str, str]:
    """Names of the predictive and expected CLTV columns of a horizon tag (e.g. ``6m``)."""
    prefix = f"cltv_{horizon}_pred_"
    names = {
        "mean": prefix + "mean",
        "median": prefix + "median",
        "q05": prefix + "q05",
        "q25": prefix + "q25",
        "q75": prefix + "q75",
        "q95": prefix + "q95",
        "expected": f"expected_cltv_{horizon}_mean",
    }
    return {key: name for key, name in names.items() if name in customers.columns}


def group_cltv_table(
    customers: pl.DataFrame,
    group: str,
    horizon: str,
    draws: np.ndarray | None = None,
    *,
    interval: float = 0.9,
) -> pl.DataFrame:
    """Per group: customers, mean P(alive), mean CLTV with the typical customer's band, totals.

    Parameters
    ----------
    customers : polars.DataFrame
        The exported customer table.
    group : str
        Grouping column (``segment``, ``tier_label``, ``value_tier``).
    horizon : str
        CLTV horizon tag (``6m``).
    draws : numpy.ndarray, optional
        ``(N, K)`` per-customer CLTV draws in the row order of ``customers``; when given,
        the group's total CLTV gets a predictive band (draws share the posterior index, so
        the band carries the parameter correlation between customers).
    interval : float
        Central probability of the total's band.

    Returns
    -------
    polars.DataFrame
        One row per group, in the group column's order.

    """
    columns = cltv_columns(customers, horizon)
    aggregations = [pl.len().alias("customers")]
    if "p_alive" in customers.columns:
        aggregations.append(pl.col("p_alive").mean().alias("mean_p_alive"))
    labels = {
        "mean": "mean_cltv",
        "q05": "mean_cltv_q05",
        "q25": "mean_cltv_q25",
        "q75": "mean_cltv_q75",
        "q95": "mean_cltv_q95",
    }
    for key, label in labels.items():
        if key in columns:
            aggregations.append(pl.col(columns[key]).mean().alias(label))
    if "mean" in columns:
        aggregations.append(pl.col(columns["mean"]).sum().alias("total_cltv"))
    table = customers.group_by(group, maintain_order=True).agg(aggregations).sort(group)
    if draws is not None and draws.shape[0] == customers.height and draws.shape[1] > 1:
        tail = (1 - interval) / 2
        keys = customers[group].cast(pl.Utf8).to_numpy()
        low, high = [], []
        for value in table[group].cast(pl.Utf8).to_list():
            mask = keys == value
            totals = draws[mask].sum(axis=0)
            low.append(float(np.quantile(totals, tail)))
            high.append(float(np.quantile(totals, 1 - tail)))
        table = table.with_columns(
            pl.Series(f"total_cltv_q{round(100 * tail):02d}", low),
            pl.Series(f"total_cltv_q{round(100 * (1 - tail)):02d}", high),
        )
    return table.with_columns(pl.col(group).cast(pl.Utf8))


def cltv_histogram(customers: pl.DataFrame, horizon: str, *, currency: str = "") -> Figure:
    """Histogram of customers' predictive mean CLTV and the width of their 90 % bands."""
    columns = cltv_columns(customers, horizon)
    mean = customers[columns["mean"]].to_numpy()
    cut = float(np.quantile(mean, HISTOGRAM_TOP_CUT)) if mean.size else 1.0
    with plot_style():
        figure = Figure(figsize=(10, 3.2), layout="constrained")
        left, right = figure.subplots(1, 2)
        left.hist(np.minimum(mean, cut), bins=60, histtype="stepfilled", color=OBSERVED_COLOR)
        left.set_xlabel(f"predictive mean CLTV, {horizon} ({currency})")
        left.set_ylabel("customers")
        left.set_title(
            f"Per-customer CLTV\n(values above the {HISTOGRAM_TOP_CUT:.1%} quantile piled at the right)"
        )
        if "q05" in columns and "q95" in columns:
            low = customers[columns["q05"]].to_numpy()
            high = customers[columns["q95"]].to_numpy()
            order = np.argsort(mean)
            sample = order[np.linspace(0, order.size - 1, min(order.size, 400)).astype(int)]
            ranks = np.arange(sample.size)
            right.fill_between(
                ranks,
                low[sample],
                high[sample],
                color=MODEL_COLOR,
                alpha=0.35,
                label="90 % predictive band",
            )
            right.plot(ranks, mean[sample], color=MODEL_COLOR, lw=1.2, label="mean")
            top = float(np.quantile(high[sample], 0.98)) if sample.size else 1.0
            right.set_ylim(0, top * 1.1 if top > 0 else 1.0)
            right.set_xlabel("customers ordered by mean CLTV (evenly spaced sample)")
            right.set_ylabel(f"CLTV ({currency})")
            right.set_title("Each customer's 90 % predictive band\n(axis cut at the 98 % quantile)")
            right.legend(loc="upper left")
        return figure


def cltv_band_chart(
    customers: pl.DataFrame, group: str, horizon: str, *, currency: str = ""
) -> Figure:
    """Per group: spread of customers' mean CLTV (box) and the typical predictive band.

    The left panel is a box-like summary of the customers' predictive mean CLTV (box:
    quartiles, line: 5 % to 95 % quantiles across customers, tick: median). The right panel shows, per group,
    the average of the customers' own predictive quantiles: a thin line from mean q05 to
    mean q95, a thick one from mean q25 to mean q75, a dot at the mean CLTV.
    """
    columns = cltv_columns(customers, horizon)
    groups = [g for g in customers[group].unique(maintain_order=True).sort().to_list()]
    values = [customers.filter(pl.col(group) == g)[columns["mean"]].to_numpy() for g in groups]
    labels = [str(g) for g in groups]
    positions = np.arange(len(groups))
    with plot_style():
        figure = Figure(figsize=(12, 0.45 * len(groups) + 1.6), layout="constrained")
        left, right = figure.subplots(1, 2, sharey=True)
        for position, data in zip(positions, values, strict=True):
            if data.size == 0:
                continue
            q05, q25, q50, q75, q95 = np.quantile(data, (0.05, 0.25, 0.5, 0.75, 0.95))
            left.hlines(position, q05, q95, color=OBSERVED_COLOR, lw=1.2)
            left.hlines(position, q25, q75, color=OBSERVED_COLOR, lw=9, alpha=0.6)
            left.plot(q50, position, "|", color="black", ms=12, mew=2)
        left.set_yticks(positions, labels)
        left.set_xlabel(f"customers' predictive mean CLTV, {horizon} ({currency})")
        left.set_title("Customers' mean CLTV\n(box 25-75 %, line 5-95 %, | median)")
        summary = group_cltv_table(customers, group, horizon)
        summary = summary.with_columns(pl.col(group).cast(pl.Utf8))
        lookup = {row[group]: row for row in summary.iter_rows(named=True)}
        for position, label in zip(positions, labels, strict=True):
            row = lookup[label]
            if "mean_cltv_q05" in row and "mean_cltv_q95" in row:
                right.hlines(
                    position, row["mean_cltv_q05"], row["mean_cltv_q95"], color=MODEL_COLOR, lw=1.5
                )
            if "mean_cltv_q25" in row and "mean_cltv_q75" in row:
                right.hlines(
                    position, row["mean_cltv_q25"], row["mean_cltv_q75"], color=MODEL_COLOR, lw=6
                )
            right.plot(row["mean_cltv"], position, "o", color="black", ms=4)
        right.set_xlabel(f"CLTV, {horizon} ({currency})")
        right.set_title("Average predictive band\n(thin q05-q95, thick q25-q75, • mean)")
        right.set_xlim(left=0)
        left.set_xlim(left=0)
        left.invert_yaxis()  # first group on top, as in the tables
        return figure


def group_value_chart(
    panels: list[tuple[str, pl.DataFrame, str]],
    *,
    xlabel: str,
    band: tuple[str, str] = ("total_cltv_q05", "total_cltv_q95"),
    number: Callable[[float], str] = lambda value: f"{value:,.0f}",
) -> Figure:
    """Total value per group with its band, one panel per grouping, largest group on top.

    Parameters
    ----------
    panels : list of (str, polars.DataFrame, str)
        ``(title, table, group column)``; each table from :func:`group_cltv_table` with
        ``total_cltv`` and the band columns.
    xlabel : str
        Axis label (names the horizon and currency).
    band : tuple of str
        Columns of the band's ends.
    number : callable
        Formats the axis's numbers (thousands separators of the report's language).

    Returns
    -------
    matplotlib.figure.Figure

    """
    rows = max(frame.height for _, frame, _ in panels) if panels else 1
    with plot_style():
        figure = Figure(figsize=(SUMMARY_WIDTH, 0.3 * rows + 1.4), layout="constrained")
        axes = figure.subplots(1, max(len(panels), 1), squeeze=False)[0]
        for axis, (title, frame, group) in zip(axes, panels, strict=False):
            ordered = frame.sort("total_cltv", descending=True)
            positions = np.arange(ordered.height)
            axis.barh(positions, ordered["total_cltv"], color=OBSERVED_COLOR, alpha=0.75)
            if all(column in ordered.columns for column in band):
                axis.hlines(positions, ordered[band[0]], ordered[band[1]], color="black", lw=1.6)
            axis.set_yticks(positions, ordered[group].cast(pl.Utf8).to_list())
            axis.set_ylim(rows - 0.5, -0.5)  # same bar height in every panel, first on top
            axis.set_xlim(left=0)
            axis.set_xlabel(xlabel)
            axis.set_title(title)
            axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
        return figure


def profit_band_chart(
    summary: pl.DataFrame,
    *,
    xlabel: str,
    contacts_label: str = "{n} contacts",
    nobody_label: str = "no customer selected",
    low: str = "profit_q05",
    high: str = "profit_q95",
    number: Callable[[float], str] = lambda value: f"{value:,.0f}",
) -> Figure:
    """Campaign plan: each campaign's expected profit (dot) and 90 % band (line), zero marked.

    Parameters
    ----------
    summary : polars.DataFrame
        The plan summary (``campaign``, ``contacts``, ``profit_mean`` and the band columns);
        a ``TOTAL`` row is left out.
    xlabel : str
        Axis label (names the currency).
    contacts_label, nobody_label : str
        Annotation texts (``{n}`` is the number of contacts).
    low, high : str
        Columns of the band's ends.
    number : callable
        Formats numbers (thousands separators of the report's language).

    Returns
    -------
    matplotlib.figure.Figure

    """
    from flo_bayes.campaigns.columns import TOTAL_ROW

    plans = summary.filter(pl.col("campaign") != TOTAL_ROW)
    positions = np.arange(plans.height)
    with plot_style():
        figure = Figure(
            figsize=(SUMMARY_WIDTH, 0.42 * max(plans.height, 1) + 1.3), layout="constrained"
        )
        axis = figure.subplots()
        axis.axvline(0, color="#c62828", lw=1, ls=":")
        for position, row in zip(positions, plans.iter_rows(named=True), strict=True):
            contacts = int(row.get("contacts") or 0)
            if contacts == 0:
                axis.text(0, position, "  " + nobody_label, va="center", color="#57606a")
                continue
            axis.hlines(position, row[low], row[high], color=MODEL_COLOR, lw=6, alpha=0.7)
            axis.plot(row["profit_mean"], position, "o", color="black", ms=5)
            axis.annotate(
                contacts_label.format(n=number(contacts)),
                (row[high], position),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        axis.set_yticks(positions, plans["campaign"].to_list())
        axis.set_ylim(max(plans.height, 1) - 0.4, -0.6)  # first campaign on top, room below
        axis.set_xlabel(xlabel)
        axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
        axis.margins(x=0.12)
        return figure
