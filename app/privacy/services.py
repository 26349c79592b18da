"""The rules of personal data. Accounting records (transfers, postings, invoices) are kept
ten years and are never edited: anonymising a member replaces who they are (name, email,
sign-in) and the free texts they wrote elsewhere, and the ledger then shows the pseudonym."""
import datetime as dt
import enum
import io
import json
import logging
import secrets
import zipfile
from typing import Callable

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from app import audit, permissions
from app.api.scalars import money
from app.audit import actions as audit_actions
from app.audit import queries as audit_queries
from app.errors import DomainError, ErrorCode
from app.notices.kinds import MONEY_PARAMS
from app.web.csv import csv_text
from models import (
    Account,
    ApiToken,
    AuditEntry,
    Booking,
    Invoice,
    Job,
    Member,
    MemberRights,
    MemberStatus,
    MemberToken,
    Notification,
    NotificationPreference,
    OutboxEmail,
    Payment,
    Transfer,
)
from models.base import Base, UTCDateTime
from models.members import LoginThrottle
from models.skills import JobEvent, JobQuote, JobRating

log = logging.getLogger("alveole.privacy")

SECRET_COLUMNS = {"password_hash", "token_hash", "verifier_hash", "search_text", "claim_token", "client_secret"}
PSEUDONYM_DOMAIN = "anonymised.invalid"
# Stored in place of what a member who left wrote (stored data, not a message of the interface).
REMOVED_TEXT = "[texte retiré : son auteur a quitté le pôle]"


# The ledger's amounts (hub credit, stored in hundredths) among the exported columns. Each is
# exported as the GraphQL API gives Money, {"amount": "455.00", "currency": "ALV"}: a member
# reads 455.00 and not 45500, and a program gets an exact decimal (a string, no float rounding)
# and its unit without guessing. The *_hundredths columns are hours, and say so. Euros (card
# payments and deposits, in cents) are the payments' own amounts (EURO_COLUMNS) and, in audit
# entries, those app.audit.actions tells apart.
CREDIT_COLUMNS = frozenset({
    "amount", "fee", "price", "cancellation_fee", "late_fee", "settled_amount", "outstanding",
    "balance", "credit_limit", "balance_cap", "on_hold", "booking_cap", "monthly_cap", "credits",
})
EURO_COLUMNS = {"payments": frozenset({"amount", "claim_amount", "captured_amount", "refunded_amount"})}


def _currency_of(column: sa.Column) -> str | None:
    """The currency of a column of amounts ("EUR", or the hub's credit); None for no amount."""
    if column.key in EURO_COLUMNS.get(column.table.name, ()):
        return "EUR"
    return current_app.config["CURRENCY_CODE"] if column.key in CREDIT_COLUMNS else None


def _transfers_of(member_id: int):
    own_accounts = sa.select(Account.id).where(Account.member_id == member_id)
    return sa.or_(Transfer.initiator_id == member_id, Transfer.actor_id == member_id,
                  Transfer.from_account_id.in_(own_accounts), Transfer.to_account_id.in_(own_accounts))


def _invoices_of(member_id: int):
    own_accounts = sa.select(Account.id).where(Account.member_id == member_id)
    return sa.or_(Invoice.issued_by_id == member_id, Invoice.creditor_account_id.in_(own_accounts),
                  Invoice.debtor_account_id.in_(own_accounts))


# The export, section by section: the model of its rows (their columns are the section's, so an
# empty section still has its header) and which rows are the member's.
SECTIONS: dict[str, tuple[type[Base], Callable[[int], sa.ColumnElement[bool]]]] = {
    "profile": (Member, lambda member_id: Member.id == member_id),
    "rights": (MemberRights, lambda member_id: MemberRights.member_id == member_id),
    "api_tokens": (ApiToken, lambda member_id: ApiToken.member_id == member_id),
    "accounts": (Account, lambda member_id: Account.member_id == member_id),
    "payments": (Payment, lambda member_id: Payment.member_id == member_id),
    "transfers": (Transfer, _transfers_of),
    "bookings": (Booking, lambda member_id: Booking.booker_id == member_id),
    "invoices": (Invoice, _invoices_of),
    "jobs": (Job, lambda member_id: Job.client_id == member_id),
    "job_events": (JobEvent, lambda member_id: JobEvent.actor_id == member_id),
    "ratings": (JobRating, lambda member_id: JobRating.author_id == member_id),
    "notices": (Notification, lambda member_id: Notification.member_id == member_id),
    "notice_preferences": (NotificationPreference, lambda member_id: NotificationPreference.member_id == member_id),
    # About them, or made by them; kept after they leave (see app.audit).
    "audit_entries": (AuditEntry, lambda member_id: audit_queries.about_member(member_id).whereclause),
}


def _columns(model: type[Base]) -> list[sa.Column]:
    return [c.columns[0] for c in sa.inspect(model).column_attrs if c.key not in SECRET_COLUMNS]


def _money(minor_units: int, currency: str | None = None) -> dict:
    amount = money(minor_units, currency)
    return {"amount": str(amount.amount), "currency": amount.currency}


def _value(column: sa.Column, value):
    if value is None:
        return None
    if (currency := _currency_of(column)) is not None:
        return _money(value, currency)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def personal_data(session: so.Session, member: Member) -> dict[str, list[dict]]:
    """Everything the hub holds about `member`, section by section (secrets left out)."""
    data = {}
    for section, (model, mine) in SECTIONS.items():
        columns = _columns(model)
        statement = sa.select(model).where(mine(member.id)).order_by(*sa.inspect(model).primary_key)
        data[section] = [_with_nested_money(model, {c.key: _value(c, getattr(obj, c.key)) for c in columns})
                         for obj in session.scalars(statement)]
    return data


def _with_nested_money(model: type[Base], row: dict) -> dict:
    """An audit entry's before and after, a notice's parameters: their amounts as Money too,
    in the currency their own module gives them (None: the hub's)."""
    if model is AuditEntry:
        action = audit_actions.ACTIONS.get(row["action"])
        currencies = {key: "EUR" if kind == audit_actions.Kind.EUROS else None
                      for key, (_label, kind) in (action.fields.items() if action else ())
                      if kind in (audit_actions.Kind.CREDITS, audit_actions.Kind.EUROS)}
        return {**row, "before": _amounts(row["before"], currencies), "after": _amounts(row["after"], currencies)}
    if model is Notification:
        return {**row, "params": _amounts(row["params"], dict.fromkeys(MONEY_PARAMS))}
    return row


def _amounts(values: dict | None, currencies: dict[str, str | None]) -> dict | None:
    if not values:
        return values
    return {key: _money(value, currencies[key]) if key in currencies and type(value) is int else value
            for key, value in values.items()}


def personal_data_csv(data: dict[str, list[dict]]) -> bytes:
    """The same data (as the API gives it) as a zip of CSV files, one a section, each in the hub's
    one CSV format (app.web.csv): a French spreadsheet opens them as they are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section, (model, _mine) in SECTIONS.items():
            columns = _columns(model)
            rows = ([_cell(c, row.get(c.key)) for c in columns] for row in data[section])
            archive.writestr(f"{section}.csv", csv_text([c.key for c in columns], rows).encode("utf-8"))
    return buffer.getvalue()


def _cell(column: sa.Column, value):
    """A value of the API's JSON as the CSV writer takes it: a time back to a datetime (written
    in the hub's time zone), a nested value (an audit entry's before and after) as JSON text."""
    if _currency_of(column) is not None or value is None:
        return value  # a Money, which the writer knows
    if isinstance(column.type, UTCDateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def pseudonym(member_id: int) -> str:
    return f"Ancien membre n° {member_id}"


def anonymize_member(session: so.Session, actor: Member, member_id: int) -> Member:
    """Replace who a leaving member is, and what they wrote, for good; their ledger stays."""
    if not permissions.is_admin(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the administrator can anonymise a member.")
    member = session.get(Member, member_id, with_for_update=True)
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This member does not exist.", "memberId")
    if member.id == actor.id:
        raise DomainError(ErrorCode.INVALID, "You cannot anonymise yourself.", "memberId")
    audit.record(session, actor, "member.anonymised", member, {"status": member.status}, {"status": MemberStatus.LEFT},
                 subject=member)
    member.name = pseudonym(member.id)
    member.email = f"member-{member.id}@{PSEUDONYM_DOMAIN}"
    member.password_hash = "!" + secrets.token_hex(16)  # matches no password
    member.status = MemberStatus.LEFT
    member.session_version += 1  # signs out every session
    now = dt.datetime.now(dt.timezone.utc)
    session.execute(sa.update(ApiToken).where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now))
    session.execute(sa.delete(MemberToken).where(MemberToken.member_id == member.id))
    gone = REMOVED_TEXT
    for statement in (
        sa.update(Booking).where(Booking.booker_id == member.id).values(note=gone),
        sa.update(Job).where(Job.client_id == member.id).values(description=gone),
        sa.update(JobEvent).where(JobEvent.actor_id == member.id).values(body=gone),
        sa.update(JobRating).where(JobRating.author_id == member.id, JobRating.comment != "").values(comment=gone),
        sa.update(JobQuote).where(JobQuote.author_id == member.id).values(conditions=gone),
        sa.update(Notification).where(Notification.member_id == member.id).values(message=gone, link=""),
    ):
        session.execute(statement.execution_options(synchronize_session=False))
    session.flush()
    log.info("member %s anonymised by %s", member.id, actor.id)
    return member


def purge(session: so.Session, older_than_days: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the sent emails and the sign-in failure traces older than the period."""
    cutoff = (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=older_than_days)
    counts = {
        "emails": session.execute(sa.delete(OutboxEmail).where(
            OutboxEmail.sent_at.is_not(None), OutboxEmail.created_at < cutoff)).rowcount,
        "sign_in_traces": session.execute(sa.delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < cutoff)).rowcount,
    }
    log.info("purged personal data older than %d days: %s", older_than_days, counts)
    return counts
