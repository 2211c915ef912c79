"""Campaign effect draws and incremental-profit draws (NumPy only).

**One effect draw per posterior draw, shared by all customers of a campaign.** The effect of
a campaign (its uplift share or response rate) is one unknown number: if the campaign works
less well than assumed, it does so for every contacted customer at once. Drawing it once per
draw index ``d`` and applying it to every customer's value draw ``d`` makes the campaign
total carry that common risk, the same way the shared posterior-draw index carries the
model's parameter uncertainty. Drawing it independently per (customer, draw) would let it
average out over thousands of customers and understate the risk of the total.

Effect draws are seeded from the run seed and the campaign's *name*
(``SeedSequence([seed, EFFECT_STREAM, crc32(name)])``), so a campaign's draws do not change
when other campaigns are added, removed or reordered.

Value draws are at the run's margin; revenue is ``draw / run_margin``.

* ``uplift_share``: revenue_d = share_d x value_d; profit_d = revenue_d x margin - cost.
* ``response``: revenue_d = p_d x order_value x (1 - discount);
  profit_d = p_d x order_value x (margin - discount) - cost. The customer's own respond /
  not-respond coin is averaged out (independent across customers, it diversifies away in a
  campaign total; kept in, every single contact would be a likely loss, P(loss) >= 1 - p,
  and the loss limit would exclude everyone).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from flo_bayes.config.campaigns import BetaSpec, ResponseEffect, UpliftShareEffect

EFFECT_STREAM = 0xCA3B
"""Fixed stream id that separates effect draws from other uses of the run seed."""


def effect_rng(seed: int, campaign_name: str) -> np.random.Generator:
    """Generator for one campaign's effect draws.

    Parameters
    ----------
    seed : int
        Run seed (>= 0).
    campaign_name : str
        Campaign name; part of the seed so the stream is the campaign's own.

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator.

    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    key = zlib.crc32(campaign_name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence([int(seed), EFFECT_STREAM, key]))


def draw_effect(spec: BetaSpec, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draw an effect size (share or probability) once per draw index.

    Parameters
    ----------
    spec : BetaSpec
        Beta distribution or fixed value.
    n_draws : int
        Number of draws ``S``.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        Shape ``(S,)``, values in [0, 1].

    """
    shape = spec.shape
    if shape is None:
        return np.full(n_draws, float(spec.fixed), dtype=np.float64)  # type: ignore[arg-type]
    return rng.beta(shape[0], shape[1], size=n_draws)


@dataclass(frozen=True)
class IncrementalDraws:
    """Incremental revenue and profit draws of one campaign's eligible customers.

    Attributes
    ----------
    revenue : numpy.ndarray
        Shape ``(n, S)``: incremental revenue (currency).
    profit : numpy.ndarray
        Shape ``(n, S)``: incremental profit after the contact cost (currency).
    effect : numpy.ndarray
        Shape ``(S,)``: the effect draws used (share or response probability).

    """

    revenue: np.ndarray
    profit: np.ndarray
    effect: np.ndarray


def incremental_draws(
    effect: UpliftShareEffect | ResponseEffect,
    effect_draws: np.ndarray,
    *,
    margin: float,
    cost_per_contact: float,
    value_revenue: np.ndarray | None = None,
    order_value: np.ndarray | None = None,
) -> IncrementalDraws:
    """Incremental revenue and profit per customer and draw.

    Parameters
    ----------
    effect : UpliftShareEffect or ResponseEffect
        The campaign's effect model.
    effect_draws : numpy.ndarray
        Shape ``(S,)`` from :func:`draw_effect`.
    margin : float
        Gross margin of the extra sales, in (0, 1].
    cost_per_contact : float
        Cost of one contact.
    value_revenue : numpy.ndarray, optional
        Shape ``(n, S)``: horizon value draws as revenue (needed for ``uplift_share``).
    order_value : numpy.ndarray, optional
        Shape ``(n,)``: response order value at list price (needed for ``response``).

    Returns
    -------
    IncrementalDraws
        Revenue and profit draws, shape ``(n, S)``.

    """
    eff = np.asarray(effect_draws, dtype=np.float64)
    if eff.ndim != 1:
        raise ValueError(f"effect_draws must be 1-D, got shape {eff.shape}")
    if isinstance(effect, UpliftShareEffect):
        if value_revenue is None:
            raise ValueError("uplift_share effects need value_revenue draws")
        values = np.asarray(value_revenue, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != eff.size:
            raise ValueError(f"value_revenue must have shape (n, {eff.size}), got {values.shape}")
        revenue = values * eff[None, :]
        profit = revenue * margin - cost_per_contact
        return IncrementalDraws(revenue, profit, eff)
    if order_value is None:
        raise ValueError("response effects need an order_value per customer")
    ov = np.asarray(order_value, dtype=np.float64)
    if ov.ndim != 1:
        raise ValueError(f"order_value must be 1-D, got shape {ov.shape}")
    expected_orders = ov[:, None] * eff[None, :]
    revenue = expected_orders * (1.0 - effect.discount)
    profit = expected_orders * (margin - effect.discount) - cost_per_contact
    return IncrementalDraws(revenue, profit, eff)


__all__ = [
    "EFFECT_STREAM",
    "IncrementalDraws",
    "draw_effect",
    "effect_rng",
    "incremental_draws",
]
