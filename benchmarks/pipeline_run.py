"""Our end-to-end pipeline, timed from process start (workloads ``ours_flo`` and ``scale_1m``).

The run goes through :func:`flo_bayes.workflow.run.run_pipeline` exactly as ``flo-bayes run``
does, into a folder under the harness's work directory, so whatever stages the pipeline
has are timed; per-stage seconds and the convergence verdict come from the run's
``manifest.json``. ``report.html`` is not built (the targets exclude it; it is made
after the manifest is final) unless the workload's arguments ask for it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.measure import WorkerContext


class StageProgress:
    """Progress printer for ``run_pipeline`` that sends each line to the harness.

    It offers what the pipeline uses of :class:`flo_bayes.progress.ConsoleProgress`
    (``stage`` and ``say``) without a stage count, so the harness needs no change when the
    pipeline gains a stage.
    """

    def __init__(self, context: WorkerContext) -> None:
        self._context = context
        self.done = 0

    @contextmanager
    def stage(self, label: str) -> Iterator[None]:
        """Announce a stage, run the block, report its duration."""
        self.done += 1
        self.say(f"stage {self.done}: {label} ...")
        started = time.perf_counter()
        yield
        self.say(f"stage {self.done}: {label}: done in {time.perf_counter() - started:.1f} s")

    def warnings(self, warnings) -> None:
        """The run's closing warning list: the manifest holds them; the harness needs no line."""

    def say(self, message: str) -> None:
        """Forward one line (the first line of a multi-line message)."""
        for line in message.splitlines()[:1]:
            # Detail lines (indented) and banners stay out; the result has the gate failures.
            if line.strip() and not line[0].isspace() and not set(line) <= {"!"}:
                self._context.progress(line)


def configured(args: dict):
    """The run config: the config file (or built-in defaults), data path and overrides.

    Parameters
    ----------
    args : dict
        ``config_path`` (None: built-in defaults), ``data_path``, ``data_format`` (optional),
        ``report`` (optional, default False: no report.html, which the targets exclude),
        ``sampler`` (optional mapping of SamplerSettings fields), ``keep_draws`` (optional;
        lowered to the number of posterior draws when the chains are too short for it).

    Returns
    -------
    flo_bayes.config.Config

    """
    from flo_bayes.config import RunOverrides, apply_overrides, load_config

    config = load_config(args.get("config_path"))
    config = apply_overrides(
        config,
        RunOverrides(data_path=Path(args["data_path"]), data_format=args.get("data_format")),
    )
    update = {}
    if "report" in type(config.output).model_fields and not args.get("report", False):
        # Issue 7 times the pipeline without report.html (built after the manifest is final).
        update["output"] = config.output.model_copy(update={"report": False})
    if args.get("sampler"):
        update["sampler"] = config.sampler.model_copy(update=args["sampler"])
    if args.get("keep_draws") is not None:
        update["prediction"] = config.prediction.model_copy(
            update={"keep_draws": int(args["keep_draws"])}
        )
    config = config.model_copy(update=update) if update else config
    # The scoring stage cannot keep more draws than the fits produce (short test chains).
    available = min(config.sampler.chains * config.sampler.draws, config.prediction.max_draws)
    if config.prediction.keep_draws > available:
        config = config.model_copy(
            update={"prediction": config.prediction.model_copy(update={"keep_draws": available})}
        )
    return config


def run(args: dict, context: WorkerContext) -> dict:
    """Run the whole pipeline once; return total and stage seconds and the gate verdict."""
    from flo_bayes.runs import RunFolder, open_run
    from flo_bayes.workflow.run import run_pipeline

    import_seconds = context.mark("imports done")
    config = configured(args)
    out_dir = Path(args["out_dir"])
    folder = RunFolder.create(out_dir / "run", out_dir, args.get("label", "bench"))
    context.progress(
        f"pipeline on {Path(args['data_path']).name} "
        f"(sampler {config.sampler.backend}, {config.sampler.chains} chains x "
        f"{config.sampler.draws} draws, keep_draws {config.prediction.keep_draws})"
    )
    with profiled(bool(args.get("profile"))) as profile:
        result = run_pipeline(
            config,
            folder,
            StageProgress(context),
            config_source=str(args.get("config_path") or "built-in defaults"),
        )
    total_seconds = context.mark("pipeline done")
    manifest = open_run(folder.path).manifest
    convergence = manifest.get("convergence", {})
    return {
        "total_seconds": round(total_seconds, 3),
        "import_seconds": round(import_seconds, 3),
        "stages": {
            name: stage.get("seconds") for name, stage in manifest.get("stages", {}).items()
        },
        "convergence_passed": bool(convergence.get("passed", result.gate.passed)),
        "gate_failures": [_failure_text(f) for f in convergence.get("failures", [])][:10],
        "gate_failure_count": len(convergence.get("failures", [])),
        "customers": manifest.get("row_counts", {}).get("customers"),
        "manifest_peak_mb": manifest.get("peak_memory_mb"),
        "manifest_status": manifest.get("status"),
        "data_path": str(args["data_path"]),
        "sampler": config.sampler.model_dump(mode="json"),
        "sampler_overrides": args.get("sampler") or {},
        "keep_draws": config.prediction.keep_draws,
        "report_built": bool(getattr(config.output, "report", False)),
        "max_draws": config.prediction.max_draws,
        "package_versions": manifest.get("package_versions", {}),
        "profile": profile,
    }


PROFILE_ROWS = 15


@contextmanager
def profiled(enabled: bool) -> Iterator[list[dict]]:
    """Run the block under ``cProfile`` when enabled; fill the list with the top functions.

    Each row is a function with its own time (``tottime``), time including callees
    (``cumtime``) and call count, sorted by own time, so compiled code (numba, nutpie's Rust)
    shows as the Python function that calls it.
    """
    rows: list[dict] = []
    if not enabled:
        yield rows
        return
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield rows
    finally:
        profiler.disable()
        stats = pstats.Stats(profiler).stats
        ranked = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)
        for (filename, line, name), (_, calls, tottime, cumtime, _) in ranked[:PROFILE_ROWS]:
            rows.append(
                {
                    "function": f"{_short_path(filename)}:{line}({name})",
                    "calls": calls,
                    "tottime": round(tottime, 3),
                    "cumtime": round(cumtime, 3),
                }
            )


def _short_path(filename: str) -> str:
    """``site-packages/pkg/mod.py`` or ``flo_bayes/mod.py`` instead of the absolute path."""
    parts = Path(filename).parts
    for anchor in ("site-packages", "flo_bayes", "benchmarks"):
        if anchor in parts:
            index = parts.index(anchor)
            return "/".join(parts[index + (anchor == "site-packages") :])
    return filename


def _failure_text(failure: dict) -> str:
    value = failure.get("value")
    shown = f"{value:.4g}" if isinstance(value, int | float) else str(value)
    return f"{failure.get('target')} {failure.get('check')} = {shown} (needs {failure.get('rule')})"
