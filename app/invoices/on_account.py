"""The credit rule of bookings left on account.

A booking paid at once reserves its price with a hold, so the ledger's guard keeps the account
within its credit limit. A booking left on account reserves nothing: it is billed (an invoice)
when it falls due. It must not skip the credit check for all that. The rule, defined here once:

    open on-account debt = what the account owes on unpaid invoices (issued or accepted)
                         + the price of its bookings left on account not billed yet
    a new booking on account is accepted only if
        open on-account debt + its price <= available (balance + credit limit - on hold)

otherwise it is refused with CREDIT_LIMIT_EXCEEDED. The check locks the account row (SELECT
... FOR UPDATE) in the booking's transaction, so two bookings on account at once are checked
one after the other, each seeing the other's price.
"""
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.errors import Credits, DomainError, ErrorCode
from app.invoices.queries import UNPAID_STATUSES
from app.ledger.services.spending import UNBILLED_STATUSES
from models import Account, Booking, Invoice


def on_account_debt(session: so.Session, account_id: int) -> int:
    """What an account owes on account: unpaid invoices, and bookings left on account not yet billed."""
    invoices = sa.select(sa.func.coalesce(sa.func.sum(Invoice.outstanding), 0)).where(
        Invoice.debtor_account_id == account_id, Invoice.status.in_(UNPAID_STATUSES)
    )
    bookings = sa.select(sa.func.coalesce(sa.func.sum(Booking.price), 0)).where(
        Booking.account_id == account_id, Booking.on_account.is_(True), Booking.status.in_(UNBILLED_STATUSES)
    )
    return int(session.scalar(sa.select(invoices.scalar_subquery() + bookings.scalar_subquery())))


def check_on_account_credit(session: so.Session, account_id: int, price: int) -> None:
    """Refuse a booking of `price` left on account past the account's credit (the rule above)."""
    account = session.get(Account, account_id, with_for_update=True, populate_existing=True)
    require_on_account_credit(account, on_account_debt(session, account_id), price)


def require_on_account_credit(account: Account, debt: int, price: int) -> None:
    """The rule itself, over an account read by the caller: the booking service after locking
    it, a quote without locking (it writes nothing)."""
    if debt + price > account.available:
        raise DomainError(
            ErrorCode.CREDIT_LIMIT_EXCEEDED,
            "Not enough credit to book on account: %(available)s available, %(debt)s already owed on account, "
            "and this booking costs %(price)s.",
            "payOnAccount",
            available=Credits(account.available), debt=Credits(debt), price=Credits(price),
        )
