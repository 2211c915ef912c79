"""Ctrl-C at any stage ends the run with exit code 130 and the manifest marked interrupted.

nutpie stops sampling on SIGINT and returns the draws it has instead of raising; the run used
to go on and fail later (exit 1). The subprocess test sends a real SIGINT to a real run while
it samples.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from flo_bayes.interrupts import reraise_swallowed_interrupt


@pytest.fixture(autouse=True)
def default_sigint_handler():
    # A process started in the background (nohup, `cmd &`) inherits SIGINT as ignored; Ctrl-C
    # is what these tests are about, so they run with Python's default handler.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _swallowing_sampler():
    """What nutpie does: the interrupt stops the work, and a (cut) result is returned."""
    try:
        signal.raise_signal(signal.SIGINT)
    except KeyboardInterrupt:
        return []
    return [1, 2, 3]


def test_a_swallowed_interrupt_is_raised_after_the_block():
    with pytest.raises(KeyboardInterrupt, match="sampler stopped early"):
        with reraise_swallowed_interrupt():
            assert _swallowing_sampler() == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_failure_on_the_cut_trace_becomes_the_interrupt():
    with pytest.raises(KeyboardInterrupt) as caught:
        with reraise_swallowed_interrupt():
            trace = _swallowing_sampler()
            trace[0]  # the IndexError the run used to end in
    assert isinstance(caught.value.__cause__, IndexError)


def test_no_interrupt_no_change():
    with reraise_swallowed_interrupt():
        value = 1 + 1
    assert value == 2
    with pytest.raises(ValueError):
        with reraise_swallowed_interrupt():
            raise ValueError("unrelated")


@pytest.fixture(scope="module")
def compiled_model():
    import nutpie
    import pymc as pm

    with pm.Model() as model:
        pm.Normal("x", 0.0, 1.0, shape=5)
    return nutpie.compile_pymc_model(model)


def _sample_and_interrupt(compiled):
    """Real nutpie sampling; SIGINT is sent once 200 draws are done (from its progress hook)."""
    import nutpie

    sent = []

    def on_progress(progress):
        if not sent and any(chain.finished_draws > 200 for chain in progress):
            sent.append(True)
            signal.raise_signal(signal.SIGINT)

    trace = nutpie.sample(
        compiled,
        draws=5_000_000,
        tune=100,
        chains=1,
        seed=1,
        progress_bar=False,
        progress_callback=on_progress,
        progress_rate=50,
    )
    return trace, sent


def test_nutpie_alone_swallows_the_interrupt(compiled_model):
    """The premise: nutpie stops on Ctrl-C and returns the draws it has, without raising."""
    trace, sent = _sample_and_interrupt(compiled_model)
    assert sent
    assert trace.posterior.sizes["draw"] < 5_000_000


def test_guard_turns_nutpies_early_stop_into_keyboard_interrupt(compiled_model):
    with pytest.raises(KeyboardInterrupt, match="sampler stopped early"):
        with reraise_swallowed_interrupt():
            _sample_and_interrupt(compiled_model)


def _manifest(folder):
    path = folder / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def test_sigint_during_the_fit_exits_130_and_marks_the_run_interrupted(tmp_path):
    """A real run, a real SIGINT during the fit stage (long chains).

    Whether it lands in compilation or in sampling depends on the machine's speed; either way
    the run must end with 130 and ``interrupted``. The tests above pin down the sampling case.
    """
    config = tmp_path / "long.toml"
    config.write_text(
        "[data]\nsimulated_customers = 300\n"
        "[sampler]\nchains = 2\ncores = 1\ndraws = 100000\ntune = 1000\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "flo_bayes.cli", "run", "--config", str(config)]
        + ["--out", str(out), "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            if _manifest(out).get("stages", {}).get("fit", {}).get("status") == "running":
                break
            time.sleep(0.2)
        else:
            pytest.fail("the run did not reach the fit stage")
        # Past compilation and into sampling (100,000 draws take minutes, not seconds).
        time.sleep(15)
        assert process.poll() is None, "the run ended before it could be interrupted"
        os.kill(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    manifest = _manifest(out)
    assert manifest["status"] == "interrupted"
    assert manifest["failed_stage"] == "fit"
    assert manifest["stages"]["fit"]["status"] == "interrupted"
    assert not (out / "customers.parquet").exists()
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
