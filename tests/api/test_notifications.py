"""markNotificationsRead: the viewer's notices, and only theirs, are marked read."""
import sqlalchemy as sa

from models import Member, Notification

MARK_READ = "mutation { markNotificationsRead { count errors { code } } }"
NOTICES = "{ notifications { nodes { message read } } }"


def test_mark_notifications_read(member_api, make_member, db, api):
    mine = db.scalar(sa.select(Member.id))
    other = db.scalar(sa.select(Member.id).where(Member.email == make_member()))
    db.add_all([
        Notification(member_id=mine, message="Un créneau est libre", link="/catalogue"),
        Notification(member_id=mine, message="Demande acceptée", link="/bookings"),
        Notification(member_id=other, message="Pas pour vous", link=""),
    ])
    db.commit()
    assert [n["read"] for n in member_api.data(NOTICES)["notifications"]["nodes"]] == [False, False]
    assert member_api.data(MARK_READ)["markNotificationsRead"] == {"count": 2, "errors": []}
    assert [n["read"] for n in member_api.data(NOTICES)["notifications"]["nodes"]] == [True, True]
    assert member_api.data(MARK_READ)["markNotificationsRead"] == {"count": 0, "errors": []}
    assert db.scalar(sa.select(Notification.read_at).where(Notification.member_id == other)) is None
    assert [e["code"] for e in api.data(MARK_READ)["markNotificationsRead"]["errors"]] == ["UNAUTHENTICATED"]
