"""The purchase-model protocol: closed forms equal pymc-marketing's, draws are calibrated.

* P(alive) and expected purchases of each model equal the library's methods on the same
  posterior draws.
* The means of the posterior predictive draws equal the library's ``expected_purchases``
  within Monte Carlo error.
* On customers simulated from a known truth by an independent, event-by-event simulator
  (calibration and holdout from one path), the predictive draws given the truth are
  calibrated: randomized PIT values of the holdout counts are uniform.
* Each model's ``simulate`` gives the expected repeats of a new customer on average.
"""

import numpy as np
import pandas as pd
import pytest

from flo_bayes.models.protocol import ParameterDraws
from flo_bayes.models.registry import PURCHASE_MODELS, purchase_model

TRUTH = {
    "bgnbd": {"r": 0.8, "alpha": 6.0, "a": 0.9, "b": 2.5},
    "mbgnbd": {"r": 0.8, "alpha": 6.0, "a": 0.9, "b": 2.5},
    "pnbd": {"r": 0.6, "alpha": 8.0, "s": 0.7, "beta": 12.0},
}


def _histories(n=60, seed=0):
    rng = np.random.default_rng(seed)
    T = rng.uniform(5, 60, n)
    x = rng.poisson(2, n).astype(float)
    t_x = np.where(x > 0, rng.uniform(0, 1, n) * T, 0.0)
    return x, t_x, T


def _library(name, x, t_x, T, theta: ParameterDraws):
    from arviz_base import from_dict

    model = purchase_model(name).model_class(grouped=False)()
    model.build_model(
        pd.DataFrame({"customer_id": np.arange(x.size), "frequency": x, "recency": t_x, "T": T})
    )
    model.idata = from_dict({"posterior": {k: v[None, :] for k, v in theta.values.items()}})
    return model


def _spread(name, n_draws=4, seed=1):
    rng = np.random.default_rng(seed)
    return ParameterDraws(
        {k: v * np.exp(rng.normal(0, 0.1, n_draws)) for k, v in TRUTH[name].items()}
    )


@pytest.mark.parametrize("name", sorted(PURCHASE_MODELS))
def test_closed_forms_equal_library(name):
    x, t_x, T = _histories()
    theta = _spread(name)
    library = _library(name, x, t_x, T, theta)
    model = purchase_model(name)
    np.testing.assert_allclose(
        model.probability_alive(theta, x, t_x, T),
        library.expected_probability_alive().values[0],
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        model.expected_purchases(theta, x, t_x, T, 13.0),
        library.expected_purchases(future_t=13.0).values[0],
        rtol=1e-9,
    )


@pytest.mark.parametrize("name", sorted(PURCHASE_MODELS))
def test_expected_repeats_of_new_customer_equal_library(name):
    theta = TRUTH[name]
    x, t_x, T = _histories(n=5)
    library = _library(name, x, t_x, T, ParameterDraws.constant(theta))
    t = np.array([1.0, 10.0, 52.0, 200.0, 500.0])
    expected = library.expected_purchases_new_customer(t=t).values.reshape(-1)
    np.testing.assert_allclose(
        purchase_model(name).expected_repeats_new(theta, t), expected, rtol=1e-9
    )


@pytest.mark.parametrize("name", sorted(PURCHASE_MODELS))
def test_draw_means_equal_library_expected_purchases(name):
    x, t_x, T = _histories(n=40, seed=2)
    theta = ParameterDraws.constant(TRUTH[name], n_draws=20_000)
    model = purchase_model(name)
    draws = model.draw_future_purchases(theta, x, t_x, T, (6.0, 26.0), np.random.default_rng(3))
    assert draws.shape == (2, 20_000, 40)
    assert np.all(draws[0] <= draws[1])  # nested horizons share one path
    library = _library(name, x, t_x, T, theta.take(np.arange(1)))
    for k, horizon in enumerate((6.0, 26.0)):
        expected = library.expected_purchases(future_t=horizon).values.reshape(-1)
        mean = draws[k].mean(axis=0)
        # a count's variance is at least its mean when that is small (rare purchases)
        se = np.sqrt(np.maximum(draws[k].var(axis=0), expected) / draws.shape[1])
        assert np.all(np.abs(mean - expected) <= 4.5 * se + 1e-12), (name, horizon)


def _brute_force_paths(name, theta, T, h, rng):
    """Event-by-event simulation of calibration (0, T] and holdout (T, T + h] on one path."""
    n = T.shape[0]
    x = np.zeros(n)
    t_x = np.zeros(n)
    future = np.zeros(n, dtype=np.int64)
    for i in range(n):
        lam = rng.gamma(theta["r"], 1.0 / theta["alpha"])
        if name == "pnbd":
            death = rng.exponential(1.0 / rng.gamma(theta["s"], 1.0 / theta["beta"]))
            p = None
        else:
            p = rng.beta(theta["a"], theta["b"])
            death = 0.0 if (name == "mbgnbd" and rng.random() < p) else np.inf
        t = 0.0
        while True:
            t += rng.exponential(1.0 / lam)
            if t > T[i] + h or t > death:
                break
            if t <= T[i]:
                x[i] += 1
                t_x[i] = t
            else:
                future[i] += 1
            if p is not None and rng.random() < p:
                break
    return x, t_x, future


@pytest.mark.parametrize("name", sorted(PURCHASE_MODELS))
def test_predictive_draws_are_calibrated_on_simulated_truth(name):
    rng = np.random.default_rng(7)
    n, h = 3000, 26.0
    T = rng.uniform(10.0, 50.0, n)
    x, t_x, future = _brute_force_paths(name, TRUTH[name], T, h, rng)
    theta = ParameterDraws.constant(TRUTH[name], n_draws=1000)
    draws = purchase_model(name).draw_future_purchases(theta, x, t_x, T, (h,), rng)[0]
    below = (draws < future).mean(axis=0)
    at = (draws == future).mean(axis=0)
    pit = below + rng.random(n) * at  # randomized PIT: Uniform(0, 1) when calibrated
    assert abs(pit.mean() - 0.5) < 0.02
    for level in (0.1, 0.5, 0.9):
        assert abs((pit < level).mean() - level) < 0.03, (name, level)
    # the total is inside its 90 % predictive band
    totals = draws.sum(axis=1)
    low, high = np.quantile(totals, [0.05, 0.95])
    assert low <= future.sum() <= high


@pytest.mark.parametrize("name", sorted(PURCHASE_MODELS))
def test_simulate_matches_expected_repeats(name):
    model = purchase_model(name)
    T = np.full(200_000, 30.0)
    x, t_x = model.simulate(TRUTH[name], T, np.random.default_rng(5))
    assert np.all((t_x >= 0) & (t_x <= T)) and np.all(t_x[x == 0] == 0)
    expected = model.expected_repeats_new(TRUTH[name], np.array(30.0))
    assert abs(x.mean() - expected) < 4 * x.std() / np.sqrt(x.size)


def test_mbgnbd_lets_customers_without_repeats_be_gone():
    x, t_x, T = np.zeros(3), np.zeros(3), np.array([5.0, 20.0, 60.0])
    theta = ParameterDraws.constant(TRUTH["mbgnbd"])
    assert np.all(purchase_model("bgnbd").probability_alive(theta, x, t_x, T) == 1.0)
    alive = purchase_model("mbgnbd").probability_alive(theta, x, t_x, T)[0]
    assert np.all(alive < 1.0) and np.all(np.diff(alive) < 0)


def test_unknown_model_names_the_choices():
    with pytest.raises(ValueError, match="bgnbd, mbgnbd, pnbd"):
        purchase_model("bgbb")


def test_pareto_nbd_log_likelihood_at_published_mle(cdnow_file):
    """Fader, Hardie & Lee (2005): CDNOW calibration, weeks, LL = -9595.0 at the MLE."""
    from datetime import date
    from pathlib import Path

    from flo_bayes.config import load_config
    from flo_bayes.io.load import prepare_input

    config = load_config(Path(__file__).resolve().parents[2] / "configs" / "cdnow.toml")
    config = config.model_copy(
        update={"analysis": config.analysis.model_copy(update={"analysis_date": date(1997, 9, 30)})}
    )
    summary = prepare_input(cdnow_file, config).summary
    x, t_x, T = (summary[c].to_numpy().astype(float) for c in ("x", "t_x", "T"))
    mle = ParameterDraws.constant({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
    total = purchase_model("pnbd").log_likelihood(mle, x, t_x, T).sum()
    assert total == pytest.approx(-9595.0, abs=0.05)
    bg = ParameterDraws.constant({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    assert purchase_model("bgnbd").log_likelihood(bg, x, t_x, T).sum() == pytest.approx(
        -9582.4, abs=0.05
    )


def test_model_config_key():
    from pydantic import ValidationError

    from flo_bayes.config import Config

    assert Config().model.purchase == "bgnbd"
    assert Config(model={"purchase": "compare"}).model.purchase == "compare"
    with pytest.raises(ValidationError):
        Config(model={"purchase": "bgbb"})
