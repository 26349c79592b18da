"""The demo's notices. Seeding four months of trade told every member of what happened, as it
would have: those notices were mailed and read at the time, but for each member's latest few,
left unread to show the bell and the notices page."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from models import Notification, utcnow

UNREAD_PER_MEMBER = 4


def settle_demo_notices(session: so.Session, _passwords=None) -> None:
    now = utcnow()
    rank = sa.func.row_number().over(partition_by=Notification.member_id, order_by=Notification.id.desc())
    ranked = sa.select(Notification.id, rank.label("rank")).subquery()
    older = sa.select(ranked.c.id).where(ranked.c.rank > UNREAD_PER_MEMBER)
    session.execute(sa.update(Notification).values(emailed_at=now).execution_options(synchronize_session=False))
    session.execute(sa.update(Notification).where(Notification.id.in_(older)).values(read_at=now)
                    .execution_options(synchronize_session=False))
