"""Customer keys: one stable 64-bit hash per customer id, and what is derived from it.

Everything in the engine that must not depend on how the data are split -- which partition a
customer lands in, which random numbers it gets, whether it is in a subsample -- is a function
of this key, never of a row position. The key is pandas' ``hash_array`` (SipHash-2-4 with
pandas' fixed default key) of the customer id *as text*, so ``42`` read from a CSV and
``"42"`` read from Parquet get the same key, on every machine and in every process.

- **RNG cell**: ``key % n_cells``. The customers of one cell, ordered by ``(key, customer_id)``,
  share one random stream (see :mod:`flo_bayes.engine.keyed_scoring`); cells are never split
  across partitions, because partitions are formed by hashing the cell.
- **Subsample**: a customer is in the subsample of fraction ``f`` when the key's upper 32 bits,
  read as a fraction of ``2**32``, are below ``f`` -- a reproducible draw without
  replacement that is independent of the cell (low bits) and of the data's order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

KEY_COL = "_key"
CELL_COL = "_cell"
DEFAULT_N_CELLS = 4096
"""RNG cells; part of the random-number layout (changing it changes the draws, like the seed)."""


def customer_keys(customer_ids: pl.Series | pd.Series | np.ndarray) -> np.ndarray:
    """Stable 64-bit key of each customer id.

    Parameters
    ----------
    customer_ids : polars.Series, pandas.Series or numpy.ndarray
        Customer ids of any type; they are hashed as their text form.

    Returns
    -------
    numpy.ndarray
        ``uint64`` keys, one per id.

    """
    if isinstance(customer_ids, pl.Series):
        text = customer_ids.cast(pl.Utf8).to_numpy()
    else:
        text = np.asarray(pd.Series(customer_ids).astype(str).to_numpy(), dtype=object)
    return pd.util.hash_array(np.asarray(text, dtype=object), categorize=False)


def _as_u64(keys: np.ndarray) -> np.ndarray:
    arr = np.asarray(keys)
    return arr.view(np.uint64) if arr.dtype == np.int64 else arr.astype(np.uint64)


def cells_of(keys: np.ndarray, n_cells: int) -> np.ndarray:
    """RNG cell ``key % n_cells`` of each key (``uint64``, or ``int64`` holding its bits)."""
    if n_cells < 1:
        raise ValueError(f"n_cells must be >= 1, got {n_cells}")
    return (_as_u64(keys) % np.uint64(n_cells)).astype(np.int64)


def in_subsample(keys: np.ndarray, fraction: float) -> np.ndarray:
    """Whether each key is in the reproducible subsample of the given fraction."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}")
    upper = (_as_u64(keys) >> np.uint64(32)).astype(np.float64)
    return upper < fraction * 2.0**32


def cell_seed(seed: int, cell: int) -> int:
    """64-bit seed of one RNG cell, derived from the run seed (``SeedSequence([seed, cell])``)."""
    state = np.random.SeedSequence([int(seed), int(cell)]).generate_state(2, dtype=np.uint32)
    return int(state[0]) | (int(state[1]) << 32)


def with_keys(frame: pl.DataFrame, n_cells: int) -> pl.DataFrame:
    """Add :data:`KEY_COL` (the key's bits as ``Int64``) and :data:`CELL_COL` to a frame."""
    keys = customer_keys(frame.get_column("customer_id"))
    return frame.with_columns(
        pl.Series(KEY_COL, keys.view(np.int64), dtype=pl.Int64),
        pl.Series(CELL_COL, cells_of(keys, n_cells), dtype=pl.Int64),
    )
