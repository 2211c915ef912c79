"""Per-customer posterior predictive purchases and CLTV on top of BG/NBD + Gamma-Gamma.

A NumPy-only core (``expected``, ``draws``, ``intervals``) takes flattened population draws
(:class:`PopulationDraws`) and customer arrays; :func:`score_customers` is the thin Polars
wrapper that works in memory-bounded chunks. Times are in the model's time unit.
"""

from flo_bayes.predictive.columns import data_dictionary
from flo_bayes.predictive.draws import (
    CustomerDraws,
    draw_purchase_values,
    mixture_probability_alive,
    simulate_customers,
)
from flo_bayes.predictive.expected import (
    expected_cltv,
    expected_discounted_purchases,
    expected_purchases,
    expected_purchases_alive,
    expected_spend,
    probability_alive,
)
from flo_bayes.predictive.intervals import (
    COUNT_INTERVAL_RULE,
    equal_tailed_quantiles,
    interval_coverage,
    pit_covered,
    randomized_pit,
)
from flo_bayes.predictive.population import PopulationDraws, thin_indices
from flo_bayes.predictive.scoring import ScoringResult, score_customers
from flo_bayes.predictive.settings import ScoringSettings

__all__ = [
    "COUNT_INTERVAL_RULE",
    "CustomerDraws",
    "PopulationDraws",
    "ScoringResult",
    "ScoringSettings",
    "data_dictionary",
    "draw_purchase_values",
    "equal_tailed_quantiles",
    "expected_cltv",
    "expected_discounted_purchases",
    "expected_purchases",
    "expected_purchases_alive",
    "expected_spend",
    "interval_coverage",
    "mixture_probability_alive",
    "pit_covered",
    "probability_alive",
    "randomized_pit",
    "score_customers",
    "simulate_customers",
    "thin_indices",
]
