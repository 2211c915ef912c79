"""The report: built from saved outputs, self-contained, every image decodes, gate is loud."""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from pathlib import Path

import polars as pl
import pytest
from PIL import Image

from flo_bayes.api import load_run
from flo_bayes.errors import UserInputError
from flo_bayes.report import build_report
from flo_bayes.report.sections import ReportContext, campaigns_section, gate_banner

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
        "data",
        "diagnostics",
        "plots",
        "fit",
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
