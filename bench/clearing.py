"""Clearing benchmark: our OR-Tools solver against networkx, same input, same run; then the
database phase: the whole run proposed and posted through the services on SQLite and on
PostgreSQL, each in a database the benchmark creates and drops.

    python -m bench.clearing [--firms N] [--invoices M] [--seed S] [--repeat R]
                             [--databases sqlite,postgresql] [--pg-url URL]

Solver times are the best of R runs (default 3) for both solvers. The database phase is
timed once per backend: `propose_clearing` + commit, then `post_clearing` + commit (goal:
proposal plus posting within 3 s on each backend; the exit status says if it was missed). Loading the economy (one organisation and
account per firm, every debt an accepted invoice, then ANALYZE and, on PostgreSQL, a
CHECKPOINT) is setup and is reported apart. Exits non-zero if the two optima differ by a single cent, if our result
breaks an invariant (net positions, per-invoice bounds), or if the posted database disagrees
with the solver or breaks a ledger invariant.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

import networkx as nx

from app.treasury.clearing import ClearingResult, Debt, net_positions, solve_clearing
from bench.economy import make_economy

T = TypeVar("T")
GOAL_SECONDS = 3.0  # proposal + posting, on each backend


def best_of(repeat: int, run: Callable[[], T]) -> tuple[T, float]:
    """Best wall time of `repeat` runs, each from a clean heap, and the last result."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        gc.collect()
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return result, best


def build_phase(firms: int, invoices: int, seed: int) -> tuple[list[Debt], float]:
    start = time.perf_counter()
    debts = make_economy(firms=firms, invoices=invoices, seed=seed)
    return debts, time.perf_counter() - start


def solve_phase(debts: Sequence[Debt], repeat: int = 1) -> tuple[ClearingResult, float]:
    return best_of(repeat, lambda: solve_clearing(debts))


def networkx_phase(debts: Sequence[Debt], repeat: int = 1) -> tuple[int, float]:
    return best_of(repeat, lambda: networkx_clearing(debts))


def networkx_clearing(debts: Sequence[Debt]) -> int:
    """Baseline: min-cost flow by networkx, graph building included like ours."""
    capacity: dict[tuple[int, int], int] = defaultdict(int)
    for d in debts:
        if d.amount:
            capacity[d.debtor, d.creditor] += d.amount
    graph = nx.DiGraph()
    for (debtor, creditor), amount in capacity.items():
        graph.add_edge(debtor, creditor, capacity=amount, weight=1)
    # networkx's demand is inflow minus outflow: exactly the net position.
    nx.set_node_attributes(graph, net_positions(debts), "demand")
    remaining, _ = nx.network_simplex(graph)
    return sum(capacity.values()) - remaining


def check_result(debts: Sequence[Debt], result: ClearingResult) -> list[str]:
    """Invariants any clearing must keep; returns the violations found."""
    problems = []
    outstanding = {d.invoice_id: d.amount for d in debts}
    for invoice_id, amount in result.cleared.items():
        if not (isinstance(amount, int) and 0 < amount <= outstanding.get(invoice_id, 0)):
            problems.append(f"invoice {invoice_id}: cleared {amount!r} of {outstanding.get(invoice_id)}")
    before, after = net_positions(debts), net_positions(debts, result.cleared)
    moved = [a for a in before if before[a] != after[a]]
    if moved:
        problems.append(f"net position changed for {len(moved)} accounts, e.g. {moved[:5]}")
    if result.gross_cleared != sum(result.cleared.values()):
        problems.append("gross_cleared is not the sum of cleared amounts")
    return problems


def cents(amount: int) -> str:
    return f"{amount // 100:,}.{amount % 100:02d}"


def print_table(title: str, rows: Sequence[tuple[str, str]]) -> None:
    """Two-column table; later phases (proposal, posting) add their own rows."""
    width = max(len(label) for label, _ in rows)
    value_width = max(len(value) for _, value in rows)
    print(title)
    print("-" * (width + value_width + 3))
    for label, value in rows:
        print(f"{label:<{width}}   {value:>{value_width}}")
    print()


def database_phase(backend: str, debts: Sequence[Debt], expected: ClearingResult, pg_url: str) -> tuple[list, list[str]]:
    """Load the economy into a fresh database, then time proposal and posting through the
    services. Returns the table rows and the problems found."""
    from bench.database import BenchDatabase

    with BenchDatabase(backend, pg_url) as db:
        load_time = db.load(debts)
        run_id, propose_time = db.propose()
        post_time = db.post(run_id)
        problems, check_time = db.check(run_id, expected)
        met = propose_time + post_time <= GOAL_SECONDS
        if not met:
            problems.append(f"{backend}: propose + post took {propose_time + post_time:.3f} s, goal {GOAL_SECONDS} s")
        return [
            (f"[{backend}] load {len(debts):,} accepted invoices (setup)", f"{load_time:.3f} s"),
            (f"[{backend}] propose (solve + store {len(expected.cleared):,} lines)", f"{propose_time:.3f} s"),
            (f"[{backend}] post (invoices, entries, postings: one transaction)", f"{post_time:.3f} s"),
            (f"[{backend}] propose + post", f"{propose_time + post_time:.3f} s"),
            (f"[{backend}] goal <= {GOAL_SECONDS} s", "met" if met else "MISSED"),
            (f"[{backend}] checks (ledger invariants, totals)", f"{check_time:.3f} s"),
        ], problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=3200)
    parser.add_argument("--invoices", type=int, default=138_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="time the best of R runs")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated; empty to skip")
    parser.add_argument(
        "--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="an existing PostgreSQL database to connect to for creating and dropping the bench database",
    )
    args = parser.parse_args(argv)

    debts, build_time = build_phase(args.firms, args.invoices, args.seed)
    result, ours = solve_phase(debts, args.repeat)
    reference, theirs = networkx_phase(debts, args.repeat)
    problems = check_result(debts, result)
    if reference != result.gross_cleared:
        problems.append(f"optimum differs: ours {result.gross_cleared}, networkx {reference}")

    pairs = len({(d.debtor, d.creditor) for d in debts})
    share = 100 * result.gross_cleared / result.gross_before if result.gross_before else 0.0
    print_table(
        f"Clearing: {args.firms:,} firms, {len(debts):,} invoices ({pairs:,} debtor->creditor pairs), "
        f"seed {args.seed}",
        [
            ("gross before", cents(result.gross_before)),
            ("cleared", cents(result.gross_cleared)),
            ("gross after", cents(result.gross_after)),
            ("% cleared", f"{share:.2f} %"),
            ("invoices touched", f"{len(result.cleared):,}"),
            ("economy generation", f"{build_time:.3f} s"),
            (f"time ours (OR-Tools), best of {args.repeat}", f"{ours:.3f} s"),
            (f"time networkx (network_simplex), best of {args.repeat}", f"{theirs:.3f} s"),
            ("speed-up", f"{theirs / ours:.1f}x"),
            ("same optimum to the cent", "yes" if reference == result.gross_cleared else "NO"),
        ],
    )
    for backend in [b.strip() for b in args.databases.split(",") if b.strip()]:
        rows, found = database_phase(backend, debts, result, args.pg_url)
        print_table(f"Database phase on {backend}: the whole run through the services", rows)
        problems += found
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
