"""flo_bayes: Bayesian CLTV, RFM segments and risk-aware campaign planning.

Open a finished run in a notebook with :func:`load_run`. The names are loaded on first use,
so importing a subpackage (``flo_bayes.io``, ``flo_bayes.config``) loads nothing else.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Run", "load_run"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from flo_bayes import api

        return getattr(api, name)
    raise AttributeError(f"module 'flo_bayes' has no attribute {name!r}")
