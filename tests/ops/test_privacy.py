"""Personal data (app.privacy): a member's download, anonymising a leaving member, the privacy
page, the purge of old mail and sign-in traces."""
import datetime as dt
import io
import json
import zipfile

import sqlalchemy as sa

from app.api.relay import to_global_id
from app.database import get_session
from app.demo import DEMO_PASSWORD
from app.ledger.services import accounts, posting
from app.privacy import services
from app.privacy.services import PSEUDONYM_DOMAIN, REMOVED_TEXT
from models import Member, Notification, OutboxEmail, Role, Transfer
from models.members import LoginThrottle
from tests.conftest import GraphQLClient, assert_ledger_ok, page_client, sign_in

ANONYMIZE = """mutation($input: AnonymizeMemberInput!) { anonymizeMember(input: $input) {
  member { id name email } errors { code field message } } }"""


def _trade(app, payer_email, payee_email, amount=1_250, memo="Sciage du 12"):
    with app.app_context():
        db = get_session()
        payer = db.scalar(sa.select(Member).where(Member.email == payer_email))
        payee = db.scalar(sa.select(Member).where(Member.email == payee_email))
        entry = posting.transfer(db, payer, from_account=accounts.paying_account(db, payer),
                                 to_account_id=accounts.paying_account(db, payee).id, amount=amount, memo=memo)
        db.commit()
        return entry.id


def _member_id(app, email):
    with app.app_context():
        return get_session().scalar(sa.select(Member.id).where(Member.email == email))


def test_a_member_downloads_everything_as_json_and_csv(app, make_member):
    leaving = make_member(name="Jeanne Leaving", credit_limit=10_000)
    other = make_member(credit_limit=10_000)
    transfer_id = _trade(app, leaving, other)
    client = page_client(app, leaving)

    response = client.get("/account/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"][0]["name"] == "Jeanne Leaving" and data["profile"][0]["email"] == leaving
    assert "password_hash" not in data["profile"][0]
    assert [t["id"] for t in data["transfers"]] == [transfer_id]
    assert set(data) >= {"bookings", "invoices", "notices", "accounts", "api_tokens"}

    archive = zipfile.ZipFile(io.BytesIO(client.get("/account/my-data.zip").data))
    assert "transfers.csv" in archive.namelist() and "profile.csv" in archive.namelist()
    assert "Jeanne Leaving" in archive.read("profile.csv").decode()
    assert str(transfer_id) in archive.read("transfers.csv").decode()
    # The profile page links to both downloads.
    profile = client.get("/profile").get_data(as_text=True)
    assert "/account/my-data.json" in profile and "/account/my-data.zip" in profile


def test_the_download_is_for_signed_in_members_only(client):
    assert client.get("/account/my-data.json").status_code in (302, 401)
    body = client.post("/graphql", json={"query": "{ myPersonalData }"}).get_json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_the_admin_anonymises_a_leaving_member_and_the_ledger_keeps_their_entries(app, admin_api, make_member):
    leaving = make_member(name="Jeanne Leaving", credit_limit=10_000)
    other = make_member(credit_limit=10_000)
    transfer_id = _trade(app, leaving, other, memo="Sciage")
    member_id = _member_id(app, leaving)
    data = admin_api.data(ANONYMIZE, input={"memberId": _gid(member_id)})["anonymizeMember"]
    assert data["errors"] == []
    assert data["member"]["name"] == services.pseudonym(member_id)
    assert data["member"]["email"].endswith(PSEUDONYM_DOMAIN)

    with app.app_context():
        db = get_session()
        member = db.get(Member, member_id)
        assert "Jeanne" not in member.name and member.email != leaving
        entry = db.get(Transfer, transfer_id)
        assert entry.amount == 1_250 and entry.initiator_id == member_id  # the entry stays, pointing at the pseudonym
    assert_ledger_ok(app)
    # Sign-in is impossible, with the old email or the pseudonym's.
    assert sign_in(app.test_client(), leaving).status_code != 302
    assert sign_in(app.test_client(), data["member"]["email"]).status_code != 302
    body = GraphQLClient(app.test_client()).gql(
        "mutation($input: LoginInput!) { login(input: $input) { errors { code } } }",
        input={"email": leaving, "password": DEMO_PASSWORD})
    assert body["data"]["login"]["errors"]


def test_anonymising_replaces_the_free_texts_they_wrote(app, make_member):
    leaving = make_member(credit_limit=10_000)
    admin_email = make_member(role=Role.ADMIN)
    member_id = _member_id(app, leaving)
    with app.app_context():
        db = get_session()
        db.add(Notification(member_id=member_id, message="Jeanne, votre réservation", link="/x"))
        admin = db.scalar(sa.select(Member).where(Member.email == admin_email))
        services.anonymize_member(db, admin, member_id)
        db.commit()
        assert db.scalar(sa.select(Notification.message).where(Notification.member_id == member_id)) == REMOVED_TEXT


def test_only_the_admin_anonymises(app, member_api, treasurer_api, make_member):
    target = _gid(_member_id(app, make_member()))
    for api in (member_api, treasurer_api):
        errors = api.data(ANONYMIZE, input={"memberId": target})["anonymizeMember"]["errors"]
        assert [e["code"] for e in errors] == ["FORBIDDEN"]


def test_anonymising_an_unknown_member_or_oneself_is_refused(app, admin_api):
    unknown = admin_api.data(ANONYMIZE, input={"memberId": _gid(999_999)})["anonymizeMember"]["errors"]
    assert [(e["code"], e["field"]) for e in unknown] == [("NOT_FOUND", ["memberId"])]
    me = admin_api.data("{ viewer { id } }")["viewer"]["id"]
    errors = admin_api.data(ANONYMIZE, input={"memberId": me})["anonymizeMember"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["memberId"])]
    assert "vous-même" in errors[0]["message"]


def test_the_privacy_page_says_what_is_kept_and_for_how_long(client, app):
    app.config["PRIVACY_RETENTION_DAYS"] = 180
    page = client.get("/privacy").get_data(as_text=True)
    assert "Confidentialité" in page and "dix ans" in page and "180 jours" in page


def test_purge_deletes_old_sent_mail_and_sign_in_traces_only(app, runner):
    now = dt.datetime.now(dt.timezone.utc)
    old, recent = now - dt.timedelta(days=400), now - dt.timedelta(days=10)
    with app.app_context():
        db = get_session()
        db.add_all([
            OutboxEmail(to_address="a@x.test", subject="old sent", body="b", created_at=old, sent_at=old),
            OutboxEmail(to_address="a@x.test", subject="old unsent", body="b", created_at=old),
            OutboxEmail(to_address="a@x.test", subject="recent", body="b", created_at=recent, sent_at=recent),
            LoginThrottle(key="email:old", last_failure_at=old, blocked_until=old),
            LoginThrottle(key="email:new", last_failure_at=recent, blocked_until=recent),
        ])
        db.commit()
    result = runner.invoke(args=["privacy", "purge", "--days", "365"])
    assert result.exit_code == 0 and "Purged 1 sent email(s) and 1 sign-in trace(s)" in result.output
    with app.app_context():
        db = get_session()
        assert sorted(db.scalars(sa.select(OutboxEmail.subject))) == ["old unsent", "recent"]
        assert db.scalars(sa.select(LoginThrottle.key)).all() == ["email:new"]


def _gid(pk):
    return to_global_id("Member", pk)
