"""The pages of invoices between hubs and of joint runs, with two live hubs: a firm of the
Chablais bills a firm of the Arve picked from the Arve's directory, which accepts and pays it
from its page; the treasurers propose, accept and run a joint run whose report both pages show
to the cent; members may not see the joint runs."""
from app.api.relay import to_global_id
from app.federation import invoices
from tests.conftest import csrf_token
from tests.federation.faults import Faults
from tests.federation.test_federation_pages import _client
from tests.federation.test_joint_runs import cycle  # noqa: F401  (the fixture)


def test_a_firm_bills_a_firm_of_the_peer_hub_which_accepts_and_pays_from_the_page(hubs):
    arve, chablais = hubs
    carpenter, carpenter_account = chablais.member("Charpentes du Chablais")
    sawmill, sawmill_account = arve.member("Scierie du Giffre", credit_limit=500_000)
    creditor = _client(chablais, carpenter)
    found = creditor.get("/federation/invoices?search=giffre").get_data(as_text=True)
    assert "Facturer une organisation d’un autre pôle" in found and "Scierie du Giffre" in found
    url = f"/federation/invoices?peer={to_global_id('PeerHub', chablais.peer().id)}&to={sawmill_account}"
    assert "Facturer Scierie du Giffre (Alvéole Arve)" in creditor.get(url).get_data(as_text=True)
    data = {"action": "issue", "debtorRef": str(sawmill_account), "memo": "Charpente", "csrf_token": csrf_token(creditor, url)}
    refused = creditor.post(url, data={**data, "amount": "-5"})
    assert refused.status_code == 400  # nothing issued:
    assert "Aucun pour l’instant." in creditor.get("/federation/invoices").get_data(as_text=True)
    sent = creditor.post(url, data={**data, "amount": "120,00"}, follow_redirects=True).get_data(as_text=True)
    assert "envoyée à Scierie du Giffre (Alvéole Arve)" in sent

    debtor = _client(arve, sawmill)
    page = debtor.get("/federation/invoices").get_data(as_text=True)
    assert "Charpentes du Chablais" in page and "En attente de réponse" in page
    assert "pas encore transmise" not in page  # it arrived; the debtor has no answer to send yet
    invoice_id = page.split('name="invoiceId" value="')[1].split('"')[0]
    # Each hub numbers it its own way; both show the same reference, and the real other party.
    reference = _reference(page)
    assert reference == _reference(creditor.get("/federation/invoices").get_data(as_text=True))
    for client, party, hub in [(debtor, "Charpentes du Chablais", "Alvéole Chablais"),
                               (creditor, "Scierie du Giffre", "Alvéole Arve")]:
        listed = client.get("/federation/invoices").get_data(as_text=True)
        detail = client.get(listed.split('<td><a href="')[1].split('"')[0]).get_data(as_text=True)
        assert f"<strong>{party}</strong> <span class=\"muted\">({hub})</span>" in detail and f"<dd>{reference} " in detail
    token = csrf_token(debtor, "/federation/invoices")
    accepted = debtor.post("/federation/invoices", data={"action": "accept", "invoiceId": invoice_id, "csrf_token": token},
                           follow_redirects=True).get_data(as_text=True)
    assert "Votre réponse a été envoyée" in accepted
    assert "Acceptée" in creditor.get("/federation/invoices").get_data(as_text=True)  # the Chablais heard it
    paid = debtor.post("/federation/invoices", data={"action": "pay", "invoiceId": invoice_id, "amount": "", "key": "",
                                                     "csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "120,00\u00a0ALV payés à Charpentes du Chablais" in paid
    assert arve.balance(sawmill_account) == -12_000 and chablais.balance(carpenter_account) == 12_000
    assert "Payée" in creditor.get("/federation/invoices").get_data(as_text=True)


def _reference(page: str) -> str:
    return page.split("réf. ")[1].split("<")[0]


def test_an_invoice_the_peer_has_not_heard_of_says_so_on_the_creditors_side_only(hubs):
    arve, chablais = hubs
    carpenter, _ = chablais.member("Charpentes du Chablais")
    sawmill, sawmill_account = arve.member("Scierie du Giffre")
    creditor = _client(chablais, carpenter)
    url = f"/federation/invoices?peer={to_global_id('PeerHub', chablais.peer().id)}&to={sawmill_account}"
    data = {"action": "issue", "debtorRef": str(sawmill_account), "amount": "50,00", "csrf_token": csrf_token(creditor, url)}
    faults = Faults(chablais.app, {"invoices/receive": ["fail_before"] * 3})
    creditor.post(url, data=data)
    assert "pas encore transmise" in creditor.get("/federation/invoices").get_data(as_text=True)
    faults.heal()
    with chablais.app.app_context():
        assert invoices.sync(chablais.sessions) == 0  # delivered now
    assert "pas encore transmise" not in creditor.get("/federation/invoices").get_data(as_text=True)
    assert "pas encore transmise" not in _client(arve, sawmill).get("/federation/invoices").get_data(as_text=True)


def test_the_treasurers_run_a_joint_run_from_their_pages(cycle):  # noqa: F811
    arve, chablais, a_treasurer, c_treasurer, _ = cycle
    ours, theirs = _client(arve, a_treasurer), _client(chablais, c_treasurer)
    token = csrf_token(ours, "/federation/joint-runs")
    proposed = ours.post("/federation/joint-runs", data={"action": "propose", "peerId": to_global_id("PeerHub", arve.peer().id),
                                                         "csrf_token": token}, follow_redirects=True)
    assert "Compensation commune proposée à Alvéole Chablais" in proposed.get_data(as_text=True)
    page = theirs.get("/federation/joint-runs").get_data(as_text=True)
    assert "proposée par Alvéole Arve" in page
    run_id = page.split('name="jointRunId" value="')[1].split('"')[0]
    theirs.post("/federation/joint-runs", data={"action": "accept", "jointRunId": run_id,
                                                "csrf_token": csrf_token(theirs, "/federation/joint-runs")})
    page = ours.get("/federation/joint-runs").get_data(as_text=True)
    run_id = page.split('name="jointRunId" value="')[1].split('"')[0]
    done = ours.post("/federation/joint-runs", data={"action": "run", "jointRunId": run_id, "csrf_token": token},
                     follow_redirects=True).get_data(as_text=True)
    assert "compensés, dont 900,00" in done.replace("\u00a0", " ")
    # Both treasurers' pages show the same report, to the cent.
    for client in (ours, theirs):
        report = client.get("/federation/joint-runs").get_data(as_text=True)
        for figure in ("1\u202f360,00", "1\u202f020,00", "900,00", "340,00"):
            assert figure in report, (figure, report)
    member, _ = arve.member("Ossature")
    assert _client(arve, member).get("/federation/joint-runs").status_code == 403
