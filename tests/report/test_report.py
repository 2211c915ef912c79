"""The report: built from saved outputs, self-contained, every image decodes, gate is loud."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from PIL import Image

from flo_bayes.api import load_run
from flo_bayes.errors import UserInputError
from flo_bayes.report import build_report
from flo_bayes.report.sections import (
    ReportContext,
    backtest_section,
    campaigns_section,
    gate_banner,
    summary_section,
)
from flo_bayes.workflow.backtest import tracking_table

SECTION = re.compile(r'<section id="([^"]+)">')

IMG = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", re.IGNORECASE)


def test_report_written_in_run_folder(tiny_run: Path, tiny_report: Path):
    assert tiny_report == tiny_run / "report.html"
    assert tiny_report.stat().st_size > 10_000
    assert not list(tiny_run.glob(".report.html.tmp*"))


def test_report_is_self_contained(tiny_report: Path):
    html = tiny_report.read_text(encoding="utf-8")
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", html, re.IGNORECASE)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "@import" not in html and "url(" not in html


def test_every_image_decodes(tiny_report: Path):
    sources = IMG.findall(tiny_report.read_text(encoding="utf-8"))
    assert len(sources) >= 14  # 5 per model, 3 fit checks, CLTV charts
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        image = Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1], validate=True)))
        image.load()
        assert image.width > 100 and image.height > 100


def test_report_has_every_section_and_no_errors(tiny_report: Path):
    html = tiny_report.read_text(encoding="utf-8")
    for anchor in (
        "summary",
        "data",
        "diagnostics",
        "plots",
        "fit",
        "backtest",
        "segments",
        "cltv",
        "campaigns",
        "warnings",
        "manifest",
    ):
        assert f'<section id="{anchor}">' in html
    assert "Could not produce" not in html
    for text in ("Period transactions", "Segment profiles", "Stage timings", "E-BFMI"):
        assert text.lower() in html.lower()


def test_gate_verdict_matches_manifest(tiny_run: Path, tiny_report: Path):
    html = tiny_report.read_text(encoding="utf-8")
    passed = load_run(tiny_run).gate_passed
    assert ("CONVERGENCE GATE FAILED" in html) is (not passed)
    assert ("Convergence gate PASSED" in html) is passed


def test_failed_gate_banner_is_loud_and_lists_failures():
    manifest = {
        "convergence": {
            "passed": False,
            "checks": [
                {
                    "target": "bgnbd.r",
                    "check": "r_hat",
                    "value": 1.08,
                    "rule": "<= 1.01",
                    "passed": False,
                },
                {
                    "target": "bgnbd.a",
                    "check": "r_hat",
                    "value": 1.0,
                    "rule": "<= 1.01",
                    "passed": True,
                },
            ],
        }
    }
    banner = gate_banner(manifest)
    assert 'class="banner bad"' in banner and "CONVERGENCE GATE FAILED" in banner
    assert "1 of 2 checks failed" in banner and "bgnbd.r" in banner
    assert "NOT RECORDED" in gate_banner({})
    manifest["convergence"] = {"passed": True, "checks": manifest["convergence"]["checks"][1:]}
    assert "PASSED" in gate_banner(manifest)


def test_campaign_summary_shown_when_present(tiny_run: Path):
    run = load_run(tiny_run)
    summary = pl.DataFrame({"campaign": ["vip_thanks"], "contacts": [12], "expected_profit": [3.5]})
    html = campaigns_section(ReportContext(dataclasses.replace(run, campaign_summary=summary)))
    assert "vip_thanks" in html and "expected_profit" in html
    without_plan = dataclasses.replace(run, campaign_summary=None)
    assert "No campaign plan" in campaigns_section(ReportContext(without_plan))


def test_report_refuses_incomplete_folder(tmp_path: Path):
    with pytest.raises(UserInputError):
        build_report(tmp_path)


def test_plan_into_a_run_folder_rebuilds_its_report(tiny_run: Path, tmp_path: Path):
    import json
    import shutil

    from flo_bayes.config import default_campaigns_config
    from flo_bayes.workflow.plan import replan

    run = shutil.copytree(tiny_run, tmp_path / "run")
    (run / "report.html").unlink(missing_ok=True)
    settings = default_campaigns_config(criterion="cvar", level=0.5)
    replan(run, settings)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["campaign_plan"]["replanned"] is True
    assert manifest["config"]["campaigns"]["criterion"] == "cvar"
    assert manifest["report"]["built"] is True
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "cvar" in html.lower()


def test_executive_summary_comes_first(tiny_report: Path):
    html = tiny_report.read_text(encoding="utf-8")
    anchors = SECTION.findall(html)
    assert anchors[0] == "summary" and anchors[1] == "data"
    summary = html[html.index('<section id="summary">') : html.index('<section id="data">')]
    # Key figures, value by segment and value tier, the plan and who to contact first.
    for text in ("Executive summary", "Value by RFM segment", "Value by value tier"):
        assert text in summary
    assert "Campaign plan" in summary and "Who to contact first" in summary
    assert summary.count("<img") >= 1 and 'class="kpis"' in summary
    # The analyst's part is announced after it.
    assert html.index("For the analyst") > html.index('<section id="summary">')


def test_manifest_is_collapsed_and_no_internal_references(tiny_report: Path):
    html = tiny_report.read_text(encoding="utf-8")
    manifest = html[html.index('<section id="manifest">') :]
    assert "<details><summary>Full manifest" in manifest
    assert manifest.index("<details>") < manifest.index("<pre>")
    assert "DESIGN.md" not in html


def test_summary_totals_match_the_customer_table(tiny_run: Path):
    run = load_run(tiny_run)
    html = summary_section(ReportContext(run))
    total = float(run.customers["cltv_6m_pred_mean"].sum())
    assert f"{round(total):,}" in html
    for segment in run.customers["segment"].unique().to_list():
        assert f'<td class="text">{segment}</td>' in html


def test_turkish_report(tiny_run: Path, tmp_path: Path):
    path = build_report(tiny_run, out=tmp_path / "rapor.html", language="tr")
    html = path.read_text(encoding="utf-8")
    assert '<html lang="tr">' in html
    for text in (
        "Yönetici özeti",
        "RFM segmentine göre değer",
        "Değer grubuna göre değer",
        "Önce kimlere ulaşılmalı",
        "ortalama aktif kalma olasılığı",
        "Yakınsama tanılaması",
        "Çalıştırma kaydı",
    ):
        assert text in html, text
    assert "Executive summary" not in html and "Could not produce" not in html
    with pytest.raises(UserInputError, match="unknown report language"):
        build_report(tiny_run, out=tmp_path / "x.html", language="de")


def test_backtest_section_reads_the_backtest_folder(tiny_run: Path, tmp_path: Path):
    assert "No backtest in this run folder" in backtest_section(ReportContext(load_run(tiny_run)))
    copy = tmp_path / "run"
    shutil.copytree(tiny_run, copy)
    folder = copy / "backtest"
    folder.mkdir()
    metrics = {
        "calibration_end": "1997-09-30",
        "holdout_end": "1998-06-30",
        "customers": 300,
        "convergence_passed": True,
        "coverage_50": 0.49,
        "coverage_90": 0.91,
        "holdout_actual_total": 1882,
        "holdout_predicted_mean": 1647.0,
        "holdout_predicted_q05": 1307.0,
        "holdout_predicted_q95": 1992.0,
    }
    (folder / "backtest.json").write_text(json.dumps(metrics), encoding="utf-8")
    rng = np.random.default_rng(0)
    tracking = np.cumsum(rng.gamma(5.0, 10.0, size=(12, 40)), axis=0)
    actual = np.cumsum(rng.poisson(50, size=12))
    tracking_table(tracking, actual).write_csv(folder / "tracking_weekly.csv")
    html = backtest_section(ReportContext(load_run(copy)))
    assert "1997-09-30" in html and "1,882" in html and "1,307 – 1,992" in html
    assert "<td>yes</td>" in html.replace(' class=""', "")  # 1882 lies inside the band
    assert "49.0 %" in html and html.count("<img") == 1
    turkish = backtest_section(ReportContext(load_run(copy), language="tr"))
    assert "1.882" in turkish and "%49,0" in turkish and "evet" in turkish


def test_tracking_table_weekly_sums_to_cumulative():
    rng = np.random.default_rng(1)
    tracking = np.cumsum(rng.gamma(2.0, 3.0, size=(9, 25)), axis=0)
    actual = np.cumsum(rng.poisson(4, size=9))
    frame = tracking_table(tracking, actual)
    assert frame["week"].to_list() == list(range(1, 10))
    np.testing.assert_array_equal(np.cumsum(frame["actual"].to_numpy()), actual)
    np.testing.assert_allclose(
        np.cumsum(np.diff(tracking, axis=0, prepend=0.0), axis=0).mean(axis=1),
        frame["cumulative_expected_mean"].to_numpy(),
    )
    np.testing.assert_allclose(frame["expected_mean"].sum(), tracking[-1].mean())
    assert (frame["expected_q05"] <= frame["expected_mean"]).all()
    assert (frame["expected_mean"] <= frame["expected_q95"]).all()


def test_report_holds_no_customer_ids(tiny_run: Path, tiny_report: Path):
    """ "Who to contact first" shows ranks and profiles; the ids stay in the campaign lists."""
    html = re.sub(r'src="data:[^"]*"', "", tiny_report.read_text(encoding="utf-8"))
    ids = load_run(tiny_run).customers["customer_id"].cast(pl.Utf8).to_list()
    assert "Who to contact first" in html
    assert not [i for i in ids if i in html]
