"""The invoices' queries and their node: an invoice the viewer may not see reads null."""
import datetime as dt
from typing import Annotated, Optional

import strawberry
from flask import current_app

from app import permissions
from app.api.context import Info
from app.api.permissions import require_for_query
from app.api.relay import Connection, QueryError, paginate
from app.hub import hub_today, hub_zone
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

MAX_AGE_DAYS = 36_500


def _midnight_days_ago(days: int) -> dt.datetime:
    """Today's midnight in the hub's zone less `days`: an invoice issued before it is older."""
    return dt.datetime.combine(hub_today() - dt.timedelta(days=days), dt.time(), tzinfo=hub_zone())


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
        older_than_days: Annotated[
            Optional[int], strawberry.argument(description="Only invoices issued more than this many days ago (their age).")
        ] = None,
        disputed: Annotated[Optional[bool], strawberry.argument(
            description="Only the disputed ones: refused, or unanswered past the delay of automatic "
            "acceptance with no booking of the debtor behind them (the treasurer may cancel them).",
        )] = None,
        first: Optional[int] = None,
        after: Optional[str] = None,
    ) -> Connection[InvoiceType]:
        viewer = require_for_query(info)
        issued_before = None
        if older_than_days is not None:
            if not 0 <= older_than_days <= MAX_AGE_DAYS:
                raise QueryError(f"`olderThanDays` must be between 0 and {MAX_AGE_DAYS}.")
            issued_before = _midnight_days_ago(older_than_days)
        stmt = queries.invoices(
            viewer, usable_accounts(info), today=hub_today(), statuses=status, direction=direction, overdue=overdue,
            issued_before=issued_before,
            disputed=(utcnow(), current_app.config["INVOICE_AUTO_ACCEPT_DAYS"]) if disputed else None,
        )
        return paginate(info.context.session, stmt, first, after, lambda rows: invoice_types(info, rows))

    @strawberry.field(description="Accounts the viewer may invoice: every open member account but their own.")
    def invoice_counterparties(self, info: Info) -> list[InvoiceParty]:
        require_for_query(info)
        accounts = info.context.session.scalars(queries.counterparties(usable_accounts(info)))
        return [InvoiceParty.from_model(a) for a in accounts]
