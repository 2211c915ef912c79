"""Argument validation for the predictive core (kept apart from the numerics).

Every public function of :mod:`flo_bayes.predictive` converts and checks its array
arguments here, so the numerical code can assume clean, finite, 1-D float arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

_REL_TOL = 1e-9


def as_1d(name: str, value: object, *, dtype: type = np.float64) -> np.ndarray:
    """Return ``value`` as a finite 1-D array of ``dtype``.

    Parameters
    ----------
    name : str
        Argument name used in error messages.
    value : array_like
        Values to convert (scalars become length-1 arrays).
    dtype : type, optional
        Target dtype, float64 by default.

    Returns
    -------
    numpy.ndarray
        A 1-D array (a view where possible, never modified in place).

    Raises
    ------
    ValueError
        If the array is not 1-D or holds NaN / infinite values.

    """
    arr = np.atleast_1d(np.asarray(value, dtype=dtype))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} holds NaN or infinite values")
    return arr


def _same_length(**arrays: np.ndarray) -> int:
    lengths = {name: arr.shape[0] for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"customer arrays differ in length: {lengths}")
    return next(iter(lengths.values()))


def check_history(x: object, t_x: object, T: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate BG/NBD customer histories ``(x, t_x, T)``.

    Parameters
    ----------
    x : array_like
        Number of repeat purchases (non-negative whole numbers).
    t_x : array_like
        Time from first to last purchase, ``0 <= t_x <= T``.
    T : array_like
        Time from first purchase to the analysis date, ``T >= 0``.

    Returns
    -------
    tuple of numpy.ndarray
        ``x, t_x, T`` as float64 arrays of equal length.

    Raises
    ------
    ValueError
        On negative, non-integer ``x``, ``t_x > T``, negative times or length mismatch.

    """
    x_arr = as_1d("x", x)
    t_x_arr = as_1d("t_x", t_x)
    T_arr = as_1d("T", T)
    _same_length(x=x_arr, t_x=t_x_arr, T=T_arr)
    if np.any(x_arr < 0) or np.any(x_arr != np.round(x_arr)):
        raise ValueError("x (repeat purchases) must be non-negative whole numbers")
    if np.any(t_x_arr < 0) or np.any(T_arr < 0):
        raise ValueError("t_x and T must be non-negative")
    if np.any(t_x_arr > T_arr * (1 + _REL_TOL) + _REL_TOL):
        raise ValueError("t_x (first-to-last purchase) must not exceed T")
    return x_arr, np.minimum(t_x_arr, T_arr), T_arr


def check_spend_inputs(gg_n: object, gg_mean: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate the Gamma-Gamma inputs ``(gg_n, gg_mean)``.

    Parameters
    ----------
    gg_n : array_like
        Number of purchases the Gamma-Gamma mean was taken over (``>= 0``).
    gg_mean : array_like
        Mean value per purchase over those purchases (``>= 0``; ignored where
        ``gg_n == 0``).

    Returns
    -------
    tuple of numpy.ndarray
        ``gg_n, gg_mean`` as float64 arrays; ``gg_mean`` is set to 0 where ``gg_n == 0``.

    Raises
    ------
    ValueError
        On negative counts or values, or length mismatch.

    """
    n_arr = as_1d("gg_n", gg_n)
    m_arr = as_1d("gg_mean", np.nan_to_num(np.asarray(gg_mean, dtype=np.float64), nan=0.0))
    _same_length(gg_n=n_arr, gg_mean=m_arr)
    if np.any(n_arr < 0):
        raise ValueError("gg_n must be non-negative")
    if np.any(m_arr < 0):
        raise ValueError("gg_mean must be non-negative")
    return n_arr, np.where(n_arr > 0, m_arr, 0.0)


def check_same_customers(*arrays: np.ndarray) -> int:
    """Return the common length of customer arrays, raising if lengths differ."""
    return _same_length(**{f"array_{i}": arr for i, arr in enumerate(arrays)})


def check_positive_scalar(name: str, value: float, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float, checking it is finite and positive (or zero if allowed)."""
    val = float(value)
    if not math.isfinite(val) or val < 0 or (val == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return val


def check_horizons(horizons: Sequence[float]) -> np.ndarray:
    """Validate a sequence of horizon lengths (positive, finite time units)."""
    arr = as_1d("horizons", horizons)
    if arr.size == 0:
        raise ValueError("at least one horizon is required")
    if np.any(arr <= 0):
        raise ValueError("horizons must be positive lengths in time units")
    return arr


def check_levels(name: str, levels: Sequence[float]) -> tuple[float, ...]:
    """Validate interval levels: each strictly between 0 and 1, no duplicates."""
    out = tuple(float(level) for level in levels)
    if any(not 0 < level < 1 for level in out):
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {out}")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} holds duplicates: {out}")
    return out


def check_name(kind: str, name: str) -> str:
    """Check that a label is safe inside a column name (letters, digits, underscore)."""
    if not name or not all(ch.isalnum() or ch == "_" for ch in name):
        raise ValueError(f"{kind} name {name!r} must use only letters, digits and '_'")
    return name


def check_actuals(
    actuals: Mapping[str, object] | None, known: Sequence[str], n: int
) -> dict[str, np.ndarray]:
    """Validate optional actual outcomes keyed by horizon name (length ``n`` each)."""
    if actuals is None:
        return {}
    out: dict[str, np.ndarray] = {}
    for key, value in actuals.items():
        if key not in known:
            raise ValueError(f"actuals given for unknown horizon {key!r}; known: {list(known)}")
        arr = as_1d(f"actuals[{key!r}]", value)
        if arr.shape[0] != n:
            raise ValueError(f"actuals[{key!r}] has {arr.shape[0]} rows, customers have {n}")
        out[key] = arr
    return out
