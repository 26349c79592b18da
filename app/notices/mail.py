"""Notices by email, through the outbox every email of the hub shares.

Two steps, both run by `flask notices send-mail` (safe to run every few minutes, and by two
processes at once):

1. `queue_notices` writes the emails of the notices that ask for one: one email per
   IMMEDIATE notice, and once a day, after the digest hour, one digest per member holding
   their DIGEST notices of the day before. A notice is claimed by the UPDATE ... RETURNING
   that sets its `emailed_at`, in the transaction that writes its email: it is mailed once,
   and never lost (a failure before the commit leaves it for the next run). The words are
   the recipient's language, from templates/notices/email/, with absolute links.
2. `send_outbox` sends the outbox through SMTP. A sender claims its rows with one UPDATE
   (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite runs one writer at a time): a second sender
   running at the same time claims other rows, or none. Before each email the claim is
   renewed for a short lease, and its result is recorded at once: sent, or retried later
   with a growing delay (1 min, 2, 4 ... at most 6 h), never dropped. Only a crash between the
   SMTP server's "250 ok" and that record can send an email twice; its Message-ID is stable,
   so mail clients show it once.
"""
import datetime as dt
import logging
import secrets
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import force_locale, gettext

from app.hub import hub_zone
from app.notices import render
from models import Member, NoticeChannel, Notification, OutboxEmail, utcnow

log = logging.getLogger("alveole.notices")

LEASE = dt.timedelta(minutes=5)
MAX_DELAY = dt.timedelta(hours=6)
BATCH = 200


# --- From notices to the outbox -------------------------------------------------------------


def _claim_notices(session: so.Session, condition, now: dt.datetime, limit: int) -> list[int]:
    pending = sa.and_(condition, Notification.emailed_at.is_(None))
    picked = (
        sa.select(Notification.id).where(pending).order_by(Notification.id).limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.execute(
        sa.update(Notification).where(Notification.id.in_(picked), pending).values(emailed_at=now)
        .returning(Notification.id).execution_options(synchronize_session=False)
    ).scalars())


def digest_cutoff(now: dt.datetime) -> dt.datetime:
    """The last digest hour (local time) at or before `now`: notices made before it are due."""
    local = now.astimezone(hub_zone())
    hour = current_app.config["NOTICES_DIGEST_HOUR"]
    cutoff = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if cutoff > local:
        cutoff = (local - dt.timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return cutoff.astimezone(dt.timezone.utc)


def queue_notices(session: so.Session, now: Optional[dt.datetime] = None, limit: int = 500) -> tuple[int, int]:
    """Write the due notices' emails into the outbox; (emails, digests) written. Only flushes:
    the caller commits the claims and the emails together."""
    now = now or utcnow()
    immediate = _claim_notices(session, Notification.delivery == NoticeChannel.IMMEDIATE, now, limit)
    digest = _claim_notices(
        session, sa.and_(Notification.delivery == NoticeChannel.DIGEST, Notification.created_at < digest_cutoff(now)),
        now, limit,
    )
    by_member: dict[int, list] = {}
    for notice, member in _load(session, immediate + digest):
        if notice.delivery == NoticeChannel.IMMEDIATE:
            session.add(_email(member, [notice]))
        else:
            by_member.setdefault(member.id, [member, []])[1].append(notice)
    for member, notices in by_member.values():
        session.add(_email(member, notices, digest=True))
    session.flush()
    if immediate or digest:
        log.info("%s notice email(s) and %s digest(s) queued", len(immediate), len(by_member))
    return len(immediate), len(by_member)


def _load(session: so.Session, ids: list[int]):
    if not ids:
        return []
    return session.execute(
        sa.select(Notification, Member).join(Member, Member.id == Notification.member_id)
        .where(Notification.id.in_(ids)).order_by(Notification.id)
    ).all()


def _email(member: Member, notices: list, digest: bool = False) -> OutboxEmail:
    """One email in the member's language, from its template: a notice, or a day's digest."""
    config = current_app.config
    with force_locale(member.language):
        items = [
            {"message": render.message(n.kind, n.params, n.message), "url": render.absolute(n.link),
             "subject": render.subject(n.kind, n.params, n.message), "created_at": n.created_at}
            for n in notices
        ]
        template = "notices/email/digest.txt" if digest else "notices/email/notice.txt"
        body = current_app.jinja_env.get_template(template).render(
            member=member, items=items, hub_name=config["HUB_NAME"],
            notices_url=render.absolute("/notices"), settings_url=render.absolute("/profile#notices"),
        )
        if digest:
            subject = gettext("Your notices of the day (%(count)s)", count=len(items))
        else:
            subject = items[0]["subject"]
        subject = gettext("Alvéole: %(subject)s", subject=subject)
    return OutboxEmail(to_address=member.email, subject=subject[:200], body=body)


# --- From the outbox to SMTP ------------------------------------------------------------------


def smtp_settings(config) -> Optional[dict]:
    """The SMTP settings of the configuration, or None when SMTP_HOST is not set."""
    if not config.get("SMTP_HOST"):
        return None
    return {
        "host": config["SMTP_HOST"], "port": config["SMTP_PORT"], "username": config["SMTP_USERNAME"],
        "password": config["SMTP_PASSWORD"], "starttls": config["SMTP_STARTTLS"], "sender": config["SMTP_FROM"],
    }


def _due(now: dt.datetime):
    return sa.and_(
        OutboxEmail.sent_at.is_(None),
        sa.or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now),
        sa.or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
    )


def claim_outbox(session: so.Session, token: str, now: dt.datetime, limit: int = BATCH) -> list[int]:
    """Claim up to `limit` due emails for the sender `token`, and commit the claim."""
    picked = (
        sa.select(OutboxEmail.id).where(_due(now)).order_by(OutboxEmail.id).limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = list(session.execute(
        sa.update(OutboxEmail).where(OutboxEmail.id.in_(picked), _due(now))
        .values(claim_token=token, claimed_until=now + LEASE)
        .returning(OutboxEmail.id).execution_options(synchronize_session=False)
    ).scalars())
    session.commit()
    return sorted(claimed)


def waiting_count(session: so.Session) -> int:
    return session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.sent_at.is_(None)))


def retry_delay(attempts: int) -> dt.timedelta:
    """1 min after the first failure, doubling, at most MAX_DELAY."""
    return min(dt.timedelta(minutes=2 ** min(max(attempts - 1, 0), 20)), MAX_DELAY)


def send_outbox(session: so.Session, settings: dict, limit: int = BATCH) -> tuple[int, int]:
    """Send the due emails of the outbox through SMTP; returns (sent, failed)."""
    token = secrets.token_hex(16)
    ids = claim_outbox(session, token, utcnow(), limit)
    if not ids:
        return 0, 0
    emails = session.scalars(sa.select(OutboxEmail).where(OutboxEmail.id.in_(ids)).order_by(OutboxEmail.id)).all()
    session.commit()  # no transaction (on SQLite: no write lock) held while talking to SMTP
    sent = failed = 0
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        for email in emails:
            if _renew(session, email.id, token):
                _record_failure(session, email.id, exc)
        log.warning("SMTP server %s:%s unreachable: %s", settings["host"], settings["port"], exc)
        return 0, len(emails)
    with smtp:
        for email in emails:
            if not _renew(session, email.id, token):
                continue  # another sender took it after our lease ran out
            try:
                smtp.send_message(_message(email, settings))
            except (OSError, smtplib.SMTPException) as exc:
                _record_failure(session, email.id, exc)
                failed += 1
            else:
                _record_sent(session, email.id)
                sent += 1
    log.info("outbox: %s email(s) sent, %s failed", sent, failed)
    return sent, failed


def _connect(settings: dict) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings["host"], settings["port"], timeout=30)
    try:
        if settings.get("starttls"):
            smtp.starttls()
        if settings.get("username"):
            smtp.login(settings["username"], settings["password"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def _message(email: OutboxEmail, settings: dict) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings["sender"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    # The same id on every attempt: a mail client shows a duplicate once.
    message["Message-ID"] = make_msgid(f"outbox.{email.id}.{email.created_at:%Y%m%d%H%M%S}", "alveole")
    message.set_content(email.body)
    return message


def _renew(session: so.Session, email_id: int, token: str) -> bool:
    """Extend this sender's claim on one email and count the attempt; False if it lost it."""
    renewed = session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.claim_token == token, OutboxEmail.sent_at.is_(None))
        .values(claimed_until=utcnow() + LEASE, attempts=OutboxEmail.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return renewed == 1


def _record_sent(session: so.Session, email_id: int) -> None:
    session.execute(
        sa.update(OutboxEmail).where(OutboxEmail.id == email_id)
        .values(sent_at=utcnow(), claim_token=None, claimed_until=None, last_error="")
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _record_failure(session: so.Session, email_id: int, exc: Exception) -> None:
    attempts = session.scalar(sa.select(OutboxEmail.attempts).where(OutboxEmail.id == email_id)) or 1
    session.execute(
        sa.update(OutboxEmail).where(OutboxEmail.id == email_id)
        .values(claim_token=None, claimed_until=None, last_error=str(exc)[:500],
                next_attempt_at=utcnow() + retry_delay(attempts))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    log.warning("email %s not sent (attempt %s), retried in %s: %s", email_id, attempts, retry_delay(attempts), exc)


def send_mail(session: so.Session) -> str:
    """What `flask notices send-mail` does: queue the due notices, then send the outbox if SMTP
    is configured. Returns the line it reports."""
    queue_notices(session)
    session.commit()
    settings = smtp_settings(current_app.config)
    if settings is None:
        return f"SMTP is not configured (SMTP_HOST): {waiting_count(session)} email(s) wait in the outbox."
    sent, failed = send_outbox(session, settings)
    return f"{sent} email(s) sent, {failed} failed."
