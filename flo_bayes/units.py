"""Named time constants and conversions between calendar days and the model's time unit."""

from __future__ import annotations

from typing import Literal

TimeUnit = Literal["days", "weeks"]

DAYS_PER_WEEK = 7.0
DAYS_PER_YEAR = 365.25
MONTHS_PER_YEAR = 12.0
DAYS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR  # 30.4375: average Gregorian month

DAYS_PER_UNIT: dict[str, float] = {
    "days": 1.0,
    "weeks": DAYS_PER_WEEK,
    "months": DAYS_PER_MONTH,
    "years": DAYS_PER_YEAR,
    # Singular names, as used for "a rate per year".
    "day": 1.0,
    "week": DAYS_PER_WEEK,
    "month": DAYS_PER_MONTH,
    "year": DAYS_PER_YEAR,
}


def days_per_unit(unit: str) -> float:
    """Return how many calendar days one ``unit`` lasts.

    Parameters
    ----------
    unit : str
        One of ``days``, ``weeks``, ``months`` (average Gregorian month) or ``years``.

    Returns
    -------
    float
        Length of the unit in days.

    """
    try:
        return DAYS_PER_UNIT[unit]
    except KeyError:
        raise ValueError(
            f"unknown time unit {unit!r}; use one of {sorted(DAYS_PER_UNIT)}"
        ) from None


def months_to_time_units(months: float, time_unit: str) -> float:
    """Convert a horizon in months into the model's time unit."""
    return months * DAYS_PER_MONTH / days_per_unit(time_unit)


def rate_per_time_unit(rate: float, rate_unit: str, time_unit: str) -> float:
    """Convert a compound discount rate quoted per ``rate_unit`` into a rate per ``time_unit``.

    Parameters
    ----------
    rate : float
        Discount rate per ``rate_unit`` (0.3 = 30 % per year, say).
    rate_unit : str
        Period the rate is quoted for.
    time_unit : str
        The model's time unit.

    Returns
    -------
    float
        ``(1 + rate) ** (time_unit / rate_unit) - 1``: the equivalent compound rate.

    """
    return (1.0 + rate) ** (days_per_unit(time_unit) / days_per_unit(rate_unit)) - 1.0
