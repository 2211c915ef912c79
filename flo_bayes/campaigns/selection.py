"""Choosing whom each campaign contacts under its budget (NumPy + SciPy's HiGHS).

Problem. Campaign ``c`` costs ``cost_c`` per contact and may spend at most ``budget_c`` and
contact at most ``max_contacts_c`` customers; customer ``i`` has a criterion value
``v_ic`` (see :mod:`flo_bayes.campaigns.risk`). Choose ``x_ic in {0, 1}`` to maximise
``sum v_ic x_ic`` subject to the limits, optionally ``sum_c x_ic <= 1`` (one campaign per
customer) and ``sum_ic cost_c x_ic <= total_budget``.

One campaign. All contacts of a campaign cost the same, so its budget is a limit on the
*number* of contacts, ``K_c = floor(budget_c / cost_c)`` (and ``max_contacts_c``). Under a
cardinality limit the greedy choice -- the ``K_c`` largest positive values -- is optimal:
take any optimal set; if it holds a customer ``j`` while some ``i`` outside it has
``v_i > v_j``, swapping ``j`` for ``i`` keeps the count, the cost and feasibility and does
not lower the sum; a member with ``v_j <= 0`` can be dropped without lowering it. Repeating
the exchange turns the optimal set into the greedy one with the same value.

Several campaigns. The per-campaign greedy sets solve the problem without the coupling
constraints (one campaign per customer, total budget). If they happen to satisfy them they
are optimal for the full problem too and are used as they are. Otherwise the LP relaxation
is solved with HiGHS' dual simplex (:func:`scipy.optimize.linprog`). Without a total budget
the constraint matrix -- one row per campaign limit, one per shared customer, each variable
in exactly one row of each kind -- is the incidence matrix of a bipartite graph, hence
totally unimodular: the simplex optimum is a vertex, the vertex is integral, and the
integer problem is solved exactly (method ``"lp"``, gap 0). A total budget with different
costs per campaign adds a knapsack row and the LP optimum may have a few fractional
variables; they are rounded down and the freed room refilled greedily (``"lp-rounded"``),
and the gap to the LP bound is reported. If that gap exceeds :data:`GAP_TOLERANCE` (0.01 %)
the MILP is solved with
HiGHS (:func:`scipy.optimize.milp`, presolve off: its presolve is slow on these problems)
and the better choice kept. Every choice is checked against all limits, the total budget in
exact arithmetic, before it is returned.

Ties in the criterion are broken by expected incremental profit, then by input order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse

TIE_EPSILON = 1e-9
"""Weight of the tie-breaker relative to the criterion's scale in the LP/MILP objective."""

GAP_TOLERANCE = 1e-4
"""A rounded LP choice within this relative gap of the LP bound is kept without a MILP."""


def _exact(amount: float) -> Fraction:
    # The shortest repr is the amount as typed in the config (0.1 stays 1/10), kept exact.
    return Fraction(Decimal(repr(float(amount))))


def spend(cost_per_contact: float, contacts: int) -> float:
    """Cost of ``contacts`` contacts, computed exactly on the amounts as written (0.1 x 3 = 0.3)."""
    return float(_exact(cost_per_contact) * contacts)


def within_budget(amounts: Sequence[tuple[float, int]], budget: float) -> bool:
    """Whether ``sum(cost x contacts)`` over ``(cost, contacts)`` pairs is at most ``budget``.

    Computed in exact rational arithmetic on the amounts as written, so a budget of 0.3 allows three
    contacts at 0.1 (floating point would say 0.30000000000000004 > 0.3).
    """
    total = sum((_exact(c) * n for c, n in amounts), Fraction(0))
    return total <= _exact(budget)


def contact_capacity(
    cost_per_contact: float, budget: float | None, max_contacts: int | None
) -> int | None:
    """Largest number of contacts a campaign may make; None when unlimited.

    Parameters
    ----------
    cost_per_contact : float
        Cost of one contact (>= 0); a zero cost is never limited by the budget.
    budget : float, optional
        Spend limit.
    max_contacts : int, optional
        Contact limit.

    Returns
    -------
    int or None
        ``min(floor(budget / cost), max_contacts)`` over the limits given, the division done
        exactly on the amounts as written (see :func:`within_budget`).

    """
    caps: list[int] = []
    if budget is not None and cost_per_contact > 0:
        caps.append(int(_exact(budget) // _exact(cost_per_contact)))
    if max_contacts is not None:
        caps.append(int(max_contacts))
    return min(caps) if caps else None


def rank_order(values: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Indices sorted by ``values`` descending, then ``tiebreak`` descending, then position."""
    values = np.asarray(values, dtype=np.float64)
    tiebreak = np.asarray(tiebreak, dtype=np.float64)
    if values.shape != tiebreak.shape or values.ndim != 1:
        raise ValueError("values and tiebreak must be 1-D of the same length")
    return np.lexsort((np.arange(values.size), -tiebreak, -values))


def select_greedy(values: np.ndarray, tiebreak: np.ndarray, capacity: int | None) -> np.ndarray:
    """The optimal set of one campaign with equal cost per contact (see the module docstring).

    Parameters
    ----------
    values : numpy.ndarray
        Criterion value per candidate.
    tiebreak : numpy.ndarray
        Expected incremental profit per candidate.
    capacity : int or None
        Contact limit (None: unlimited).

    Returns
    -------
    numpy.ndarray
        Indices of the chosen candidates (values > 0), best first.

    """
    order = rank_order(values, tiebreak)
    order = order[np.asarray(values)[order] > 0]
    return order if capacity is None else order[:capacity]


@dataclass(frozen=True)
class CampaignCandidates:
    """One campaign's candidates for the assignment.

    Attributes
    ----------
    name : str
        Campaign name.
    customers : numpy.ndarray
        Shape ``(m,)``: indices of the candidates in the customer universe (unique).
    values : numpy.ndarray
        Shape ``(m,)``: criterion values.
    tiebreak : numpy.ndarray
        Shape ``(m,)``: expected incremental profit.
    cost_per_contact : float
        Cost of one contact.
    capacity : int or None
        Contact limit from :func:`contact_capacity`.

    """

    name: str
    customers: np.ndarray
    values: np.ndarray
    tiebreak: np.ndarray
    cost_per_contact: float
    capacity: int | None


@dataclass(frozen=True)
class Assignment:
    """Chosen customers of every campaign and how they were found.

    Attributes
    ----------
    selected : tuple of numpy.ndarray
        Per campaign, indices into its ``customers`` / ``values`` arrays, best first.
    method : str
        ``"greedy"`` or ``"lp"`` (both provably optimal, see the module docstring),
        ``"lp-rounded"`` or ``"milp"`` (optimal up to ``gap``).
    objective : float
        Sum of the chosen criterion values.
    gap : float
        Proven relative optimality gap (0 for greedy and for exactly solved MILPs).
    status : str
        Solver message.

    """

    selected: tuple[np.ndarray, ...]
    method: str
    objective: float
    gap: float
    status: str


def _fits(
    candidates: Sequence[CampaignCandidates], selected: Sequence[np.ndarray], budget: float
) -> bool:
    pairs = [(c.cost_per_contact, len(s)) for c, s in zip(candidates, selected, strict=True)]
    return within_budget(pairs, budget)


def _feasible(
    candidates: Sequence[CampaignCandidates],
    selected: Sequence[np.ndarray],
    *,
    one_per_customer: bool,
    total_budget: float | None,
) -> bool:
    for cand, sel in zip(candidates, selected, strict=True):
        if cand.capacity is not None and len(sel) > cand.capacity:
            return False
    if one_per_customer:
        chosen = np.concatenate([c.customers[s] for c, s in zip(candidates, selected, strict=True)])
        if np.unique(chosen).size != chosen.size:
            return False
    return total_budget is None or _fits(candidates, selected, total_budget)


def _objective(candidates: Sequence[CampaignCandidates], selected: Sequence[np.ndarray]) -> float:
    return math.fsum(float(c.values[s].sum()) for c, s in zip(candidates, selected, strict=True))


def _rank_within(cand: CampaignCandidates, chosen: np.ndarray) -> np.ndarray:
    order = rank_order(cand.values[chosen], cand.tiebreak[chosen])
    return chosen[order]


@dataclass(frozen=True)
class _JointProblem:
    """The joint choice as a linear program over the (campaign, candidate) pairs worth > 0."""

    keep: tuple[np.ndarray, ...]  # per campaign: candidate positions with a positive value
    offsets: np.ndarray  # variable range of each campaign
    values: np.ndarray  # criterion value of each variable
    weights: np.ndarray  # values plus the tie-breaker
    campaign: np.ndarray  # campaign of each variable
    owner: np.ndarray  # customer of each variable
    matrix: sparse.csr_array | None  # <= constraints
    upper: np.ndarray


def _build_problem(
    candidates: Sequence[CampaignCandidates], *, one_per_customer: bool, total_budget: float | None
) -> _JointProblem:
    from scipy import sparse  # imported here: SciPy is slow to import and only needed here

    keep = tuple(np.flatnonzero(c.values > 0) for c in candidates)
    offsets = np.concatenate([[0], np.cumsum([k.size for k in keep])]).astype(np.int64)
    n_var = int(offsets[-1])
    pairs = list(zip(candidates, keep, strict=True))
    values = np.concatenate([c.values[k] for c, k in pairs]) if n_var else np.empty(0)
    ties = np.concatenate([c.tiebreak[k] for c, k in pairs]) if n_var else np.empty(0)
    owner = np.concatenate([c.customers[k] for c, k in pairs]) if n_var else np.empty(0, np.int64)
    campaign = np.repeat(np.arange(len(candidates)), [k.size for k in keep])
    weights = values.copy()
    if n_var:
        spread = float(np.ptp(ties)) or 1.0
        weights += TIE_EPSILON * float(values.max()) * (ties - ties.min()) / spread
    rows, cols, data, upper = [], [], [], []
    n_rows = 0
    for c, (cand, k) in enumerate(pairs):
        if cand.capacity is not None and cand.capacity < k.size:
            rows.append(np.full(k.size, n_rows))
            cols.append(np.arange(offsets[c], offsets[c + 1]))
            data.append(np.ones(k.size))
            upper.append(float(cand.capacity))
            n_rows += 1
    if one_per_customer and n_var:
        _, inverse, counts = np.unique(owner, return_inverse=True, return_counts=True)
        shared = counts[inverse] > 1
        if shared.any():
            _, local = np.unique(inverse[shared], return_inverse=True)
            rows.append(n_rows + local)
            cols.append(np.flatnonzero(shared))
            data.append(np.ones(local.size))
            upper.extend([1.0] * (int(local.max()) + 1))
            n_rows += int(local.max()) + 1
    if total_budget is not None and n_var:
        rows.append(np.full(n_var, n_rows))
        cols.append(np.arange(n_var))
        data.append(np.array([candidates[c].cost_per_contact for c in campaign], dtype=np.float64))
        upper.append(float(total_budget))
        n_rows += 1
    matrix = (
        sparse.csr_array(
            (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_rows, n_var),
        )
        if n_rows
        else None
    )
    return _JointProblem(
        keep, offsets, values, weights, campaign, owner, matrix, np.asarray(upper, dtype=np.float64)
    )


def _selection(
    problem: _JointProblem, candidates: Sequence[CampaignCandidates], chosen: np.ndarray
) -> list[np.ndarray]:
    return [
        _rank_within(cand, k[chosen[problem.offsets[c] : problem.offsets[c + 1]]])
        for c, (cand, k) in enumerate(zip(candidates, problem.keep, strict=True))
    ]


def _round_and_fill(
    problem: _JointProblem,
    candidates: Sequence[CampaignCandidates],
    x: np.ndarray,
    *,
    one_per_customer: bool,
    total_budget: float | None,
) -> np.ndarray:
    """Round an LP solution down, then add the best pairs that still fit (never infeasible)."""
    chosen = x > 1 - 1e-7
    room = [
        None if c.capacity is None else c.capacity - int(chosen[problem.campaign == i].sum())
        for i, c in enumerate(candidates)
    ]
    taken = set(problem.owner[chosen].tolist()) if one_per_customer else set()
    spent = sum(
        (_exact(candidates[c].cost_per_contact) for c in problem.campaign[chosen]), Fraction(0)
    )
    limit = None if total_budget is None else _exact(total_budget)
    for v in np.argsort(-problem.weights, kind="stable"):
        if chosen[v]:
            continue
        c = int(problem.campaign[v])
        cost = _exact(candidates[c].cost_per_contact)
        if room[c] is not None and room[c] <= 0:
            continue
        if one_per_customer and int(problem.owner[v]) in taken:
            continue
        if limit is not None and spent + cost > limit:
            continue
        chosen[v] = True
        spent += cost
        if room[c] is not None:
            room[c] -= 1
        taken.add(int(problem.owner[v]))
    return chosen


def _trim_to_budget(
    candidates: Sequence[CampaignCandidates], selected: list[np.ndarray], total_budget: float
) -> bool:
    """Drop the least valuable contacts per unit cost until the exact spend fits."""
    trimmed = False
    while not _fits(candidates, selected, total_budget):
        paying = [
            i for i, s in enumerate(selected) if s.size and candidates[i].cost_per_contact > 0
        ]
        worst = min(
            paying,
            key=lambda i: candidates[i].values[selected[i][-1]] / candidates[i].cost_per_contact,
        )
        selected[worst] = selected[worst][:-1]
        trimmed = True
    return trimmed


def _solve_joint(
    candidates: Sequence[CampaignCandidates],
    *,
    one_per_customer: bool,
    total_budget: float | None,
    time_limit: float,
) -> Assignment:
    from scipy.optimize import LinearConstraint, linprog, milp

    problem = _build_problem(
        candidates, one_per_customer=one_per_customer, total_budget=total_budget
    )
    if problem.values.size == 0:
        empty = tuple(np.empty(0, np.int64) for _ in candidates)
        return Assignment(empty, "lp", 0.0, 0.0, "no candidate with a positive value")
    upper = problem.upper if problem.matrix is not None else None
    lp = linprog(
        -problem.weights, A_ub=problem.matrix, b_ub=upper, bounds=(0, 1), method="highs-ds"
    )
    if lp.status != 0 or lp.x is None:
        raise RuntimeError(f"campaign assignment failed: {lp.message}")
    bound = -float(lp.fun)  # LP relaxation: an upper bound of every integer choice
    fractional = (lp.x > 1e-7) & (lp.x < 1 - 1e-7)
    if not fractional.any():
        chosen, method = lp.x > 0.5, "lp"
        status = "exact: the LP relaxation (HiGHS) has an integral optimum"
    else:
        chosen = _round_and_fill(
            problem, candidates, lp.x, one_per_customer=one_per_customer, total_budget=total_budget
        )
        method = "lp-rounded"
        status = f"LP relaxation rounded down and refilled ({int(fractional.sum())} fractional)"
        value = float(problem.values[chosen].sum())
        if (bound - value) / abs(bound) > GAP_TOLERANCE:
            exact = milp(
                -problem.weights,
                constraints=[LinearConstraint(problem.matrix, -np.inf, problem.upper)],
                integrality=np.ones(problem.values.size),
                bounds=(0, 1),
                options={"time_limit": time_limit, "mip_rel_gap": 1e-9, "presolve": False},
            )
            if exact.mip_dual_bound is not None and np.isfinite(exact.mip_dual_bound):
                bound = min(bound, -float(exact.mip_dual_bound))
            if exact.x is not None and float(problem.values[exact.x > 0.5].sum()) > value:
                chosen, method = exact.x > 0.5, "milp"
                status = f"HiGHS MILP: {exact.message}"
            else:
                status += "; HiGHS MILP found nothing better"
    selected = _selection(problem, candidates, chosen)
    if total_budget is not None and _trim_to_budget(candidates, selected, total_budget):
        status += " (trimmed to the exact total budget)"
    objective = _objective(candidates, selected)
    if method == "lp" and "trimmed" not in status:
        gap = 0.0  # an integral LP optimum is the integer optimum
    else:
        gap = max(0.0, (bound - objective) / max(abs(bound), 1e-12))
    return Assignment(tuple(selected), method, objective, gap, status)


def assign_campaigns(
    candidates: Sequence[CampaignCandidates],
    *,
    one_per_customer: bool = True,
    total_budget: float | None = None,
    time_limit: float = 120.0,
) -> Assignment:
    """Choose each campaign's customers, optimally for the summed criterion.

    Parameters
    ----------
    candidates : sequence of CampaignCandidates
        One entry per campaign.
    one_per_customer : bool, default True
        A customer gets at most one campaign.
    total_budget : float, optional
        Spend limit over all campaigns.
    time_limit : float, default 120
        Seconds HiGHS may take; a solution stopped early reports its proven gap.

    Returns
    -------
    Assignment
        Chosen candidates per campaign (best first), method and optimality gap.

    Notes
    -----
    No budget, contact limit or coupling constraint is ever exceeded.

    """
    greedy = [select_greedy(c.values, c.tiebreak, c.capacity) for c in candidates]
    if _feasible(candidates, greedy, one_per_customer=one_per_customer, total_budget=total_budget):
        return Assignment(
            tuple(greedy), "greedy", _objective(candidates, greedy), 0.0, "optimal (greedy)"
        )
    result = _solve_joint(
        candidates,
        one_per_customer=one_per_customer,
        total_budget=total_budget,
        time_limit=time_limit,
    )
    if not _feasible(
        candidates, result.selected, one_per_customer=one_per_customer, total_budget=total_budget
    ):
        raise RuntimeError("campaign assignment violates a constraint; this is a bug")
    return result


def selection_frequency(
    profit: np.ndarray, n_select: int, plan_order: np.ndarray | None = None
) -> np.ndarray:
    """How often each customer is among the best ``n_select`` when one draw is the truth.

    For every draw ``d`` the selection rule is re-run on that draw's values: the ``n_select``
    customers with the highest positive ``profit[:, d]`` are chosen (ties go to the better
    place in the plan's ranking). The share of draws in which a customer is chosen is the
    posterior probability that contacting them is among the best ``n_select`` uses of the
    campaign's contacts -- how stable the ranking is.

    Parameters
    ----------
    profit : numpy.ndarray
        Shape ``(m, S)``: incremental-profit draws of the campaign's pool.
    n_select : int
        Number of contacts the plan makes.
    plan_order : numpy.ndarray, optional
        Shape ``(m,)``: position in the plan's ranking (lower is better); default row order.

    Returns
    -------
    numpy.ndarray
        Shape ``(m,)``: selection frequency in [0, 1].

    """
    values = np.asarray(profit, dtype=np.float64)
    m, n_draws = values.shape
    counts = np.zeros(m, dtype=np.int64)
    if n_select <= 0 or m == 0:
        return counts.astype(np.float64)
    position = np.arange(m) if plan_order is None else np.asarray(plan_order)
    for d in range(n_draws):
        column = values[:, d]
        top = np.lexsort((position, -column))[:n_select]
        counts[top[column[top] > 0]] += 1
    return counts / n_draws


__all__ = [
    "Assignment",
    "CampaignCandidates",
    "GAP_TOLERANCE",
    "TIE_EPSILON",
    "assign_campaigns",
    "contact_capacity",
    "rank_order",
    "select_greedy",
    "selection_frequency",
    "spend",
    "within_budget",
]
