"""The federation's pages: the peers page (treasurer; the admin registers), and a member's
payment to an organisation of the peer hub, found in its directory."""
from app.api.relay import to_global_id
from models import Member
from tests.conftest import csrf_token, page_client


def _client(hub, member_id):
    with hub.sessions() as session:
        email = session.get(Member, member_id).email
    return page_client(hub.app, email)


def test_the_admin_sees_the_peers_and_this_hubs_key_and_registers_one(hubs):
    arve, chablais = hubs
    admin = _client(arve, arve.admin_id)
    page = admin.get("/federation/peers").get_data(as_text=True)
    assert "Alvéole Chablais" in page and "Clé publique" in page and arve.hub_id in page
    bad = admin.post("/federation/peers", data={"action": "register", "hubId": "leman", "name": "Léman",
                                                "baseUrl": "https://leman.example.org", "publicKey": "nope",
                                                "csrf_token": csrf_token(admin, "/federation/peers")})
    assert bad.status_code == 400 and "base64" in bad.get_data(as_text=True)
    reconciled = admin.post("/federation/peers", data={"action": "reconcile", "csrf_token": csrf_token(admin, "/federation/peers")})
    report = reconciled.get_data(as_text=True).split('id="reconciliation"')[1].split("</section>")[0]
    assert "Les comptes miroirs concordent." in report
    # the peer by its name, not its id; a count with its noun agreed, not "paiement(s)"
    assert "Alvéole Chablais\u00a0: 0 paiement terminé, 0 encore en cours." in report and "(s)" not in report
    member_id, _ = arve.member("Scierie")
    assert _client(arve, member_id).get("/federation/peers").status_code == 403


def test_a_member_pays_an_organisation_of_the_peer_hub_from_the_page(hubs):
    arve, chablais = hubs
    payer, payer_account = arve.member("Scierie du Giffre", credit_limit=500_000)
    _, payee_account = chablais.member("Menuiserie du Léman")
    member = _client(arve, payer)
    found = member.get("/federation/pay?search=menuiserie").get_data(as_text=True)
    assert "Menuiserie du Léman" in found
    url = f"/federation/pay?peer={to_global_id('PeerHub', arve.peer().id)}&to={payee_account}"
    form = member.get(url).get_data(as_text=True)
    assert "Payer Menuiserie du Léman (Alvéole Chablais)" in form
    data = {"toAccountRef": str(payee_account), "amount": "42,00", "memo": "chevrons", "key": "",
            "csrf_token": csrf_token(member, url)}
    done = member.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "42,00\u00a0ALV payés à Menuiserie du Léman" in done
    assert arve.balance(payer_account) == -4_200 and chablais.balance(payee_account) == 4_200
    refused = member.post(url, data={**data, "amount": "1500"})  # beyond what chablais grants
    assert refused.status_code == 400 and "Rien n’a été payé" in refused.get_data(as_text=True)
