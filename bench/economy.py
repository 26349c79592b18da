"""Synthetic trade-credit economy shaped like the Sardex data.

What matters for clearing is the shape, not the names: a heavy-tailed firm
size distribution (a few hubs trade with everyone), repeat trading partners
(many invoices per pair), plenty of short 2-, 3- and 4-cycles (supply chains
that loop back) and log-normal invoice amounts. Deterministic for a seed.
"""

from __future__ import annotations

import itertools
import math
import random

from app.treasury.clearing import Debt

CYCLE_SHARE = 0.35  # share of invoices created by closing short cycles
CYCLE_LENGTHS = (2, 3, 4)
CYCLE_WEIGHTS = (0.5, 0.3, 0.2)
REPEAT_PARTNER = 0.6  # chance a trade goes to an existing partner
LEAN = 0.9  # how strongly firms are persistent net buyers or net sellers
MEDIAN_CENTS = 80_000  # median invoice of 800.00
SIGMA = 1.3  # log-normal spread: most invoices small, a few very large


def make_economy(firms: int = 3200, invoices: int = 138_000, seed: int = 1) -> list[Debt]:
    if firms < 2:
        raise ValueError("an economy needs at least two firms")
    rng = random.Random(seed)
    # Zipf-like sizes: firm i trades ~ 1/i^0.9 as often as the largest one.
    cum_weights = list(itertools.accumulate(1 / (i + 1) ** 0.9 for i in range(firms)))
    partners: list[list[int]] = [[] for _ in range(firms)]
    # Retailers mostly buy, producers mostly sell: persistent net debtors and
    # creditors leave a share of the debt that no set-off can cancel.
    lean = [rng.uniform(-LEAN, LEAN) for _ in range(firms)]

    def any_firm() -> int:
        return rng.choices(range(firms), cum_weights=cum_weights)[0]

    def trading_partner(firm: int) -> int:
        known = partners[firm]
        while True:
            other = rng.choice(known) if known and rng.random() < REPEAT_PARTNER else any_firm()
            if other != firm:
                return other

    def amount() -> int:
        return max(1, round(MEDIAN_CENTS * math.exp(rng.gauss(0, SIGMA))))

    trades: list[tuple[int, int, int]] = []

    def trade(debtor: int, creditor: int) -> None:
        trades.append((debtor, creditor, amount()))
        partners[debtor].append(creditor)
        partners[creditor].append(debtor)

    while len(trades) < invoices:
        if rng.random() < CYCLE_SHARE:
            length = rng.choices(CYCLE_LENGTHS, weights=CYCLE_WEIGHTS)[0]
            ring = [any_firm()]
            for _ in range(length - 1):
                ring.append(trading_partner(ring[-1]))
            if len(set(ring)) < length:
                continue  # a walk that doubled back is not a simple cycle
            for debtor, creditor in zip(ring, ring[1:] + ring[:1], strict=True):
                trade(debtor, creditor)
        else:
            firm = any_firm()
            other = trading_partner(firm)
            if rng.random() < (1 + lean[firm] - lean[other]) / 2:
                trade(firm, other)
            else:
                trade(other, firm)

    trades = trades[:invoices]
    rng.shuffle(trades)  # cycles are not issued all on the same day
    return [Debt(invoice_id=i, debtor=d, creditor=c, amount=a) for i, (d, c, a) in enumerate(trades, start=1)]
