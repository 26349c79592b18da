"""Multilateral clearing: exact optimum, invariants, deterministic split."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.treasury.clearing import MAX_GROSS, ClearingResult, Debt, net_positions, solve_clearing

A, B, C, D = 1, 2, 3, 4


def reference_cleared(debts: list[Debt]) -> int:
    """Optimum by an independent solver: min remaining debt, same net positions."""
    capacity: dict[tuple[int, int], int] = {}
    for d in debts:
        if d.amount:
            capacity[d.debtor, d.creditor] = capacity.get((d.debtor, d.creditor), 0) + d.amount
    if not capacity:
        return 0
    graph = nx.DiGraph()
    for (debtor, creditor), amount in capacity.items():
        graph.add_edge(debtor, creditor, capacity=amount, weight=1)
    nx.set_node_attributes(graph, net_positions(debts), "demand")
    remaining, _ = nx.network_simplex(graph)
    return sum(capacity.values()) - remaining


def test_three_cycle_clears_its_smallest_arc_everywhere():
    debts = [Debt(1, A, B, 100), Debt(2, B, C, 70), Debt(3, C, A, 50)]
    result = solve_clearing(debts)
    assert result == ClearingResult(cleared={1: 50, 2: 50, 3: 50}, gross_before=220, gross_cleared=150)
    assert result.gross_after == 70


def test_opposite_pair_is_a_two_cycle():
    result = solve_clearing([Debt(1, A, B, 30), Debt(2, B, A, 80)])
    assert result.cleared == {1: 30, 2: 30}


@pytest.mark.parametrize(
    "debts",
    [
        [Debt(1, A, B, 100), Debt(2, B, C, 70), Debt(3, C, D, 50)],  # chain
        [Debt(1, A, B, 10), Debt(2, A, C, 20), Debt(3, B, C, 30), Debt(4, C, D, 5), Debt(5, B, D, 7)],  # DAG
    ],
)
def test_no_cycle_clears_nothing(debts):
    result = solve_clearing(debts)
    assert result.cleared == {}
    assert result.gross_cleared == 0
    assert result.gross_after == result.gross_before == sum(d.amount for d in debts)


def test_invoices_of_one_pair_are_aggregated_and_cleared_oldest_first():
    debts = [
        Debt(7, A, B, 30),
        Debt(3, A, B, 40),
        Debt(9, B, A, 100),
        Debt(5, A, B, 50),
    ]
    result = solve_clearing(debts)
    # The pair A->B owes 120 in total, B->A 100: 100 clears, ids 3 and 5 in full.
    assert result.cleared == {3: 40, 5: 50, 7: 10, 9: 100}
    assert result.gross_cleared == 200


def test_zero_amounts_and_empty_input_are_ignored():
    assert solve_clearing([]) == ClearingResult(cleared={}, gross_before=0, gross_cleared=0)
    assert solve_clearing([Debt(1, A, B, 0)]).cleared == {}
    result = solve_clearing([Debt(1, A, B, 0), Debt(2, A, B, 5), Debt(3, B, A, 5)])
    assert result.cleared == {2: 5, 3: 5}


def test_sparse_account_ids_and_amounts_at_the_int64_limit():
    third = MAX_GROSS // 3
    debts = [Debt(1, 10**15, -4, third), Debt(2, -4, 7, third), Debt(3, 7, 10**15, MAX_GROSS - 2 * third)]
    result = solve_clearing(debts)
    assert result.cleared == {1: third, 2: third, 3: third}
    assert result.gross_before == MAX_GROSS


def test_net_positions():
    debts = [Debt(1, A, B, 100), Debt(2, B, C, 70), Debt(3, C, A, 50)]
    assert net_positions(debts) == {A: -50, B: 30, C: 20}
    assert net_positions(debts, {1: 50, 2: 50, 3: 50}) == {A: -50, B: 30, C: 20}
    assert net_positions(debts, {1: 100}) == {A: 50, B: -70, C: 20}


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError, match="negative"):
        Debt(1, A, B, -1)
    with pytest.raises(ValueError, match="owes itself"):
        solve_clearing([Debt(1, A, A, 10)])
    with pytest.raises(TypeError):
        Debt(1, A, B, 10.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="duplicate"):
        solve_clearing([Debt(1, A, B, 10), Debt(1, B, A, 10)])
    with pytest.raises(ValueError, match="int64"):
        solve_clearing([Debt(1, A, B, MAX_GROSS), Debt(2, B, A, 1)])


@st.composite
def economies(draw) -> list[Debt]:
    links = st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 60)).filter(lambda t: t[0] != t[1])
    rows = draw(st.lists(links, max_size=12))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=len(rows), max_size=len(rows), unique=True))
    return [Debt(i, debtor, creditor, amount) for i, (debtor, creditor, amount) in zip(ids, rows, strict=True)]


@settings(max_examples=200, deadline=None, database=None)
@given(economies())
def test_clearing_is_optimal_and_keeps_every_net_position(debts):
    result = solve_clearing(debts)

    assert result.gross_cleared == reference_cleared(debts)
    assert net_positions(debts, result.cleared) == net_positions(debts)
    outstanding = {d.invoice_id: d.amount for d in debts}
    for invoice_id, amount in result.cleared.items():
        assert type(amount) is int and type(invoice_id) is int
        assert 0 < amount <= outstanding[invoice_id]
    assert result.gross_before == sum(outstanding.values())
    assert result.gross_cleared == sum(result.cleared.values())

    # Within a pair, an invoice is only touched once all older ones are cleared.
    for d in debts:
        newer = [
            e for e in debts if (e.debtor, e.creditor) == (d.debtor, d.creditor) and e.invoice_id > d.invoice_id
        ]
        if any(result.cleared.get(e.invoice_id) for e in newer):
            assert result.cleared.get(d.invoice_id, 0) == d.amount

    # The outcome depends on the invoices, not on the order they were read in.
    assert solve_clearing(reversed(debts)) == result
