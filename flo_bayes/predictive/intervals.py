"""Predictive intervals and how their coverage is judged -- one rule, used everywhere.

Bands
-----
Every exported band at level ``L`` (default levels 0.5 and 0.9) is the equal-tailed pair of
quantiles ``[Q((1-L)/2), Q((1+L)/2)]`` of the draws, computed with
``numpy.quantile(..., method="inverted_cdf")``: ``Q(u)`` is the smallest draw value whose
empirical CDF is ``>= u``. For integer counts the band ends are therefore observed integer
counts (no interpolated 2.35 purchases). Medians use the same method.

Coverage of an actual outcome
-----------------------------
Counts are discrete, so no band of integers can have exactly level ``L`` for every
customer: a band either holds the whole probability of an atom or none of it. Coverage is
therefore judged with the *randomised probability integral transform* (PIT): with ``F``
the predictive CDF from the draws, ``F(y-) = P(Y < y)`` and ``F(y) = P(Y <= y)``,

    ``u = F(y-) + V * (F(y) - F(y-))``,   ``V ~ Uniform(0, 1)``,

and the actual ``y`` is *covered at level L* iff ``(1 - L)/2 <= u <= (1 + L)/2``. If the
predictive distribution is right, ``u`` is exactly Uniform(0, 1) (Brockwell 2007;
Czado, Gneiting & Held 2009), so the share covered is ``L`` up to sampling noise -- for
any ``L`` and however discrete the outcome. For a count ``F(y-) = F(y - 1)``. The same
formula applies unchanged to continuous outcomes (then ``F(y-) = F(y)`` and ``u = F(y)``,
ordinary coverage) and to mixed ones such as CLTV, which has an atom at 0 (customers who
buy nothing); :func:`interval_coverage` is used for all of them.

The two are consistent: if ``(1-L)/2 <= u < (1+L)/2`` then ``y`` lies inside the exported
band (the band may also contain ``y`` when ``u`` is outside -- integer bands are
conservative), so the randomised share is the honest coverage figure and the band is what
a reader sees.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from flo_bayes.predictive._validation import as_1d, check_levels

QUANTILE_METHOD = "inverted_cdf"
COUNT_INTERVAL_RULE = "equal_tailed_inverted_cdf_randomized_pit"


def band_probabilities(level: float) -> tuple[float, float]:
    """Return the lower and upper quantile probabilities of an equal-tailed band."""
    (level,) = check_levels("level", (level,))
    return (1.0 - level) / 2.0, (1.0 + level) / 2.0


def quantile_label(prob: float) -> str:
    """Column label of a quantile: 0.05 -> ``q05``, 0.5 -> ``q50``, 0.975 -> ``q97_5``."""
    pct = round(100.0 * float(prob), 6)
    if pct == int(pct):
        return f"q{int(pct):02d}"
    return "q" + f"{pct:g}".replace(".", "_")


def equal_tailed_quantiles(
    draws_matrix: np.ndarray, levels: Sequence[float]
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Equal-tailed bands of the draws of each column.

    Parameters
    ----------
    draws_matrix : numpy.ndarray
        ``(S, n)`` draws (rows: draws, columns: customers).
    levels : sequence of float
        Band levels, e.g. ``(0.5, 0.9)``.

    Returns
    -------
    dict
        ``level -> (lower, upper)``, each ``(n,)``, via ``method="inverted_cdf"``.

    """
    levels = check_levels("levels", levels)
    probs = [prob for level in levels for prob in band_probabilities(level)]
    values = np.quantile(draws_matrix, probs, axis=0, method=QUANTILE_METHOD)
    return {level: (values[2 * k], values[2 * k + 1]) for k, level in enumerate(levels)}


def randomized_pit(
    draws_matrix: np.ndarray, actual: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Randomised PIT of actual outcomes under the predictive draws.

    Parameters
    ----------
    draws_matrix : numpy.ndarray
        ``(S, n)`` predictive draws, one column per customer (a chunk is fine).
    actual : array_like
        ``(n,)`` observed outcomes.
    rng : numpy.random.Generator
        Source of the uniform ``V`` (one per customer).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` values ``u = F(y-) + V (F(y) - F(y-))`` in ``[0, 1]``.

    """
    draws_matrix = np.asarray(draws_matrix)
    if draws_matrix.ndim != 2:
        raise ValueError(f"draws_matrix must be (S, n), got shape {draws_matrix.shape}")
    y = as_1d("actual", actual)
    if y.shape[0] != draws_matrix.shape[1]:
        raise ValueError("actual must have one value per column of draws_matrix")
    below = np.mean(draws_matrix < y, axis=0)
    at_or_below = np.mean(draws_matrix <= y, axis=0)
    return below + rng.random(y.shape[0]) * (at_or_below - below)


def pit_covered(pit: np.ndarray, level: float) -> np.ndarray:
    """Per-customer coverage flags: ``(1-L)/2 <= u <= (1+L)/2``."""
    lower, upper = band_probabilities(level)
    u = np.asarray(pit, dtype=np.float64)
    return (u >= lower) & (u <= upper)


def interval_coverage(pit: np.ndarray, levels: Sequence[float]) -> dict[float, float]:
    """Share of outcomes covered at each level, judged by the randomised PIT.

    Parameters
    ----------
    pit : array_like
        Randomised PIT values from :func:`randomized_pit`.
    levels : sequence of float
        Interval levels, e.g. ``(0.5, 0.9)``.

    Returns
    -------
    dict
        ``level -> share covered`` (floats in ``[0, 1]``).

    """
    u = as_1d("pit", pit)
    if u.size == 0:
        raise ValueError("no PIT values to judge coverage on")
    return {
        level: float(np.mean(pit_covered(u, level))) for level in check_levels("levels", levels)
    }
