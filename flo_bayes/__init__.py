"""flo_bayes: Bayesian CLTV, RFM segments and risk-aware campaign planning.

Open a finished run in a notebook with :func:`load_run`.
"""

from flo_bayes.api import Run, load_run

__all__ = ["Run", "load_run"]
