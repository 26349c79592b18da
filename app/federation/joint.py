"""Joint clearing across hubs, as a pure computation (no database, no HTTP).

Each hub knows its own invoices; a cross-hub invoice is held twice, once in each hub (in the
debtor's hub its creditor is the mirror account of the creditor's hub, and the other way
round). The coordinator gathers every hub's accepted debts with nodes namespaced by hub,
`("arve", 12)`, one debt per real obligation (a cross-hub invoice once, naming its invoice id
in each hub), and solves the set-off of the union with the one solver
(app.treasury.clearing.solve_clearing).

Why each hub can post its part on its own: a hub's part is its internal invoices plus its
side of each cross-hub invoice, i.e. the joint circulation with every node of the other hub
merged into that hub's mirror account. Merging nodes keeps a circulation a circulation, so
every account's net position is unchanged in each hub, the mirror accounts included.

A joint run is between two hubs: with three, a cycle through all of them would shift
credit between a hub's mirror accounts (owed less by one peer, more by the other), which a
set-off, moving no balance, cannot settle. Amounts are in one unit: the two hubs trade 1:1
(at another rate the two sides of a cross-hub invoice would round differently).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.treasury.clearing import Debt, solve_clearing

Node = tuple[str, int]  # (hub id, account id in that hub's ledger)
InvoiceRef = tuple[str, int]  # (hub id, invoice id in that hub's ledger)


@dataclass(frozen=True)
class JointDebt:
    """What a debtor still owes a creditor on one invoice, seen from every hub that holds it:
    `invoices` names it in the debtor's and the creditor's hubs (once if they are the same)."""

    debtor: Node
    creditor: Node
    amount: int
    invoices: tuple[InvoiceRef, ...]

    def __post_init__(self) -> None:
        hubs = {self.debtor[0], self.creditor[0]}
        if {hub for hub, _ in self.invoices} != hubs or len(self.invoices) != len(hubs):
            raise ValueError(f"debt {self.invoices}: needs one invoice id in each of the hubs {sorted(hubs)}")

    @property
    def cross_hub(self) -> bool:
        return self.debtor[0] != self.creditor[0]


@dataclass(frozen=True)
class JointPlan:
    """The set-off of the union: what to clear on each hub's invoices, and the figures of the
    report (gross counts each obligation once, a cross-hub invoice too)."""

    parts: dict[str, dict[int, int]]  # hub -> {its invoice id: amount cleared}
    gross_before: int
    gross_cleared: int
    alone: dict[str, int] = field(default_factory=dict)  # hub -> what its own run would clear

    @property
    def gross_after(self) -> int:
        return self.gross_before - self.gross_cleared

    @property
    def beyond_alone(self) -> int:
        """What the joint run clears that no hub could clear on its own."""
        return self.gross_cleared - sum(self.alone.values())


def _solve(debts: list[JointDebt]) -> dict[int, int]:
    """solve_clearing on namespaced nodes: nodes mapped to dense ints, debts keyed by position."""
    numbers: dict[Node, int] = {}
    plain = [
        Debt(
            invoice_id=i,
            debtor=numbers.setdefault(d.debtor, len(numbers)),
            creditor=numbers.setdefault(d.creditor, len(numbers)),
            amount=d.amount,
        )
        for i, d in enumerate(debts)
    ]
    return solve_clearing(plain).cleared


def plan_joint_clearing(debts: Iterable[JointDebt]) -> JointPlan:
    debts = list(debts)
    hubs = {node[0] for d in debts for node in (d.debtor, d.creditor)}
    if len(hubs) > 2:
        raise ValueError(f"a joint run is between two hubs, not {sorted(hubs)}")
    seen: set[InvoiceRef] = set()
    for debt in debts:
        if seen.intersection(debt.invoices):
            raise ValueError(f"invoice {debt.invoices} appears twice")
        seen.update(debt.invoices)
    cleared = _solve(debts)
    parts: dict[str, dict[int, int]] = defaultdict(dict)
    for index, amount in cleared.items():
        for hub, invoice_id in debts[index].invoices:
            parts[hub][invoice_id] = amount
    internal: dict[str, list[JointDebt]] = defaultdict(list)
    for debt in debts:
        if not debt.cross_hub:
            internal[debt.debtor[0]].append(debt)
    alone = {hub: sum(_solve(internal[hub]).values()) for hub in sorted(hubs)}
    return JointPlan(
        parts=dict(parts),
        gross_before=sum(d.amount for d in debts),
        gross_cleared=sum(cleared.values()),
        alone=alone,
    )


def hub_view(debts: Iterable[JointDebt], hub: str, mirror: Mapping[str, int]) -> list[Debt]:
    """The debts as `hub`'s ledger holds them: its internal invoices, and its side of each
    cross-hub invoice with the other hub's party replaced by that hub's mirror account
    (`mirror`: peer hub id -> mirror account id). Keyed by the hub's invoice ids."""
    view = []
    for d in debts:
        if hub not in (d.debtor[0], d.creditor[0]):
            continue
        local = dict(d.invoices)[hub]
        debtor = d.debtor[1] if d.debtor[0] == hub else mirror[d.debtor[0]]
        creditor = d.creditor[1] if d.creditor[0] == hub else mirror[d.creditor[0]]
        view.append(Debt(invoice_id=local, debtor=debtor, creditor=creditor, amount=d.amount))
    return view
