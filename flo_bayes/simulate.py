"""Simulate customers from the BG/NBD + Gamma-Gamma generative process with known parameters.

One NumPy core (:func:`simulate_population`) draws every customer's latent quantities and
purchase occasions; two output formats are built from it:

* a plain transaction log (``customer_id``, ``date``, ``amount``) plus the latent truth per
  customer (:class:`SimulatedPopulation`), for tests that need to know the true state;
* a frame with the columns of FLO's customer file (:func:`to_flo_schema`,
  :func:`simulate_flo_customers`, :func:`write_flo_csv`).

Generative process (time unit: weeks; 1 week = 7 calendar days)
-----------------------------------------------------------------
For each customer, independently:

1. The first purchase happens at a continuous time drawn uniformly over the acquisition window
   (every calendar day from ``acquisition_start`` to ``acquisition_end`` inclusive is equally
   likely, and the time of day is uniform).
2. ``lam ~ Gamma(shape=r, rate=alpha)`` (purchases per week) and
   ``p_drop ~ Beta(a, b)``.
3. After the first purchase, repeat purchases arrive as a Poisson process of rate ``lam``.
   After *each repeat* purchase the customer drops out with probability ``p_drop``; never right
   after the first purchase (the BG/NBD convention of Fader, Hardie & Lee 2005). The number of
   repeat purchases up to ``observation_end`` is therefore ``min(N, G)`` with
   ``N ~ Poisson(lam * H)`` (``H`` = time from the first purchase to the end of
   ``observation_end``) and ``G ~ Geometric(p_drop)`` on {1, 2, ...}.
4. ``nu ~ Gamma(shape=q, rate=v)`` and every purchase value ``z ~ Gamma(shape=p, rate=nu)``
   (Gamma-Gamma model of Fader & Hardie 2013; ``p`` is the Gamma-Gamma shape, not ``p_drop``).

Calendar days and purchase occasions
------------------------------------
A purchase at continuous time ``tau`` falls on the calendar day ``floor(tau)``. Two or more
purchases of one customer on the same day are merged into **one occasion** whose amount is the sum
of their values, because a customer summary counts one purchase occasion per customer and day.
Merging makes the simulated occasion counts slightly lower than the continuous-time BG/NBD counts
(by about ``lam / 7`` per purchase, i.e. well under 1 % at FLO-like rates); the latent truth
(``dropout_date``, ``alive_at_end``) refers to the unmerged process. Amounts are rounded to cents
and floored at 0.01 so that every occasion has a positive value.

Randomness comes only from :class:`numpy.random.Generator` objects seeded by the caller; the same
arguments and seed give identical frames (and byte-identical CSV files).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from flo_bayes.io.flo_loader import FLO_COLUMNS as FLO_SCHEMA_COLUMNS
from flo_bayes.units import DAYS_PER_WEEK, DAYS_PER_YEAR

__all__ = [
    "DEFAULT_TRUE_PARAMETERS",
    "FLO_CATEGORIES",
    "FLO_CATEGORY_FREQUENCIES",
    "FLO_COLUMNS",
    "FLO_ORDER_CHANNEL_SHARES",
    "FLO_ANALYSIS_DATE_OFFSET_DAYS",
    "SimulatedPopulation",
    "TrueParameters",
    "simulate_flo_customers",
    "simulate_population",
    "to_flo_schema",
    "write_flo_csv",
]

FLO_ANALYSIS_DATE_OFFSET_DAYS = 2
"""FLO's convention: the analysis date is the latest last order date plus this many days."""

CATEGORY_WINDOW_DAYS = 365
"""``interested_in_categories_12`` covers the 12 months (365 days) before the analysis date."""

MIN_AMOUNT = 0.01
"""Smallest occasion amount (one cent) after rounding to 2 decimals."""

# The FLO schema is defined once, by its loader.
FLO_COLUMNS: tuple[str, ...] = tuple(FLO_SCHEMA_COLUMNS)

FLO_ORDER_CHANNEL_SHARES: dict[str, float] = {
    "Android App": 0.476,
    "Mobile": 0.245,
    "Ios App": 0.142,
    "Desktop": 0.137,
}
"""Shares of ``order_channel`` measured in ``flo_data_20k.csv`` (19,945 customers)."""

FLO_CATEGORIES: tuple[str, ...] = ("AKTIFCOCUK", "ERKEK", "COCUK", "KADIN", "AKTIFSPOR")
"""Interest categories, in the order in which they appear inside a list in FLO's file."""

FLO_CATEGORY_FREQUENCIES: dict[str, float] = {
    "AKTIFCOCUK": 0.172,
    "ERKEK": 0.333,
    "COCUK": 0.208,
    "KADIN": 0.381,
    "AKTIFSPOR": 0.461,
}
"""Share of FLO customers whose ``interested_in_categories_12`` holds each category (measured)."""

_POLARS_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class TrueParameters:
    """Population parameters of the BG/NBD and Gamma-Gamma models.

    Parameters
    ----------
    r, alpha : float
        Purchase rate ``lam ~ Gamma(shape=r, rate=alpha)``; time unit weeks, so the mean rate is
        ``r / alpha`` purchases per week.
    a, b : float
        Dropout probability after each repeat purchase ``p_drop ~ Beta(a, b)``.
    p : float
        Gamma-Gamma shape of each purchase value, ``z ~ Gamma(shape=p, rate=nu)``.
    q, v : float
        Gamma-Gamma ``nu ~ Gamma(shape=q, rate=v)``; ``v`` is in currency units (TRY). The mean
        value per purchase is ``p * v / (q - 1)`` when ``q > 1``.

    Raises
    ------
    ValueError
        If any parameter is not a finite positive number.

    """

    r: float
    alpha: float
    a: float
    b: float
    p: float
    q: float
    v: float

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
                raise ValueError(f"params.{field.name} must be a number, got {value!r}")
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"params.{field.name} must be finite and > 0, got {value!r}")


DEFAULT_TRUE_PARAMETERS = TrueParameters(r=2.7, alpha=72.0, a=0.5, b=6.0, p=4.1, q=9.0, v=295.0)
"""Default parameters: FLO-like purchase and spend behaviour with an identifiable dropout process.

``r = 2.7`` and ``alpha = 72`` weeks (about one purchase every 27 weeks on average) and
``p = 4.1``, ``q = 9.0``, ``v = 295`` TRY (mean value per purchase ``p v / (q - 1)`` ≈ 151 TRY)
are close to the values fitted on FLO's 20k customers. The dropout parameters ``a = 0.5``,
``b = 6.0`` (mean dropout probability per repeat purchase ≈ 0.077) are chosen, *not* FLO's fitted
``a ≈ 0.1, b ≈ 400``: FLO's file holds only customers active in the last year, so its dropout
process is not identified, whereas simulated data from these defaults let a fit recover ``a`` and
``b``.
"""


@dataclass(frozen=True)
class SimulatedPopulation:
    """Simulated transaction log together with the latent truth that generated it.

    Attributes
    ----------
    transactions : polars.DataFrame
        One row per purchase occasion up to ``observation_end``: ``customer_id`` (Utf8),
        ``date`` (Date), ``amount`` (Float64, rounded to 2 decimals, > 0). Sorted by customer (in
        the order of ``truth``) and date; (customer_id, date) is unique.
    truth : polars.DataFrame
        One row per customer: ``customer_id`` (Utf8), ``lam`` (purchases per week), ``p_drop``,
        ``nu`` (Float64), ``first_date`` (Date), ``dropout_date`` (Date: the day of the repeat
        purchase after which the customer dropped out; null if the customer had not dropped out by
        ``observation_end``) and ``alive_at_end`` (Boolean, ``dropout_date`` is null).
    params : TrueParameters
        Parameters the population was drawn from.
    observation_end : datetime.date
        Last calendar day covered by ``transactions``.

    """

    transactions: pl.DataFrame
    truth: pl.DataFrame
    params: TrueParameters
    observation_end: date


# --------------------------------------------------------------------------- validation helpers


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def _check_seed(seed: object) -> int:
    return _check_int("seed", seed, 0)


def _check_date(name: str, value: object) -> date:
    # datetime.datetime is a subclass of date; a time of day would be silently dropped.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime.date, got {value!r}")
    return value


def _check_params(params: object) -> TrueParameters:
    if not isinstance(params, TrueParameters):
        raise ValueError(f"params must be a TrueParameters instance, got {type(params).__name__}")
    return params


def _to_day_number(d: date) -> int:
    """Days since 1970-01-01 (polars' physical representation of ``pl.Date``)."""
    return d.toordinal() - _POLARS_EPOCH_ORDINAL


def _dates_from_day_numbers(name: str, days: np.ndarray) -> pl.Series:
    return pl.Series(name, days.astype(np.int32), dtype=pl.Int32).cast(pl.Date)


# --------------------------------------------------------------------------- generative core


def _uuid4_strings(rng: np.random.Generator, n: int) -> pl.Series:
    """Draw ``n`` random version-4 UUID strings (lower-case hex, 8-4-4-4-12) from ``rng``."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hex_digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.empty((n, 32), dtype=np.uint8)
    chars[:, 0::2] = hex_digits[raw >> 4]
    chars[:, 1::2] = hex_digits[raw & 0x0F]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, 0:8] = chars[:, 0:8]
    out[:, 9:13] = chars[:, 8:12]
    out[:, 14:18] = chars[:, 12:16]
    out[:, 19:23] = chars[:, 16:20]
    out[:, 24:36] = chars[:, 20:32]
    return pl.Series(np.ascontiguousarray(out).view("S36").ravel()).cast(pl.String)


def _geometric_at_least_one(rng: np.random.Generator, prob: np.ndarray) -> np.ndarray:
    """Draw ``G ~ Geometric(prob)`` on {1, 2, ...} as floats (``inf`` allowed when prob ~ 0).

    Inversion ``G = ceil(log(V) / log(1 - prob))`` with ``V`` uniform on (0, 1]; returned as float
    so that a vanishing ``prob`` (possible for small Beta shapes) cannot overflow an integer.
    """
    v = 1.0 - rng.random(prob.shape[0])
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        g = np.ceil(np.log(v) / np.log1p(-prob))
    g = np.where(np.isnan(g), np.inf, g)
    return np.maximum(g, 1.0)


@dataclass(frozen=True)
class _OperationalClock:
    """Piecewise-linear map between calendar days and operational time (no shock: identity)."""

    knots: np.ndarray | None = None
    values: np.ndarray | None = None

    @classmethod
    def from_shocks(
        cls, shocks: Sequence[tuple[date, float]], start_day: float, end_day: float
    ) -> _OperationalClock:
        if not shocks:
            return cls()
        days = [_to_day_number(_check_date("rate_shocks date", d)) for d, _ in shocks]
        factors = [float(f) for _, f in shocks]
        if any(b <= a for a, b in zip(days, days[1:], strict=False)):
            raise ValueError("rate_shocks dates must be strictly increasing")
        if any(not np.isfinite(f) or f <= 0 for f in factors):
            raise ValueError("rate_shocks factors must be finite and > 0")
        lo = min(start_day, days[0]) - 1.0
        hi = max(end_day, days[-1]) + 1.0
        knots = np.array([lo, *days, hi], dtype=np.float64)
        rates = np.array([1.0, *factors])
        values = np.concatenate(([0.0], np.cumsum(rates * np.diff(knots))))
        return cls(knots, values)

    def forward(self, day: np.ndarray) -> np.ndarray:
        if self.knots is None:
            return day
        return np.interp(day, self.knots, self.values)

    def backward(self, op_time: np.ndarray) -> np.ndarray:
        if self.knots is None:
            return op_time
        return np.interp(op_time, self.values, self.knots)


def simulate_population(
    n_customers: int,
    *,
    params: TrueParameters = DEFAULT_TRUE_PARAMETERS,
    acquisition_start: date,
    acquisition_end: date,
    observation_end: date,
    seed: int,
    rate_shocks: Sequence[tuple[date, float]] = (),
) -> SimulatedPopulation:
    """Simulate customers' purchase occasions from the BG/NBD + Gamma-Gamma process.

    See the module docstring for the process. ``observation_end`` may lie after the date a caller
    analyses: the transactions after that date continue the same process, so a caller can split
    the log into a calibration and a holdout period.

    Parameters
    ----------
    n_customers : int
        Number of customers, >= 1.
    params : TrueParameters, optional
        Population parameters (time unit weeks); default :data:`DEFAULT_TRUE_PARAMETERS`.
    acquisition_start, acquisition_end : datetime.date
        First and last calendar day (inclusive) on which first purchases happen, uniformly.
    observation_end : datetime.date
        Last calendar day (inclusive) whose purchases are recorded; ``>= acquisition_end``.
    seed : int
        Seed of the :class:`numpy.random.Generator`; customer ids also derive from it.
    rate_shocks : sequence of (datetime.date, float), optional
        A purchase-rate multiplier shared by all customers: from each date on (sorted), every
        customer's rate is multiplied by the factor (1 before the first date). Simulated
        exactly by running the process in operational time ``Lambda(t) = int m(s) ds``, so
        dropout (which happens at purchases) is unchanged. Empty: no shock.

    Returns
    -------
    SimulatedPopulation
        Transaction log (one row per customer and purchase day) and latent truth.

    Raises
    ------
    ValueError
        If ``n_customers < 1``, the dates are not ordered
        ``acquisition_start <= acquisition_end <= observation_end``, ``params`` is not a
        :class:`TrueParameters` or ``seed`` is not a non-negative integer.

    Notes
    -----
    Given ``K = min(N, G)`` repeat purchases out of ``N`` Poisson arrivals on ``(0, H)``, their
    times are the first ``K`` order statistics of ``N`` uniforms, drawn without generating the
    other ``N - K``: with ``E_j`` standard exponentials and ``S_k = E_1 + ... + E_k``, the ``j``-th
    time is ``H * S_j / (S_K + Gamma(N + 1 - K))``. Work and memory are linear in the number of
    recorded purchases; 1,000,000 FLO-like customers take a few seconds.

    """
    n = _check_int("n_customers", n_customers, 1)
    params = _check_params(params)
    acquisition_start = _check_date("acquisition_start", acquisition_start)
    acquisition_end = _check_date("acquisition_end", acquisition_end)
    observation_end = _check_date("observation_end", observation_end)
    if acquisition_start > acquisition_end:
        raise ValueError(
            f"acquisition_start ({acquisition_start}) must be <= acquisition_end "
            f"({acquisition_end})"
        )
    if acquisition_end > observation_end:
        raise ValueError(
            f"acquisition_end ({acquisition_end}) must be <= observation_end ({observation_end})"
        )
    seed = _check_seed(seed)
    rng = np.random.default_rng(seed)

    # Per-customer latent quantities (fixed draw order: part of the reproducibility contract).
    customer_ids = _uuid4_strings(rng, n)
    start_day = _to_day_number(acquisition_start)
    n_acq_days = (acquisition_end - acquisition_start).days + 1
    t0 = start_day + n_acq_days * rng.random(n)  # continuous time in days
    t0 = np.minimum(t0, np.nextafter(start_day + n_acq_days, -np.inf))
    lam = rng.gamma(params.r, 1.0 / params.alpha, size=n)
    p_drop = rng.beta(params.a, params.b, size=n)
    nu = rng.gamma(params.q, 1.0 / params.v, size=n)
    end_excl = _to_day_number(observation_end) + 1  # purchases at times < end_excl are recorded
    clock = _OperationalClock.from_shocks(rate_shocks, start_day, end_excl)
    op_t0 = clock.forward(t0)
    op_span = clock.forward(np.full(n, float(end_excl))) - op_t0
    horizon_weeks = op_span / DAYS_PER_WEEK
    n_arrivals = rng.poisson(lam * horizon_weeks)
    n_to_dropout = _geometric_at_least_one(rng, p_drop)
    dropped = n_to_dropout <= n_arrivals
    n_repeat = np.where(dropped, n_to_dropout, n_arrivals).astype(np.int64)

    # Times of the first n_repeat order statistics of n_arrivals uniforms on (0, horizon).
    total_repeat = int(n_repeat.sum())
    owner = np.repeat(np.arange(n, dtype=np.int64), n_repeat)
    spacing = rng.standard_exponential(total_repeat)
    cum = np.cumsum(spacing)
    ends = np.cumsum(n_repeat)
    starts = ends - n_repeat
    before = np.concatenate(([0.0], cum))[starts]  # cumulative sum before each customer's block
    cum -= before[owner]
    s_k = np.zeros(n)
    has_repeat = n_repeat > 0
    s_k[has_repeat] = cum[ends[has_repeat] - 1]
    remainder = rng.standard_gamma((n_arrivals - n_repeat + 1).astype(np.float64))
    frac = cum / (s_k + remainder)[owner]
    repeat_time = clock.backward(op_t0[owner] + op_span[owner] * frac)

    # All purchases: first purchase first, then repeats in time order, grouped by customer.
    n_purchases = n_repeat + 1
    purchase_owner = np.repeat(np.arange(n, dtype=np.int64), n_purchases)
    purchase_start = np.cumsum(n_purchases) - n_purchases
    is_first = np.zeros(purchase_owner.shape[0], dtype=bool)
    is_first[purchase_start] = True
    purchase_time = np.empty(purchase_owner.shape[0])
    purchase_time[is_first] = t0
    purchase_time[~is_first] = repeat_time
    purchase_day = np.minimum(np.floor(purchase_time).astype(np.int64), end_excl - 1)
    value = rng.gamma(params.p, 1.0 / nu[purchase_owner])

    # Merge purchases of one customer on one day into one occasion.
    new_occasion = np.ones(purchase_owner.shape[0], dtype=bool)
    new_occasion[1:] = (purchase_owner[1:] != purchase_owner[:-1]) | (
        purchase_day[1:] != purchase_day[:-1]
    )
    occasion_start = np.flatnonzero(new_occasion)
    amount = np.add.reduceat(value, occasion_start)
    amount = np.maximum(np.round(amount, 2), MIN_AMOUNT)

    transactions = pl.DataFrame(
        {
            "customer_id": customer_ids.gather(purchase_owner[occasion_start]),
            "date": _dates_from_day_numbers("date", purchase_day[occasion_start]),
            "amount": pl.Series("amount", amount, dtype=pl.Float64),
        }
    )

    last_day = purchase_day[np.cumsum(n_purchases) - 1]
    dropout_date = _dates_from_day_numbers("dropout_date", last_day)
    truth = pl.DataFrame(
        {
            "customer_id": customer_ids,
            "lam": pl.Series("lam", lam, dtype=pl.Float64),
            "p_drop": pl.Series("p_drop", p_drop, dtype=pl.Float64),
            "nu": pl.Series("nu", nu, dtype=pl.Float64),
            "first_date": _dates_from_day_numbers("first_date", np.floor(t0).astype(np.int64)),
            "dropout_date": dropout_date,
            "alive_at_end": pl.Series("alive_at_end", ~dropped, dtype=pl.Boolean),
        }
    ).with_columns(
        pl.when(pl.col("alive_at_end"))
        .then(None)
        .otherwise(pl.col("dropout_date"))
        .alias("dropout_date")
    )
    return SimulatedPopulation(
        transactions=transactions, truth=truth, params=params, observation_end=observation_end
    )


# --------------------------------------------------------------------------- FLO schema


def _category_labels() -> list[str]:
    """Return the ``interested_in_categories_12`` text for each 5-bit category mask."""
    labels = []
    for mask in range(2 ** len(FLO_CATEGORIES)):
        chosen = [c for i, c in enumerate(FLO_CATEGORIES) if mask & (1 << i)]
        labels.append("[" + ", ".join(chosen) + "]")
    return labels


def to_flo_schema(
    population: SimulatedPopulation, *, analysis_date: date, seed: int
) -> pl.DataFrame:
    """Summarise a simulated population in the column layout of FLO's customer file.

    Only occasions on or before ``analysis_date - 2 days`` are used (FLO's convention: the
    analysis date is the latest last order date plus 2 days).

    Parameters
    ----------
    population : SimulatedPopulation
        Output of :func:`simulate_population`. Every customer's first purchase must fall on or
        before the cutoff ``analysis_date - 2 days``.
    analysis_date : datetime.date
        Analysis date; the cutoff ``analysis_date - 2 days`` must not be after
        ``population.observation_end``.
    seed : int
        Seed for the channel and category draws (independent of the population's seed).

    Returns
    -------
    polars.DataFrame
        One row per customer, in the order of ``population.truth``, with exactly the columns
        :data:`FLO_COLUMNS`:

        * ``master_id``: the population's ``customer_id`` (a UUID-4 string), so rows join to
          ``population.truth``;
        * ``order_channel``: drawn per customer with :data:`FLO_ORDER_CHANNEL_SHARES`;
        * ``last_order_channel``: ``"Offline"`` if the last occasion was offline, else
          ``order_channel``;
        * ``first_order_date``, ``last_order_date`` (Date): first and last occasion;
        * ``last_order_date_online`` / ``_offline`` (Date): last occasion per channel, **null**
          when the customer has no occasion in that channel (written as an empty CSV field; FLO's
          real file never has one because it only holds customers who used both channels);
        * ``order_num_total_ever_online`` / ``_offline`` (Float64 holding integers, e.g. 4.0) and
          ``customer_value_total_ever_offline`` / ``_online`` (Float64, 2 decimals): occasion
          counts and value totals per channel; each customer draws an online share
          ``s ~ Beta(2, 2)`` and each occasion is online with probability ``s``;
        * ``interested_in_categories_12`` (Utf8, e.g. ``[ERKEK, KADIN]`` or ``[]``): each category
          independently with its FLO frequency (:data:`FLO_CATEGORY_FREQUENCIES`), listed in
          FLO's order; ``[]`` for customers without an occasion in the 365 days before
          ``analysis_date`` (the column covers the last 12 months).

    Raises
    ------
    ValueError
        If the cutoff is after ``population.observation_end``, a customer's first purchase is after
        the cutoff, or ``seed`` is not a non-negative integer.

    """
    if not isinstance(population, SimulatedPopulation):
        raise ValueError(
            f"population must be a SimulatedPopulation, got {type(population).__name__}"
        )
    analysis_date = _check_date("analysis_date", analysis_date)
    seed = _check_seed(seed)
    cutoff = analysis_date - timedelta(days=FLO_ANALYSIS_DATE_OFFSET_DAYS)
    if cutoff > population.observation_end:
        raise ValueError(
            f"analysis_date ({analysis_date}) minus {FLO_ANALYSIS_DATE_OFFSET_DAYS} days must be "
            f"<= the population's observation_end ({population.observation_end})"
        )
    truth = population.truth
    n = truth.height
    last_first = truth["first_date"].max()
    if last_first is not None and last_first > cutoff:
        raise ValueError(
            f"analysis_date ({analysis_date}) is too early: customers acquired up to {last_first} "
            f"would have no occasion on or before the cutoff {cutoff} (analysis_date - "
            f"{FLO_ANALYSIS_DATE_OFFSET_DAYS} days)"
        )

    rng = np.random.default_rng(seed)
    online_share = rng.beta(2.0, 2.0, size=n)
    channels = list(FLO_ORDER_CHANNEL_SHARES)
    shares = np.array([FLO_ORDER_CHANNEL_SHARES[c] for c in channels])
    channel_idx = rng.choice(len(channels), size=n, p=shares / shares.sum())
    freqs = np.array([FLO_CATEGORY_FREQUENCIES[c] for c in FLO_CATEGORIES])
    has_category = rng.random((n, len(FLO_CATEGORIES))) < freqs
    category_mask = has_category.astype(np.int64) @ (1 << np.arange(len(FLO_CATEGORIES)))

    index = truth.select("customer_id").with_row_index("row")
    tx = (
        population.transactions.filter(pl.col("date") <= cutoff)
        .join(index, on="customer_id", how="left", maintain_order="left")
        .sort("row", "date", maintain_order=True)
    )
    row = tx["row"].to_numpy()
    online = rng.random(tx.height) < online_share[row]
    tx = tx.with_columns(pl.Series("online", online, dtype=pl.Boolean))

    on, off = pl.col("online"), ~pl.col("online")
    per_customer = tx.group_by("row", maintain_order=True).agg(
        pl.col("date").min().alias("first_order_date"),
        pl.col("date").max().alias("last_order_date"),
        pl.col("date").filter(on).max().alias("last_order_date_online"),
        pl.col("date").filter(off).max().alias("last_order_date_offline"),
        on.sum().cast(pl.Float64).alias("order_num_total_ever_online"),
        off.sum().cast(pl.Float64).alias("order_num_total_ever_offline"),
        pl.col("amount").filter(off).sum().round(2).alias("customer_value_total_ever_offline"),
        pl.col("amount").filter(on).sum().round(2).alias("customer_value_total_ever_online"),
        pl.col("online").sort_by("date").last().alias("last_is_online"),
    )
    if per_customer.height != n:  # guarded above; kept as an internal consistency check
        raise ValueError("some customers have no occasion on or before the cutoff")

    labels = pl.Series("labels", _category_labels(), dtype=pl.String)
    recent_start = analysis_date - timedelta(days=CATEGORY_WINDOW_DAYS)
    draws = pl.DataFrame(
        {
            "row": pl.Series("row", np.arange(n), dtype=pl.UInt32),
            "master_id": truth["customer_id"],
            "order_channel": pl.Series(np.array(channels)[channel_idx], dtype=pl.String),
            "categories": labels.gather(category_mask),
        }
    )
    frame = (
        draws.join(per_customer, on="row", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("last_is_online"))
            .then(pl.col("order_channel"))
            .otherwise(pl.lit("Offline"))
            .alias("last_order_channel"),
            pl.when(pl.col("last_order_date") >= recent_start)
            .then(pl.col("categories"))
            .otherwise(pl.lit("[]"))
            .alias("interested_in_categories_12"),
        )
        .select(FLO_COLUMNS)
    )
    return frame


def simulate_flo_customers(
    n_customers: int,
    *,
    params: TrueParameters = DEFAULT_TRUE_PARAMETERS,
    analysis_date: date = date(2021, 6, 1),
    history_years: float = 4.0,
    seed: int = 42,
) -> pl.DataFrame:
    """Simulate a FLO-style customer file.

    Customers are acquired uniformly over the ``history_years`` before the cutoff
    ``analysis_date - 2 days`` (the acquisition window ends on the cutoff, so every customer has at
    least one order) and observed up to the cutoff; see :func:`simulate_population` and
    :func:`to_flo_schema`. Unlike FLO's real file, customers are not filtered on recent activity or
    on using both channels.

    Parameters
    ----------
    n_customers : int
        Number of customers (rows), >= 1.
    params : TrueParameters, optional
        Population parameters; default :data:`DEFAULT_TRUE_PARAMETERS`.
    analysis_date : datetime.date, optional
        Analysis date, default 2021-06-01 (FLO's).
    history_years : float, optional
        Length of the acquisition window in years (365.25 days), > 0; default 4.
    seed : int, optional
        Master seed; the population and the FLO-schema draws use independent child seeds.

    Returns
    -------
    polars.DataFrame
        Frame with the columns :data:`FLO_COLUMNS` (see :func:`to_flo_schema`).

    Raises
    ------
    ValueError
        If an argument is invalid (the message names it).

    """
    analysis_date = _check_date("analysis_date", analysis_date)
    if isinstance(history_years, bool) or not isinstance(history_years, int | float):
        raise ValueError(f"history_years must be a number, got {history_years!r}")
    if not (math.isfinite(history_years) and history_years > 0):
        raise ValueError(f"history_years must be finite and > 0, got {history_years!r}")
    seed = _check_seed(seed)
    population_seed, schema_seed = (
        int(s) for s in np.random.SeedSequence(seed).generate_state(2, dtype=np.uint32)
    )
    cutoff = analysis_date - timedelta(days=FLO_ANALYSIS_DATE_OFFSET_DAYS)
    window_days = max(1, round(history_years * DAYS_PER_YEAR))
    population = simulate_population(
        n_customers,
        params=params,
        acquisition_start=cutoff - timedelta(days=window_days - 1),
        acquisition_end=cutoff,
        observation_end=cutoff,
        seed=population_seed,
    )
    return to_flo_schema(population, analysis_date=analysis_date, seed=schema_seed)


def write_flo_csv(frame: pl.DataFrame, path: Path) -> None:
    """Write a FLO-schema frame as CSV laid out like ``flo_data_20k.csv``.

    Comma separated with a header, dates as ``YYYY-MM-DD``, nulls as empty fields and category
    lists quoted when they contain a comma. The output is byte-identical for identical frames.

    Parameters
    ----------
    frame : polars.DataFrame
        Frame with exactly the columns :data:`FLO_COLUMNS`, in that order.
    path : pathlib.Path
        Destination file; its parent folder must exist.

    Raises
    ------
    ValueError
        If ``frame`` does not have the FLO columns in FLO's order.

    """
    if tuple(frame.columns) != FLO_COLUMNS:
        raise ValueError(
            f"frame must have exactly the FLO columns {list(FLO_COLUMNS)}, got {frame.columns}"
        )
    frame.write_csv(Path(path), date_format="%Y-%m-%d", null_value="")
