"""Exports: CSV target lists, summary and the Excel workbook read back with openpyxl."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from flo_bayes.campaigns import (
    build_campaign_plan,
    default_campaigns_config,
    validate_campaigns,
)
from flo_bayes.campaigns.export import write_workbook
from flo_bayes.errors import DataError, UserInputError
from flo_bayes.report.i18n import column_header


def test_workbook_and_csvs(run_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    config = default_campaigns_config(include_classic=True)
    broken = validate_campaigns(
        {
            **config.model_dump(),
            "campaigns": [
                *[c.model_dump() for c in config.campaigns],
                {
                    "name": "nobody",
                    "segments": ["champions"],
                    "cost_per_contact": 1e6,
                    "effect": {"kind": "uplift_share", "share": {"fixed": 0.01}},
                },
            ],
        }
    )
    result = build_campaign_plan(run_folder, broken, out)
    names = [c.name for c in broken.campaigns]

    # CSVs
    for name in names:
        frame = pl.read_csv(out / "campaigns" / f"{name}.csv")
        assert frame.columns == list(result.get(name).targets.columns)
        assert frame.height == result.get(name).contacts
    summary = pl.read_csv(out / "campaigns" / "summary.csv")
    assert summary["campaign"].to_list() == [*names, "TOTAL"]
    promised = {
        "customer_id",
        "segment",
        "tier",
        "p_alive",
        "cltv_6m_pred_mean",
        "cltv_6m_pred_q05",
        "cltv_6m_pred_q95",
        "incremental_profit_mean",
        "incremental_profit_q05",
        "incremental_profit_q95",
        "rank",
        "criterion_value",
        "strategy",
        "p_selected",
    }
    assert promised <= set(result.get("vip_care").targets.columns)
    assert {
        "budget",
        "contacts",
        "cost",
        "profit_mean",
        "profit_q05",
        "profit_q95",
        "p_loss",
    } <= set(summary.columns)

    # Workbook
    book = openpyxl.load_workbook(out / "campaign_plan.xlsx")
    assert book.sheetnames == ["summary", *names, "columns", "settings"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    head = [c.value for c in book["summary"][1]]
    assert head == [column_header(c, currency="TRY", horizon_months=6.0) for c in summary.columns]
    # Headers are words with the currency, not machine names.
    assert "Profit, mean (TRY)" in head and "profit_mean" not in head
    assert [c.value for c in book["summary"]["A"]][1 : len(names) + 2] == [*names, "TOTAL"]
    vip = book["vip_care"]
    vip_head = [c.value for c in vip[1]]
    vip_columns = result.get("vip_care").targets.columns
    assert vip_head == [column_header(c, currency="TRY", horizon_months=6.0) for c in vip_columns]
    assert "CLTV next 6 months, 5 % quantile (TRY)" in vip_head
    assert vip.max_row >= result.get("vip_care").contacts + 1
    formats = {c: vip.cell(row=2, column=j + 1).number_format for j, c in enumerate(vip_columns)}
    if result.get("vip_care").contacts:
        assert formats["incremental_profit_mean"] == "#,##0.00"
        assert formats["p_loss"] == "0.0%"
        assert formats["rank"] == "#,##0"
    # A campaign that chose nobody: header, then a warning line; no crash.
    empty = book["nobody"]
    cells = [c.value for row in empty.iter_rows() for c in row if c.value is not None]
    assert any(str(v).startswith("WARNING: no customer selected") for v in cells)
    assert "no customer selected" in summary.filter(pl.col("campaign") == "nobody")["warning"][0]
    # Every exported column is described, with its header and its CSV name.
    described = {(r[0].value, r[2].value) for r in book["columns"].iter_rows(min_row=2)}
    assert {("summary", c) for c in summary.columns} <= described
    assert {("<campaign sheets>", c) for c in vip_columns} <= described
    settings = {r[0].value: r[1].value for r in book["settings"].iter_rows(min_row=2)}
    assert settings["criterion"] == "expected" and settings["currency"] == "TRY"
    plan_warnings = [
        r[1].value for r in book["settings"].iter_rows(min_row=2) if r[0].value == "plan warnings"
    ]
    assert plan_warnings == list(result.warnings) and any("nobody" in w for w in plan_warnings)

    record = json.loads((out / "campaigns" / "plan.json").read_text(encoding="utf-8"))
    assert record["campaign_files"][: len(names)] == [f"{n}.csv" for n in names]
    assert {Path(f) for f in result.files} == {out / f for f in record["files"]}


def test_replanning_removes_stale_lists(run_folder: Path) -> None:
    first = default_campaigns_config(include_classic=True)
    build_campaign_plan(run_folder, first)
    assert (run_folder / "campaigns" / "new_womens_shoe_brand.csv").is_file()
    build_campaign_plan(run_folder, default_campaigns_config())
    assert not (run_folder / "campaigns" / "new_womens_shoe_brand.csv").exists()
    assert (run_folder / "campaigns" / "vip_care.csv").is_file()
    assert (run_folder / "customers.parquet").is_file()  # run outputs untouched


def test_run_folder_problems(tmp_path: Path, make_run) -> None:
    with pytest.raises(DataError, match="no manifest.json"):
        build_campaign_plan(tmp_path, default_campaigns_config())
    running = make_run(tmp_path / "running", status="running")
    with pytest.raises(DataError, match="not complete"):
        build_campaign_plan(running, default_campaigns_config())
    done = make_run(tmp_path / "done")
    (done / "cltv_draws.parquet").unlink()
    with pytest.raises(DataError, match="keep_draws"):
        build_campaign_plan(done, default_campaigns_config())


def test_workbook_carries_run_warnings_and_turkish_headers(run_folder: Path, tmp_path: Path):
    result = build_campaign_plan(run_folder, default_campaigns_config(), tmp_path / "plan")
    manifest = {
        "warnings": [
            {"code": "dropout_weakly_identified", "message": "100% of customers have P(alive)"},
            {"code": "extreme_spend", "message": "2 customers spend more than 20x"},
        ]
    }
    path = write_workbook(result, tmp_path / "tr.xlsx", language="tr", manifest=manifest)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "özet" and book.sheetnames[-2:] == ["sütunlar", "ayarlar"]
    head = [c.value for c in book["özet"][1]]
    assert "Kampanya" in head and "Kâr, ortalama (TRY)" in head and "Zarar olasılığı" in head
    vip = [c.value for c in book["vip_care"][1]]
    assert (
        "Aktif kalma olasılığı" in vip and "Önümüzdeki 6 ay CLTV, %5 yüzdelik değeri (TRY)" in vip
    )
    rows = [(r[0].value, r[1].value) for r in book["ayarlar"].iter_rows(min_row=1)]
    assert rows[0] == ("ayar", "değer")
    run_rows = [value for key, value in rows if key == "çalıştırma uyarıları"]
    assert run_rows == [
        "dropout_weakly_identified: 100% of customers have P(alive)",
        "extreme_spend: 2 customers spend more than 20x",
    ]
    assert ("çalıştırma uyarıları", "yok") not in rows
    # Without warnings anywhere, the sheet says so once.
    english = openpyxl.load_workbook(write_workbook(result, tmp_path / "en.xlsx"))
    settings = [(r[0].value, r[1].value) for r in english["settings"].iter_rows(min_row=2)]
    if not result.warnings:
        assert ("run warnings", "none") in settings
    with pytest.raises(UserInputError, match="unknown report language 'de'"):
        write_workbook(result, tmp_path / "de.xlsx", language="de")


def test_plan_command_puts_the_runs_warnings_on_the_settings_sheet(
    tmp_path: Path, make_run
) -> None:
    run = make_run(tmp_path / "run")
    manifest_path = run / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["warnings"] = [{"code": "extreme_spend", "message": "2 customers spend a lot"}]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    build_campaign_plan(run, default_campaigns_config(), tmp_path / "plan", language="tr")
    book = openpyxl.load_workbook(tmp_path / "plan" / "campaign_plan.xlsx")
    rows = [(r[0].value, r[1].value) for r in book["ayarlar"].iter_rows(min_row=2)]
    assert ("çalıştırma uyarıları", "extreme_spend: 2 customers spend a lot") in rows
