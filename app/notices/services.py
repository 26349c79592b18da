"""The notification service: store a notice for members (with the delivery their preference
for its category asks for), read them, mark them read, and the preferences themselves.

`notify` is one INSERT ... SELECT whatever the number of recipients: it runs inside the
caller's transaction (a payment, a booking decision), so the notice exists only if the event
commits, and it adds one statement to the event. A `key` makes a notice idempotent per member
(reminders): a second notify with the same key inserts nothing, even concurrently (the
unique (member_id, dedup_key) index and ON CONFLICT DO NOTHING).
"""
import functools
import json
import logging
from typing import Iterable, Optional, Union

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from app import permissions
from app.database import db_time, execute, literal_ids
from app.errors import DomainError, ErrorCode
from app.notices.kinds import DEFAULT_CHANNELS, KINDS, Category, Kind
from models import Member, MemberStatus, NoticeChannel, Notification, NotificationPreference, utcnow

log = logging.getLogger("alveole.notices")

Recipients = Union[int, Iterable[int], sa.Select]


def _insert(session: so.Session, model=Notification):
    """INSERT with ON CONFLICT support, in the session's dialect."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def notify(
    session: so.Session,
    member_id: Recipients,
    category: Category,
    kind: Kind,
    params: Optional[dict] = None,
    link: str = "",
    *,
    key: Optional[str] = None,
) -> int:
    """Tell members (an id, ids, or a SELECT of ids) that `kind` happened. Returns how many
    notices were stored (active members only; none twice for the same `key`)."""
    if isinstance(member_id, sa.Select):
        recipients, ids = member_id, None
    else:
        ids = [member_id] if isinstance(member_id, int) else list(member_id)
        if not ids:
            return 0
        recipients = "members"
    return _notify(session, recipients, ids, Category(category), Kind(kind), params or {}, link, key)


def notify_account(
    session: so.Session, account_id: int, kind: Kind, params: Optional[dict] = None, link: str = "",
    *, key: Optional[str] = None,
) -> int:
    """Tell who acts for an account (permissions.account_holders_query)."""
    count = len(execute(session, *account_notice(session, account_id, kind, params, link, key=key)).fetchall())
    return _stored(Kind(kind), count, key)


def account_notice(
    session: so.Session, account_id: int, kind: Kind, params: Optional[dict] = None, link: str = "",
    *, key: Optional[str] = None,
) -> tuple[str, dict]:
    """`notify_account` as plain SQL and its values, for a caller that sends it with its own
    statements (a payment: one statement with its postings, app.database.execute_as_one)."""
    kind = Kind(kind)
    category = category_of(kind)
    sql, fixed = _account_notice_sql(session.get_bind().dialect.name, key is not None)
    return sql, {
        **fixed, "account_id": account_id, "category": category.value, "kind": kind.value,
        "params": json.dumps(params or {}), "link": link[:300], "default_channel": DEFAULT_CHANNELS[category].value,
        "key": key, "now": db_time(session, utcnow()),
    }


@functools.lru_cache(maxsize=None)
def _account_notice_sql(dialect: str, keyed: bool) -> tuple[str, dict]:
    """The statement of `notify_account`, compiled once with `:name` parameters; with the
    values of its literals (the empty message, the active status)."""
    named = (postgresql.dialect if dialect == "postgresql" else sqlite.dialect)(paramstyle="named")
    compiled = _statement(dialect, "account", keyed).compile(dialect=named)
    return compiled.string, {name: bind.value for bind, name in compiled.bind_names.items() if not bind.required}


# The recipients of the statements built once: members by id, or who acts for an account.
def _recipients(name: str) -> sa.Select:
    if name == "members":
        return sa.select(Member.id.label("member_id")).where(Member.id.in_(sa.bindparam("ids", expanding=True)))
    holders = permissions.account_holders_query([sa.bindparam("account_id")]).subquery()
    return sa.select(holders.c.member_id)


def _statement(dialect: str, recipients, keyed: bool):
    """INSERT INTO notifications ... SELECT over the recipients, their status and preference."""
    chosen = (_recipients(recipients) if isinstance(recipients, str) else recipients).subquery()
    preference = NotificationPreference
    rows = (
        sa.select(
            Member.id, sa.bindparam("category", type_=sa.String), sa.bindparam("kind", type_=sa.String),
            sa.bindparam("params", type_=sa.JSON), sa.literal(""), sa.bindparam("link", type_=sa.String),
            sa.func.coalesce(preference.channel, sa.bindparam("default_channel", type_=sa.String)),
            sa.bindparam("key", type_=sa.String), sa.bindparam("now", type_=Notification.created_at.type),
        )
        .select_from(chosen)
        .join(Member, Member.id == list(chosen.c)[0])
        .outerjoin(preference, sa.and_(preference.member_id == Member.id, preference.category == sa.bindparam("category")))
        .where(Member.status == MemberStatus.ACTIVE.value)
    )
    table = Notification.__table__
    columns = ["member_id", "category", "kind", "params", "message", "link", "delivery", "dedup_key", "created_at"]
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).from_select(columns, rows)
    if keyed:
        stmt = stmt.on_conflict_do_nothing()
    return stmt.returning(table.c.id)


_STATEMENTS: dict = {}


def _notify(session, recipients, ids: Optional[list[int]], category: Category, kind: Kind, params: dict, link: str,
            key: Optional[str]) -> int:
    """One INSERT ... SELECT. The statements over ids are built once (notify runs with every
    booking and invoice event): only their parameters change."""
    dialect = session.get_bind().dialect.name
    if isinstance(recipients, str):
        cache_key = (dialect, recipients, key is not None)
        if cache_key not in _STATEMENTS:
            _STATEMENTS[cache_key] = _statement(dialect, recipients, key is not None)
        stmt = _STATEMENTS[cache_key]
    else:
        stmt = _statement(dialect, recipients, key is not None)
    values = {
        "category": category.value, "kind": kind.value, "params": params, "link": link[:300],
        "default_channel": DEFAULT_CHANNELS[category].value, "key": key, "now": utcnow(),
    }
    if ids is not None:
        values["ids"] = ids
    return _stored(kind, len(session.execute(stmt, values).all()), key)


def _stored(kind: Kind, count: int, key: Optional[str]) -> int:
    # Debug: the event itself is logged by its slice (a payment by nobody: the ledger's hot path).
    log.debug("notice %s stored for %s member(s)%s", kind.value, count, f" (key {key})" if key else "")
    return count


def notify_accounts(session: so.Session, kind: Kind, by_account: dict[int, tuple[dict, str]]) -> int:
    """Many accounts at once, each with its own parameters and link (a clearing run): three
    statements whatever the number of accounts."""
    if not by_account:
        return 0
    category = category_of(kind)
    holders = permissions.account_holders_query(literal_ids(by_account)).subquery()
    pairs = session.execute(
        sa.select(holders.c.member_id, holders.c.account_id)
        .join(Member, Member.id == holders.c.member_id)
        .where(Member.status == MemberStatus.ACTIVE)
    ).all()
    if not pairs:
        return 0
    channels = dict(session.execute(
        sa.select(NotificationPreference.member_id, NotificationPreference.channel).where(
            NotificationPreference.category == category.value,
            NotificationPreference.member_id.in_({member for member, _ in pairs}),
        )
    ).all())
    now = utcnow()
    rows = [
        {
            "member_id": member, "category": category.value, "kind": kind.value, "params": by_account[account][0],
            "message": "", "link": by_account[account][1], "created_at": now,
            "delivery": channels.get(member, DEFAULT_CHANNELS[category]),
        }
        for member, account in sorted(set(pairs))
    ]
    session.execute(sa.insert(Notification), rows)
    log.info("notice %s stored for %s member(s) of %s account(s)", kind.value, len(rows), len(by_account))
    return len(rows)


def category_of(kind: Kind) -> Category:
    return KINDS[Kind(kind)].category


# --- Reading and marking read -----------------------------------------------------------------


def notices_query(member: Member, unread: bool = False) -> sa.Select:
    """The member's notices, newest first."""
    stmt = sa.select(Notification).where(Notification.member_id == member.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.id.desc())


def unread_count(session: so.Session, member: Member) -> int:
    return session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.member_id == member.id, Notification.read_at.is_(None))
    )


def mark_read(session: so.Session, member: Member, notification_ids: Optional[list[int]] = None) -> int:
    """Mark the member's unread notices as read (all, or those of `notification_ids`; other
    members' ids are ignored); how many there were."""
    stmt = (
        sa.update(Notification)
        .where(Notification.member_id == member.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(notification_ids))
    count = session.execute(stmt).rowcount
    if count:
        log.info("%s notice(s) marked read by member %s", count, member.id)
    return count


# --- Preferences --------------------------------------------------------------------------------


def preferences(session: so.Session, member: Member) -> dict[Category, NoticeChannel]:
    """The member's channel for every category (the default where they chose none)."""
    chosen = dict(session.execute(
        sa.select(NotificationPreference.category, NotificationPreference.channel).where(
            NotificationPreference.member_id == member.id
        )
    ).all())
    return {category: NoticeChannel(chosen.get(category.value, default)) for category, default in DEFAULT_CHANNELS.items()}


def set_preferences(session: so.Session, member: Member, choices: dict) -> dict[Category, NoticeChannel]:
    """Set the member's channel for the given categories (an upsert per category: two requests
    at once cannot both insert)."""
    for category, channel in choices.items():
        try:
            category, channel = Category(category), NoticeChannel(channel)
        except ValueError:
            raise DomainError(ErrorCode.INVALID, "Choose one of the categories and channels offered.", "preferences") from None
        values = {"member_id": member.id, "category": category.value, "channel": channel}
        session.execute(
            _insert(session, NotificationPreference).values(**values).on_conflict_do_update(
                index_elements=["member_id", "category"], set_={"channel": channel.value}
            )
        )
    log.info("notice preferences of member %s set: %s", member.id,
             ", ".join(f"{Category(c).value}={NoticeChannel(v).value}" for c, v in choices.items()))
    return preferences(session, member)
