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
from app.invoices.queries import UNPAID_STATUSES, Direction
from app.ledger.api import AccountType, accounts_by_id
from models import Account, Invoice, InvoiceStatus

InvoiceStatusEnum = strawberry.enum(InvoiceStatus, name="InvoiceStatus")
InvoiceDirection = strawberry.enum(Direction, name="InvoiceDirection", description="Which side of the viewer's invoices to list.")


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
            memo=invoice.memo,
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

    @strawberry.field(description="The viewer may cancel it now: the creditor's side or the treasurer, "
                                  "while nothing is paid or cleared.")
    def viewer_can_cancel(self, info: Info) -> bool:
        invoice = self.model
        return (
            invoice.status in UNPAID_STATUSES and invoice.outstanding == invoice.amount
            and permissions.can_cancel_invoice(info.context.session, info.context.viewer, invoice, usable_accounts(info))
        )


def invoice_types(info: Info, rows: list[Invoice]) -> list[InvoiceType]:
    """A page of invoices, their parties' accounts loaded in one query."""
    accounts_by_id(info, {r.creditor_account_id for r in rows} | {r.debtor_account_id for r in rows})
    return [InvoiceType.from_model(r) for r in rows]
