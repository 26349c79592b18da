"""The organisation's pages: the manager sets rights from the members list, sees the account,
its limit history and who did what; the admin's list creates, suspends; a member without the
right to spend is told why and whom to ask where they would spend; statements name the actor."""
import re

import sqlalchemy as sa

from app.api.relay import to_global_id
from app.database import get_session
from app.demo import DEMO_PASSWORD
from models import Member, MemberRights, Organization
from tests.conftest import csrf_token
from tests.organizations.org_helpers import grant, pay, workshop


def web_login(app, email, client=None):
    client = client or app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    return client


def email_of(app, name):
    with app.app_context():
        return get_session().scalar(sa.select(Member.email).where(Member.name == name))


def test_the_manager_sets_rights_from_the_organisation_page(app, make_member):
    w = workshop(app, make_member)
    sophie = web_login(app, email_of(app, "Sophie Gay"))
    assert sophie.get("/organization").headers["Location"] == f"/organizations/{w.organization_id}"
    url = f"/organizations/{w.organization_id}"
    page = sophie.get(url).get_data(as_text=True)
    assert "Membres et leurs droits" in page and "Enregistrer les droits de Karim Benali" in page
    token = csrf_token(sophie, url)
    bad = sophie.post(url, data={"csrf_token": token, "action": "rights", "member_id": w.worker_id, "can_book": "on",
                                 "monthly_cap": "deux cents"})
    assert bad.status_code == 400 and "Saisissez un montant" in bad.get_data(as_text=True)
    done = sophie.post(url, data={"csrf_token": token, "action": "rights", "member_id": w.worker_id, "can_book": "on",
                                  "can_pay": "on", "monthly_cap": "200,00"})
    assert done.status_code == 302 and done.headers["Location"].endswith("#members")
    with app.app_context():
        rights = get_session().scalar(sa.select(MemberRights))
        assert (rights.can_book, rights.can_pay, rights.can_handle_invoices, rights.monthly_cap) == (True, True, False, 20_000)
    # The worker sees their rights, read-only; another organisation's manager sees no rights, no account.
    karim = web_login(app, email_of(app, "Karim Benali")).get(url).get_data(as_text=True)
    assert "Peut réserver des ressources, payer des membres." in karim and "Enregistrer les droits" not in karim
    marc = web_login(app, email_of(app, "Marc Duret")).get(url).get_data(as_text=True)
    assert "Karim Benali" in marc and "Dépensé ce mois-ci" not in marc and "Historique du plafond" not in marc


def test_the_manager_sees_who_spent_and_statements_name_the_actor(app, make_member, treasurer_api):
    w = workshop(app, make_member)
    grant(w.manager, w.worker_id, canPay=True)
    assert pay(w.worker, w.supplier_account_id, "12.50", memo="Affûtage des lames")["errors"] == []
    treasurer_api.data(
        """mutation($input: SetCreditLimitInput!) { setCreditLimit(input: $input) { errors { code } } }""",
        input={"accountId": w.account_id, "creditLimit": "2500.00", "reason": "Chantier d'insertion"},
    )
    sophie = web_login(app, email_of(app, "Sophie Gay"))
    page = sophie.get(f"/organizations/{w.organization_id}").get_data(as_text=True)
    assert "Activité récente" in page and "Karim Benali" in page and "Scierie du Giffre" in page
    assert "Chantier d&#39;insertion" in page  # the limit history, with its reason
    statement = sophie.get("/account/statement").get_data(as_text=True)
    assert 'data-testid="actor">par Karim Benali' in statement
    lines = sophie.get("/account/statement.csv").data.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[-1] == "Par"
    assert lines[1].endswith(";Karim Benali") and "Affûtage des lames" in lines[1]


def test_the_treasurers_export_names_the_actor(app, make_member):
    from models import Role

    w = workshop(app, make_member)
    grant(w.manager, w.worker_id, canPay=True)
    pay(w.worker, w.supplier_account_id, "7.00")
    treasurer = web_login(app, make_member(name="Trésorière", role=Role.TREASURER))
    lines = treasurer.get(f"/accounts/{w.account_id}/statement.csv").data.decode("utf-8-sig").splitlines()
    assert lines[1].endswith(";Karim Benali")


def test_a_member_without_the_right_is_told_whom_to_ask(app, make_member):
    w = workshop(app, make_member)
    karim = web_login(app, email_of(app, "Karim Benali"))
    for url in ("/pay", f"/catalogue/{w.saw['id']}", "/invoices"):
        page = karim.get(url).get_data(as_text=True)
        notice = re.search(r'data-testid="spending-notice">(.*?)</div>', page, re.S)
        assert notice and "Demandez-le à Sophie Gay" in notice.group(1), url
    grant(w.manager, w.worker_id, canBook=True, canPay=True, monthlyCap="200")
    page = karim.get("/pay").get_data(as_text=True)
    assert 'data-testid="spending-notice"' not in page
    assert "Ce mois-ci : 0,00 ALV sur vos 200,00 ALV." in page.replace("\u202f", " ").replace("\xa0", " ")
    # The manager is never shown a notice.
    assert 'data-testid="spending' not in web_login(app, email_of(app, "Sophie Gay")).get("/pay").get_data(as_text=True)


def test_the_admin_creates_and_suspends_organisations(app, make_member):
    from models import Role

    admin = web_login(app, make_member(name="Admin", role=Role.ADMIN))
    loner = make_member(name="Victor Roux")
    with app.app_context():
        loner_id = to_global_id("Member", get_session().scalar(sa.select(Member.id).where(Member.email == loner)))
    page = admin.get("/admin/organizations").get_data(as_text=True)
    assert "Victor Roux" in page  # offered as manager: a member without an organisation
    token = csrf_token(admin, "/admin/organizations")
    headless = admin.post("/admin/organizations", data={"csrf_token": token, "action": "create", "name": "Paille & Chanvre",
                                                         "manager_choice": "new", "manager_email": "pas-un-email"})
    assert headless.status_code == 400
    assert "Saisissez une adresse email valide." in headless.get_data(as_text=True)
    created = admin.post("/admin/organizations", data={
        "csrf_token": token, "action": "create", "name": "Paille & Chanvre", "kind": "FIRM", "town": "Thyez",
        "manager_choice": "existing", "manager_id": loner_id,
    })
    assert created.status_code == 302 and "/organizations/" in created.headers["Location"]
    with app.app_context():
        organization = get_session().scalar(sa.select(Organization).where(Organization.name == "Paille & Chanvre"))
        assert organization.manager_id is not None
        org_id = to_global_id("Organization", organization.id)
    suspended = admin.post("/admin/organizations", data={"csrf_token": token, "action": "status", "organization_id": org_id,
                                                          "status": "SUSPENDED"})
    assert suspended.status_code == 302
    page = admin.get("/admin/organizations").get_data(as_text=True)
    assert "Rétablir" in page
    assert admin.get(f"/organizations/{org_id}").status_code == 200
    # Only the admin sees the list.
    member = web_login(app, make_member())
    assert member.get("/admin/organizations").status_code == 403
