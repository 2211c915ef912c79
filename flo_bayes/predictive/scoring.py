"""Score customers: per-customer summaries of expected and predictive purchases and CLTV.

:func:`score_customers` is the thin Polars wrapper over the NumPy core
(:mod:`~flo_bayes.predictive.expected`, :mod:`~flo_bayes.predictive.draws`,
:mod:`~flo_bayes.predictive.intervals`). It makes two passes over the customers:

1. **Expectations** (deterministic): P(alive), expected purchases per horizon, expected spend
   and the expected CLTV with its parameter-uncertainty band, computed on chunks of
   ``chunk_size`` customers. Customers are visited sorted by ``(x, T)`` so that repeated
   pairs share one ``hyp2f1`` evaluation; results go back to their original rows.
2. **Predictive draws**: customers are cut, in input order, into fixed *RNG blocks* of
   ``rng_block_size`` customers. Block ``k`` draws from its own generator,
   ``PCG64(SeedSequence(seed, spawn_key=(0, k)))`` (PIT uniforms for backtests from
   ``spawn_key=(1, k)``), is simulated with
   :func:`~flo_bayes.predictive.draws.simulate_customers` and summarised at once.

Determinism: the output depends on ``seed``, the population draws, the customers and their
row order, the settings and ``rng_block_size`` -- and on nothing else: the predictive
columns, per-draw totals (summed block by block in block order) and kept draws are
bit-identical for any ``chunk_size`` or ``n_workers``. The deterministic expectation columns
may differ in the last bit between chunk sizes (vectorised ``exp``/``log`` can round
differently with array shape); with the same arguments a re-run is bit-identical.

Memory: nothing of size customers x draws is ever allocated (except the optional thinned
``(N, keep_draws)`` matrix). Pass 1 holds about a dozen ``(S, chunk_size)`` float arrays,
pass 2 about a dozen ``(S, rng_block_size)`` arrays per worker plus the simulated purchases
of the block; the output table is ``N`` x (number of columns).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from flo_bayes.predictive._validation import (
    check_actuals,
    check_history,
    check_spend_inputs,
)
from flo_bayes.predictive.columns import band_labels, data_dictionary, threshold_label
from flo_bayes.predictive.draws import simulate_customers
from flo_bayes.predictive.expected import (
    alive_expectation_unique,
    discounted_alive_expectation_unique,
    expected_spend,
    probability_alive,
    unique_pairs,
)
from flo_bayes.predictive.intervals import (
    QUANTILE_METHOD,
    band_probabilities,
    randomized_pit,
)
from flo_bayes.predictive.population import PopulationDraws, thin_indices
from flo_bayes.predictive.settings import ScoringSettings

RNG_BLOCK_SIZE = 250
REQUIRED_COLUMNS = ("customer_id", "x", "t_x", "T", "gg_n", "gg_mean")
_DRAW_STREAM = 0
_PIT_STREAM = 1


@dataclass(frozen=True)
class ScoringResult:
    """Output of :func:`score_customers`.

    Attributes
    ----------
    table : polars.DataFrame
        One row per customer (input order), ``customer_id`` first; columns described in
        ``data_dictionary``.
    data_dictionary : dict
        Column -> description with units, in column order.
    purchase_totals : Mapping[str, numpy.ndarray]
        Horizon name -> ``(S,)`` total predicted purchases of all scored customers in each
        draw (shared draw index, so the spread carries parameter correlation).
    cltv_total : numpy.ndarray
        ``(S,)`` total predictive CLTV of all scored customers per draw.
    cltv_draws : numpy.ndarray or None
        ``(N, keep_draws)`` thinned predictive CLTV draws (same draw positions for every
        customer) when ``keep_draws > 0``.
    draw_index : numpy.ndarray or None
        ``(keep_draws,)`` positions of the kept draws in the :class:`PopulationDraws`.
    seed : int
        Seed used.
    rng_block_size : int
        RNG block size used (part of what the numbers depend on).

    """

    table: pl.DataFrame
    data_dictionary: dict[str, str]
    purchase_totals: Mapping[str, np.ndarray]
    cltv_total: np.ndarray
    cltv_draws: np.ndarray | None
    draw_index: np.ndarray | None
    seed: int
    rng_block_size: int

    def data_dictionary_frame(self) -> pl.DataFrame:
        """Return the data dictionary as a two-column frame (``column``, ``description``)."""
        return pl.DataFrame(
            {
                "column": list(self.data_dictionary),
                "description": list(self.data_dictionary.values()),
            }
        )


@dataclass(frozen=True)
class _Customers:
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    gg_n: np.ndarray
    gg_mean: np.ndarray

    @property
    def n(self) -> int:
        return int(self.x.shape[0])


def _read_customers(customers: pl.DataFrame) -> _Customers:
    missing = [col for col in REQUIRED_COLUMNS if col not in customers.columns]
    if missing:
        raise ValueError(f"customers frame lacks columns {missing}; needs {list(REQUIRED_COLUMNS)}")
    for col in ("x", "t_x", "T", "gg_n"):
        if customers.get_column(col).null_count():
            raise ValueError(f"customers column {col!r} holds nulls")

    def column(name: str) -> np.ndarray:
        return customers.get_column(name).cast(pl.Float64).to_numpy()

    x, t_x, T = check_history(column("x"), column("t_x"), column("T"))
    gg_n, gg_mean = check_spend_inputs(column("gg_n"), column("gg_mean"))
    return _Customers(x=x, t_x=t_x, T=T, gg_n=gg_n, gg_mean=gg_mean)


def _map(fn: Callable[[Any], Any], items: Iterable[Any], n_workers: int) -> list[Any]:
    if n_workers <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        return list(pool.map(fn, items))


def _block_rng(seed: int, stream: int, block: int) -> np.random.Generator:
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream, block)))
    )


def _summary_probs(levels: tuple[float, ...]) -> list[float]:
    return [0.5] + [prob for level in levels for prob in band_probabilities(level)]


class _Outputs:
    """Per-customer output columns, all allocated up front, filled chunk by chunk.

    Chunks write disjoint rows, so concurrent workers never touch the same element.
    """

    def __init__(self, n: int, dtypes: Mapping[str, Any]) -> None:
        self.columns = {name: np.zeros(n, dtype=dtype) for name, dtype in dtypes.items()}

    def put(self, name: str, rows: np.ndarray | slice, values: np.ndarray) -> None:
        self.columns[name][rows] = values


def _column_dtype(name: str) -> Any:
    """Return int32 for counts' medians and band ends, float64 for everything else."""
    if name.startswith("purchases_") and "_pred_" in name and not name.endswith("_pred_mean"):
        return np.int32
    return np.float64


def _expectation_pass(
    draws: PopulationDraws,
    cust: _Customers,
    settings: ScoringSettings,
    out: _Outputs,
    chunk_size: int,
    n_workers: int,
) -> None:
    exp_level = settings.expectation_band_level
    exp_probs = band_probabilities(exp_level)
    lo_label, hi_label = band_labels(exp_level)
    h_c = settings.cltv_horizon
    order = np.lexsort((cust.T, cust.x))

    def band(values: np.ndarray) -> np.ndarray:
        return np.quantile(values, exp_probs, axis=0, method=QUANTILE_METHOD)

    def run(start: int) -> None:
        rows = order[start : start + chunk_size]
        x, t_x, T = cust.x[rows], cust.t_x[rows], cust.T[rows]
        ux, uT, inverse = unique_pairs(x, T)
        p_alive = probability_alive(draws, x, t_x, T)
        lo, hi = band(p_alive)
        out.put("p_alive", rows, p_alive.mean(axis=0))
        out.put(f"p_alive_{lo_label}", rows, lo)
        out.put(f"p_alive_{hi_label}", rows, hi)
        at_cltv_horizon = None
        for name, length in settings.horizons.items():
            alive_value = alive_expectation_unique(draws, ux, uT, length)
            purchases = p_alive * alive_value[:, inverse]
            out.put(f"expected_purchases_{name}", rows, purchases.mean(axis=0))
            if name == h_c:
                at_cltv_horizon = alive_value
        count = (
            p_alive
            * (
                discounted_alive_expectation_unique(
                    draws,
                    ux,
                    uT,
                    settings.cltv_horizon_length,
                    settings.discount_rate_per_time_unit,
                    settings.quadrature_nodes,
                    at_horizon=at_cltv_horizon,
                )[:, inverse]
            )
        )
        spend = expected_spend(draws, cust.gg_n[rows], cust.gg_mean[rows])
        out.put("expected_spend_per_purchase", rows, spend.mean(axis=0))
        cltv = settings.margin * count * spend
        lo, hi = band(cltv)
        out.put(f"expected_cltv_{h_c}_mean", rows, cltv.mean(axis=0))
        out.put(f"expected_cltv_{h_c}_{lo_label}", rows, lo)
        out.put(f"expected_cltv_{h_c}_{hi_label}", rows, hi)

    _map(run, range(0, cust.n, chunk_size), n_workers)


def _summarise_draws(
    prefix: str,
    rows: slice,
    values: np.ndarray,
    levels: tuple[float, ...],
    out: _Outputs,
) -> None:
    quantiles = np.quantile(values, _summary_probs(levels), axis=0, method=QUANTILE_METHOD)
    out.put(f"{prefix}_pred_mean", rows, values.mean(axis=0))
    out.put(f"{prefix}_pred_median", rows, quantiles[0])
    for k, level in enumerate(levels):
        lo_label, hi_label = band_labels(level)
        out.put(f"{prefix}_pred_{lo_label}", rows, quantiles[1 + 2 * k])
        out.put(f"{prefix}_pred_{hi_label}", rows, quantiles[2 + 2 * k])


def _draw_pass(
    draws: PopulationDraws,
    cust: _Customers,
    settings: ScoringSettings,
    out: _Outputs,
    *,
    seed: int,
    block_size: int,
    blocks_per_chunk: int,
    n_workers: int,
    keep: np.ndarray | None,
    kept: np.ndarray | None,
    actual_purchases: dict[str, np.ndarray],
    actual_value: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    names = list(settings.horizons)
    lengths = [settings.horizons[name] for name in names]
    h_c = settings.cltv_horizon
    levels = settings.interval_levels
    n_blocks = -(-cust.n // block_size)

    def run_block(block: int) -> tuple[np.ndarray, np.ndarray]:
        rows = slice(block * block_size, min((block + 1) * block_size, cust.n))
        sim = simulate_customers(
            draws,
            cust.x[rows],
            cust.t_x[rows],
            cust.T[rows],
            cust.gg_n[rows],
            cust.gg_mean[rows],
            horizons=lengths,
            cltv_horizon=settings.cltv_horizon_length,
            rng=_block_rng(seed, _DRAW_STREAM, block),
            discount_rate_per_time_unit=settings.discount_rate_per_time_unit,
            margin=settings.margin,
        )
        for k, name in enumerate(names):
            counts = sim.purchases[k]
            _summarise_draws(f"purchases_{name}", rows, counts, levels, out)
            out.put(f"p_any_purchase_{name}", rows, np.mean(counts > 0, axis=0))
        _summarise_draws(f"cltv_{h_c}", rows, sim.value, levels, out)
        for threshold in settings.cltv_thresholds:
            out.put(
                f"p_cltv_{h_c}_gt_{threshold_label(threshold)}",
                rows,
                np.mean(sim.value > threshold, axis=0),
            )
        if actual_purchases or actual_value is not None:
            pit_rng = _block_rng(seed, _PIT_STREAM, block)
            for k, name in enumerate(names):
                if name in actual_purchases:
                    pit = randomized_pit(sim.purchases[k], actual_purchases[name][rows], pit_rng)
                    out.put(f"purchases_{name}_pit", rows, pit)
            if actual_value is not None:
                pit = randomized_pit(sim.value, actual_value[rows], pit_rng)
                out.put(f"cltv_{h_c}_pit", rows, pit)
        if kept is not None:
            kept[rows] = sim.value[keep].T
        return sim.purchases.sum(axis=2, dtype=np.int64), sim.value.sum(axis=1)

    def run_chunk(first_block: int) -> list[tuple[np.ndarray, np.ndarray]]:
        last = min(first_block + blocks_per_chunk, n_blocks)
        return [run_block(block) for block in range(first_block, last)]

    per_block = [
        item
        for chunk in _map(run_chunk, range(0, n_blocks, blocks_per_chunk), n_workers)
        for item in chunk
    ]
    purchase_totals = np.zeros((len(names), draws.n_draws), dtype=np.int64)
    cltv_total = np.zeros(draws.n_draws, dtype=np.float64)
    for counts, values in per_block:  # block order: independent of chunking
        purchase_totals += counts
        cltv_total += values
    return purchase_totals, cltv_total


def score_customers(
    customers: pl.DataFrame,
    draws: PopulationDraws,
    settings: ScoringSettings,
    *,
    seed: int,
    chunk_size: int = 2000,
    keep_draws: int = 0,
    rng_block_size: int = RNG_BLOCK_SIZE,
    n_workers: int = 1,
    actual_purchases: Mapping[str, Any] | None = None,
    actual_value: Any | None = None,
) -> ScoringResult:
    """Score customers with expected and posterior predictive purchases and CLTV.

    Parameters
    ----------
    customers : polars.DataFrame
        Columns ``customer_id, x, t_x, T, gg_n, gg_mean`` (times in the model's time unit;
        ``gg_n``/``gg_mean``: purchase count and mean value per purchase the Gamma-Gamma
        model used; ``gg_n = 0`` gives the population spend distribution, ``gg_mean`` may
        then be null).
    draws : PopulationDraws
        ``S`` paired population draws.
    settings : ScoringSettings
        Horizons, CLTV horizon, discounting, margin, band levels, thresholds.
    seed : int
        Seed of all randomness (see the module docstring for what results depend on).
    chunk_size : int, optional
        Customers per chunk in the expectation pass and per unit of work in the draw pass
        (rounded to whole RNG blocks). Affects memory and speed, not the numbers (up to
        last-bit rounding of the expectation columns, see the module docstring).
    keep_draws : int, optional
        If > 0, also return a thinned ``(N, keep_draws)`` matrix of predictive CLTV draws
        at evenly spaced draw positions shared by all customers.
    rng_block_size : int, optional
        Customers per RNG block (part of the random-number layout: changing it changes the
        draws, like changing the seed).
    n_workers : int, optional
        Threads working on chunks in parallel (NumPy and SciPy release the GIL). Results
        are identical for any value; memory grows with it.
    actual_purchases : Mapping[str, array_like], optional
        Horizon name -> ``(N,)`` actual purchase counts (backtest); adds
        ``purchases_<h>_pit`` columns (randomised PIT).
    actual_value : array_like, optional
        ``(N,)`` actual value over the CLTV horizon on the same basis as the CLTV draws;
        adds ``cltv_<h>_pit``.

    Returns
    -------
    ScoringResult
        Per-customer table, data dictionary, per-draw totals and optional kept draws.

    """
    if chunk_size < 1 or rng_block_size < 1 or n_workers < 1:
        raise ValueError("chunk_size, rng_block_size and n_workers must be >= 1")
    cust = _read_customers(customers)
    actual_counts = check_actuals(actual_purchases, list(settings.horizons), cust.n)
    actual_val = None
    if actual_value is not None:
        actual_val = check_actuals({"value": actual_value}, ["value"], cust.n)["value"]
    keep = None
    kept = None
    if keep_draws:
        keep = thin_indices(draws.n_draws, int(keep_draws))
        kept = np.empty((cust.n, keep.shape[0]), dtype=np.float64)

    dictionary = data_dictionary(
        settings,
        pit_purchases=tuple(name for name in settings.horizons if name in actual_counts),
        pit_cltv=actual_val is not None,
    )
    out = _Outputs(
        cust.n, {name: _column_dtype(name) for name in dictionary if name != "customer_id"}
    )
    if cust.n:
        _expectation_pass(draws, cust, settings, out, chunk_size, n_workers)
    purchase_totals, cltv_total = _draw_pass(
        draws,
        cust,
        settings,
        out,
        seed=seed,
        block_size=rng_block_size,
        blocks_per_chunk=max(1, round(chunk_size / rng_block_size)),
        n_workers=n_workers,
        keep=keep,
        kept=kept,
        actual_purchases=actual_counts,
        actual_value=actual_val,
    )
    table = pl.DataFrame(
        [customers.get_column("customer_id")]
        + [pl.Series(name, out.columns[name]) for name in dictionary if name != "customer_id"]
    )
    return ScoringResult(
        table=table,
        data_dictionary=dictionary,
        purchase_totals={name: purchase_totals[k] for k, name in enumerate(settings.horizons)},
        cltv_total=cltv_total,
        cltv_draws=kept,
        draw_index=keep,
        seed=int(seed),
        rng_block_size=int(rng_block_size),
    )
