"""Build ``report.html``: one self-contained file from a finished run's saved outputs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flo_bayes.api import load_run
from flo_bayes.io.writers import write_text
from flo_bayes.report import sections
from flo_bayes.report.html import error_note, esc, page, section
from flo_bayes.report.i18n import check_language

logger = logging.getLogger(__name__)

REPORT_FILE = "report.html"

# (anchor, navigation text key, builder) in page order: marketing's summary, then the analyst's.
SECTIONS: tuple[tuple[str, str, Callable[[sections.ReportContext], str]], ...] = (
    ("summary", "nav.summary", sections.summary_section),
    ("data", "nav.data", sections.data_section),
    ("diagnostics", "nav.diagnostics", sections.diagnostics_section),
    ("plots", "nav.plots", sections.plots_section),
    ("fit", "nav.fit", sections.fit_section),
    ("backtest", "nav.backtest", sections.backtest_section),
    ("segments", "nav.segments", sections.segments_section),
    ("cltv", "nav.cltv", sections.cltv_section),
    ("campaigns", "nav.campaigns", sections.campaigns_section),
    ("warnings", "nav.warnings", sections.warnings_section),
    ("manifest", "nav.manifest", sections.manifest_section),
)
# The analyst's part starts at this section (a divider line is put above it).
ANALYST_PART_STARTS = "data"


def report_path(run_dir: Path) -> Path:
    """Where :func:`build_report` writes the report of a run folder."""
    return Path(run_dir) / REPORT_FILE


def build_report(run_dir: Path, *, out: Path | None = None, language: str = "en") -> Path:
    """Write the run's self-contained HTML report from its saved outputs (no refit).

    The report opens with an executive summary for marketing: key figures, value by RFM
    segment and by value tier with 90 % bands, the campaign plan as a chart of profit bands
    and the customers to contact first. The analyst's part follows: data summary and rejected rows; the convergence gate (a failure is
    shown as a loud red banner at the top), per-parameter diagnostics and sampler
    statistics; trace, rank, prior-vs-posterior, pair and energy plots per model; the
    fit-to-data checks (period transactions, frequency-recency grids, spend distribution,
    the backtest when ``backtest.json`` is in the folder or its ``backtest/``: totals,
    coverage, weekly and cumulative tracking); segment and tier tables; CLTV distribution and
    bands by segment, tier and value tier; target lists and the campaign summary when
    present; warnings; and the manifest (collapsed). Images are embedded as base64 PNG, styles are
    inline and nothing refers to the network.

    Parameters
    ----------
    run_dir : Path
        A complete run folder.
    out : Path, optional
        Where to write; default ``run_dir / "report.html"``.
    language : {"en", "tr"}
        Language of the headings, labels and the executive summary (``tr``: Turkish).

    Returns
    -------
    Path
        The written report (written atomically).

    Raises
    ------
    UserInputError
        If ``run_dir`` is not a complete run folder, or ``language`` is not supported.

    Examples
    --------
    >>> from flo_bayes.report import build_report
    >>> build_report(Path("outputs/my-run"))  # doctest: +SKIP
    PosixPath('outputs/my-run/report.html')

    """
    started = time.perf_counter()
    check_language(language)
    context = sections.ReportContext(load_run(run_dir), language=language)
    t = context.t
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    body = []
    timings = {}
    for anchor, key, builder in SECTIONS:
        section_started = time.perf_counter()
        label = t(key)
        if anchor == ANALYST_PART_STARTS:
            body.append(f'<div class="partbreak">{esc(t("page.analyst_part"))}</div>')
        try:
            body.append(builder(context))
        except Exception as error:  # noqa: BLE001 - show the failure, keep the rest
            logger.exception("report section %s failed", anchor)
            body.append(section(anchor, label, error_note(t("section.failed", label=label), error)))
        timings[anchor] = time.perf_counter() - section_started
    elapsed = time.perf_counter() - started
    logger.info("report sections (s): %s", {k: round(v, 2) for k, v in timings.items()})
    footer = f'<p class="muted">{esc(t("page.footer", seconds=f"{elapsed:.1f}"))}</p>'
    html = page(
        title=("" if context.run.gate_passed else t("page.gate_failed_prefix"))
        + t("page.title", name=context.run.path.name),
        header=sections.header(context, built_at),
        navigation=[(anchor, t(key)) for anchor, key, _ in SECTIONS],
        sections="".join(body) + footer,
        language=language,
    )
    return write_text(html, out if out is not None else report_path(run_dir))
