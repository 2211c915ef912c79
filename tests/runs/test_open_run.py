"""Opening a run folder: one reader, one set of errors, a versioned manifest with a Config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flo_bayes.config import Config
from flo_bayes.errors import DataError
from flo_bayes.runs import MANIFEST_VERSION, Manifest, RunFolder, open_run


def _write(folder: Path, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"status": "complete", "seed": 3, "config": {"seed": 3}} | fields
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_open_run_validates_the_config(tmp_path):
    folder = _write(tmp_path / "run", config={"seed": 3, "prediction": {"currency": "USD"}})
    run = open_run(folder)
    assert isinstance(run.config, Config)
    assert run.config.prediction.currency == "USD"
    assert run.config.prediction.margin == Config().prediction.margin  # defaults, not restated
    assert run.folder == RunFolder(folder)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "failed", "failed_stage": "fit"}, "not complete.*failed in stage 'fit'"),
        ({"config": {"sampler": {"chainz": 2}}}, r"config\.sampler\.chainz: unknown key"),
        ({"manifest_version": MANIFEST_VERSION + 1}, "newer than this flo-bayes reads"),
    ],
)
def test_bad_manifests_are_data_errors(tmp_path, fields, message):
    with pytest.raises(DataError, match=message):
        open_run(_write(tmp_path / "run", **fields))


def test_missing_folder_and_missing_manifest(tmp_path):
    with pytest.raises(DataError, match="run folder not found"):
        open_run(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no manifest.json"):
        open_run(tmp_path / "empty")
    (tmp_path / "empty" / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        open_run(tmp_path / "empty")


def test_an_incomplete_run_opens_when_asked(tmp_path):
    run = open_run(_write(tmp_path / "run", status="incomplete"), require_complete=False)
    assert run.record.status == "incomplete"


def test_the_writer_records_the_schema_version(tmp_path):
    folder = RunFolder(tmp_path)
    manifest = Manifest(folder.manifest)
    manifest.start(run_id="x", config=Config().model_dump(mode="json"), seed=1)
    manifest.finish()
    run = open_run(tmp_path)
    assert run.record.manifest_version == MANIFEST_VERSION
    assert run.config == Config()
