"""The invoices' queries and their node: an invoice the viewer may not see reads null."""
from typing import Annotated, Optional

import strawberry
from flask import current_app

from app import permissions
from app.api.context import Info
from app.api.permissions import require_for_query
from app.api.relay import Connection, paginate
from app.hub import hub_today
from app.invoices import queries
from app.invoices.api.types import (
    InvoiceDirection,
    InvoiceParty,
    InvoiceStatusEnum,
    InvoiceType,
    invoice_types,
    usable_accounts,
)
from models import Invoice, utcnow


def resolve_invoice_node(info: Info, pk: int) -> Optional[InvoiceType]:
    viewer = info.context.viewer
    invoice = info.context.session.get(Invoice, pk) if viewer else None
    if invoice is None or not permissions.can_see_invoice(info.context.session, viewer, invoice, usable_accounts(info)):
        return None
    return InvoiceType.from_model(invoice)


@strawberry.type
class InvoicesQuery:
    @strawberry.field(
        description="Invoices the viewer may see, newest first: their own accounts' (to pay and to "
        "collect); for the treasurer, the whole hub's unless `direction` narrows to their own."
    )
    def invoices(
        self,
        info: Info,
        status: Optional[list[InvoiceStatusEnum]] = None,
        direction: Optional[InvoiceDirection] = None,
        overdue: Optional[bool] = None,
        disputed: Annotated[Optional[bool], strawberry.argument(
            description="Only the disputed ones: refused, or unanswered past the delay of automatic "
            "acceptance with no booking of the debtor behind them (the treasurer may cancel them).",
        )] = None,
        first: Optional[int] = None,
        after: Optional[str] = None,
    ) -> Connection[InvoiceType]:
        viewer = require_for_query(info)
        stmt = queries.invoices(
            viewer, usable_accounts(info), today=hub_today(), statuses=status, direction=direction, overdue=overdue,
            disputed=(utcnow(), current_app.config["INVOICE_AUTO_ACCEPT_DAYS"]) if disputed else None,
        )
        return paginate(info.context.session, stmt, first, after, lambda rows: invoice_types(info, rows))

    @strawberry.field(description="Accounts the viewer may invoice: every open member account but their own.")
    def invoice_counterparties(self, info: Info) -> list[InvoiceParty]:
        require_for_query(info)
        accounts = info.context.session.scalars(queries.counterparties(usable_accounts(info)))
        return [InvoiceParty.from_model(a) for a in accounts]
