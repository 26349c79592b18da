"""An invoice's history, oldest first, read from what the hub already keeps: its own dates
(issued, accepted, rejected), its payments (by the debtor, or by a clearing run in credits),
the set-off lines of posted clearing runs, and its events (cancelled, corrected, with the
reason). Loaded for a page of invoices at once: a fixed number of queries, whatever the page."""
import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from models import (
    ClearingLine,
    ClearingMethod,
    ClearingRun,
    ClearingRunStatus,
    Invoice,
    InvoiceEvent,
    InvoiceEventKind,
    InvoicePayment,
    InvoiceStatus,
    Member,
)


class HistoryKind(enum.Enum):
    ISSUED = "ISSUED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PAID = "PAID"  # a payment in credits, by the debtor or by a clearing run
    CLEARED = "CLEARED"  # set off by a posted clearing run
    CANCELLED = "CANCELLED"
    CORRECTED = "CORRECTED"


@dataclass
class HistoryEntry:
    at: dt.datetime
    kind: HistoryKind
    actor: Optional[str] = None  # the member's name, when known
    amount: Optional[int] = None  # paid or cleared, in minor units
    reason: str = ""
    transfer_id: Optional[int] = None
    run_id: Optional[int] = None
    event: Optional[InvoiceEvent] = None  # a correction's before and after


def histories(session: so.Session, invoices: Iterable[Invoice]) -> dict[int, list[HistoryEntry]]:
    """Each invoice's history, by invoice id."""
    invoices = list(invoices)
    ids = [i.id for i in invoices]
    found: dict[int, list[HistoryEntry]] = defaultdict(list)
    if not ids:
        return found
    events = session.scalars(sa.select(InvoiceEvent).where(InvoiceEvent.invoice_id.in_(ids)).order_by(InvoiceEvent.id)).all()
    payments = session.scalars(sa.select(InvoicePayment).where(InvoicePayment.invoice_id.in_(ids))).all()
    set_offs = session.execute(
        sa.select(ClearingLine.invoice_id, ClearingLine.amount, ClearingRun.id, ClearingRun.decided_at, ClearingRun.decided_by_id)
        .join(ClearingRun, ClearingRun.id == ClearingLine.run_id)
        .where(
            ClearingLine.invoice_id.in_(ids), ClearingRun.status == ClearingRunStatus.POSTED,
            ClearingRun.method == ClearingMethod.SET_OFF,
        )
    ).all()
    people = {i.issued_by_id for i in invoices} | {e.actor_id for e in events} | {r.decided_by_id for r in set_offs}
    names = dict(session.execute(sa.select(Member.id, Member.name).where(Member.id.in_([p for p in people if p]))).all())
    for invoice in invoices:
        found[invoice.id].append(HistoryEntry(invoice.created_at, HistoryKind.ISSUED, names.get(invoice.issued_by_id)))
        if invoice.accepted_at is not None:
            found[invoice.id].append(HistoryEntry(invoice.accepted_at, HistoryKind.ACCEPTED))
        if invoice.status == InvoiceStatus.REJECTED and invoice.closed_at is not None:
            found[invoice.id].append(HistoryEntry(invoice.closed_at, HistoryKind.REJECTED))
    for p in payments:
        found[p.invoice_id].append(HistoryEntry(p.created_at, HistoryKind.PAID, amount=p.amount, transfer_id=p.transfer_id, run_id=p.run_id))
    for invoice_id, amount, run_id, decided_at, decided_by in set_offs:
        found[invoice_id].append(HistoryEntry(decided_at, HistoryKind.CLEARED, names.get(decided_by), amount=amount, run_id=run_id))
    cancelled = set()
    for e in events:
        kind = HistoryKind.CORRECTED
        if e.kind == InvoiceEventKind.CANCELLED:
            kind = HistoryKind.CANCELLED
            cancelled.add(e.invoice_id)
        found[e.invoice_id].append(HistoryEntry(e.created_at, kind, names.get(e.actor_id), reason=e.reason, event=e))
    for invoice in invoices:  # cancelled before events were kept: the date only
        if invoice.status == InvoiceStatus.CANCELLED and invoice.id not in cancelled and invoice.closed_at is not None:
            found[invoice.id].append(HistoryEntry(invoice.closed_at, HistoryKind.CANCELLED))
    for entries in found.values():
        entries.sort(key=lambda entry: entry.at)
    return found
