"""The report step: build ``report.html`` from a run folder's saved outputs."""

from __future__ import annotations

import time
from collections.abc import Callable

from flo_bayes.runs import Manifest, RunFolder


def build_run_report(
    folder: RunFolder,
    manifest: Manifest,
    *,
    say: Callable[[str], None] | None,
    language: str = "en",
) -> None:
    """Write report.html and record it in the manifest.

    A failure here leaves the (complete) results intact and says so: the manifest records
    the error and ``say`` prints how to rebuild the report.

    Parameters
    ----------
    folder : RunFolder
        The run folder.
    manifest : Manifest
        Its manifest (updated with the ``report`` entry).
    say : callable, optional
        Prints a progress line (None: silent).
    language : {"en", "tr"}
        Language of the report (``[report] language``).

    """
    from flo_bayes.report import build_report

    say = say or (lambda _line: None)
    started = time.perf_counter()
    try:
        path = build_report(folder.path, language=language)
    except Exception as error:  # noqa: BLE001 - the results are complete; the report is extra
        say(
            f"WARNING: report.html could not be built ({type(error).__name__}: {error}); "
            f"rebuild it with `flo-bayes report {folder.path}`"
        )
        manifest.update(report={"built": False, "error": f"{type(error).__name__}: {error}"})
        return
    seconds = round(time.perf_counter() - started, 3)
    manifest.update(report={"built": True, "path": str(path), "seconds": seconds})
    say(f"report: {path} ({seconds:.1f} s)")
