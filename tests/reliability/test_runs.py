"""Whole-pipeline reliability: determinism, interrupted runs, safe outputs and privacy.

Two small complete runs (300 simulated FLO customers, 2 chains x 200 draws, same config and
seed) are shared by this module's tests (``twin_runs``). Interrupted runs: a stage whose file
writer fails half-way ("disk full"), and a run killed with SIGKILL during the fit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xarray as xr
from polars.testing import assert_frame_equal
from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

import flo_bayes.workflow.run as pipeline
from flo_bayes.progress import ConsoleProgress
from flo_bayes.report.i18n import column_header
from flo_bayes.runs import RunFolder
from flo_bayes.workflow.fit import save_model
from flo_bayes.workflow.load import simulate_default_input
from flo_bayes.workflow.run import run_pipeline

pytestmark = pytest.mark.fit  # real runs with NUTS fits

# Manifest fields that must agree between two runs (timings, dates and memory may not).
STABLE_MANIFEST_KEYS = (
    "status",
    "config",
    "seed",
    "input",
    "row_counts",
    "analysis_date",
    "convergence",
    "target_lists",
    "warnings",
)
# Copies of input rows (the user's own data), kept so that every rejected row can be traced.
RAW_INPUT_FILES = ("rejected_rows.csv",)
# Human-facing files that state when and where they were made; their numbers come from the
# compared files. Anything else new in a run folder is compared, so an output that is not
# reproducible fails the determinism test until it is listed here with its reason.
NOT_COMPARED = {"report.html": "run id, paths, timestamps and stage timings"}


def _run(config, folder: Path) -> Path:
    run_pipeline(
        config, RunFolder.create(folder, folder.parent, "t"), ConsoleProgress(4, quiet=True)
    )
    return folder


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _leftovers(folder: Path) -> list[str]:
    return [name for name in _files(folder) if ".tmp-" in name]


@pytest.fixture(scope="module")
def twin_runs(tmp_path_factory, small_config):
    """The same config and seed run twice into two folders."""
    config = small_config()
    base = tmp_path_factory.mktemp("twins")
    return config, _run(config, base / "first"), _run(config, base / "second")


def _flo_file_with_bad_rows(config, base: Path) -> tuple[Path, list[str], list[str]]:
    """Simulated FLO customers followed by four bad rows; returns the file, good and bad lines."""
    source = simulate_default_input(config, base / "source")
    good = source.read_text(encoding="utf-8").splitlines()

    def edited(line: str, **changes: str) -> str:
        # Fields 0-10 never hold a comma (only the category list, the last field, may).
        fields = line.split(",")
        for index, value in changes.items():
            fields[int(index.removeprefix("f"))] = value
        return ",".join(fields)

    bad = [
        "",  # empty_row
        good[2].replace(",", ";"),  # wrong_field_count
        edited(good[3], f0="negative-value", f9="-5.0"),  # invalid_value
        edited(good[1], f8="99.0"),  # contradicts customer 1 (line 2): conflicting ids
    ]
    data = base / "flo_with_bad_rows.csv"
    data.write_text("\n".join(good + bad) + "\n", encoding="utf-8")
    return data, good, bad


def _disk_full(self, file, *args, **kwargs):
    """Stand-in for a frame writer: half a file reaches the disk, then the disk is full."""
    Path(file).write_bytes(b"half a file")
    raise OSError(28, "No space left on device")


@pytest.fixture(scope="module")
def interrupted_run(tmp_path_factory, small_config):
    """A FLO file with bad rows; the segment stage fails while writing its CSV files."""
    base = tmp_path_factory.mktemp("interrupted")
    data, good, bad = _flo_file_with_bad_rows(small_config(), base)
    config = small_config(data={"path": str(data)})
    folder = RunFolder.create(base / "run", base, "t")
    real_segment = pipeline.segment_and_profile

    def failing_segment(*args, **kwargs):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pl.DataFrame, "write_csv", _disk_full)
            return real_segment(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "segment_and_profile", failing_segment)
        with pytest.raises(OSError, match="No space left"):
            run_pipeline(config, folder, ConsoleProgress(4, quiet=True))
    return folder.path, len(good) - 1, len(bad), good[1].split(",")[0]


# --- determinism -------------------------------------------------------------------------------


def _without_folder(value, folder: Path):
    """Replace the run folder's own path (which differs between the twins) in any value."""
    if isinstance(value, dict):
        return {k: _without_folder(v, folder) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_folder(v, folder) for v in value]
    if isinstance(value, str):
        return value.replace(str(folder), "<run folder>")
    return value


def _workbook_cells(path: Path, folder: Path) -> dict[str, list]:
    """Cell values per sheet (the file's bytes hold its creation time)."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    return {
        sheet.title: _without_folder(
            [list(row) for row in sheet.iter_rows(values_only=True)], folder
        )
        for sheet in workbook.worksheets
    }


def test_same_config_and_seed_give_identical_results(twin_runs):
    """Every file of two runs agrees: tables exactly, posteriors by value, workbooks by cell."""
    _, first, second = twin_runs
    assert _files(first) == _files(second)
    for name in _files(first):
        a, b = first / name, second / name
        if name in NOT_COMPARED:
            continue
        if name.endswith(".parquet"):
            assert_frame_equal(pl.read_parquet(a), pl.read_parquet(b))
        elif name.endswith(".nc"):  # attributes hold creation time and sampling time
            for group in ("posterior", "sample_stats"):
                xr.testing.assert_equal(
                    xr.open_dataset(a, group=group, engine="h5netcdf"),
                    xr.open_dataset(b, group=group, engine="h5netcdf"),
                )
        elif name.endswith(".xlsx"):
            assert _workbook_cells(a, first) == _workbook_cells(b, second), name
        elif name == "manifest.json":
            m1, m2 = _manifest(first), _manifest(second)
            for m in (m1, m2):  # the simulated input sits inside each run folder
                m["input"].pop("path")
            assert {k: m1.get(k) for k in STABLE_MANIFEST_KEYS} == {
                k: m2.get(k) for k in STABLE_MANIFEST_KEYS
            }
        elif name.endswith(".json"):
            assert _without_folder(json.loads(a.read_text()), first) == _without_folder(
                json.loads(b.read_text()), second
            ), name
        else:  # CSV and anything else: byte for byte
            assert a.read_bytes() == b.read_bytes(), name
    for required in (
        "customers.parquet",
        "diagnostics/summary.csv",
        "segments/segment_profiles.csv",
        "models/bgnbd.nc",
    ):
        assert required in _files(first)


def test_completed_run_manifest(twin_runs, loaded_accounted):
    _, first, _ = twin_runs
    manifest = _manifest(first)
    assert manifest["status"] == "complete"
    assert all(stage["status"] == "done" for stage in manifest["stages"].values())
    assert list(manifest["stages"])[:4] == ["load", "segment", "fit", "score"]
    counts = manifest["row_counts"]
    assert counts["rows_read"] == counts["rows_used"] + counts["rows_rejected"]
    assert _leftovers(first) == []


# --- safe outputs ------------------------------------------------------------------------------


def test_interrupted_run_is_marked_failed_and_leaves_no_partial_file(interrupted_run):
    folder, *_ = interrupted_run
    manifest = _manifest(folder)
    assert manifest["status"] == "failed"
    assert manifest["failed_stage"] == "segment"
    assert manifest["stages"]["load"]["status"] == "done"
    assert manifest["stages"]["segment"]["status"] == "failed"
    assert "No space left on device" in manifest["stages"]["segment"]["error"]
    assert "fit" not in manifest["stages"] and "finished_at" not in manifest
    assert _leftovers(folder) == []
    assert not (folder / "segments").exists() or not any((folder / "segments").iterdir())
    assert not (folder / "customers.parquet").exists()


def test_failure_while_writing_rejected_rows_fails_the_load_stage(tmp_path, small_config):
    data, _, _ = _flo_file_with_bad_rows(small_config(), tmp_path)
    folder = RunFolder.create(tmp_path / "run", tmp_path, "t")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pl.DataFrame, "write_csv", _disk_full)
        with pytest.raises(OSError, match="No space left"):
            run_pipeline(
                small_config(data={"path": str(data)}), folder, ConsoleProgress(4, quiet=True)
            )
    manifest = _manifest(folder.path)
    assert (manifest["status"], manifest["failed_stage"]) == ("failed", "load")
    assert _files(folder.path) == ["manifest.json"]


def test_bad_rows_are_rejected_and_the_run_goes_on(interrupted_run):
    """The load stage of the interrupted run: accounting in the manifest and rejected_rows.csv."""
    folder, n_good, n_bad, first_customer = interrupted_run
    counts = _manifest(folder)["row_counts"]
    assert counts["rows_read"] == n_good + n_bad
    assert counts["rows_read"] == counts["rows_used"] + counts["rows_rejected"]
    rejected = pl.read_csv(folder / "rejected_rows.csv")
    assert rejected.height == counts["rows_rejected"]
    line_of_bad = {n_good + 2 + i for i in range(n_bad)}
    reasons = dict(zip(rejected["line_number"], rejected["reason_codes"], strict=True))
    assert reasons[min(line_of_bad)] == "empty_row"
    assert reasons[min(line_of_bad) + 1] == "wrong_field_count"
    assert "invalid_value" in reasons[min(line_of_bad) + 2]
    # The customer whose row is contradicted by a later copy is not used at all.
    assert reasons[2] == reasons[max(line_of_bad)] == "conflicting_duplicate_id"
    assert counts["customers"] == n_good - 1
    assert first_customer in rejected["raw_row"][0]


def test_killed_run_stays_incomplete(tmp_path):
    """SIGKILL in the middle of the fit: the manifest still says incomplete, nothing is final."""
    config = tmp_path / "small.toml"
    config.write_text(
        "[data]\nsimulated_customers = 300\n"
        "[sampler]\nchains = 2\ndraws = 200\ntune = 200\n"
        "[prediction]\nmax_draws = 200\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    command = [sys.executable, "-m", "flo_bayes.cli", "run", "--config", str(config)]
    process = subprocess.Popen(
        [*command, "--out", str(out), "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            manifest = out / "manifest.json"  # written atomically: always whole
            stages = _manifest(out).get("stages", {}) if manifest.exists() else {}
            if stages.get("fit", {}).get("status") == "running":
                break
            time.sleep(0.2)
        else:
            pytest.fail("the run did not reach the fit stage")
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    manifest = _manifest(out)
    assert manifest["status"] == "incomplete"
    assert manifest["stages"]["fit"] == {"status": "running"}
    assert not (out / "customers.parquet").exists()


# --- privacy -----------------------------------------------------------------------------------


def _customer_ids(folder: Path) -> list[str]:
    return pl.read_parquet(folder / "customers.parquet")["customer_id"].to_list()


def _strings_in_netcdf(path: Path) -> set[str]:
    """Every string value, coordinate and attribute in every group of a netCDF file."""
    found: set[str] = set()
    tree = xr.open_datatree(path, engine="h5netcdf")
    for node in tree.subtree:
        dataset = node.to_dataset()
        found.update(str(v) for v in dataset.attrs.values())
        for variable in [*dataset.data_vars.values(), *dataset.coords.values()]:
            found.update(str(v) for v in variable.attrs.values())
            if variable.dtype.kind in "OSU":
                found.update(str(v) for v in variable.values.ravel())
    return found


def test_save_fit_data_false_leaves_out_the_customer_table(twin_runs, tmp_path):
    """With ``output.save_fit_data = false`` the saved posteriors hold no customer data."""
    _, first, _ = twin_runs
    ids = set(_customer_ids(first))
    for model_class, name in ((BetaGeoModel, "bgnbd.nc"), (GammaGammaModel, "gamma_gamma.nc")):
        model = model_class.load(str(first / "models" / name))
        path = tmp_path / name
        save_model(model, path, keep_fit_data=False)
        tree = xr.open_datatree(path, engine="h5netcdf")
        groups = {node.name for node in tree.subtree}
        assert not groups & {"fit_data", "observed_data"}
        assert {"posterior", "sample_stats"} <= groups
        assert not ids & _strings_in_netcdf(path)
        raw = path.read_bytes()
        assert not any(customer.encode() in raw for customer in list(ids)[:50])
        for node in tree.subtree:
            assert len(ids) not in node.to_dataset().sizes.values()


def test_posteriors_with_fit_data_embed_the_customer_table(twin_runs):
    """The default (``save_fit_data = true``): ids and x/t_x/T/spend are in the .nc files."""
    _, first, _ = twin_runs
    customer = _customer_ids(first)[0]
    for model in ("bgnbd.nc", "gamma_gamma.nc"):
        path = first / "models" / model
        groups = {node.name for node in xr.open_datatree(path, engine="h5netcdf").subtree}
        assert "fit_data" in groups
        assert customer in _strings_in_netcdf(path)
        assert customer.encode() in path.read_bytes()  # stored as plain text
    fit_data = xr.open_dataset(first / "models" / "bgnbd.nc", group="fit_data", engine="h5netcdf")
    assert {"customer_id", "frequency", "recency", "T"} <= set(fit_data.data_vars)


# The workbook's id column, by machine name or as a worded header (English or Turkish).
ID_HEADERS = {"customer_id"} | {
    column_header("customer_id", language=language) for language in ("en", "tr")
}


def test_customer_ids_only_in_per_customer_tables(twin_runs):
    """Ids appear only as the key of per-customer tables (a ``customer_id`` column), in the
    rejected input rows and in the generated input; never in the manifest, diagnostics,
    segment or campaign summaries, the report or the data dictionary.
    """
    _, first, _ = twin_runs
    sample = [c.encode() for c in _customer_ids(first)[:200]]
    checked = []
    for name in _files(first):
        path = first / name
        if name.endswith(".nc") or name in RAW_INPUT_FILES or name.split("/")[0] == "input":
            continue  # posteriors: see the tests above; raw input is the user's own data
        if name.endswith(".parquet"):
            if "customer_id" not in pl.read_parquet_schema(path):
                checked.append(name)
                assert not any(c in path.read_bytes() for c in sample), name
            continue
        if name.endswith(".xlsx"):
            for sheet, rows in _workbook_cells(path, first).items():
                if rows and not ID_HEADERS & set(rows[0] or []):
                    checked.append(f"{name}:{sheet}")
                    content = json.dumps(rows, default=str).encode()
                    assert not any(c in content for c in sample), (name, sheet)
            continue
        content = path.read_bytes()
        if name.endswith(".csv") and "customer_id" in content.split(b"\n", 1)[0].decode().split(
            ","
        ):
            continue
        checked.append(name)
        assert not any(c in content for c in sample), name
    assert {"manifest.json", "diagnostics/summary.csv", "segments/segment_profiles.csv"} <= set(
        checked
    )
