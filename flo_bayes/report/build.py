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
from flo_bayes.report.html import error_note, page, section

logger = logging.getLogger(__name__)

REPORT_FILE = "report.html"

# (anchor, navigation label, builder) in page order.
SECTIONS: tuple[tuple[str, str, Callable[[sections.ReportContext], str]], ...] = (
    ("data", "Data", sections.data_section),
    ("diagnostics", "Diagnostics", sections.diagnostics_section),
    ("plots", "Diagnostic plots", sections.plots_section),
    ("fit", "Fit to data", sections.fit_section),
    ("segments", "Segments and tiers", sections.segments_section),
    ("cltv", "CLTV", sections.cltv_section),
    ("campaigns", "Targets and campaigns", sections.campaigns_section),
    ("warnings", "Warnings", sections.warnings_section),
    ("manifest", "Manifest", sections.manifest_section),
)


def report_path(run_dir: Path) -> Path:
    """Where :func:`build_report` writes the report of a run folder."""
    return Path(run_dir) / REPORT_FILE


def build_report(run_dir: Path, *, out: Path | None = None) -> Path:
    """Write the run's self-contained HTML report from its saved outputs (no refit).

    The report holds: data summary and rejected rows; the convergence gate (a failure is
    shown as a loud red banner at the top), per-parameter diagnostics and sampler
    statistics; trace, rank, prior-vs-posterior, pair and energy plots per model; the
    fit-to-data checks (period transactions, frequency-recency grids, spend distribution,
    backtest tracking plots when present); segment and tier tables; CLTV distribution and
    bands by segment, tier and value tier; target lists and the campaign summary when
    present; warnings; and the manifest. Images are embedded as base64 PNG, styles are
    inline and nothing refers to the network.

    Parameters
    ----------
    run_dir : Path
        A complete run folder.
    out : Path, optional
        Where to write; default ``run_dir / "report.html"``.

    Returns
    -------
    Path
        The written report (written atomically).

    Raises
    ------
    UserInputError
        If ``run_dir`` is not a complete run folder.

    Examples
    --------
    >>> from flo_bayes.report import build_report
    >>> build_report(Path("outputs/my-run"))  # doctest: +SKIP
    PosixPath('outputs/my-run/report.html')

    """
    started = time.perf_counter()
    context = sections.ReportContext(load_run(run_dir))
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    body = []
    timings = {}
    for anchor, label, builder in SECTIONS:
        section_started = time.perf_counter()
        try:
            body.append(builder(context))
        except Exception as error:  # noqa: BLE001 - show the failure, keep the rest
            logger.exception("report section %s failed", anchor)
            body.append(section(anchor, label, error_note(f"the section '{label}'", error)))
        timings[anchor] = time.perf_counter() - section_started
    elapsed = time.perf_counter() - started
    logger.info("report sections (s): %s", {k: round(v, 2) for k, v in timings.items()})
    footer = f'<p class="muted">Report built in {elapsed:.1f} s by flo_bayes.</p>'
    html = page(
        title=("" if context.run.gate_passed else "[GATE FAILED] ")
        + f"flo_bayes report: {context.run.path.name}",
        header=sections.header(context, built_at),
        navigation=[(anchor, label) for anchor, label, _ in SECTIONS],
        sections="".join(body) + footer,
    )
    return write_text(html, out if out is not None else report_path(run_dir))
