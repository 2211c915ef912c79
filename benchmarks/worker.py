"""Subprocess entry of one workload: ``python -m benchmarks.worker NAME JSON``.

The worker runs the named workload with the JSON arguments and prints exactly one line on
its standard output: :data:`RESULT_MARKER` followed by a JSON object with

* ``ok`` -- whether the workload finished (``error`` and ``traceback`` when not);
* ``metrics`` -- what the workload measured (its own timings, stage times, ...);
* ``process_seconds`` -- seconds from the parent starting this process to the end
  (interpreter start-up and imports included);
* ``peak_mb`` -- this process's peak resident memory (``ru_maxrss``);
* ``children_peak_mb`` -- peak resident memory of its largest waited-for child, if any.

Anything else the workload or its libraries print, on stdout or stderr, goes to stderr, so
the result line is never mixed with library output. Only the named workload's module is
imported, so a workload's process holds nothing another workload needs.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable

from benchmarks.measure import (
    WorkerContext,
    children_peak_rss_mb,
    peak_rss_mb,
)

RESULT_MARKER = "@@result "
SPAWNED_AT_KEY = "_spawned_at"

WORKLOADS: dict[str, str] = {
    "simulate_flo_csv": "benchmarks.inputs:simulate_flo_csv",
    "scoring_inputs": "benchmarks.inputs:scoring_inputs",
    "ours_flo": "benchmarks.pipeline_run:run",
    "scale_1m": "benchmarks.pipeline_run:run",
    "baseline_flo": "benchmarks.baseline:run",
    "lifetimes": "benchmarks.lifetimes_recipe:run",
    "cdnow_fits": "benchmarks.cdnow_fits:run",
    "scoring": "benchmarks.scoring_scale:run",
}
"""Workload name -> ``module:function``; the function takes ``(args, context)`` and returns a dict."""


def resolve(name: str) -> Callable[[dict, WorkerContext], dict]:
    """Import and return the function of workload ``name``."""
    try:
        target = WORKLOADS[name]
    except KeyError:
        raise ValueError(f"unknown workload {name!r}; known: {sorted(WORKLOADS)}") from None
    module_name, function_name = target.split(":")
    return getattr(importlib.import_module(module_name), function_name)


def main(argv: list[str] | None = None) -> int:
    """Run one workload and print its result line; exit code 0 when it finished."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m benchmarks.worker NAME JSON_ARGS", file=sys.stderr)
        return 2
    name, raw_args = argv
    args = json.loads(raw_args)
    context = WorkerContext(spawned_at=float(args.pop(SPAWNED_AT_KEY, time.time())), name=name)

    # Keep the real stdout for the result line; everything else printed goes to stderr.
    sys.stdout.flush()
    result_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)

    payload: dict = {"workload": name}
    code = 0
    try:
        payload["metrics"] = resolve(name)(args, context)
        payload["ok"] = True
    except Exception as error:  # reported to the parent, which carries on with the others
        payload.update(
            ok=False,
            error=f"{type(error).__name__}: {error}"[:2000],
            traceback=traceback.format_exc(),
        )
        code = 1
    payload.update(
        process_seconds=round(context.since_start(), 3),
        peak_mb=round(peak_rss_mb(), 1),
        children_peak_mb=round(children_peak_rss_mb(), 1),
        marks=context.marks,
    )
    sys.stdout.flush()
    result_stream.write(RESULT_MARKER + json.dumps(payload) + "\n")
    result_stream.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
