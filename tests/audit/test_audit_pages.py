"""The treasurer's audit page: who lowered this limit last week, found through the filters and
the CSV; the History links; the admin's Anonymise button; the member's data export."""
import csv
import datetime as dt
import io
import json
import zipfile

import sqlalchemy as sa

from app.database import get_session
from models import AuditEntry, Member, Role, utcnow
from tests.audit.audit_helpers import mutate, pk, viewer
from tests.conftest import GraphQLClient, csrf_token, page_client


def _setup(app, make_member):
    treasurer = make_member(name="Camille Martin", role=Role.TREASURER)
    colleague = make_member(name="Yves Colin", role=Role.TREASURER)
    firm = make_member(name="Sophie Gay", organization="Bois & Vie", credit_limit=50_000)
    firm_api = GraphQLClient(app.test_client()).login(firm)
    account_id = viewer(firm_api)["account"]["id"]
    # A month ago another treasurer raised it: an entry the period filter must leave out.
    with app.app_context():
        session = get_session()
        other = session.scalar(sa.select(Member).where(Member.email == colleague))
        session.add(AuditEntry(
            created_at=utcnow() - dt.timedelta(days=30), actor_id=other.id, action="ledger.credit_limit_set",
            object_type="Account", object_id=pk(account_id), before={"credit_limit": 40_000, "balance_cap": None},
            after={"credit_limit": 50_000, "balance_cap": None}, request_id="old",
        ))
        session.commit()
    api = GraphQLClient(page_client(app, treasurer))
    assert mutate(api, "setCreditLimit", accountId=account_id, creditLimit="300.00", reason="Impayés")["errors"] == []
    return api.client, account_id, treasurer, firm


def test_the_treasurer_finds_who_lowered_a_limit_last_week(app, make_member):
    client, account_id, _treasurer, _firm = _setup(app, make_member)
    today = dt.date.today()
    page = client.get(f"/audit?type=Account&action=ledger.credit_limit_set&from={today - dt.timedelta(days=7)}&to={today}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Camille Martin a changé la limite de crédit du compte Bois &amp; Vie\u00a0: 500,00 → 300,00\u00a0ALV" in text
    assert "Yves Colin" not in text.split("<h2>")[-1]  # the older raise is outside the period
    assert "Impayés" in text

    everything = client.get("/audit").get_data(as_text=True)
    assert "Yves Colin a changé la limite de crédit" in everything and "400,00 → 500,00" in everything

    # From the account's statement, its history.
    statement = client.get(f"/accounts/{account_id}/statement").get_data(as_text=True)
    assert f"/audit?object={account_id}" in statement
    history = client.get(f"/audit?object={account_id}").get_data(as_text=True)
    assert history.count("a changé la limite de crédit") == 2

    response = client.get(f"/audit.csv?from={today - dt.timedelta(days=7)}&to={today}&action=ledger.credit_limit_set")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2 and rows[1][1] == "Camille Martin" and rows[1][3] == "ledger.credit_limit_set"
    assert "500,00 → 300,00" in rows[1][2] and rows[1][7] == "Impayés"


def test_a_bad_filter_is_said_and_others_may_not_read_the_trail(app, make_member):
    client, _account_id, _treasurer, firm = _setup(app, make_member)
    page = client.get("/audit?from=31/02/2026&action=nope")
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "Saisissez une date comme 2026-03-31." in text
    member = page_client(app, firm)
    assert member.get("/audit").status_code == 403
    assert member.get("/audit.csv").status_code == 403
    assert "/audit" not in member.get("/").get_data(as_text=True).split("<main")[0]


def test_the_admin_anonymises_from_the_members_page_after_confirming(app, make_member):
    admin = page_client(app, make_member(name="Admin Hub", role=Role.ADMIN))
    leaving = make_member(name="Jeanne Leaving")
    with app.app_context():
        member = get_session().scalar(sa.select(Member).where(Member.email == leaving))
    member_id = viewer(GraphQLClient(app.test_client()).login(leaving))["id"]
    members = admin.get("/admin/members").get_data(as_text=True)
    assert f"/admin/members/{member_id}/anonymize" in members and f"/audit?object={member_id}" in members
    confirm = admin.get(f"/admin/members/{member_id}/anonymize")
    assert confirm.status_code == 200 and "Jeanne Leaving" in confirm.get_data(as_text=True)
    done = admin.post(f"/admin/members/{member_id}/anonymize", data={"csrf_token": csrf_token(admin, "/admin/members")})
    assert done.status_code == 302
    history = admin.get(f"/audit?object={member_id}").get_data(as_text=True)
    assert f"Admin Hub a anonymisé le membre Ancien membre n° {member.id}" in history
    assert "Jeanne" not in history


def test_the_personal_data_export_holds_the_entries_about_and_by_the_member(app, make_member):
    client, _account_id, _treasurer, _firm = _setup(app, make_member)
    alone = make_member(name="Léa Seule", credit_limit=10_000)  # her own account: the entry is about her
    own_account = viewer(GraphQLClient(app.test_client()).login(alone))["account"]["id"]
    assert mutate(GraphQLClient(client), "setCreditLimit", accountId=own_account, creditLimit="50.00")["errors"] == []
    about = json.loads(page_client(app, alone).get("/account/my-data.json").get_data(as_text=True))["audit_entries"]
    fifty = {"amount": "50.00", "currency": "ALV"}  # the stored 5000 hundredths, as the API gives Money
    assert [(e["action"], e["after"]["credit_limit"]) for e in about] == [("ledger.credit_limit_set", fifty)]
    made = json.loads(client.get("/account/my-data.json").get_data(as_text=True))["audit_entries"]
    assert [e["after"]["credit_limit"]["amount"] for e in made] == ["300.00", "50.00"]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/account/my-data.zip").data))
    assert '""credit_limit"": {""amount"": ""300.00"", ""currency"": ""ALV""}' in archive.read("audit_entries.csv").decode()


def test_the_privacy_page_says_the_trail_is_kept_ten_years(client):
    text = client.get("/privacy", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "journal d’audit" in text and "dix ans" in text and "anonymisé" in text


def test_an_added_member_reads_in_the_trail_and_its_filter_in_both_languages(app, make_member):
    admin = page_client(app, make_member(name="Admin Hub", role=Role.ADMIN))
    assert admin.post("/admin/members", data={
        "csrf_token": csrf_token(admin, "/admin/members"), "action": "create-member", "name": "Lise Trésor",
        "email": "lise@example.test", "password": "0123456789ab", "role": "TREASURER",
        "organization_name": "Trésorerie du Giffre", "credit_limit": "500.00",
    }).status_code == 302
    french = admin.get("/audit?action=member.created").get_data(as_text=True)
    assert '<option value="member.created" selected>Membre ajouté</option>' in french
    assert ("Admin Hub a ajouté le membre Lise Trésor\u00a0: rôle trésorier, limite de crédit 500,00\u00a0ALV, "
            "structure Trésorerie du Giffre") in french
    admin.post("/lang/en", data={"csrf_token": csrf_token(admin, "/"), "next": "/"})
    english = admin.get("/audit?action=member.created").get_data(as_text=True)
    assert '<option value="member.invited" >Member invited</option>' in english
    assert ("Admin Hub added the member Lise Trésor: role treasurer, credit limit 500.00\u00a0ALV, "
            "organisation Trésorerie du Giffre") in english


def test_an_object_without_a_name_is_numbered_in_the_readers_language(app, make_member):
    client, _account_id, treasurer, _firm = _setup(app, make_member)
    with app.app_context():
        session = get_session()
        actor = session.scalar(sa.select(Member).where(Member.email == treasurer))
        session.add(AuditEntry(actor_id=actor.id, action="ledger.transfer_reversed", object_type="Transfer",
                               object_id=81, before=None, after={"reversed_by": 82, "amount": 8_500}, request_id="r"))
        session.commit()
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/audit"), "next": "/audit"})
    english = client.get("/audit").get_data(as_text=True)
    assert "reversed the transfer No. 81" in english and "n° 81" not in english
    client.post("/lang/fr", data={"csrf_token": csrf_token(client, "/audit"), "next": "/audit"})
    assert "a contrepassé le virement n°\u00a081" in client.get("/audit").get_data(as_text=True)
