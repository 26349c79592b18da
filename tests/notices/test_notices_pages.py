"""The pages: the header's unread count, the notices page (mark one read, mark all read), the
preferences on the profile page."""
import re

import sqlalchemy as sa

from app.database import get_session
from app.notices import services
from app.notices.kinds import Category, Kind
from models import Member, NotificationPreference
from tests.conftest import GraphQLClient, csrf_token

BELL = re.compile(r'data-testid="notices-bell".*?</a>', re.S)


def _signed_in(app, make_member, notices=0, language="en"):
    email = make_member(language=language)
    with app.app_context():
        session = get_session()
        member_id = session.scalar(sa.select(Member.id).where(Member.email == email))
        for n in range(notices):
            services.notify(session, member_id, Category.BOOKINGS, Kind.BOOKING_APPROVED,
                            {"title": f"Scie {n}", "start": "2031-03-05T08:00:00+00:00", "end": "2031-03-05T10:00:00+00:00"},
                            f"/bookings/b{n}")
        session.commit()
    return GraphQLClient(app.test_client()).login(email).client, member_id


def _bell(client, url="/profile") -> str:
    return BELL.search(client.get(url).get_data(as_text=True)).group(0)


def test_the_header_counts_unread_notices(app, make_member, client):
    member, _ = _signed_in(app, make_member, notices=3)
    assert 'class="bell-count">3<' in _bell(member) and "Notices: 3 unread" in _bell(member)
    nobody, _ = _signed_in(app, make_member)
    assert "bell-count" not in _bell(nobody)
    assert 'data-testid="notices-bell"' not in client.get("/login").get_data(as_text=True)


def test_the_notices_page_marks_one_then_all_read(app, make_member):
    member, _ = _signed_in(app, make_member, notices=3)
    page = member.get("/notices").get_data(as_text=True)
    assert page.count('data-testid="notice"') == 3
    assert "Your booking of Scie 2 from Wed 5 Mar 2031 09:00 to Wed 5 Mar 2031 11:00 is confirmed." in page
    first_id = re.search(r'name="notification_id" value="([^"]+)"', page).group(1)
    token = csrf_token(member, "/notices")
    response = member.post("/notices/read", data={"notification_id": first_id, "next": "/notices?unread=1", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/notices?unread=1"
    unread = member.get("/notices?unread=1").get_data(as_text=True)
    assert unread.count('data-testid="notice"') == 2 and "Unread (2)" in unread
    response = member.post("/notices/read", data={"csrf_token": token})
    assert response.status_code == 302
    assert "All your notices are marked read." in member.get("/notices").get_data(as_text=True)
    assert "bell-count" not in _bell(member)
    assert "No unread notice." in member.get("/notices?unread=1").get_data(as_text=True)


def test_preferences_are_chosen_on_the_profile_page(app, make_member):
    member, member_id = _signed_in(app, make_member, language="fr")
    profile = member.get("/profile").get_data(as_text=True)
    assert 'id="notices"' in profile and "Par e-mail tout de suite" in profile
    assert re.search(r'name="channel_PAYMENTS" value="DIGEST" checked', profile)
    response = member.post("/notices/preferences", data={
        "channel_PAYMENTS": "IN_APP", "channel_BOOKINGS": "DIGEST", "csrf_token": csrf_token(member, "/profile"),
    })
    assert response.status_code == 302 and response.headers["Location"] == "/profile#notices"
    profile = member.get("/profile").get_data(as_text=True)
    assert "Vos réglages d’avis sont enregistrés." in profile
    assert re.search(r'name="channel_PAYMENTS" value="IN_APP" checked', profile)
    assert re.search(r'name="channel_BOOKINGS" value="DIGEST" checked', profile)
    with app.app_context():
        rows = get_session().execute(sa.select(NotificationPreference.category, NotificationPreference.channel)
                                     .where(NotificationPreference.member_id == member_id)).all()
    assert sorted((c, ch.value) for c, ch in rows) == [("BOOKINGS", "DIGEST"), ("PAYMENTS", "IN_APP")]
    # A channel the form does not offer is refused, and nothing changes.
    response = member.post("/notices/preferences", data={"channel_PAYMENTS": "PIGEON", "csrf_token": csrf_token(member, "/profile")})
    assert response.status_code == 302
    assert re.search(r'name="channel_PAYMENTS" value="IN_APP" checked', member.get("/profile").get_data(as_text=True))
