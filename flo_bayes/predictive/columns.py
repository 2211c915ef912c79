"""Output column names of the scoring stage and their data dictionary.

Naming scheme (``<h>`` is a horizon name from the settings, e.g. ``3m``; ``qNN`` a quantile
in percent, see :func:`flo_bayes.predictive.intervals.quantile_label`):

* ``p_alive``, ``p_alive_qNN`` -- probability alive at the analysis date, posterior mean and
  band over population draws.
* ``expected_purchases_<h>``, ``expected_spend_per_purchase`` -- posterior means of the
  conditional expectations (what pymc-marketing reports).
* ``expected_cltv_<h>_mean``, ``expected_cltv_<h>_qNN`` -- the *expected* CLTV and its band:
  parameter uncertainty only. Never read this band as the range of a customer's value.
* ``purchases_<h>_pred_{mean,median,qNN}``, ``p_any_purchase_<h>`` -- posterior predictive
  distribution of the customer's purchase count.
* ``cltv_<h>_pred_{mean,median,qNN}``, ``p_cltv_<h>_gt_<threshold>`` -- posterior predictive
  distribution of the customer's CLTV (what the customer may actually bring).
* ``purchases_<h>_pit``, ``cltv_<h>_pit`` -- randomised PIT of actual outcomes (backtests).
"""

from __future__ import annotations

import numpy as np

from flo_bayes.predictive.intervals import (
    COUNT_INTERVAL_RULE,
    band_probabilities,
    quantile_label,
)
from flo_bayes.predictive.settings import ScoringSettings


def threshold_label(threshold: float) -> str:
    """Column-safe threshold text: 100.0 -> ``100``, 250.5 -> ``250_5``."""
    return np.format_float_positional(float(threshold), trim="-").replace(".", "_")


def band_labels(level: float) -> tuple[str, str]:
    """Quantile labels of an equal-tailed band, e.g. 0.9 -> ``("q05", "q95")``."""
    lower, upper = band_probabilities(level)
    return quantile_label(lower), quantile_label(upper)


def _fmt(value: float) -> str:
    return np.format_float_positional(float(value), trim="-")


def _fmt_length(value: float) -> str:
    """A horizon length as people say it: 13.044642857 weeks -> ``13``, 26.09 -> ``26.1``."""
    return _fmt(round(float(value), 1))


def data_dictionary(
    settings: ScoringSettings,
    *,
    pit_purchases: tuple[str, ...] = (),
    pit_cltv: bool = False,
) -> dict[str, str]:
    """Column -> description (with units) of the scoring output, in column order.

    Parameters
    ----------
    settings : ScoringSettings
        Settings the table was (or will be) computed with.
    pit_purchases : tuple of str, optional
        Horizon names for which ``purchases_<h>_pit`` columns exist.
    pit_cltv : bool, optional
        Whether the ``cltv_<h>_pit`` column exists.

    Returns
    -------
    dict
        Ordered mapping of every output column to its description.

    """
    unit = settings.time_unit
    cur = settings.currency
    h_c = settings.cltv_horizon
    h_c_len = _fmt_length(settings.cltv_horizon_length)
    exp_lo, exp_hi = band_labels(settings.expectation_band_level)
    exp_pct = _fmt(100 * settings.expectation_band_level)
    value_basis = (
        f"{cur}, value per purchase x margin {_fmt(settings.margin)}, each purchase discounted "
        f"by (1 + {_fmt(settings.discount_rate_per_time_unit)})^-t with t in {unit} after the "
        "analysis date"
    )
    band_note = (
        f"Bands are equal-tailed quantiles of the draws (numpy 'inverted_cdf'); coverage is "
        f"judged by the randomised PIT (rule '{COUNT_INTERVAL_RULE}')."
    )
    out: dict[str, str] = {"customer_id": "Customer identifier (as in the input)."}
    out["p_alive"] = (
        "Probability the customer is still active at the analysis date (BG/NBD), posterior "
        "mean over population draws; 0-1."
    )
    out[f"p_alive_{exp_lo}"] = f"Lower end of the {exp_pct}% posterior band of p_alive; 0-1."
    out[f"p_alive_{exp_hi}"] = f"Upper end of the {exp_pct}% posterior band of p_alive; 0-1."
    for name, length in settings.horizons.items():
        out[f"expected_purchases_{name}"] = (
            f"Expected number of purchases in the next {_fmt_length(length)} {unit} ('{name}'), "
            "posterior mean of the BG/NBD conditional expectation; purchases."
        )
    out["expected_spend_per_purchase"] = (
        f"Expected value of a future purchase (Gamma-Gamma), posterior mean; {cur}."
    )
    out[f"expected_cltv_{h_c}_mean"] = (
        f"Expected CLTV over the next {h_c_len} {unit} ('{h_c}'): posterior mean of "
        f"E[purchases] x E[value] ({value_basis})."
    )
    out[f"expected_cltv_{h_c}_{exp_lo}"] = (
        f"Lower end of the {exp_pct}% band of the EXPECTED CLTV: population-parameter "
        f"uncertainty only, NOT the range of the customer's value (see cltv_{h_c}_pred_*); {cur}."
    )
    out[f"expected_cltv_{h_c}_{exp_hi}"] = (
        f"Upper end of the {exp_pct}% band of the EXPECTED CLTV: population-parameter "
        f"uncertainty only, NOT the range of the customer's value (see cltv_{h_c}_pred_*); {cur}."
    )
    for name, length in settings.horizons.items():
        what = f"number of purchases in the next {_fmt_length(length)} {unit} ('{name}')"
        out[f"purchases_{name}_pred_mean"] = f"Posterior predictive mean of the {what}."
        out[f"purchases_{name}_pred_median"] = f"Posterior predictive median of the {what}."
        for level in settings.interval_levels:
            lo, hi = band_labels(level)
            pct = _fmt(100 * level)
            out[f"purchases_{name}_pred_{lo}"] = (
                f"Lower end of the {pct}% predictive band of the {what}. {band_note}"
            )
            out[f"purchases_{name}_pred_{hi}"] = (
                f"Upper end of the {pct}% predictive band of the {what}. {band_note}"
            )
        out[f"p_any_purchase_{name}"] = f"Predictive probability of at least one purchase ({what})."
    what = f"CLTV over the next {h_c_len} {unit} ('{h_c}'; {value_basis})"
    out[f"cltv_{h_c}_pred_mean"] = f"Posterior predictive mean of the customer's {what}."
    out[f"cltv_{h_c}_pred_median"] = f"Posterior predictive median of the customer's {what}."
    for level in settings.interval_levels:
        lo, hi = band_labels(level)
        pct = _fmt(100 * level)
        out[f"cltv_{h_c}_pred_{lo}"] = (
            f"Lower end of the {pct}% PREDICTIVE band of the customer's CLTV: parameter "
            f"uncertainty, the customer's own randomness and, when the run has one, the "
            f"purchase-rate shock shared by all customers; {cur}. {band_note}"
        )
        out[f"cltv_{h_c}_pred_{hi}"] = (
            f"Upper end of the {pct}% PREDICTIVE band of the customer's CLTV: parameter "
            f"uncertainty, the customer's own randomness and, when the run has one, the "
            f"purchase-rate shock shared by all customers; {cur}. {band_note}"
        )
    for threshold in settings.cltv_thresholds:
        out[f"p_cltv_{h_c}_gt_{threshold_label(threshold)}"] = (
            f"Predictive probability that the CLTV over '{h_c}' exceeds {_fmt(threshold)} {cur}."
        )
    for name in pit_purchases:
        out[f"purchases_{name}_pit"] = (
            f"Randomised PIT of the actual purchase count over '{name}' under the predictive "
            "draws; covered at level L iff (1-L)/2 <= value <= (1+L)/2."
        )
    if pit_cltv:
        out[f"cltv_{h_c}_pit"] = (
            f"Randomised PIT of the actual value over '{h_c}' under the predictive CLTV draws."
        )
    return out
