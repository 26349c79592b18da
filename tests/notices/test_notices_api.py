"""The notices' API: `notifications(first, after, unread)`, `markNotificationsRead`,
`notificationPreferences`, `setNotificationPreferences`; words in the reader's language."""
import sqlalchemy as sa

from app.database import get_session
from app.notices import services
from app.notices.kinds import Category, Kind
from models import Member, Notification
from tests.conftest import GraphQLClient
from tests.notices.notices_helpers import NOTICES, notices

MARK = """mutation($input: MarkNotificationsReadInput) { markNotificationsRead(input: $input) { count unreadCount errors { code } } }"""
PREFS = "{ notificationPreferences { category channel } }"
SET_PREFS = """mutation($input: SetNotificationPreferencesInput!) {
  setNotificationPreferences(input: $input) { preferences { category channel } errors { code field message } }
}"""
NODE = "query($id: ID!) { node(id: $id) { ... on Notification { id kind } } }"
UPDATE_PROFILE = "mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { errors { code } } }"


def _member(app, make_member, language="fr"):
    email = make_member(language=language)
    with app.app_context():
        member_id = get_session().scalar(sa.select(Member.id).where(Member.email == email))
    return GraphQLClient(app.test_client()).login(email), member_id


def _notify(app, member_id, count=1, kind=Kind.INVOICE_RECEIVED):
    with app.app_context():
        session = get_session()
        for n in range(count):
            services.notify(session, member_id, Category.INVOICES, kind,
                            {"creditor": "Scierie du Giffre", "number": n + 1, "amount": 12050, "due_date": "2031-03-05"},
                            "/invoices")
        session.commit()


def test_pages_unread_and_mark_read(app, make_member, api):
    me, my_id = _member(app, make_member)
    other, other_id = _member(app, make_member)
    _notify(app, my_id, count=5)
    _notify(app, other_id)
    page = me.data(NOTICES, first=2)["notifications"]
    assert page["totalCount"] == 5 and page["pageInfo"]["hasNextPage"]
    assert [n["message"][-40:] for n in page["nodes"]][0].endswith("à régler le 5 mars 2031.")
    rest = me.data(NOTICES, first=10, after=page["pageInfo"]["endCursor"])["notifications"]
    assert len(rest["nodes"]) == 3 and not rest["pageInfo"]["hasNextPage"]
    newest_first = [n["id"] for n in page["nodes"] + rest["nodes"]]
    # Mark two read by id; someone else's id is ignored.
    theirs = notices(other)[0]["id"]
    marked = me.data(MARK, input={"notificationIds": newest_first[:2] + [theirs]})["markNotificationsRead"]
    assert marked == {"count": 2, "unreadCount": 3, "errors": []}
    assert notices(other)[0]["read"] is False
    assert me.data(NOTICES, unread=True)["notifications"]["totalCount"] == 3
    # Then all of them.
    assert me.data(MARK)["markNotificationsRead"] == {"count": 3, "unreadCount": 0, "errors": []}
    assert me.data(NOTICES, unread=True)["notifications"]["totalCount"] == 0
    # A notice is a node, for its reader only.
    assert me.data(NODE, id=newest_first[0])["node"] == {"id": newest_first[0], "kind": "INVOICE_RECEIVED"}
    assert other.data(NODE, id=newest_first[0])["node"] is None
    # Signed out: no notices.
    assert api.gql(NOTICES)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert api.data(MARK)["markNotificationsRead"]["errors"] == [{"code": "UNAUTHENTICATED"}]
    assert me.gql(NOTICES, first=101)["errors"][0]["extensions"]["code"] == "INVALID"


def test_words_are_the_readers_language_at_display_time(app, make_member):
    me, my_id = _member(app, make_member, language="fr")
    _notify(app, my_id)
    [notice] = notices(me)
    assert notice["message"] == "Scierie du Giffre vous a envoyé la facture n°\u00a01 de 120,50\u00a0ALV, à régler le 5 mars 2031."
    assert notice["title"] == "Facture n°\u00a01 de Scierie du Giffre"
    assert me.data(UPDATE_PROFILE, input={"language": "en"})["updateProfile"]["errors"] == []
    [notice] = notices(me)
    assert notice["message"] == "Scierie du Giffre sent you invoice No. 1 for 120.50\u00a0ALV, due 5 Mar 2031."
    assert notice["url"] == "http://127.0.0.1:5000/invoices"


def test_preferences_per_category(app, make_member, api):
    me, my_id = _member(app, make_member)
    defaults = {p["category"]: p["channel"] for p in me.data(PREFS)["notificationPreferences"]}
    assert defaults == {"BOOKINGS": "IMMEDIATE", "WAITLIST": "IMMEDIATE", "INVOICES": "IMMEDIATE",
                        "PAYMENTS": "DIGEST", "ACCOUNT": "IMMEDIATE", "SKILLS": "IMMEDIATE"}
    chosen = me.data(SET_PREFS, input={"preferences": [{"category": "INVOICES", "channel": "IN_APP"},
                                                        {"category": "PAYMENTS", "channel": "IMMEDIATE"}]})
    result = chosen["setNotificationPreferences"]
    assert result["errors"] == []
    assert {p["category"]: p["channel"] for p in result["preferences"]} == {**defaults, "INVOICES": "IN_APP", "PAYMENTS": "IMMEDIATE"}
    # Choosing again replaces the choice (one row per category).
    me.data(SET_PREFS, input={"preferences": [{"category": "INVOICES", "channel": "DIGEST"}]})
    assert {p["category"]: p["channel"] for p in me.data(PREFS)["notificationPreferences"]}["INVOICES"] == "DIGEST"
    # The delivery of a new notice follows the choice.
    _notify(app, my_id)
    with app.app_context():
        session = get_session()
        assert session.scalar(sa.select(Notification.delivery).where(Notification.member_id == my_id)).value == "DIGEST"
    bad = me.gql(SET_PREFS, input={"preferences": [{"category": "NOPE", "channel": "IN_APP"}]})
    assert bad["errors"]  # not a category: the schema refuses it
    assert api.data(SET_PREFS, input={"preferences": []})["setNotificationPreferences"]["errors"][0]["code"] == "UNAUTHENTICATED"
