"""Helpers of the notices tests: read a member's notices, run the commands, a tool that needs
approval."""
import sqlalchemy as sa

from app.database import get_session
from models import Member, Notification, OutboxEmail
from tests.api.catalog_helpers import create_resource

NOTICES = """query($first: Int, $after: String, $unread: Boolean! = false) {
  notifications(first: $first, after: $after, unread: $unread) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id kind category title message link url read createdAt }
  }
}"""
ACT = """mutation($input: BookingActionInput!) { %s(input: $input) { booking { id status } errors { code field message } } }"""


def notices(client, **variables) -> list[dict]:
    return client.data(NOTICES, **variables)["notifications"]["nodes"]


def kinds(client) -> list[str]:
    return [n["kind"] for n in notices(client, first=100)]


def act(client, mutation: str, booking_id: str, **extra) -> dict:
    result = client.data(ACT % mutation, input={"bookingId": booking_id, **extra})[mutation]
    assert result["errors"] == [], result
    return result["booking"]


def tool_needing_approval(owner, **fields) -> dict:
    return create_resource(owner, **{"title": "Scie mobile", "approvalRequired": True, **fields})


def outbox(app) -> list[OutboxEmail]:
    with app.app_context():
        return get_session().scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)).all()


def stored(app, email: str) -> list[Notification]:
    """A member's notices as stored (kind, params, delivery, emailed_at)."""
    with app.app_context():
        session = get_session()
        member_id = session.scalar(sa.select(Member.id).where(Member.email == email))
        return session.scalars(sa.select(Notification).where(Notification.member_id == member_id).order_by(Notification.id)).all()
