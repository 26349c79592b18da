"""The joint clearing computation (app.federation.joint), without databases: a cycle that only
the union of two hubs can clear, and properties over random debts of two hubs."""
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.federation.joint import JointDebt, hub_view, plan_joint_clearing
from app.treasury.clearing import Debt, net_positions

HUBS = ("arve", "chablais")
# Each hub's mirror account of each other hub, as ids its own accounts never use.
MIRRORS = {hub: {other: 1000 + j for j, other in enumerate(HUBS) if other != hub} for hub in HUBS}


def cross(debtor, creditor, amount, debtor_invoice, creditor_invoice):
    return JointDebt(debtor, creditor, amount, ((debtor[0], debtor_invoice), (creditor[0], creditor_invoice)))


def internal(debtor, creditor, amount, invoice):
    return JointDebt(debtor, creditor, amount, ((debtor[0], invoice),))


def test_a_cycle_across_two_hubs_is_cleared_only_jointly():
    # Arve firm 1 owes Chablais firm 7; Chablais firm 7 owes Chablais firm 8; firm 8 owes Arve firm 1.
    debts = [
        cross(("arve", 1), ("chablais", 7), 500_00, 11, 21),
        internal(("chablais", 7), ("chablais", 8), 300_00, 22),
        cross(("chablais", 8), ("arve", 1), 400_00, 23, 12),
        internal(("arve", 2), ("arve", 3), 100_00, 13),  # nothing to clear with it
    ]
    plan = plan_joint_clearing(debts)
    assert plan.gross_before == 1300_00
    assert plan.gross_cleared == 900_00  # the cycle, 300 on each of its three invoices
    assert plan.gross_after == 400_00
    assert plan.alone == {"arve": 0, "chablais": 0}
    assert plan.beyond_alone == 900_00
    # Each hub posts its side: both sides of a cross-hub invoice clear the same amount.
    assert plan.parts == {"arve": {11: 300_00, 12: 300_00}, "chablais": {21: 300_00, 22: 300_00, 23: 300_00}}


def test_what_each_hub_clears_alone_is_counted_apart():
    debts = [
        internal(("arve", 1), ("arve", 2), 50, 1),
        internal(("arve", 2), ("arve", 1), 80, 2),
        internal(("chablais", 1), ("chablais", 2), 30, 1),
        internal(("chablais", 2), ("chablais", 1), 30, 2),
    ]
    plan = plan_joint_clearing(debts)
    assert plan.alone == {"arve": 100, "chablais": 60}
    assert plan.gross_cleared == 160 and plan.beyond_alone == 0


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="one invoice id in each"):
        JointDebt(("arve", 1), ("chablais", 2), 10, (("arve", 5),))
    with pytest.raises(ValueError, match="one invoice id in each"):
        JointDebt(("arve", 1), ("arve", 2), 10, (("chablais", 5),))
    with pytest.raises(ValueError, match="between two hubs"):
        plan_joint_clearing([internal(("arve", 1), ("arve", 2), 10, 1), cross(("chablais", 1), ("leman", 2), 10, 1, 1)])
    with pytest.raises(ValueError, match="twice"):
        plan_joint_clearing([internal(("arve", 1), ("arve", 2), 10, 5), internal(("arve", 2), ("arve", 1), 10, 5)])


def test_nothing_to_clear():
    plan = plan_joint_clearing([])
    assert (plan.parts, plan.gross_before, plan.gross_cleared, plan.alone) == ({}, 0, 0, {})


@st.composite
def joint_debts(draw):
    """Random debts between a few accounts of two hubs; each invoice id unique in its hub."""
    nodes = st.tuples(st.sampled_from(HUBS), st.integers(1, 4))
    next_id = defaultdict(int)
    debts = []
    for _ in range(draw(st.integers(0, 25))):
        debtor, creditor = draw(nodes), draw(nodes)
        if debtor == creditor:
            continue
        refs = []
        for hub in dict.fromkeys((debtor[0], creditor[0])):
            next_id[hub] += 1
            refs.append((hub, next_id[hub]))
        debts.append(JointDebt(debtor, creditor, draw(st.integers(0, 10_000)), tuple(refs)))
    return debts


@settings(max_examples=150, deadline=None, database=None)
@given(joint_debts())
def test_joint_clearing_properties(debts):
    plan = plan_joint_clearing(debts)
    by_ref = {ref: d for d in debts for ref in d.invoices}
    # Both sides of a cross-hub invoice clear the same amount, within what is owed.
    for d in debts:
        amounts = {plan.parts.get(hub, {}).get(invoice, 0) for hub, invoice in d.invoices}
        assert len(amounts) == 1 and 0 <= amounts.pop() <= d.amount
    # No net position of any account of any hub changes.
    joint = {i: d for i, d in enumerate(debts)}
    cleared = {i: plan.parts.get(d.invoices[0][0], {}).get(d.invoices[0][1], 0) for i, d in joint.items()}
    numbered = [_numbered(i, d) for i, d in joint.items()]
    assert net_positions(numbered) == net_positions(numbered, cleared)
    # Each hub's part, as its own ledger sees it, is a circulation: its accounts keep their net
    # positions and its mirror accounts too.
    for hub in HUBS:
        view = hub_view(debts, hub, MIRRORS[hub])
        assert net_positions(view) == net_positions(view, plan.parts.get(hub, {}))
        assert set(plan.parts.get(hub, {})) <= {invoice for h, invoice in by_ref if h == hub}
    # The union clears at least what the hubs clear alone, and the figures add up.
    assert plan.gross_cleared >= sum(plan.alone.values()) and plan.beyond_alone >= 0
    assert plan.gross_before == sum(d.amount for d in debts)
    assert plan.gross_after == plan.gross_before - plan.gross_cleared


def _numbered(index, debt):
    """A joint debt as the plain solver's Debt, nodes numbered by a stable pairing."""
    number = {node: HUBS.index(node[0]) * 100 + node[1] for node in (debt.debtor, debt.creditor)}
    return Debt(index, number[debt.debtor], number[debt.creditor], debt.amount)
