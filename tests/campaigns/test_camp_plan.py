"""The plan core: shared draw index, portfolio figures, limits, warnings and errors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from flo_bayes.campaigns import (
    default_campaigns_config,
    plan_campaigns,
    validate_campaigns,
)
from flo_bayes.campaigns.effects import effect_rng
from flo_bayes.config.campaigns import BetaSpec
from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.errors import ConfigError

UPLIFT = {"kind": "uplift_share", "share": {"mean": 0.1, "sd": 0.04}}
RESPONSE = {
    "kind": "response",
    "p_response": {"mean": 0.08, "sd": 0.03},
    "order_value": "expected_spend",
    "discount": 0.1,
}


def _config(*campaigns: dict, **settings: object):
    return validate_campaigns({"campaigns": list(campaigns), **settings})


def _campaign(name: str, effect: dict = UPLIFT, **fields: object) -> dict:
    return {"name": name, "cost_per_contact": 2.0, "effect": effect} | fields


def test_portfolio_p_loss_matches_independent_computation(inputs, make_context, run_seed) -> None:
    customers, draws = inputs
    config = _config(
        _campaign("uplift", tiers=["vip", "very_active"], budget=100.0),
        _campaign("response", RESPONSE, segments=["at_risk", "hibernating"], max_contacts=30),
        margin=0.4,
    )
    result = plan_campaigns(customers, draws, config, make_context())
    ids = customers["customer_id"].to_list()
    row_of = {cid: i for i, cid in enumerate(ids)}
    for name, spec in (("uplift", UPLIFT["share"]), ("response", RESPONSE["p_response"])):
        plan = result.get(name)
        assert plan.contacts > 0
        rows = [row_of[c] for c in plan.targets["customer_id"]]
        # Effect draws: one per draw index, from the documented seed stream.
        a, b = BetaSpec(**spec).shape
        effect = effect_rng(run_seed, name).beta(a, b, size=draws.shape[1])
        np.testing.assert_array_equal(plan.effect_draws, effect)
        total = np.zeros(draws.shape[1])
        for r in rows:  # plain loop, no shared code with the plan
            if name == "uplift":
                total += effect * draws[r] * 0.4 - 2.0
            else:
                spend = customers["expected_spend_per_purchase"][r]
                total += effect * spend * (0.4 - 0.1) - 2.0
        row = result.summary.filter(pl.col("campaign") == name).row(0, named=True)
        assert row["p_loss"] == pytest.approx(np.mean(total < 0))
        assert row["profit_mean"] == pytest.approx(total.mean())
        assert row["profit_q05"] == pytest.approx(np.quantile(total, 0.05))
        assert row["profit_q95"] == pytest.approx(np.quantile(total, 0.95))
        assert row["contacts"] == len(rows)
        assert row["cost"] == pytest.approx(2.0 * len(rows))
        # Per-customer figures.
        first = rows[0]
        own = (
            effect * draws[first] * 0.4 - 2.0
            if name == "uplift"
            else effect * customers["expected_spend_per_purchase"][first] * 0.3 - 2.0
        )
        target = plan.targets.row(0, named=True)
        assert target["incremental_profit_mean"] == pytest.approx(own.mean())
        assert target["p_loss"] == pytest.approx(np.mean(own < 0))
    total_row = result.summary.filter(pl.col("campaign") == "TOTAL").row(0, named=True)
    both = result.get("uplift").profit_totals + result.get("response").profit_totals
    assert total_row["p_loss"] == pytest.approx(np.mean(both < 0))


def test_limits_and_one_campaign_per_customer(inputs, make_context) -> None:
    customers, draws = inputs
    overlapping = (
        _campaign("a", tiers=["vip", "very_active", "active"], budget=41.0),
        _campaign("b", tiers=["vip", "active"], cost_per_contact=1.5, max_contacts=25),
        _campaign("c", RESPONSE, categories_any=["KADIN"], budget=30.0, cost_per_contact=0.5),
    )
    result = plan_campaigns(customers, draws, _config(*overlapping), make_context())
    chosen = [set(p.targets["customer_id"]) for p in result.campaigns]
    assert (
        not (chosen[0] & chosen[1]) and not (chosen[0] & chosen[2]) and not (chosen[1] & chosen[2])
    )
    assert result.get("a").contacts <= 20 and result.get("a").cost <= 41.0
    assert result.get("b").contacts <= 25
    assert result.get("c").cost <= 30.0
    allowed = plan_campaigns(
        customers, draws, _config(*overlapping, allow_multiple_campaigns=True), make_context()
    )
    again = [set(p.targets["customer_id"]) for p in allowed.campaigns]
    assert again[0] & again[1]  # now the same customer may get both
    capped = plan_campaigns(
        customers, draws, _config(*overlapping, total_budget=50.0), make_context()
    )
    assert sum(p.cost for p in capped.campaigns) <= 50.0
    for plan in (*result.campaigns, *capped.campaigns):
        assert (plan.targets["p_loss"] <= 0.5).all()  # the default loss limit
        assert plan.targets["rank"].to_list() == list(range(1, plan.contacts + 1))


def test_eligibility_reuses_the_target_filters(inputs, make_context) -> None:
    customers, draws = inputs
    config = _config(
        _campaign(
            "kids",
            segments=["at_risk", "cant_loose", "new_customers"],
            categories_any=["ERKEK", "COCUK"],
        ),
        max_loss_probability=1.0,
    )
    plan = plan_campaigns(customers, draws, config, make_context()).get("kids")
    expected = customers.filter(
        pl.col("segment").is_in(["at_risk", "cant_loose", "new_customers"])
        & (
            pl.col("categories").list.contains("ERKEK")
            | pl.col("categories").list.contains("COCUK")
        )
    )
    assert plan.eligible == expected.height
    assert set(plan.targets["customer_id"]) <= set(expected["customer_id"])


def test_campaign_selecting_nobody_is_a_warning(inputs, make_context) -> None:
    customers, draws = inputs
    config = _config(
        _campaign("too_dear", tiers=["lost"], cost_per_contact=10_000.0),
        _campaign("no_money", tiers=["vip"], budget=1.0),
        _campaign("nobody", segments=["champions"], categories_all=["KADIN", "ERKEK"]),
        _campaign("fine", tiers=["vip"]),
    )
    result = plan_campaigns(customers, draws, config, make_context())
    warnings = dict(zip(result.summary["campaign"], result.summary["warning"], strict=True))
    assert "no customer selected" in warnings["too_dear"]
    assert "loss" in warnings["too_dear"] or "positive ranking value" in warnings["too_dear"]
    assert "allow no contact" in warnings["no_money"]
    assert "matches the campaign's filters" in warnings["nobody"]
    assert warnings["fine"] is None
    assert len(result.warnings) == 3
    assert result.get("too_dear").targets.height == 0
    assert result.get("too_dear").targets.columns == result.get("fine").targets.columns


def test_margin_conversion_and_determinism(inputs, make_context) -> None:
    customers, draws = inputs
    config = _config(_campaign("u", tiers=["vip", "active"], margin=0.3))
    base = plan_campaigns(customers, draws, config, make_context(margin=1.0))
    # The same revenue stored at a run margin of 0.5 gives the same plan.
    halved = plan_campaigns(customers, draws * 0.5, config, make_context(margin=0.5))
    assert base.summary.equals(halved.summary)
    # Same seed, same plan; a campaign's effect draws do not depend on the other campaigns.
    again = plan_campaigns(customers, draws, config, make_context())
    assert base.summary.equals(again.summary)
    bigger = _config(
        _campaign("other", tiers=["lost"]), _campaign("u", tiers=["vip", "active"], margin=0.3)
    )
    np.testing.assert_array_equal(
        plan_campaigns(customers, draws, bigger, make_context()).get("u").effect_draws,
        base.get("u").effect_draws,
    )
    other_seed = plan_campaigns(customers, draws, config, make_context(), seed=7)
    assert not np.array_equal(other_seed.get("u").effect_draws, base.get("u").effect_draws)


def test_horizon_must_match_the_runs(inputs, make_context) -> None:
    customers, draws = inputs
    config = _config(_campaign("h", tiers=["vip"], horizon_months=3.0))
    with pytest.raises(ConfigError) as info:
        plan_campaigns(customers, draws, config, make_context())
    message = str(info.value)
    assert "campaigns[0] ('h').horizon_months = 3" in message
    assert "cover 6 months" in message and "[3.0, 6.0]" in message
    ok = _config(_campaign("h", tiers=["vip"], horizon_months=6.0))
    plan_campaigns(customers, draws, ok, make_context())


def test_unknown_names_for_the_run_name_the_campaign(inputs, make_context) -> None:
    customers, draws = inputs
    custom = SegmentationConfig(categories=("KADIN", "ERKEK"))
    run = replace(make_context(), segmentation=custom)
    config = _config(_campaign("kids", categories_any=["COCUK"]))
    with pytest.raises(ConfigError, match=r"campaigns\[0\] \('kids'\)\.categories_any"):
        plan_campaigns(customers, draws, config, run)
    no_categories = customers.drop("categories")
    with pytest.raises(ConfigError, match=r"campaigns\[0\] \('kids'\)\.categories_any: needs"):
        plan_campaigns(no_categories, draws, config, make_context())


def test_tier_strategies_fill_the_strategy_text(inputs, make_context) -> None:
    customers, draws = inputs
    config = default_campaigns_config(language="tr")
    result = plan_campaigns(customers, draws, config, make_context())
    vip = result.get("vip_care")
    assert vip.strategy.startswith("Özel müşteri temsilcisi")
    if vip.contacts:
        assert vip.targets["strategy"][0] == vip.strategy
    assert [p.name for p in result.campaigns] == [c.name for c in config.campaigns]
    assert result.summary["campaign"].to_list()[-1] == "TOTAL"


def test_selection_probability_is_a_probability(inputs, make_context) -> None:
    customers, draws = inputs
    config = _config(_campaign("u", tiers=["vip", "very_active", "active"], max_contacts=15))
    plan = plan_campaigns(customers, draws, config, make_context()).get("u")
    p = plan.targets["p_selected"].to_numpy()
    assert plan.contacts == 15
    assert np.all((p >= 0) & (p <= 1))
    # Better-ranked customers are chosen at least as often on average.
    assert p[:5].mean() >= p[-5:].mean()


def test_draws_built_block_by_block_give_the_same_plan(inputs, make_context, monkeypatch) -> None:
    customers, draws = inputs
    config = _config(
        _campaign("uplift", tiers=["vip", "very_active", "active"], max_contacts=40),
        _campaign("response", RESPONSE, segments=["at_risk", "hibernating"], max_contacts=30),
        criterion="cvar",
    )
    as_float32 = draws.astype(np.float32)
    # One block (the whole matrix), from float64 draws.
    whole = plan_campaigns(customers, as_float32.astype(np.float64), config, make_context())
    # Blocks of three rows, from the float32 draws the pipeline keeps: the block size only
    # bounds memory, and converting row blocks equals converting the matrix.
    monkeypatch.setattr("flo_bayes.campaigns.scoring.BLOCK_ELEMENTS", 3 * draws.shape[1] + 1)
    blocks = plan_campaigns(customers, as_float32, config, make_context())
    assert blocks.summary.equals(whole.summary)
    for name in ("uplift", "response"):
        assert whole.get(name).contacts > 0
        assert blocks.get(name).targets.equals(whole.get(name).targets)
        np.testing.assert_array_equal(blocks.get(name).profit_totals, whole.get(name).profit_totals)
        np.testing.assert_array_equal(
            blocks.get(name).revenue_totals, whole.get(name).revenue_totals
        )
