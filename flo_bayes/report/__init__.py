"""The self-contained HTML run report (``flo-bayes report RUN_DIR``)."""

from flo_bayes.report.build import REPORT_FILE, build_report, report_path

__all__ = ["REPORT_FILE", "build_report", "report_path"]
