"""The self-contained HTML run report (``flo-bayes report RUN_DIR``).

The builder is imported on first use, so the campaign exports can use
:mod:`flo_bayes.report.i18n` without importing the whole report (and the run loader,
which imports the config, which imports the campaign settings: an import cycle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flo_bayes.report.build import REPORT_FILE, build_report, report_path

__all__ = ["REPORT_FILE", "build_report", "report_path"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from flo_bayes.report import build

        return getattr(build, name)
    raise AttributeError(f"module 'flo_bayes.report' has no attribute {name!r}")
