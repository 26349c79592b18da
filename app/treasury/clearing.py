"""Multilateral trade-credit set-off (MTCS).

A set-off may only cancel a circulation of debt: then every account's net
position is unchanged, so nobody gains or loses value, yet gross debt shrinks.
Finding the largest circulation x_e in [0, a_e] is a minimum-cost-flow problem
(equivalently: keep remaining debt y = a - x with the same net positions and
minimise sum(y)), solved exactly by OR-Tools.

Amounts are integer minor units (cents) throughout: the min-cost-flow optimum
is integral, so nothing is ever rounded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

# OR-Tools works in int64. Every capacity, flow and the total cost are bounded
# by the gross total, so capping it (with margin: still 4.6e16 in major units)
# keeps all of them, and our own running sums, in range.
MAX_GROSS = 2**62


@dataclass(frozen=True, slots=True)
class Debt:
    """Outstanding part of an accepted invoice: debtor owes creditor."""

    invoice_id: int
    debtor: int
    creditor: int
    amount: int

    def __post_init__(self) -> None:
        # Floats would silently lose cents; reject them before they spread.
        if not isinstance(self.amount, int):
            raise TypeError(f"invoice {self.invoice_id}: amount must be an int of minor units")
        if self.amount < 0:
            raise ValueError(f"invoice {self.invoice_id}: negative amount {self.amount}")
        if self.debtor == self.creditor:
            raise ValueError(f"invoice {self.invoice_id}: account {self.debtor} owes itself")


@dataclass(frozen=True)
class ClearingResult:
    cleared: dict[int, int]  # invoice_id -> amount cleared; untouched invoices are absent
    gross_before: int
    gross_cleared: int

    @property
    def gross_after(self) -> int:
        return self.gross_before - self.gross_cleared


def net_positions(debts: Iterable[Debt], cleared: Mapping[int, int] | None = None) -> dict[int, int]:
    """Owed to each account minus owed by it: the invariant a clearing must keep."""
    cleared = cleared or {}
    net: dict[int, int] = defaultdict(int)
    for d in debts:
        outstanding = d.amount - cleared.get(d.invoice_id, 0)
        net[d.creditor] += outstanding
        net[d.debtor] -= outstanding
    return dict(net)


def solve_clearing(debts: Iterable[Debt]) -> ClearingResult:
    """Clear as much debt as possible without changing any net position."""
    debts = list(debts)
    ids, parts, gross = solve_columns(
        [d.invoice_id for d in debts], [d.debtor for d in debts], [d.creditor for d in debts], [d.amount for d in debts]
    )
    cleared = dict(zip(ids.tolist(), parts.tolist(), strict=True))
    return ClearingResult(cleared=cleared, gross_before=gross, gross_cleared=sum(cleared.values()))


def solve_columns(ids, debtors, creditors, amounts) -> tuple[np.ndarray, np.ndarray, int]:
    """solve_clearing on columns (invoice ids, debtors, creditors, amounts: lists of Python
    ints), for callers holding ~10^5 invoices as rows rather than Debts. Returns the ids of
    the invoices cleared, the amount cleared on each (int64 arrays) and the gross before."""
    gross = sum(amounts)  # Python ints: exact whatever the total, then checked against int64
    if gross > MAX_GROSS:
        raise ValueError(f"total debt {gross} exceeds {MAX_GROSS}, the solver's int64 range")
    # Columns, not objects: a hub has ~10^5 invoices, too many for Python loops.
    ids = np.asarray(ids, dtype=np.int64)
    debtors = np.asarray(debtors, dtype=np.int64)
    creditors = np.asarray(creditors, dtype=np.int64)
    amounts = np.asarray(amounts, dtype=np.int64)
    owed = amounts > 0  # zero debts cannot be cleared
    ids, debtors, creditors, amounts = ids[owed], debtors[owed], creditors[owed], amounts[owed]
    if len(ids) == 0:
        return ids, amounts, gross
    sorted_ids = np.sort(ids)
    if (sorted_ids[1:] == sorted_ids[:-1]).any():
        raise ValueError("duplicate invoice_id")  # the result is keyed by it

    # The solver wants dense node numbers and one arc per (debtor, creditor)
    # pair, so group the invoices by pair, oldest first within a pair.
    _, nodes = np.unique(np.concatenate([debtors, creditors]), return_inverse=True)
    tails, heads = nodes[: len(ids)], nodes[len(ids) :]
    order = np.lexsort((ids, heads, tails))
    ids, tails, heads, amounts = ids[order], tails[order], heads[order], amounts[order]
    opens_arc = np.ones(len(ids), dtype=bool)
    opens_arc[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
    first = np.flatnonzero(opens_arc)
    capacities = np.add.reduceat(amounts, first)

    # Cleared amounts form a circulation, so solve for it directly: no supplies,
    # cost -1 per cent cleared. (Faster here than the supply formulation.)
    solver = SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        tails[first].astype(np.int32),
        heads[first].astype(np.int32),
        capacities,
        np.full(len(first), -1, dtype=np.int64),
    )
    status = solver.solve()
    if status != SimpleMinCostFlow.OPTIMAL:
        # Cannot happen for valid input: clearing nothing is always feasible.
        raise RuntimeError(f"min-cost flow solver returned {status!r}")
    arc_cleared = solver.flows(np.arange(len(first), dtype=np.int32))

    # Split each arc's clearing over its invoices oldest first: an invoice gets
    # what is left once the older invoices of its pair are cleared in full.
    arc = np.cumsum(opens_arc) - 1
    older = np.cumsum(amounts) - amounts
    older -= older[first][arc]  # restart the running total at each pair
    part = np.clip(arc_cleared[arc] - older, 0, amounts)
    hit = np.flatnonzero(part)
    return ids[hit], part[hit], gross
