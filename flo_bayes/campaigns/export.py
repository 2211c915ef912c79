"""Write a campaign plan for marketing: CSV target lists, a summary and an Excel workbook.

Layout under the output folder::

    campaign_plan.xlsx          summary sheet, one sheet per campaign, columns, settings
    campaigns/summary.csv       one row per campaign and a TOTAL row
    campaigns/<name>.csv        target list of each campaign, best first
    campaigns/plan.json         settings, warnings and the list of files written

Every file is written atomically. CSV files written by an earlier plan into the same folder
for campaigns that no longer exist are removed (only files listed in the previous
``plan.json``), so the folder never mixes two plans.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from flo_bayes.campaigns.columns import ColumnSpec
from flo_bayes.campaigns.plan import PlanResult
from flo_bayes.campaigns.tables import sheet_names
from flo_bayes.io.writers import atomic_path, write_frame, write_json
from flo_bayes.report.i18n import Translator, check_language, column_header

WORKBOOK = "campaign_plan.xlsx"
CAMPAIGNS_DIR = "campaigns"
SUMMARY_CSV = "summary.csv"
PLAN_JSON = "plan.json"

_FORMATS = {
    "money": "#,##0.00",
    "prob": "0.0%",
    "int": "#,##0",
    "ratio": "0.00",
    "number": "0.00",
    "text": None,
}
_WIDTHS = {"money": 13, "prob": 10, "int": 10, "ratio": 9, "number": 10}
_MAX_TEXT_WIDTH = 60


def settings_table(result: PlanResult) -> list[tuple[str, str]]:
    """``(setting, value)`` pairs that explain how the plan was made."""
    config = result.config
    context = result.context
    return [
        ("run folder", str(context.run_dir) if context.run_dir else "(in memory)"),
        ("currency", context.currency),
        ("horizon (months)", f"{context.cltv_horizon_months:g}"),
        ("run margin of the value draws", f"{context.margin:g}"),
        ("default campaign margin", str(config.margin)),
        ("criterion", config.criterion),
        ("level (lower-tail probability)", f"{config.level:g}"),
        ("max_loss_probability", f"{config.max_loss_probability:g}"),
        ("allow_multiple_campaigns", str(config.allow_multiple_campaigns).lower()),
        ("total_budget", "none" if config.total_budget is None else f"{config.total_budget:g}"),
        ("draws", str(result.n_draws)),
        ("seed of the effect draws", str(result.seed)),
        ("selection", f"{result.assignment.method}: {result.assignment.status}"),
        ("optimality gap", f"{result.assignment.gap:.3g}"),
        (
            "effect draws",
            "one effect draw per posterior draw, shared by all customers of a campaign",
        ),
        ("warnings", " | ".join(result.warnings) or "none"),
    ]


def _cell_width(value: Any) -> int:
    return len(str(value)) if value is not None else 0


def _write_table(
    workbook: xlsxwriter.Workbook,
    sheet_name: str,
    frame: pl.DataFrame,
    specs: dict[str, ColumnSpec],
    formats: dict[str, Any],
    header_format: Any,
    note: str | None = None,
    headers: list[str] | None = None,
) -> None:
    sheet = workbook.add_worksheet(sheet_name)
    columns = frame.columns
    headers = headers or columns
    kinds = [specs[c].kind if c in specs else "text" for c in columns]
    sheet.write_row(0, 0, headers, header_format)
    for j, column in enumerate(columns):
        values = frame.get_column(column).to_list()
        fmt = formats.get(kinds[j])
        for i, value in enumerate(values, start=1):
            if value is None or (isinstance(value, float) and not math.isfinite(value)):
                sheet.write_blank(i, j, None, fmt)
            elif kinds[j] == "text":
                sheet.write_string(i, j, str(value))
            else:
                sheet.write_number(i, j, float(value), fmt)
        if kinds[j] == "text":
            width = min(
                _MAX_TEXT_WIDTH, max([len(headers[j]), *(_cell_width(v) for v in values[:500])]) + 2
            )
        else:
            # Long worded headers wrap (text_wrap) rather than widen number columns a lot.
            width = max(min(len(headers[j]), 24) + 2, _WIDTHS[kinds[j]])
        sheet.set_column(j, j, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, frame.height, max(len(columns) - 1, 0))
    if note is not None:
        # Below the table, after a blank row, so filters and sorting leave it alone.
        sheet.write_string(frame.height + 2, 0, note, formats["warning"])


def manifest_warnings(manifest: Mapping[str, Any] | None) -> list[str]:
    """The run's warnings from its manifest as ``code: message`` lines (none without one)."""
    lines = []
    for warning in (manifest or {}).get("warnings") or []:
        if isinstance(warning, Mapping):
            code, message = warning.get("code", ""), warning.get("message", "")
            lines.append(f"{code}: {message}" if code else str(message))
        else:
            lines.append(str(warning))
    return lines


def workbook_settings(
    result: PlanResult, manifest: Mapping[str, Any] | None, language: str = "en"
) -> list[tuple[str, str]]:
    """Rows of the workbook's settings sheet: the plan settings, then every warning.

    Each of the plan's warnings and of the run's warnings (from ``manifest``) gets its own
    row, so none is lost in one long cell; "none" is written only when both lists are empty.
    """
    t = Translator(check_language(language))
    rows = [row for row in settings_table(result) if row[0] != "warnings"]
    plan_lines = list(result.warnings)
    run_lines = manifest_warnings(manifest)
    rows += [(t("xlsx.plan_warnings"), line) for line in plan_lines]
    rows += [(t("xlsx.run_warnings"), line) for line in run_lines]
    if not plan_lines and not run_lines:
        rows.append((t("xlsx.run_warnings"), t("xlsx.none")))
    return rows


def write_workbook(
    result: PlanResult,
    path: Path,
    *,
    language: str = "en",
    manifest: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``campaign_plan.xlsx``.

    Sheets: ``summary`` (one row per campaign and a total row), one sheet per campaign (its
    target list, or a warning line when it chose nobody), ``columns`` (each header, its CSV
    column name and what it means) and ``settings`` (how the plan was made, then one row per
    warning of the plan and of the run). Headers are in words with the currency
    (``Incremental profit, mean (TRY)``), in English or Turkish. Every table has a frozen
    header row and filters; numbers carry formats (money with thousands separators,
    probabilities as percentages).

    Parameters
    ----------
    result : PlanResult
        The plan.
    path : Path
        Destination (written atomically).
    language : {"en", "tr"}
        Language of the headers and of the fixed sheet names.
    manifest : mapping, optional
        The run's manifest; its ``warnings`` are listed on the settings sheet.

    Returns
    -------
    Path
        ``path``.

    """
    t = Translator(check_language(language))
    currency = result.context.currency
    horizon = result.context.cltv_horizon_months

    def headers(columns: list[str]) -> list[str]:
        return [
            column_header(c, language=language, currency=currency, horizon_months=horizon)
            for c in columns
        ]

    names = sheet_names([p.name for p in result.campaigns])
    with atomic_path(path) as temporary:
        workbook = xlsxwriter.Workbook(str(temporary), {"strings_to_numbers": False})
        header = workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        formats = {
            kind: workbook.add_format({"num_format": fmt}) if fmt else None
            for kind, fmt in _FORMATS.items()
        }
        formats["warning"] = workbook.add_format({"bold": True, "font_color": "#C00000"})
        _write_table(
            workbook,
            t("sheet.summary"),
            result.summary,
            result.summary_columns,
            formats,
            header,
            headers=headers(result.summary.columns),
        )
        for plan, sheet in zip(result.campaigns, names, strict=True):
            note = t("xlsx.warning_line", text=plan.warning) if plan.warning else None
            _write_table(
                workbook,
                sheet,
                plan.targets,
                result.target_columns,
                formats,
                header,
                note,
                headers=headers(plan.targets.columns),
            )
        descriptions = [
            (t("sheet.summary"), header_text, name, spec.description)
            for name, spec, header_text in zip(
                result.summary_columns,
                result.summary_columns.values(),
                headers(list(result.summary_columns)),
                strict=True,
            )
        ] + [
            (t("xlsx.campaign_sheets"), header_text, name, spec.description)
            for name, spec, header_text in zip(
                result.target_columns,
                result.target_columns.values(),
                headers(list(result.target_columns)),
                strict=True,
            )
        ]
        columns_frame = pl.DataFrame(
            descriptions, schema=["sheet", "header", "column", "description"], orient="row"
        )
        _write_table(
            workbook,
            t("sheet.columns"),
            columns_frame,
            {},
            formats,
            header,
            headers=[t("xlsx.sheet"), t("xlsx.header"), t("xlsx.column"), t("xlsx.description")],
        )
        settings = pl.DataFrame(
            workbook_settings(result, manifest, language), schema=["setting", "value"], orient="row"
        )
        _write_table(
            workbook,
            t("sheet.settings"),
            settings,
            {},
            formats,
            header,
            headers=[t("xlsx.setting"), t("xlsx.value")],
        )
        workbook.close()
    return path


def _previous_files(campaigns_dir: Path) -> list[Path]:
    manifest = campaigns_dir / PLAN_JSON
    if not manifest.is_file():
        return []
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("campaign_files", [])
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return []
    return [campaigns_dir / Path(name).name for name in listed if str(name).endswith(".csv")]


def plan_record(result: PlanResult, files: list[Path], out_dir: Path) -> dict[str, Any]:
    """Content of ``plan.json``: settings, per-campaign figures, warnings and files."""
    return {
        "settings": dict(settings_table(result)),
        "config": result.config.model_dump(mode="json"),
        "summary": result.summary.to_dicts(),
        "warnings": list(result.warnings),
        "campaign_files": [f.name for f in files if f.parent.name == CAMPAIGNS_DIR],
        "files": [str(f.relative_to(out_dir)) for f in files],
    }


def write_campaign_plan(
    result: PlanResult,
    out_dir: Path | str,
    *,
    language: str = "en",
    manifest: Mapping[str, Any] | None = None,
) -> tuple[Path, ...]:
    """Write every export of a plan under ``out_dir``.

    Parameters
    ----------
    result : PlanResult
        The plan.
    out_dir : Path or str
        Output folder (a run folder, or a separate folder for an alternative plan).
    language : {"en", "tr"}
        Language of the workbook's headers (CSV files keep their machine column names).
    manifest : mapping, optional
        The run's manifest; its warnings go on the workbook's settings sheet.

    Returns
    -------
    tuple of Path
        Files written: the target lists, ``summary.csv``, the workbook and ``plan.json``.

    """
    out_dir = Path(out_dir)
    campaigns_dir = out_dir / CAMPAIGNS_DIR
    stale = _previous_files(campaigns_dir)
    files: list[Path] = []
    for plan in result.campaigns:
        files.append(write_frame(plan.targets, campaigns_dir / f"{plan.name}.csv"))
    files.append(write_frame(result.summary, campaigns_dir / SUMMARY_CSV))
    files.append(write_workbook(result, out_dir / WORKBOOK, language=language, manifest=manifest))
    keep = {f.resolve() for f in files}
    for old in stale:
        if old.resolve() not in keep and old.is_file():
            old.unlink()
    record_path = campaigns_dir / PLAN_JSON
    files.append(record_path)
    write_json(plan_record(result, files, out_dir), record_path)
    return tuple(files)


__all__ = [
    "CAMPAIGNS_DIR",
    "PLAN_JSON",
    "SUMMARY_CSV",
    "WORKBOOK",
    "manifest_warnings",
    "plan_record",
    "settings_table",
    "write_campaign_plan",
    "workbook_settings",
    "write_workbook",
]
