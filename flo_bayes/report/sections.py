"""The report's sections, each a function from the loaded run to an HTML fragment."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import polars as pl
import xarray as xr
from matplotlib.figure import Figure

from flo_bayes.api import BACKTEST_FILES, Run, campaign_summary_path
from flo_bayes.diagnostics import fit_checks, plots
from flo_bayes.diagnostics.convergence import sampler_stats
from flo_bayes.models.comparison import LOO_COLUMNS, PICK_RULE
from flo_bayes.models.registry import PURCHASE_MODELS
from flo_bayes.predictive.population import (
    GAMMA_GAMMA_PARAMETERS,
    PopulationDraws,
)
from flo_bayes.report import charts
from flo_bayes.report.html import (
    error_note,
    esc,
    figure_data_uri,
    format_value,
    image,
    key_value_table,
    png_data_uri,
    section,
    table,
)
from flo_bayes.report.i18n import TEXT, Translator
from flo_bayes.runs import RunFolder
from flo_bayes.segmentation.tiers import TIERS
from flo_bayes.units import months_to_time_units

# Posterior draws used by the fit-to-data checks (thinned evenly; enough for 90 % bands).
CHECK_DRAWS = 100
# Rejected rows listed in the report (all of them are in rejected_rows.csv).
REJECTED_ROWS_SHOWN = 20
# Largest x on the frequency-recency grid: the observed quantile of x at this level.
GRID_X_QUANTILE = 0.99
MODEL_LABELS = {
    **{name: model.label for name, model in PURCHASE_MODELS.items()},
    "gamma_gamma": "Gamma-Gamma",
}
MODEL_PARAMETERS = {
    **{name: model.parameters for name, model in PURCHASE_MODELS.items()},
    "gamma_gamma": GAMMA_GAMMA_PARAMETERS,
}


@dataclass
class ReportContext:
    """The loaded run plus derived settings shared by the sections.

    Attributes
    ----------
    run : Run
        The loaded run folder.
    language : {"en", "tr"}
        Language of the headings, labels and the executive summary.

    """

    run: Run
    language: str = "en"

    @cached_property
    def t(self) -> Translator:
        """The report's text in :attr:`language`."""
        return Translator(self.language)  # type: ignore[arg-type]

    @property
    def manifest(self) -> dict:
        """The run manifest."""
        return self.run.manifest

    @property
    def seed(self) -> int:
        """The run's seed (the report's simulations derive from it)."""
        return int(self.manifest.get("seed", 0))

    @property
    def horizon_months(self) -> float:
        """The CLTV horizon in months."""
        return float(self.run.config.get("prediction", {}).get("cltv_horizon_months", 6.0))

    @property
    def horizon_tag(self) -> str:
        """Column tag of the CLTV horizon (``6m``)."""
        return f"{self.horizon_months:g}".replace(".", "_") + "m"

    @property
    def horizon_units(self) -> float:
        """The CLTV horizon in the model's time unit."""
        return months_to_time_units(self.horizon_months, self.run.time_unit)

    @cached_property
    def idata(self) -> dict[str, xr.DataTree]:
        """Both posteriors, keyed by model name."""
        fits = {self.run.purchase_model_name: self.run.purchase_idata}
        if not self.run.purchases_only:  # a log without amounts has no Gamma-Gamma model
            fits["gamma_gamma"] = self.run.gamma_gamma_idata
        return fits

    @cached_property
    def draws(self) -> PopulationDraws:
        """Paired posterior draws thinned to :data:`CHECK_DRAWS`."""
        return self.run.population_draws(max_draws=CHECK_DRAWS)

    def rng(self, stream: int) -> np.random.Generator:
        """A generator for one check, derived from the run seed."""
        return np.random.default_rng([self.seed, stream])


def embed(what: str, make: Callable[[], Figure], caption: str = "") -> str:
    """Build a figure, embed it as PNG, release it; an error becomes a visible note."""
    try:
        figure = make()
        with plots.plot_style():
            uri = figure_data_uri(figure)
    except Exception as error:  # noqa: BLE001 - one broken plot must not lose the report
        return error_note(what, error)
    return image(uri, alt=what, caption=caption)


# ----------------------------------------------------------------------------- header


def gate_banner(manifest: dict, t: Translator | None = None, *, compact: bool = False) -> str:
    """The convergence verdict: green when passed, a loud red box listing failures otherwise.

    ``compact`` (the page header) makes a passed verdict one slim line and folds a failure's
    list of checks into a ``<details>``, so the executive summary stays on the first screen;
    the failure's title and text stay as loud.
    """
    t = t or Translator()
    convergence = manifest.get("convergence") or {}
    if not convergence:
        return (
            f'<div class="banner bad"><strong class="big">{esc(t("gate.missing_title"))}'
            f"</strong>{esc(t('gate.missing_text'))}</div>"
        )
    checks = convergence.get("checks", [])
    if convergence.get("passed"):
        text = t("gate.passed", n=len(checks))
        head, _, rest = text.partition(":")
        css = "banner ok compact" if compact else "banner ok"
        return f'<div class="{css}"><strong>{esc(head)}</strong>:{esc(rest)}</div>'
    failures = convergence.get("failures") or [c for c in checks if not c.get("passed")]
    items = "".join(
        f"<li><code>{esc(f['target'])}</code> {esc(f['check'])} = "
        f"{esc(format_value(f['value']))} (needs {esc(f['rule'])})</li>"
        for f in failures
    )
    listing = f"<ul>{items}</ul>"
    if compact:
        listing = (
            f"<details><summary>{esc(t('gate.failed_list', n=len(failures)))}</summary>"
            f"{listing}</details>"
        )
    return (
        f'<div class="banner bad"><strong class="big">&#9888; {esc(t("gate.failed_title"))}'
        f"</strong>{esc(t('gate.failed_text', failed=len(failures), n=len(checks)))}"
        f"{listing}</div>"
    )


def header(context: ReportContext, built_at: str) -> str:
    """Title, run identity, the gate verdict and the count of warnings (kept short)."""
    run = context.run
    t = context.t
    manifest = context.manifest
    source = manifest.get("input", {})
    warnings = all_warnings(context)
    warning_banner = ""
    if warnings:
        codes = ", ".join(sorted({w.get("code", "?") for w in warnings}))
        warning_banner = (
            f'<div class="banner warn compact">{esc(t("warn.banner", n=len(warnings), codes=codes))}'
            f' <a href="#warnings">{esc(t("warn.see"))}</a>.</div>'
        )
    meta = t(
        "page.meta",
        path=source.get("path", "?"),
        format=source.get("format", "?"),
        date=manifest.get("analysis_date", "?"),
        unit=t(f"unit.{run.time_unit}") if f"unit.{run.time_unit}" in TEXT else run.time_unit,
        currency=run.currency,
        finished=manifest.get("finished_at", "?"),
        built=built_at,
    )
    return (
        f"<h1>{esc(t('page.heading', name=manifest.get('run_id', run.path.name)))}</h1>"
        f'<p class="meta">{esc(meta)}</p>'
        f"{gate_banner(manifest, t, compact=True)}{warning_banner}"
    )


# ----------------------------------------------------------------------------- summary

# Customers listed per campaign under "who to contact first".
CONTACT_FIRST_ROWS = 5
# Campaign lists shown there (the first ones of the plan that chose someone).
CONTACT_FIRST_CAMPAIGNS = 6


def _kpi(value: str, label: str, note: str = "", css: str = "") -> str:
    note_html = f'<div class="note">{esc(note)}</div>' if note else ""
    return (
        f'<div class="kpi {css}"><div class="value">{esc(value)}</div>'
        f'<div class="label">{esc(label)}</div>{note_html}</div>'
    )


def _value_table(context: ReportContext, frame: pl.DataFrame, group: str) -> str:
    """Compact per-group value table for marketing: counts, shares, totals with bands."""
    t = context.t
    currency = context.run.currency
    total_customers = max(int(frame["customers"].sum()), 1)
    total_value = float(frame["total_cltv"].sum()) or 1.0
    ordered = frame.sort("total_cltv", descending=True)
    band = [
        f"{t.number(lo)} – {t.number(hi)}"
        for lo, hi in zip(ordered["total_cltv_q05"], ordered["total_cltv_q95"], strict=True)
    ]
    shown = pl.DataFrame(
        {
            t(f"col.{group}"): ordered[group].to_list(),
            t("col.customers"): [t.number(n) for n in ordered["customers"]],
            t("col.share_customers"): [
                t.percent(n / total_customers) for n in ordered["customers"]
            ],
            t("col.total_value", currency=currency): [t.number(v) for v in ordered["total_cltv"]],
            t("col.total_value_band", currency=currency): band,
            t("col.share_value"): [t.percent(v / total_value) for v in ordered["total_cltv"]],
            t("col.mean_p_alive"): [t.percent(p) for p in ordered["mean_p_alive"]],
        }
    )
    numeric = set(shown.columns[1:])
    return table(shown, max_rows=50, right_aligned=numeric)


def _contact_first(context: ReportContext) -> str:
    """The first customers of each campaign's list, or the most valuable customers."""
    t = context.t
    run = context.run
    currency = run.currency
    summary = run.campaign_summary
    frames = []
    if summary is not None and "contacts" in summary.columns:
        chosen = summary.filter(
            (pl.col("campaign") != "TOTAL") & (pl.col("contacts").fill_null(0) > 0)
        )
        for name in chosen["campaign"].to_list()[:CONTACT_FIRST_CAMPAIGNS]:
            path = run.path / "campaigns" / f"{name}.csv"
            if not path.is_file():
                continue
            frame = pl.read_csv(path, infer_schema_length=1000).head(CONTACT_FIRST_ROWS)
            if "campaign" not in frame.columns:
                frame = frame.with_columns(pl.lit(name).alias("campaign"))
            frames.append(frame)
    tag = context.horizon_tag
    if frames:
        lead = t("summary.contact_first_lead", n=CONTACT_FIRST_ROWS)
        listed = pl.concat(frames, how="diagonal_relaxed")
    else:
        lead = t("summary.top_value_lead", n=10)
        mean = f"cltv_{tag}_pred_mean"
        if mean not in run.customers.columns:
            return ""
        listed = run.customers.sort(mean, descending=True).head(10)
    shown, numeric = _contact_frame(context, listed, currency)
    return f"<p>{esc(lead)}</p>" + table(shown, max_rows=100, right_aligned=numeric)


def _contact_frame(
    context: ReportContext, listed: pl.DataFrame, currency: str
) -> tuple[pl.DataFrame, set[str]]:
    """The "who to contact first" table: short worded headers, percentages, money, one band.

    Returns the table and its number-like columns (aligned right).
    """
    t = context.t
    mean = f"cltv_{context.horizon_tag}_pred_mean"
    columns: dict[str, list] = {}
    numeric: set[str] = set()
    # No customer ids: the report is shared (e-mailed) and holds none (see README, Privacy);
    # the rank points into the campaign's list, which has them.
    for name in ("campaign", "rank", "segment", "tier_label"):
        if name in listed.columns:
            columns[t(f"col.{name}")] = listed[name].cast(pl.Utf8).to_list()
    if context.language == "tr" and "tier" in listed.columns and t("col.tier_label") in columns:
        labels = {tier.id: tier.label("tr") for tier in TIERS}
        columns[t("col.tier_label")] = [
            labels.get(tier, tier) for tier in listed["tier"].cast(pl.Utf8).to_list()
        ]
    numeric.add(t("col.rank"))
    if "p_alive" in listed.columns:
        columns[t("col.p_alive")] = [t.percent(v) for v in listed["p_alive"].to_list()]
        numeric.add(t("col.p_alive"))
    if mean in listed.columns:
        header = t("col.cltv_mean", months=format_value(context.horizon_months), currency=currency)
        columns[header] = [t.number(v) for v in listed[mean].to_list()]
        numeric.add(header)
    if "incremental_profit_mean" in listed.columns:
        header = t("col.profit_mean", currency=currency)
        columns[header] = [t.number(v) for v in listed["incremental_profit_mean"].to_list()]
        numeric.add(header)
        if {"incremental_profit_q05", "incremental_profit_q95"} <= set(listed.columns):
            header = t("col.profit_band", currency=currency)
            columns[header] = [
                f"{t.number(lo)} – {t.number(hi)}"
                for lo, hi in zip(
                    listed["incremental_profit_q05"], listed["incremental_profit_q95"], strict=True
                )
            ]
            numeric.add(header)
    if "p_loss" in listed.columns:
        columns[t("col.p_loss")] = [t.percent(v) for v in listed["p_loss"].to_list()]
        numeric.add(t("col.p_loss"))
    return pl.DataFrame(columns), numeric


def summary_section(context: ReportContext) -> str:
    """Executive summary for marketing: value by segment and value tier, the plan, first contacts."""
    t = context.t
    run = context.run
    customers = run.customers
    currency = run.currency
    tag = context.horizon_tag
    months = format_value(context.horizon_months)
    columns = charts.cltv_columns(customers, tag)
    parts = [
        f"<p>{esc(t('summary.lead', customers=t.number(customers.height), months=months, currency=currency))}</p>"
    ]
    draws = _draw_matrix(run)
    kpis = [_kpi(t.number(customers.height), t("kpi.customers"))]
    if "mean" in columns:
        total = float(customers[columns["mean"]].sum())
        note = ""
        if draws is not None and draws.shape[1] > 1:
            totals = draws.sum(axis=0)
            low, high = np.quantile(totals, (0.05, 0.95))
            note = t("kpi.band", low=t.number(low), high=t.number(high))
        kpis.append(
            _kpi(t.number(total), t("kpi.total_cltv", months=months, currency=currency), note)
        )
    if "p_alive" in customers.columns:
        kpis.append(_kpi(t.percent(float(customers["p_alive"].mean())), t("kpi.p_alive")))
    summary = run.campaign_summary
    if summary is not None and "profit_mean" in summary.columns:
        total_row = summary.filter(pl.col("campaign") == "TOTAL")
        if total_row.height:
            row = total_row.row(0, named=True)
            band = ""
            if row.get("profit_q05") is not None and row.get("profit_q95") is not None:
                band = t(
                    "kpi.band", low=t.number(row["profit_q05"]), high=t.number(row["profit_q95"])
                )
            contacts = t("kpi.contacts", n=t.number(int(row.get("contacts") or 0)))
            kpis.append(
                _kpi(
                    t.number(row["profit_mean"]),
                    t("kpi.campaign_profit", currency=currency),
                    f"{contacts}; {band}" if band else contacts,
                )
            )
    passed = run.gate_passed
    kpis.append(
        _kpi(
            "✓" if passed else "✗",
            t("kpi.gate_ok") if passed else t("kpi.gate_bad"),
            css="ok" if passed else "bad",
        )
    )
    parts.append(f'<div class="kpis">{"".join(kpis)}</div>')

    if "mean" in columns:
        panels = []
        tables = []
        for group, key in (
            ("segment", "summary.by_segment"),
            ("value_tier", "summary.by_value_tier"),
        ):
            if group not in customers.columns:
                continue
            frame = charts.group_cltv_table(customers, group, tag, draws)
            if "total_cltv_q05" not in frame.columns:
                frame = frame.with_columns(
                    pl.col("total_cltv").alias("total_cltv_q05"),
                    pl.col("total_cltv").alias("total_cltv_q95"),
                )
            if group == "value_tier":
                frame = _value_tier_labels(context, frame)
            panels.append((t(key), frame, group))
            tables.append(f"<h3>{esc(t(key))}</h3>{_value_table(context, frame, group)}")
        if panels:
            parts.append(
                embed(
                    t("summary.by_segment"),
                    lambda: charts.group_value_chart(
                        panels,
                        xlabel=t("chart.total_value", months=months, currency=currency),
                        number=t.number,
                    ),
                    t("summary.value_chart_caption"),
                )
            )
            parts.append(f'<div class="summarytables">{"".join(tables)}</div>')

    parts.append(f"<h3>{esc(t('summary.plan'))}</h3>")
    if summary is not None and {"profit_mean", "profit_q05", "profit_q95"} <= set(summary.columns):
        parts.append(
            embed(
                t("summary.plan"),
                lambda: charts.profit_band_chart(
                    summary,
                    xlabel=t("chart.profit", currency=currency),
                    contacts_label=t("chart.contacts_label", n="{n}"),
                    nobody_label=t("chart.no_contacts"),
                    number=t.number,
                ),
                t("summary.plan_caption"),
            )
        )
        nobody = summary.filter(
            (pl.col("campaign") != "TOTAL") & (pl.col("contacts").fill_null(0) == 0)
        )["campaign"].to_list()
        if nobody:
            parts.append(
                f'<p class="banner warn compact">{esc(t("summary.nobody", n=len(nobody), names=", ".join(nobody)))}</p>'
            )
    else:
        parts.append(f'<p class="muted">{esc(t("summary.no_plan"))}</p>')
    parts.append(f"<h3>{esc(t('summary.contact_first'))}</h3>")
    parts.append(_contact_first(context))
    return section("summary", t("summary.title"), "".join(parts))


VALUE_TIER_TR = {"top": "en yüksek", "high": "yüksek", "mid": "orta", "low": "düşük"}


def _value_tier_labels(context: ReportContext, frame: pl.DataFrame) -> pl.DataFrame:
    """Value-tier names in the report's language (the data keep top/high/mid/low)."""
    if context.language != "tr":
        return frame
    return frame.with_columns(pl.col("value_tier").replace(VALUE_TIER_TR))


# ----------------------------------------------------------------------------- data


def _describe(customers: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    rows = []
    for name in columns:
        if name not in customers.columns:
            continue
        values = customers[name].cast(pl.Float64).drop_nulls().to_numpy()
        if values.size == 0:
            continue
        q25, q50, q75 = np.quantile(values, (0.25, 0.5, 0.75))
        rows.append(
            {
                "column": name,
                "mean": float(values.mean()),
                "min": float(values.min()),
                "q25": float(q25),
                "median": float(q50),
                "q75": float(q75),
                "max": float(values.max()),
            }
        )
    return pl.DataFrame(rows)


def data_section(context: ReportContext) -> str:
    """Input, row accounting, rejected rows and the customer summary."""
    run = context.run
    manifest = context.manifest
    counts = manifest.get("row_counts", {})
    source = manifest.get("input", {})
    parts = [f"<h3>{esc(context.t('h.input'))}</h3>"]
    parts.append(
        key_value_table(
            [
                ("input file", source.get("path", "")),
                ("format", source.get("format", "")),
                ("SHA-256", source.get("sha256", "")),
                ("columns ignored", source.get("ignored_columns") or "none"),
                ("analysis date", manifest.get("analysis_date", "")),
                (
                    "selection conditioned on",
                    (manifest.get("selection") or {}).get("rule", "none (a full cohort)"),
                ),
                ("rows read", counts.get("rows_read")),
                ("rows used", counts.get("rows_used")),
                ("rows rejected", counts.get("rows_rejected")),
                ("customers", counts.get("customers", run.customers.height)),
            ]
        )
    )
    reasons = counts.get("rejected_by_reason") or {}
    parts.append(f"<h3>{esc(context.t('h.rejected'))}</h3>")
    if reasons:
        parts.append(
            table(
                pl.DataFrame(
                    {"reason": list(reasons), "rows": [int(v) for v in reasons.values()]}
                ).sort("rows", descending=True)
            )
        )
    else:
        parts.append("<p>No input row was rejected.</p>")
    if run.rejected_rows.height:
        parts.append(f"<p>First {REJECTED_ROWS_SHOWN} rejected rows:</p>")
        parts.append(
            table(
                run.rejected_rows,
                max_rows=REJECTED_ROWS_SHOWN,
                note_when_cut="All of them are in rejected_rows.csv.",
            )
        )
    customers = run.customers
    unit = run.time_unit
    parts.append(
        f"<h3>{esc(context.t('h.customer_summary'))}</h3><p>x = repeat purchases, t_x = first to last purchase, "
        f"T = first purchase to analysis date (both in {esc(unit)}); "
        + (
            "the log has no amounts (purchases only): no spend model was fitted.</p>"
            if run.purchases_only
            else "gg_n and gg_mean are the purchases and mean spend per purchase the "
            "Gamma-Gamma model uses.</p>"
        )
    )
    parts.append(
        table(
            _describe(
                customers,
                ["n_orders", "x", "t_x", "T", "recency_days", "gg_n", "gg_mean", "total_value"],
            )
        )
    )
    n = customers.height
    facts = [
        ("customers", n),
        ("with no repeat purchase (x = 0)", int((customers["x"] == 0).sum())),
        ("with T = 0", int((customers["T"] == 0).sum())),
    ]
    if "gg_n" in customers.columns:
        facts.append(("in the Gamma-Gamma fit (gg_n > 0)", int((customers["gg_n"] > 0).sum())))
    if "total_value" in customers.columns:
        facts.append((f"total value ({run.currency})", float(customers["total_value"].sum())))
    parts.append(key_value_table(facts))
    return section("data", context.t("h.data"), "".join(parts))


# ----------------------------------------------------------------------------- diagnostics


def _check_lookup(manifest: dict) -> dict[tuple[str, str], bool]:
    checks = (manifest.get("convergence") or {}).get("checks", [])
    return {(c["target"], c["check"]): bool(c["passed"]) for c in checks}


def parameter_table(context: ReportContext) -> str:
    """Posterior summary with each gated statistic marked pass or fail."""
    summary = context.run.posterior_summary
    lookup = _check_lookup(context.manifest)
    targets = [f"{m}.{p}" for m, p in zip(summary["model"], summary["parameter"], strict=True)]
    classes: dict[str, list[str | None]] = {}
    failing_rows: list[str | None] = [None] * summary.height
    for check in ("r_hat", "ess_bulk", "ess_tail"):
        column = []
        for index, target in enumerate(targets):
            verdict = lookup.get((target, check))
            column.append(None if verdict is None else ("pass" if verdict else "fail"))
            if verdict is False:
                failing_rows[index] = "failrow"
        classes[check] = column
    return table(
        summary,
        cell_class=classes,
        row_class=failing_rows,
        formats={"r_hat": ".4f", "ess_bulk": ",.0f", "ess_tail": ",.0f"},
    )


def sampler_table(context: ReportContext) -> str:
    """Divergences, E-BFMI, tree depth and steps per model, with the gate's verdicts."""
    gate = context.run.config.get("convergence", {})
    lookup = _check_lookup(context.manifest)
    rows, div_class, bfmi_class = [], [], []
    for model, idata in context.idata.items():
        stats = sampler_stats(idata)
        stats_ds = idata["sample_stats"].to_dataset()
        depth = float(stats_ds["depth"].mean()) if "depth" in stats_ds else float("nan")
        sampling = idata["posterior"].attrs.get("sampling_time")
        rows.append(
            {
                "model": MODEL_LABELS[model],
                "chains": stats.chains,
                "draws per chain": stats.draws,
                "divergences": stats.divergences,
                "E-BFMI min": min(stats.e_bfmi),
                "E-BFMI per chain": ", ".join(f"{v:.2f}" for v in stats.e_bfmi),
                "max tree depth hits": stats.max_tree_depth_hits,
                "mean tree depth": depth,
                "mean leapfrog steps": stats.mean_leapfrog_steps,
                "sampling time (s)": float(sampling) if sampling is not None else None,
            }
        )
        for store, check in ((div_class, "divergences"), (bfmi_class, "e_bfmi_min")):
            verdict = lookup.get((model, check))
            store.append(None if verdict is None else ("pass" if verdict else "fail"))
    rules = (
        f"Gate: R-hat &le; {gate.get('r_hat_max', 1.01)}, bulk and tail ESS &ge; "
        f"{gate.get('ess_bulk_min', 400):g} / {gate.get('ess_tail_min', 400):g}, divergences "
        f"&le; {gate.get('max_divergences', 0)}, E-BFMI &ge; {gate.get('e_bfmi_min', 0.3)} in "
        "every chain. Tree-depth hits and leapfrog steps are shown for efficiency, not gated."
    )
    frame = pl.DataFrame(rows)
    return f"<p>{rules}</p>" + table(
        frame, cell_class={"divergences": div_class, "E-BFMI min": bfmi_class}
    )


def model_comparison_part(context: ReportContext) -> str:
    """PSIS-LOO table of ``[model] purchase = "compare"`` with the rule and the pick ("" if none).

    Models left out (no selection-aware likelihood under ``[data.selection]``) are listed
    with the reason. The backtest columns of a compare backtest are shown in the backtest
    section (:func:`comparison_backtest_part`); a run on a transaction log without one says
    how to add it.
    """
    path = context.run.folder.model_comparison
    if not path.is_file():
        return ""
    frame = pl.read_csv(path)
    picked = frame.filter(pl.col("picked"))["model"].to_list() if "picked" in frame else []
    label = MODEL_LABELS.get(picked[0], picked[0]) if picked else "?"
    lead = (
        "PSIS-LOO per customer (higher <code>elpd_loo</code> is better; Pareto-k above the "
        "threshold marks an unreliable estimate)"
    )
    if context.run.settings.data.selection is not None:
        lead += (
            ", on the likelihood conditioned on the extract's selection rule "
            "(<code>[data.selection]</code>)"
        )
    notes = ""
    if "note" in frame.columns:
        left_out = frame.filter(pl.col("note").fill_null("") != "")
        notes = "".join(
            f"<p>{esc(MODEL_LABELS.get(name, name))}: {esc(note)}.</p>"
            for name, note in zip(left_out["model"], left_out["note"], strict=True)
        )
        frame = frame.filter(pl.col("note").fill_null("") == "")
    hint = ""
    backtest = _backtest_folder(context.run)
    if "holdout_mae" in frame.columns or (
        backtest is not None and comparison_backtest_part(backtest, context.t)
    ):
        hint = "<p>The backtest of every model on the holdout is in the backtest section.</p>"
    elif context.run.settings.data.format == "transactions" and backtest is None:
        hint = (
            "<p>On a transaction log, <code>flo-bayes backtest</code> with this config (and "
            "<code>--out &lt;run folder&gt;/backtest</code>) adds a calibration/holdout "
            "backtest of every model beside this table.</p>"
        )
    shown = frame.select(
        [c for c in LOO_COLUMNS if c in frame.columns and c not in ("label", "note")]
    )
    return (
        f"<h3>{esc('Purchase model comparison')}</h3><p>{lead}. Rule: {esc(PICK_RULE)}. "
        f"Predictions use the picked model, <strong>{esc(label)}</strong>.</p>"
        + notes
        + table(shown, formats={"elpd_loo": ".1f", "se": ".1f", "p_loo": ".1f"})
        + hint
    )


def comparison_backtest_part(folder: Path, t: Translator) -> str:
    """Per-model holdout figures of a compare backtest in ``folder`` ("" if it has none)."""
    path = RunFolder(folder).model_comparison
    if not path.is_file():
        return ""
    frame = pl.read_csv(path)
    if "holdout_mae" not in frame.columns:
        return ""
    frame = frame.filter(pl.col("holdout_mae").is_not_null())
    rows = pl.DataFrame(
        {
            "model": [MODEL_LABELS.get(name, name) for name in frame["model"]],
            "picked (PSIS-LOO)": frame["picked"],
            "elpd_loo": frame["elpd_loo"],
            "holdout MAE": frame["holdout_mae"],
            t("backtest.coverage50"): [t.percent(v, 1) for v in frame["coverage_50"]],
            t("backtest.coverage90"): [t.percent(v, 1) for v in frame["coverage_90"]],
            t("backtest.actual"): [t.number(v) for v in frame["holdout_actual_total"]],
            t("backtest.predicted"): [t.number(v) for v in frame["holdout_predicted_mean"]],
            t("backtest.band"): [
                f"{t.number(low)} – {t.number(high)}"
                for low, high in zip(
                    frame["holdout_predicted_q05"], frame["holdout_predicted_q95"], strict=True
                )
            ],
            t("backtest.inside"): [t("yes") if v else t("no") for v in frame["total_in_band"]],
        }
    )
    best = [("pass" if v else None) for v in frame["lowest_holdout_mae"]]
    return (
        f"<h3>{esc(t('backtest.per_model'))}</h3><p>{esc(t('backtest.per_model_lead'))}</p>"
        + table(
            rows,
            formats={"elpd_loo": ".1f", "holdout MAE": ".4f"},
            cell_class={"holdout MAE": best},
            right_aligned=set(rows.columns[4:-1]),
        )
    )


def diagnostics_section(context: ReportContext) -> str:
    """Gate verdict, per-parameter table, sampler statistics and prior-vs-posterior."""
    convergence = context.manifest.get("convergence") or {}
    checks = pl.DataFrame(convergence.get("checks", []))
    parts = [
        gate_banner(context.manifest, context.t),
        f"<h3>{esc(context.t('h.posterior_summary'))}</h3>",
    ]
    parts.append(parameter_table(context))
    parts.append(f"<h3>{esc(context.t('h.sampler'))}</h3>")
    try:
        parts.append(sampler_table(context))
    except Exception as error:  # noqa: BLE001
        parts.append(error_note("the sampler statistics", error))
    if checks.height:
        verdicts = ["pass" if ok else "fail" for ok in checks["passed"]]
        parts.append(
            f"<details><summary>{esc(context.t('h.all_checks', n=checks.height))}</summary>"
            + table(
                checks, max_rows=10_000, cell_class={"passed": verdicts}, formats={"value": ".5g"}
            )
            + "</details>"
        )
    prior = context.run.prior_posterior
    parts.append(
        f"<h3>{esc(context.t('h.prior_posterior'))}</h3><p>A posterior sd close to the prior sd "
        "(<code>prior_dominates</code>) means the data barely inform the parameter.</p>"
    )
    dominated = (
        ["fail" if flag else "pass" for flag in prior["prior_dominates"]]
        if "prior_dominates" in prior.columns
        else []
    )
    order = [
        "model",
        "parameter",
        "prior",
        "prior_dominates",
        "posterior_to_prior_sd",
        "posterior_mean",
        "posterior_sd",
        "prior_median",
        "prior_q05",
        "prior_q95",
        "prior_sd",
    ]
    prior = prior.select(
        [c for c in order if c in prior.columns] + [c for c in prior.columns if c not in order]
    )
    parts.append(table(prior, cell_class={"prior_dominates": dominated}))
    parts.append(model_comparison_part(context))
    return section("diagnostics", context.t("h.diagnostics"), "".join(parts))


# ----------------------------------------------------------------------------- MCMC plots


def _prior_parameters(prior: pl.DataFrame, model: str) -> dict[str, tuple[float, float]]:
    """``(median, log_sd)`` per parameter from the prior table's median and 95 % quantile."""
    from scipy.stats import norm

    z95 = float(norm.ppf(0.95))
    out = {}
    for row in prior.filter(pl.col("model") == model).iter_rows(named=True):
        median = float(row["prior_median"])
        out[row["parameter"]] = (median, float(np.log(row["prior_q95"] / median) / z95))
    return out


def plots_section(context: ReportContext) -> str:
    """Trace, rank, prior-vs-posterior, pair and energy plots per model."""
    parts = []
    for model, idata in context.idata.items():
        label = MODEL_LABELS[model]
        names = [n for n in MODEL_PARAMETERS[model] if n in idata["posterior"].data_vars]
        posterior = idata["posterior"].to_dataset()
        parts.append(f"<h3>{esc(label)}</h3>")
        parts.append(
            embed(
                f"{label} trace plot",
                lambda idata=idata, label=label, names=names: plots.trace_plot(
                    idata, var_names=names, title=f"{label}: marginal per chain and trace"
                ),
                "Left: the posterior per chain (chains should overlap). Right: the draws in order "
                "(no trends, no stuck stretches).",
            )
        )
        parts.append(
            embed(
                f"{label} rank plot",
                lambda idata=idata, label=label, names=names: plots.rank_plot(
                    idata, var_names=names, title=f"{label}: rank ECDF differences per chain"
                ),
                "Each chain's rank ECDF minus the uniform: curves near zero mean the chains "
                "sample the same distribution; p is a simultaneous test of that (a p below "
                "alpha flags disagreeing chains).",
            )
        )
        priors = _prior_parameters(context.run.prior_posterior, model)
        parts.append(
            embed(
                f"{label} prior and posterior",
                lambda posterior=posterior, priors=priors, label=label, names=names: (
                    plots.prior_posterior_plot(
                        {n: posterior[n].values for n in names},
                        priors,
                        title=f"{label}: log-normal prior (grey) and posterior (orange)",
                    )
                ),
                "Densities of log(parameter). A posterior as wide as the prior means the "
                "prior, not the data, sets the value.",
            )
        )
        pair = [n for n in plots.CORRELATED_PARAMETERS.get(model, ()) if n in names]
        if len(pair) >= 2:
            parts.append(
                embed(
                    f"{label} pair plot",
                    lambda idata=idata, pair=pair, label=label: plots.pair_plot(
                        idata, pair, title=f"{label}: correlated parameters"
                    ),
                    "Strong correlations are expected (the shape and scale of a gamma trade "
                    "off); they slow a diagonal mass matrix but not nutpie's low-rank "
                    "adaptation.",
                )
            )
        parts.append(
            embed(
                f"{label} energy plot",
                lambda idata=idata, label=label: plots.energy_plot(
                    idata, title=f"{label}: energy and E-BFMI"
                ),
                "Marginal and transition energy should overlap; E-BFMI below 0.3 signals poor "
                "exploration.",
            )
        )
    return section("plots", context.t("h.plots"), "".join(parts))


# ----------------------------------------------------------------------------- fit to data


def _backtest_folder(run: Run) -> Path | None:
    """The folder holding the backtest's ``backtest.json`` (the run folder or ``backtest/``)."""
    for relative in BACKTEST_FILES:
        if (run.path / relative).is_file():
            return (run.path / relative).parent
    return None


def _backtest_rows(metrics: dict, t: Translator, currency: str) -> pl.DataFrame:
    """Actual against predicted totals and the intervals' coverage, one row per measure."""
    rows = []
    for key, prefix, unit in (
        ("backtest.purchases", "holdout_", ""),
        ("backtest.spend", "holdout_spend_", f" ({currency})"),
    ):
        actual = metrics.get(f"{prefix}actual_total")
        low, high = metrics.get(f"{prefix}predicted_q05"), metrics.get(f"{prefix}predicted_q95")
        if actual is None or low is None or high is None:
            continue
        rows.append(
            {
                t("backtest.measure"): t(key) + unit,
                t("backtest.actual"): t.number(actual),
                t("backtest.predicted"): t.number(metrics[f"{prefix}predicted_mean"]),
                t("backtest.band"): f"{t.number(low)} – {t.number(high)}",
                t("backtest.inside"): t("yes") if low <= actual <= high else t("no"),
            }
        )
    for key, name, target in (
        ("backtest.coverage50", "coverage_50", 0.5),
        ("backtest.coverage90", "coverage_90", 0.9),
        ("backtest.spend_coverage50", "spend_coverage_50", 0.5),
        ("backtest.spend_coverage90", "spend_coverage_90", 0.9),
    ):
        if metrics.get(name) is None:
            continue
        rows.append(
            {
                t("backtest.measure"): t(key),
                t("backtest.actual"): t.percent(metrics[name], 1),
                t("backtest.predicted"): t.percent(target),
                t("backtest.band"): "",
                t("backtest.inside"): "",
            }
        )
    return pl.DataFrame(rows)


def backtest_section(context: ReportContext) -> str:
    """The backtest written into the run folder: totals, coverage and tracking plots."""
    t = context.t
    run = context.run
    folder = _backtest_folder(run)
    if folder is None:
        return section(
            "backtest", t("h.backtest"), f'<p class="muted">{esc(t("backtest.none"))}</p>'
        )
    try:
        metrics = json.loads((folder / "backtest.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return section("backtest", t("h.backtest"), error_note("backtest.json", error))
    lead = t(
        "backtest.lead",
        calibration_end=metrics.get("calibration_end", "?"),
        holdout_end=metrics.get("holdout_end", "?"),
        customers=t.number(int(metrics.get("customers", 0))),
    )
    parts = [f"<p>{esc(lead)}</p>"]
    if metrics.get("convergence_passed") is False:
        parts.append(gate_banner({"convergence": {"passed": False, "checks": []}}, t))
    rows = _backtest_rows(metrics, t, run.currency)
    if rows.height:
        parts.append(table(rows, right_aligned=set(rows.columns[1:])))
    parts.append(comparison_backtest_part(folder, t))
    tracking = folder / "tracking_weekly.csv"
    if tracking.is_file():
        weekly = pl.read_csv(tracking)

        def make() -> Figure:
            return plots.tracking_plots(
                weekly["week"].to_numpy(),
                weekly["actual"].to_numpy(),
                tuple(weekly[f"expected_{k}"].to_numpy() for k in ("mean", "q05", "q95")),
                weekly["cumulative_actual"].to_numpy(),
                tuple(
                    weekly[f"cumulative_expected_{k}"].to_numpy() for k in ("mean", "q05", "q95")
                ),
                start=str(metrics.get("calibration_end", "")),
            )

        parts.append(
            embed(
                "holdout tracking",
                make,
                t("backtest.incremental_caption") + " " + t("backtest.cumulative_caption"),
            )
        )
    elif (folder / "tracking_weekly.png").is_file():
        parts.append(
            image(
                png_data_uri((folder / "tracking_weekly.png").read_bytes()),
                alt="weekly tracking",
                caption=t("backtest.cumulative_caption"),
            )
        )
    if (folder / "calibration_vs_holdout.png").is_file():
        parts.append(
            image(
                png_data_uri((folder / "calibration_vs_holdout.png").read_bytes()),
                alt="calibration vs holdout",
                caption=t("backtest.calibration_caption"),
            )
        )
    plain = metrics.get("without_aggregate_shock")
    if isinstance(plain, dict):
        parts.append(
            "<details><summary>Without the shared shock</summary>"
            + table(_backtest_rows(plain, t, run.currency))
            + "</details>"
        )
    return section("backtest", t("h.backtest"), "".join(parts))


def _count_check_note(check: fit_checks.CountCheck, interval: float = 0.9) -> str:
    """Say which counts fall outside the predictive band; a warning box when several do."""
    tail = (1 - interval) / 2
    low, high = check.predicted_quantiles((tail, 1 - tail))
    outside = [
        f"x = {label}: observed {int(obs):,}, predicted {lo:,.0f}-{hi:,.0f}"
        for label, obs, lo, hi in zip(check.labels, check.observed, low, high, strict=True)
        if obs < lo or obs > hi
    ]
    if not outside:
        return (
            f"<p>Every count lies inside the model's {interval:.0%} predictive band "
            f"({len(check.labels)} bins).</p>"
        )
    css = "banner warn" if len(outside) > 0.2 * len(check.labels) else "muted"
    items = "".join(f"<li>{esc(item)}</li>" for item in outside)
    return (
        f'<div class="{css}"><strong>{len(outside)} of {len(check.labels)} counts fall '
        f"outside the {interval:.0%} predictive band</strong>: the BG/NBD process does not "
        "reproduce how these customers were selected or behaved (with many customers, small "
        f"misfits show too).<ul>{items}</ul></div>"
    )


def fit_section(context: ReportContext) -> str:
    """Period transactions, frequency-recency grids, spend distribution, backtest plots."""
    run = context.run
    customers = run.customers
    unit = run.time_unit
    parts = []
    x = customers["x"].to_numpy()
    T = customers["T"].to_numpy()

    parts.append(f"<h3>{esc(context.t('h.period'))}</h3>")
    try:
        check = fit_checks.period_transactions_check(context.draws, x, T, context.rng(1))
    except Exception as error:  # noqa: BLE001
        parts.append(error_note("the period transactions check", error))
    else:
        parts.append(_count_check_note(check))
        parts.append(
            embed(
                "period transactions check",
                lambda: plots.period_transactions_plot(check),
                f"For each customer's own T, repeat purchases simulated from the BG/NBD process "
                f"with {CHECK_DRAWS} posterior draws; bars: mean, error bars: 90 % band of the "
                "number of customers per count.",
            )
        )

    def grid() -> Figure:
        max_x = int(max(np.ceil(np.quantile(x, GRID_X_QUANTILE)), 3)) if x.size else 3
        result = fit_checks.frequency_recency_grid(
            context.draws, max_x=max_x, T=float(np.median(T)), horizon=context.horizon_units
        )
        return plots.frequency_recency_plot(result, time_unit=unit)

    parts.append(f"<h3>{esc(context.t('h.grid'))}</h3>")
    parts.append(
        embed(
            "frequency-recency grid",
            grid,
            "Expected purchases in the CLTV horizon and P(alive), posterior means, for a customer "
            "with the median T. High frequency with old recency means a likely dropout.",
        )
    )

    if run.purchases_only:  # no spend model, so no spend check
        return section("fit", context.t("h.fit"), "".join(parts))
    spenders = customers.filter((pl.col("gg_n") > 0) & (pl.col("gg_mean") > 0))

    def spend() -> Figure:
        check = fit_checks.spend_check(
            context.draws,
            spenders["gg_n"].to_numpy(),
            spenders["gg_mean"].to_numpy(),
            context.rng(2),
        )
        return plots.spend_plot(check, currency=run.currency)

    parts.append(f"<h3>{esc(context.t('h.spend'))}</h3>")
    if spenders.height:
        parts.append(
            embed(
                "monetary value check",
                spend,
                f"{spenders.height:,} customers of the Gamma-Gamma fit; each customer's mean of "
                f"gg_n purchases simulated with {CHECK_DRAWS} posterior draws.",
            )
        )
    else:
        parts.append("<p>No customer has spend data for the Gamma-Gamma model.</p>")

    return section("fit", context.t("h.fit"), "".join(parts))


# ----------------------------------------------------------------------------- segments


def _crosstab_pivot(crosstab: pl.DataFrame) -> pl.DataFrame:
    return (
        crosstab.group_by("segment", "value_tier", maintain_order=True)
        .agg(pl.col("n_customers").sum())
        .pivot(on="value_tier", index="segment", values="n_customers")
        .fill_null(0)
    )


def segments_section(context: ReportContext) -> str:
    """Segment and tier profiles, the segment x value-tier cross table and mixes."""
    tables = context.run.segments
    parts = []
    for key, title in (
        ("segment_profiles", context.t("h.segment_profiles")),
        ("tier_profiles", context.t("h.tier_profiles")),
    ):
        if key in tables:
            parts.append(f"<h3>{esc(title)}</h3>{table(tables[key])}")
    if "segment_value_crosstab" in tables:
        parts.append(
            f"<h3>{esc(context.t('h.crosstab'))}</h3>"
            + table(_crosstab_pivot(tables["segment_value_crosstab"]))
        )
    others = [k for k in tables if k not in ("segment_profiles", "tier_profiles")]
    for key in others:
        parts.append(
            f"<details><summary>{esc(key.replace('_', ' '))}</summary>"
            f"{table(tables[key], max_rows=300, note_when_cut=f'Full table: segments/{key}.csv.')}"
            "</details>"
        )
    if not parts:
        parts.append("<p>No segment tables in this run folder.</p>")
    return section("segments", context.t("h.segments"), "".join(parts))


# ----------------------------------------------------------------------------- CLTV


def _draw_matrix(run: Run) -> np.ndarray | None:
    draws = run.cltv_draws
    if draws is None:
        return None
    if draws.height != run.customers.height or not draws["customer_id"].equals(
        run.customers["customer_id"]
    ):
        draws = run.customers.select("customer_id").join(draws, on="customer_id", how="left")
    return draws.drop("customer_id").to_numpy()


def shock_note(context: ReportContext) -> str:
    """What the run did about the purchase-rate shock shared by all customers."""
    shock = context.manifest.get("aggregate_shock")
    if not shock:
        return ""
    text = {
        "estimated": "Bands include a purchase-rate shock shared by all customers (seasons, "
        "promotions), ",
        "fixed": "Bands include a purchase-rate shock shared by all customers, ",
        "off": "Bands leave out any shock shared by all customers: ",
        "not_estimated": "Bands of totals leave out any shock shared by all customers: ",
    }[shock["status"]]
    parts = [f"<p><strong>Shared shock.</strong> {esc(text + shock['reason'])}.</p>"]
    blocks_path = context.run.folder.aggregate_shock_blocks
    if blocks_path.is_file():
        parts.append(
            "<p>Calibration blocks: actual repeat purchases against the model's expectation; "
            "<code>model_sd</code> is the spread of the log ratio the model itself implies.</p>"
        )
        parts.append(table(pl.read_csv(blocks_path).filter(pl.col("used")).drop("used")))
    return "".join(parts)


def cltv_section(context: ReportContext) -> str:
    """CLTV distribution and bands by segment, tier and value tier."""
    run = context.run
    customers = run.customers
    tag = context.horizon_tag
    columns = charts.cltv_columns(customers, tag)
    if "mean" not in columns:
        return section(
            "cltv", context.t("h.cltv"), "<p>The customer table holds no CLTV columns.</p>"
        )
    currency = run.currency
    draws = _draw_matrix(run)
    parts = [
        f"<p>CLTV over {esc(format_value(context.horizon_months))} months in {esc(currency)}. "
        "<em>Predictive</em> bands hold what a customer may actually bring (the customer's own "
        "randomness and the parameter uncertainty); the <em>expected</em> CLTV band "
        f"(<code>expected_cltv_{esc(tag)}_q05/q95</code> in the exports) holds parameter "
        "uncertainty only. Group totals come from the saved per-customer draws, which share "
        "the posterior-draw index, so their bands include the correlation between customers.</p>",
        shock_note(context),
    ]
    parts.append(
        embed(
            "CLTV distribution",
            lambda: charts.cltv_histogram(customers, tag, currency=currency),
        )
    )
    for group in ("segment", "tier_label", "value_tier"):
        if group not in customers.columns:
            continue
        title = context.t(f"group.{group}")
        parts.append(f"<h3>{esc(context.t('h.by_group', group=title))}</h3>")
        try:
            parts.append(table(charts.group_cltv_table(customers, group, tag, draws)))
        except Exception as error:  # noqa: BLE001
            parts.append(error_note(f"the CLTV table by {title}", error))
        if group != "value_tier":
            parts.append(
                embed(
                    f"CLTV bands by {title}",
                    lambda group=group: charts.cltv_band_chart(
                        customers, group, tag, currency=currency
                    ),
                )
            )
    return section("cltv", context.t("h.cltv"), "".join(parts))


# ----------------------------------------------------------------------------- campaigns


def campaigns_section(context: ReportContext) -> str:
    """Target-list sizes and, when a plan was made, the campaign summary."""
    run = context.run
    parts = []
    sizes = context.manifest.get("target_lists") or {}
    if sizes:
        parts.append(
            f"<h3>{esc(context.t('h.target_lists'))}</h3>"
            + table(
                pl.DataFrame(
                    {"target list": list(sizes), "customers": [int(v) for v in sizes.values()]}
                )
            )
        )
    parts.append(f"<h3>{esc(context.t('h.campaign_plan'))}</h3>")
    if run.campaign_summary is not None:
        parts.append(
            table(run.campaign_summary, max_rows=200)
            + f"<p class='muted'>From {esc(campaign_summary_path(run.folder).name)}; "
            "per-campaign lists are in campaigns/.</p>"
        )
    else:
        parts.append(
            "<p class='muted'>No campaign plan in this run folder (<code>flo-bayes plan</code> "
            "writes campaigns/summary.csv).</p>"
        )
    return section("campaigns", context.t("h.campaigns"), "".join(parts))


# ----------------------------------------------------------------------------- warnings


def all_warnings(context: ReportContext) -> list[dict]:
    """The run's warnings and the campaign plan's (code ``campaign_plan``), as in the manifest."""
    plan = context.manifest.get("campaign_plan") or {}
    return context.run.warnings + [
        {"code": "campaign_plan", "message": str(message)} for message in plan.get("warnings") or []
    ]


def warnings_section(context: ReportContext) -> str:
    """Data and campaign-plan warnings from the manifest, plus the gate's failures."""
    warnings = all_warnings(context)
    parts = []
    if warnings:
        parts.append(
            table(
                pl.DataFrame(
                    {
                        "code": [w.get("code", "") for w in warnings],
                        "message": [w.get("message", "") for w in warnings],
                    }
                ),
                max_rows=500,
            )
        )
    else:
        parts.append("<p>No data warnings were recorded for this run.</p>")
    if not (context.manifest.get("convergence") or {}).get("passed", False):
        parts.append(gate_banner(context.manifest, context.t))
    return section("warnings", context.t("h.warnings"), "".join(parts))


def manifest_section(context: ReportContext) -> str:
    """Stage timings, then the whole manifest pretty-printed inside a closed ``<details>``."""
    t = context.t
    text = json.dumps(context.manifest, indent=2, ensure_ascii=False, default=str)
    stages = context.manifest.get("stages", {})
    timing = [
        (name, f"{s.get('seconds', '?')} s ({s.get('status', '?')})") for name, s in stages.items()
    ]
    timing.append(("peak memory (MB)", context.manifest.get("peak_memory_mb")))
    return section(
        "manifest",
        t("h.manifest"),
        f"<h3>{esc(t('h.stage_timings'))}</h3>"
        + key_value_table(timing)
        + f"<details><summary>{esc(t('h.manifest_json'))}</summary><pre>{esc(text)}</pre></details>",
    )
