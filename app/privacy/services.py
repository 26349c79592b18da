"""The rules of personal data. Accounting records (transfers, postings, invoices) are kept
ten years and are never edited: anonymising a member replaces who they are (name, email,
sign-in) and the free texts they wrote elsewhere, and the ledger then shows the pseudonym."""
import csv
import datetime as dt
import enum
import io
import json
import logging
import secrets
import zipfile

import sqlalchemy as sa
import sqlalchemy.orm as so

from app import audit, permissions
from app.audit import queries as audit_queries
from app.errors import DomainError, ErrorCode
from models import (
    Account,
    ApiToken,
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
    Transfer,
)
from models.members import LoginThrottle
from models.skills import JobEvent, JobQuote, JobRating

log = logging.getLogger("alveole.privacy")

SECRET_COLUMNS = {"password_hash", "token_hash", "verifier_hash", "search_text", "claim_token"}
PSEUDONYM_DOMAIN = "anonymised.invalid"
# Stored in place of what a member who left wrote (stored data, not a message of the interface).
REMOVED_TEXT = "[texte retiré : son auteur a quitté le pôle]"


def _value(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _row(obj) -> dict:
    mapper = sa.inspect(obj).mapper
    return {c.key: _value(getattr(obj, c.key)) for c in mapper.column_attrs if c.key not in SECRET_COLUMNS}


def _rows(session: so.Session, statement) -> list[dict]:
    return [_row(obj) for obj in session.scalars(statement)]


def personal_data(session: so.Session, member: Member) -> dict[str, list[dict]]:
    """Everything the hub holds about `member`, section by section (secrets left out)."""
    own_accounts = sa.select(Account.id).where(Account.member_id == member.id)
    mine = sa.or_(Transfer.initiator_id == member.id, Transfer.actor_id == member.id,
                  Transfer.from_account_id.in_(own_accounts), Transfer.to_account_id.in_(own_accounts))
    return {
        "profile": [_row(member)],
        "rights": _rows(session, sa.select(MemberRights).where(MemberRights.member_id == member.id)),
        "api_tokens": _rows(session, sa.select(ApiToken).where(ApiToken.member_id == member.id)),
        "accounts": _rows(session, sa.select(Account).where(Account.member_id == member.id)),
        "transfers": _rows(session, sa.select(Transfer).where(mine).order_by(Transfer.id)),
        "bookings": _rows(session, sa.select(Booking).where(Booking.booker_id == member.id).order_by(Booking.id)),
        "invoices": _rows(session, sa.select(Invoice).where(sa.or_(
            Invoice.issued_by_id == member.id, Invoice.creditor_account_id.in_(own_accounts),
            Invoice.debtor_account_id.in_(own_accounts))).order_by(Invoice.id)),
        "jobs": _rows(session, sa.select(Job).where(Job.client_id == member.id).order_by(Job.id)),
        "job_events": _rows(session, sa.select(JobEvent).where(JobEvent.actor_id == member.id)),
        "ratings": _rows(session, sa.select(JobRating).where(JobRating.author_id == member.id)),
        "notices": _rows(session, sa.select(Notification).where(Notification.member_id == member.id)
                         .order_by(Notification.id)),
        "notice_preferences": _rows(session, sa.select(NotificationPreference)
                                    .where(NotificationPreference.member_id == member.id)),
        # About them, or made by them; kept after they leave (see app.audit).
        "audit_entries": _rows(session, audit_queries.about_member(member.id)),
    }


def personal_data_csv(data: dict[str, list[dict]]) -> bytes:
    """The same data as a zip of CSV files, one a section."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section, rows in data.items():
            text = io.StringIO()
            columns = sorted({key for row in rows for key in row})
            writer = csv.DictWriter(text, fieldnames=columns or ["none"])
            writer.writeheader()
            writer.writerows({key: _cell(value) for key, value in row.items()} for row in rows)
            archive.writestr(f"{section}.csv", text.getvalue())
    return buffer.getvalue()


def _cell(value):
    """A nested value (an audit entry's before and after) as JSON in its CSV cell."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


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
