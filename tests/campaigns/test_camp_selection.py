"""Selection under budgets: optimality against brute force, and limits never exceeded."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flo_bayes.campaigns.selection import (
    GAP_TOLERANCE,
    CampaignCandidates,
    assign_campaigns,
    contact_capacity,
    select_greedy,
    selection_frequency,
)


def test_contact_capacity() -> None:
    assert contact_capacity(0.1, 0.3, None) == 3  # 0.3 / 0.1 is 2.9999999999999996 in floats
    assert contact_capacity(12.0, 6000.0, None) == 500
    assert contact_capacity(12.0, 6000.0, 100) == 100
    assert contact_capacity(12.0, 5.0, None) == 0
    assert contact_capacity(0.0, 100.0, None) is None  # free contacts: the budget never binds
    assert contact_capacity(3.0, None, None) is None
    assert contact_capacity(0.0, None, 7) == 7


def test_greedy_ties_broken_by_expected_value_then_order() -> None:
    values = np.array([1.0, 2.0, 2.0, 2.0, -1.0])
    tiebreak = np.array([0.0, 1.0, 5.0, 1.0, 9.0])
    assert select_greedy(values, tiebreak, None).tolist() == [2, 1, 3, 0]
    assert select_greedy(values, tiebreak, 2).tolist() == [2, 1]


def _brute_force(cands, total_budget, n_customers):
    """Best objective with at most one campaign per customer, by enumeration."""
    best = -math.inf
    options = [None, *range(len(cands))]
    for combo in itertools.product(options, repeat=n_customers):
        counts = [0] * len(cands)
        value, spend, ok = 0.0, 0.0, True
        for customer, c in enumerate(combo):
            if c is None:
                continue
            where = np.flatnonzero(cands[c].customers == customer)
            if where.size == 0:
                ok = False
                break
            counts[c] += 1
            value += cands[c].values[where[0]]
            spend += cands[c].cost_per_contact
        if not ok:
            continue
        if any(
            cap is not None and n > cap
            for n, cap in zip(counts, [c.capacity for c in cands], strict=True)
        ):
            continue
        if total_budget is not None and spend > total_budget + 1e-9:
            continue
        best = max(best, value)
    return best


def _random_candidates(rng, n_customers, n_campaigns, cap_max=3):
    cands = []
    for c in range(n_campaigns):
        members = np.flatnonzero(rng.random(n_customers) < 0.7)
        cands.append(
            CampaignCandidates(
                name=f"c{c}",
                customers=members,
                values=rng.normal(2.0, 3.0, members.size),
                tiebreak=rng.normal(size=members.size),
                cost_per_contact=float(rng.choice([1.0, 2.0, 3.5])),
                capacity=int(rng.integers(0, cap_max + 1)),
            )
        )
    return cands


@pytest.mark.parametrize("seed", range(16))
def test_joint_assignment_is_optimal(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_customers = 6
    cands = _random_candidates(rng, n_customers, 3)
    total_budget = float(rng.choice([4.0, 7.5, 100.0])) if seed % 2 else None
    result = assign_campaigns(cands, one_per_customer=True, total_budget=total_budget)
    best = _brute_force(cands, total_budget, n_customers)
    # Optimal up to the stated gap, and the stated gap is honest.
    assert result.objective <= best + 1e-9
    assert best - result.objective <= result.gap * abs(best) + 1e-9
    assert result.gap <= GAP_TOLERANCE
    if total_budget is None:
        assert result.objective == pytest.approx(best, abs=1e-9) and result.gap == 0


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    costs=st.lists(st.floats(min_value=0.0, max_value=50.0), min_size=1, max_size=4),
    budgets=st.lists(
        st.one_of(st.none(), st.floats(min_value=0.0, max_value=500.0)), min_size=4, max_size=4
    ),
    max_contacts=st.lists(
        st.one_of(st.none(), st.integers(min_value=0, max_value=40)), min_size=4, max_size=4
    ),
    total_budget=st.one_of(st.none(), st.floats(min_value=0.0, max_value=800.0)),
    one_per_customer=st.booleans(),
)
def test_budgets_are_never_exceeded(
    seed, costs, budgets, max_contacts, total_budget, one_per_customer
) -> None:
    rng = np.random.default_rng(seed)
    n_customers = 60
    cands = []
    for c, cost in enumerate(costs):
        members = np.flatnonzero(rng.random(n_customers) < 0.6)
        cands.append(
            CampaignCandidates(
                name=f"c{c}",
                customers=members,
                values=rng.normal(1.0, 2.0, members.size),
                tiebreak=rng.normal(size=members.size),
                cost_per_contact=cost,
                capacity=contact_capacity(cost, budgets[c], max_contacts[c]),
            )
        )
    result = assign_campaigns(
        cands, one_per_customer=one_per_customer, total_budget=total_budget, time_limit=20
    )
    spend = 0.0
    chosen_all = []
    for c, (cand, sel) in enumerate(zip(cands, result.selected, strict=True)):
        count = len(sel)
        cost = count * cand.cost_per_contact
        if budgets[c] is not None:
            # Exact on the amounts as written, and in floats up to rounding.
            assert Fraction(Decimal(repr(cand.cost_per_contact))) * count <= Fraction(
                Decimal(repr(budgets[c]))
            )
            assert cost <= budgets[c] * (1 + 1e-12)
        if max_contacts[c] is not None:
            assert count <= max_contacts[c]
        assert np.all(cand.values[sel] > 0)
        assert len(set(sel.tolist())) == count
        spend += cost
        chosen_all.extend(cand.customers[sel].tolist())
    if total_budget is not None:
        exact = sum(
            (
                Decimal(repr(c.cost_per_contact)) * len(s)
                for c, s in zip(cands, result.selected, strict=True)
            ),
            Decimal(0),
        )
        assert exact <= Decimal(repr(total_budget))
        assert spend <= total_budget * (1 + 1e-12)
    if one_per_customer:
        assert len(chosen_all) == len(set(chosen_all))


def test_disjoint_campaigns_use_greedy() -> None:
    a = CampaignCandidates("a", np.arange(5), np.arange(5.0), np.zeros(5), 1.0, 2)
    b = CampaignCandidates("b", np.arange(5, 9), np.ones(4), np.zeros(4), 1.0, None)
    result = assign_campaigns([a, b])
    assert result.method == "greedy" and result.gap == 0
    assert result.selected[0].tolist() == [4, 3]
    assert result.selected[1].tolist() == [0, 1, 2, 3]


def test_overlap_goes_to_where_it_is_worth_most() -> None:
    # Customer 0 is worth 10 to campaign a and 9 to b; a has room for one, b for two.
    a = CampaignCandidates("a", np.array([0, 1]), np.array([10.0, 9.5]), np.zeros(2), 1.0, 1)
    b = CampaignCandidates("b", np.array([0, 2]), np.array([9.0, 0.5]), np.zeros(2), 1.0, 2)
    result = assign_campaigns([a, b], one_per_customer=True)
    assert result.method == "lp" and result.gap == 0
    # Best: a takes 1 (9.5), b takes 0 and 2 (9.5) = 19 > a takes 0 (10) + b takes 2 (0.5).
    assert result.objective == pytest.approx(19.0)
    assert result.selected[0].tolist() == [1] and sorted(result.selected[1].tolist()) == [0, 1]


def test_selection_frequency() -> None:
    profit = np.array([[5.0] * 4, [4.0] * 4, [-1.0] * 4, [3.0, 3.0, 6.0, 6.0]])
    freq = selection_frequency(profit, 2)
    np.testing.assert_allclose(freq, [1.0, 0.5, 0.0, 0.5])
    np.testing.assert_allclose(selection_frequency(profit, 0), 0.0)
    # Only positive draws count: with room for all, frequency is P(profit > 0).
    np.testing.assert_allclose(selection_frequency(profit, 4), [1, 1, 0, 1])
