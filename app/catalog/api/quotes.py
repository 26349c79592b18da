"""bookingQuote: what a booking would cost and how it could be cancelled, before it is made,
computed by the booking service's own functions (`app.catalog.quotes`)."""
import datetime as dt
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.errors import UserError, to_user_errors
from app.api.scalars import Money, money
from app.api.validation import load
from app.catalog import quotes, schemas
from app.catalog.api.inputs import resource_pk
from app.errors import DomainError


@strawberry.type(description="How a booking made now could be cancelled.")
class CancellationTerms:
    free_until: dt.datetime = strawberry.field(description="Cancelling is free until then.")
    grace_until: Optional[dt.datetime] = strawberry.field(
        description="Set when what makes it free is the grace period after booking (the start is within the notice)."
    )
    fee: Money = strawberry.field(description="What cancelling costs after freeUntil.")


@strawberry.type(description="A booking priced before it is made; `errors` says why it would be refused now.")
class BookingQuote:
    price: Optional[Money] = strawberry.field(description="Null when the slot cannot be priced (end before start).")
    hold: Optional[Money] = strawberry.field(description="The credit reserved when booking (none on account).")
    on_account: bool
    available: Optional[Money] = strawberry.field(description="The viewer's available credit now (signed in).")
    approval_required: bool = strawberry.field(description="The owner confirms: free to cancel until then.")
    cancellation: Optional[CancellationTerms]
    errors: list[UserError]

    @classmethod
    def of(cls, quote: quotes.Quote) -> "BookingQuote":
        priced = quote.price is not None
        return cls(
            price=money(quote.price) if priced else None, hold=money(quote.hold) if priced else None,
            on_account=quote.on_account, approval_required=quote.approval_required,
            available=money(quote.available) if quote.available is not None else None,
            cancellation=CancellationTerms(free_until=quote.free_until, grace_until=quote.grace_until,
                                           fee=money(quote.cancellation_fee)) if priced else None,
            errors=to_user_errors(quote.problem) if quote.problem else [],
        )


def _refused(exc: DomainError) -> BookingQuote:
    return BookingQuote(price=None, hold=None, on_account=False, available=None, approval_required=False,
                        cancellation=None, errors=to_user_errors(exc))


@strawberry.type
class QuoteQuery:
    @strawberry.field(description="The price, the credit held and the cancellation terms of booking this slot "
                      "now, by the rules bookResource applies; visitors get the price a stranger pays.")
    def booking_quote(self, info: Info, resource_id: strawberry.ID, start: dt.datetime, end: dt.datetime,
                      quantity: int = 1, pay_on_account: bool = False) -> BookingQuote:
        try:
            data = load(schemas.BookResourceSchema(), {"resource_id": resource_id, "start": start.isoformat(),
                                                "end": end.isoformat(), "quantity": quantity})
            quote = quotes.quote_booking(
                info.context.session, info.context.viewer, resource_pk(resource_id), data["start"], data["end"],
                data["quantity"], on_account=pay_on_account,
            )
        except DomainError as exc:
            return _refused(exc)
        return BookingQuote.of(quote)
