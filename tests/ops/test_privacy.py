"""Personal data (app.privacy): a member's download, anonymising a leaving member, the privacy
page, the purge of old mail and sign-in traces."""
import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal

import sqlalchemy as sa

from app import audit
from app.api.relay import to_global_id
from app.database import get_session
from app.demo import DEMO_PASSWORD
from app.hub import hub_zone
from app.ledger.services import accounts, posting
from app.privacy import services
from app.privacy.services import PSEUDONYM_DOMAIN, REMOVED_TEXT
from models import (
    Member,
    Notification,
    OutboxEmail,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    Role,
    Transfer,
)
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


def _french_spreadsheet(archive, name) -> list[list[str]]:
    """A CSV of the zip read as LibreOffice or Excel read it in French."""
    raw = archive.read(name)
    assert raw.startswith(codecs.BOM_UTF8), name
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _first_row(archive, name) -> dict[str, str]:
    header, first, *_ = _french_spreadsheet(archive, name)
    return dict(zip(header, first, strict=True))


def _french_amount(text: str) -> Decimal:
    assert re.fullmatch(r"-?\d+,\d\d", text), text
    return Decimal(text.replace(",", "."))


def test_the_zip_opens_in_a_french_spreadsheet_with_amounts_times_and_empty_tables(app, make_member):
    leaving = make_member(credit_limit=100_000)
    transfer_id = _trade(app, leaving, make_member(credit_limit=10_000), amount=45_500)
    archive = zipfile.ZipFile(io.BytesIO(page_client(app, leaving).get("/account/my-data.zip").data))

    transfer = _first_row(archive, "transfers.csv")
    assert _french_amount(transfer["amount"]) == Decimal("455.00")
    with app.app_context():
        created = get_session().get(Transfer, transfer_id).created_at.astimezone(hub_zone())
    assert transfer["created_at"] == created.strftime("%Y-%m-%d %H:%M")  # the hub's time, not UTC
    assert _french_amount(_first_row(archive, "accounts.csv")["credit_limit"]) == Decimal("1000.00")
    profile = _first_row(archive, "profile.csv")
    assert profile["is_demo"] == "0" and "password_hash" not in profile
    # An empty table keeps its columns: the header alone.
    assert _french_spreadsheet(archive, "ratings.csv") == [
        ["id", "job_id", "side", "author_id", "stars", "comment", "rated_organization_id", "resource_id",
         "created_at", "visible_at"]]
    assert len(_french_spreadsheet(archive, "rights.csv")) == 1


def test_the_json_gives_amounts_as_decimals_with_their_currency(app, make_member):
    leaving, payee = make_member(credit_limit=100_000), make_member(credit_limit=10_000)
    _trade(app, leaving, payee, amount=45_500)
    data = json.loads(page_client(app, leaving).get("/account/my-data.json").get_data(as_text=True))
    assert data["transfers"][0]["amount"] == {"amount": "455.00", "currency": "ALV"}
    assert data["transfers"][0]["fee"] == {"amount": "0.00", "currency": "ALV"}
    assert data["accounts"][0]["credit_limit"] == {"amount": "1000.00", "currency": "ALV"}
    assert data["accounts"][0]["balance_cap"] is None
    assert data["ratings"] == [] and "created_at" in data["transfers"][0]
    # The payee's notice of the payment: its amount too.
    notices = json.loads(page_client(app, payee).get("/account/my-data.json").get_data(as_text=True))["notices"]
    assert [n["params"]["amount"] for n in notices] == [{"amount": "455.00", "currency": "ALV"}]


def test_the_download_is_named_after_the_hubs_day(app, make_member):
    client = page_client(app, make_member())
    names = set()
    # Fourteen hours ahead of UTC and twelve behind: never the same day, whatever the server's.
    for zone in ("Etc/GMT-14", "Etc/GMT+12"):
        app.config["TIMEZONE"] = zone
        disposition = client.get("/account/my-data.zip").headers["Content-Disposition"]
        name = re.fullmatch(r'attachment; filename="(alveole-mes-donnees-\d{4}-\d\d-\d\d\.zip)"', disposition)[1]
        names.add(name)
    assert len(names) == 2


def test_the_euros_of_an_audit_entry_say_eur(app, make_member):
    owner = make_member()
    with app.app_context():
        db = get_session()
        member = db.scalar(sa.select(Member).where(Member.email == owner))
        audit.record(db, member, "payments.deposit_claimed", member, None, {"claim_amount": 4_000}, subject=member)
        db.commit()
    entries = json.loads(page_client(app, owner).get("/account/my-data.json").get_data(as_text=True))["audit_entries"]
    assert [e["after"] for e in entries] == [{"claim_amount": {"amount": "40.00", "currency": "EUR"}}]


def test_a_members_card_payments_are_in_the_export_in_euros_without_their_secret(app, make_member):
    payer = make_member()
    with app.app_context():
        db = get_session()
        member = db.scalar(sa.select(Member).where(Member.email == payer))
        db.add(Payment(kind=PaymentKind.SETTLEMENT, status=PaymentStatus.SUCCEEDED, method=PaymentMethod.CARD,
                       amount=12_050, credits=12_050, member_id=member.id, client_secret="pi_x_secret_y",
                       idempotency_key="privacy-1"))
        db.commit()
    client = page_client(app, payer)
    [payment] = json.loads(client.get("/account/my-data.json").get_data(as_text=True))["payments"]
    assert payment["amount"] == {"amount": "120.50", "currency": "EUR"}
    assert payment["credits"] == {"amount": "120.50", "currency": "ALV"}
    assert "client_secret" not in payment and payment["status"] == "SUCCEEDED"
    archive = zipfile.ZipFile(io.BytesIO(client.get("/account/my-data.zip").data))
    rows = list(csv.DictReader(io.StringIO(archive.read("payments.csv").decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["amount"] == "120,50" and "client_secret" not in rows[0]
