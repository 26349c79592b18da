"""GraphQL types of invoices, and the parties that the treasury's clearing types reuse."""
import datetime as dt
from typing import Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.relay import Node, to_global_id
from app.api.scalars import Money, money
from app.hub import hub_today
from app.invoices import services
from app.invoices.history import HistoryEntry, HistoryKind, histories
from app.invoices.queries import Direction
from app.ledger.api import AccountType, accounts_by_id
from app.ledger.memos import render_memo
from models import Account, Invoice, InvoiceStatus

InvoiceStatusEnum = strawberry.enum(InvoiceStatus, name="InvoiceStatus")
InvoiceDirection = strawberry.enum(Direction, name="InvoiceDirection", description="Which side of the viewer's invoices to list.")
InvoiceHistoryKind = strawberry.enum(HistoryKind, name="InvoiceHistoryKind")


def usable_accounts(info: Info) -> set[int]:
    """The accounts the viewer acts for, computed once per request."""
    cache = info.context.cache
    if "usable_accounts" not in cache:
        viewer = info.context.viewer
        cache["usable_accounts"] = permissions.usable_account_ids(info.context.session, viewer) if viewer else set()
    return cache["usable_accounts"]


@strawberry.type(description="A party to an invoice: its account's id and name. `account` "
                             "(balance and all) only for those who may see it.")
class InvoiceParty:
    id: strawberry.ID
    name: str
    model: strawberry.Private[Account]

    @classmethod
    def from_model(cls, account: Account) -> "InvoiceParty":
        return cls(id=to_global_id("Account", account.id), name=account.name, model=account)

    @strawberry.field
    def account(self, info: Info) -> Optional[AccountType]:
        viewer = info.context.viewer
        if viewer is None or not (permissions.is_treasurer(viewer) or self.model.id in usable_accounts(info)):
            return None
        return AccountType.from_model(self.model)


def party(info: Info, account_id: int) -> InvoiceParty:
    """The party of an account the page already loaded in a batch (accounts_by_id)."""
    return InvoiceParty.from_model(accounts_by_id(info, [account_id])[account_id])


@strawberry.type(description="One step of an invoice's life. `amount`: what a payment or a set-off "
                             "settled; a correction says what changed (`...Before`, `...After`).")
class InvoiceHistoryEntry:
    at: dt.datetime
    kind: InvoiceHistoryKind
    actor_name: Optional[str] = strawberry.field(description="Who acted, when the hub knows.")
    amount: Optional[Money]
    reason: str
    transfer_id: Optional[strawberry.ID] = strawberry.field(description="The ledger transfer of a payment.")
    run_id: Optional[strawberry.ID] = strawberry.field(description="The clearing run that paid or set it off.")
    amount_before: Optional[Money] = None
    amount_after: Optional[Money] = None
    due_date_before: Optional[dt.date] = None
    due_date_after: Optional[dt.date] = None
    memo_before: Optional[str] = None
    memo_after: Optional[str] = None

    @classmethod
    def from_entry(cls, entry: HistoryEntry) -> "InvoiceHistoryEntry":
        e = entry.event
        corrected = e is not None and e.amount_after is not None
        return cls(
            at=entry.at, kind=entry.kind, actor_name=entry.actor, reason=entry.reason,
            amount=money(entry.amount) if entry.amount is not None else None,
            transfer_id=to_global_id("Transfer", entry.transfer_id) if entry.transfer_id else None,
            run_id=to_global_id("ClearingRun", entry.run_id) if entry.run_id else None,
            amount_before=money(e.amount_before) if corrected else None,
            amount_after=money(e.amount_after) if corrected else None,
            due_date_before=e.due_date_before if e else None, due_date_after=e.due_date_after if e else None,
            memo_before=e.memo_before if e else None, memo_after=e.memo_after if e else None,
        )


def _history(info: Info, invoice: Invoice) -> list[HistoryEntry]:
    """The history of every invoice of the page, loaded at the first one asked."""
    cache = info.context.cache.setdefault("invoice_histories", {})
    if invoice.id not in cache:
        page = info.context.cache.get("invoice_page", {})
        batch = [page[i] for i in page if i not in cache] if invoice.id in page else [invoice]
        found = histories(info.context.session, batch)
        cache.update({i.id: found.get(i.id, []) for i in batch})
    return cache[invoice.id]


@strawberry.type(name="Invoice")
class InvoiceType(Node):
    status: InvoiceStatusEnum
    memo: str
    due_date: dt.date
    created_at: dt.datetime
    accepted_at: Optional[dt.datetime]
    source_booking_id: Optional[int]
    model: strawberry.Private[Invoice]

    @classmethod
    def from_model(cls, invoice: Invoice) -> "InvoiceType":
        return cls(
            id=to_global_id("Invoice", invoice.id),
            status=invoice.status,
            memo=render_memo(invoice.memo, invoice.system_memo),
            due_date=invoice.due_date,
            created_at=invoice.created_at,
            accepted_at=invoice.accepted_at,
            source_booking_id=invoice.source_booking_id,
            model=invoice,
        )

    @strawberry.field(description="The invoice's number, as printed.")
    def number(self) -> int:
        return self.model.id

    @strawberry.field
    def amount(self) -> Money:
        return money(self.model.amount)

    @strawberry.field(description="What is still owed, after payments and clearings.")
    def outstanding(self) -> Money:
        return money(self.model.outstanding)

    @strawberry.field
    def creditor(self, info: Info) -> InvoiceParty:
        return party(info, self.model.creditor_account_id)

    @strawberry.field
    def debtor(self, info: Info) -> InvoiceParty:
        return party(info, self.model.debtor_account_id)

    @strawberry.field(description="Unpaid after its due date.")
    def overdue(self) -> bool:
        return services.is_overdue(self.model, hub_today())

    @strawberry.field(description="The viewer acts for the debtor (may accept, reject, pay).")
    def viewer_is_debtor(self, info: Info) -> bool:
        return self.model.debtor_account_id in usable_accounts(info)

    @strawberry.field(description="The viewer acts for the creditor (may cancel while unpaid).")
    def viewer_is_creditor(self, info: Info) -> bool:
        return self.model.creditor_account_id in usable_accounts(info)

    @strawberry.field(description="The viewer may cancel it now: the creditor while nothing is paid, "
                                  "the treasurer while it is open (with a reason).")
    def viewer_can_cancel(self, info: Info) -> bool:
        invoice, viewer, session = self.model, info.context.viewer, info.context.session
        if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.ACCEPTED):
            return False
        if not permissions.can_cancel_invoice(session, viewer, invoice, usable_accounts(info)):
            return False
        # The creditor's side withdraws it while nothing is paid; the treasurer cancels it open.
        untouched = invoice.outstanding == invoice.amount
        return untouched or permissions.is_treasurer(viewer)

    @strawberry.field(description="The viewer may correct it now (the treasurer, while it is open).")
    def viewer_can_correct(self, info: Info) -> bool:
        return permissions.can_correct_invoice(info.context.viewer) and self.model.status in (
            InvoiceStatus.ISSUED, InvoiceStatus.ACCEPTED
        )

    @strawberry.field(description="What was already paid or cleared.")
    def settled(self) -> Money:
        return money(self.model.amount - self.model.outstanding)

    @strawberry.field(description="Its life, oldest first: issued, accepted or rejected, payments, set-offs, "
                                  "corrections and cancellation with their reasons.")
    def history(self, info: Info) -> list[InvoiceHistoryEntry]:
        return [InvoiceHistoryEntry.from_entry(e) for e in _history(info, self.model)]


def invoice_types(info: Info, rows: list[Invoice]) -> list[InvoiceType]:
    """A page of invoices, their parties' accounts loaded in one query."""
    accounts_by_id(info, {r.creditor_account_id for r in rows} | {r.debtor_account_id for r in rows})
    info.context.cache.setdefault("invoice_page", {}).update({r.id: r for r in rows})
    return [InvoiceType.from_model(r) for r in rows]
