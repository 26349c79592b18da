"""Issue 15 tried as a new user would: the two demo hubs side by side (the Arve and the
Chablais, two real servers with their own databases, set up and peered by the commands of
`make run HUBS=2`), one browser context per hub, the members and treasurers taking turns.

A firm of the Arve pays a firm of the Chablais; the Chablais firm invoices back; with one
invoice inside the Chablais and one from the Arve, three invoices make a cycle across the hubs,
which the treasurers clear by a joint run; the debtor pays the rest. Both treasurers' pages
agree to the cent: the mirror accounts, the invoices' outstanding amounts, the run's report."""
import re
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app import create_app
from app.federation import keys
from tests.conftest import TEST_CONFIG
from tests.e2e.test_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARVE_NAME, CHABLAIS_NAME = "Alvéole — PTCE Vallée de l'Arve", "Alvéole — PTCE du Chablais"
MARC = "marc.duret@scierie-giffre.test"  # Scierie coopérative du Giffre, in the Arve
JEANNE = "jeanne.cettour@tavaillons-chablais.test"  # Tavaillons du Haut-Chablais
NADIA = "nadia.bouchet@chablais-reemploi.test"  # Chablais Réemploi
TREASURER = {"arve": "tresorerie@alveole.test", "chablais": "tresorerie@chablais.test"}
GIFFRE, TAVAILLONS, REEMPLOI = "Scierie coopérative du Giffre", "Tavaillons du Haut-Chablais", "Chablais Réemploi"
NBSP = "\u00a0"


def alv(text: str) -> str:
    """An amount as the French pages show it: '1 250,00 ALV' with no-break spaces."""
    return text.replace(" ", NBSP) + NBSP + "ALV"


def _hub(tmp_path, hub_id, name, database_url):
    """The hub's app and its server on a free port (the port first: the hub's address is known
    to its peer and to its own emails)."""
    app = create_app({
        **TEST_CONFIG, "TESTING": False, "DATABASE_URL": database_url, "HUB_ID": hub_id,
        "HUB_NAME": name, "HUB_PRIVATE_KEY": keys.encode_private(Ed25519PrivateKey.generate()),
        "HUB_KEY_FILE": str(tmp_path / f"{hub_id}.key"), "SESSION_COOKIE_NAME": f"{hub_id}_session",
    })
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return app, server, thread


def _flask(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def two_hubs(tmp_path, demo_database):
    """{'arve': url, 'chablais': url}: both demo hubs, loaded and peered as the Makefile does.
    The Arve starts from a copy of the worker's demo hub (the same seed_demo), so its setup-demo
    finds it loaded, as a second `make run` would; the Chablais is loaded here by setup-demo."""
    hubs = {
        "arve": _hub(tmp_path, "arve", ARVE_NAME, demo_database(tmp_path / "arve.db")),
        "chablais": _hub(tmp_path, "chablais", CHABLAIS_NAME, f"sqlite:///{tmp_path / 'chablais.db'}"),
    }
    for app, _, _ in hubs.values():
        _flask(app, "setup-demo")
    for hub_id, other_id in (("arve", "chablais"), ("chablais", "arve")):
        other = hubs[other_id][0]
        public_key = _flask(other, "federation", "key").split()[1]
        _flask(hubs[hub_id][0], "federation", "peer", other_id, other.config["HUB_NAME"], other.config["BASE_URL"], public_key)
    yield {hub_id: app.config["BASE_URL"] for hub_id, (app, _, _) in hubs.items()}
    for app, server, thread in hubs.values():
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["db_engine"].dispose()


class Tab:
    """One hub in its own browser context; whoever uses it signs in there, in turn."""

    def __init__(self, browser, hub_id, base):
        self.hub_id, self.base = hub_id, base
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr",
                                           extra_http_headers={"Accept-Language": "fr"})
        self.page = self.context.new_page()

    def as_(self, email):
        if self.page.url.startswith(self.base) and self.page.locator("button.linklike", has_text="Se déconnecter").count():
            self.page.locator(".desk-only button.linklike").click()
            self.page.wait_for_url(f"{self.base}/login")
        sign_in(self.page, self.base, email)
        expect(self.page.locator("h1")).to_have_text(re.compile(r"^Bonjour "))
        return self.page

    def go(self, path):
        self.page.goto(self.base + path)
        return self.page

    def flash(self) -> str:
        return self.page.inner_text(".flash-success")

    def shot(self, step):
        self.page.screenshot(path=f"/tmp/e2e-fed-{step}-{self.hub_id}.png", full_page=True)


def pick_in_directory(page, search, name):
    """Find an organisation of the peer hub by a word and open the form for it."""
    page.fill("#f-search", search)
    page.locator("form[role=search] button").click()
    page.locator("ul.picklist a", has_text=name).click()


def bill_peer_member(page, search, debtor, amount, memo):
    pick_in_directory(page, search, debtor)
    page.fill("#f-amount", amount)
    page.fill("#f-memo", memo)
    page.locator("button", has_text="Envoyer la facture").click()


def peer_invoice_row(page, memo):
    return page.locator("main table tbody tr", has_text=memo)


def mirror_balance(page) -> str:
    return page.locator("td[data-label='Compte miroir']").inner_text()


def report(page) -> dict[str, str]:
    rows = page.locator("table.joint-report tr")
    return {rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text() for i in range(rows.count())}


@pytest.fixture
def tabs(two_hubs, browser):
    """(arve, chablais): a browser context on each hub."""
    arve, chablais = Tab(browser, "arve", two_hubs["arve"]), Tab(browser, "chablais", two_hubs["chablais"])
    yield arve, chablais
    arve.context.close()
    chablais.context.close()


def test_two_hubs_pay_invoice_and_clear_a_cycle_together(tabs):
    arve, chablais = tabs

    # 1. Marc (Scierie du Giffre, Arve) pays Tavaillons du Haut-Chablais 150.00 for a deposit.
    page = arve.as_(MARC)
    arve.go("/federation/pay")
    pick_in_directory(page, "tavaillons", TAVAILLONS)
    # expect() waits for the form's page: is_visible() answered at once, before it had loaded.
    expect(page.locator("h2", has_text=f"Payer {TAVAILLONS} ({CHABLAIS_NAME})")).to_be_visible()
    page.fill("#f-amount", "150,00")
    page.fill("#f-memo", "Acompte tavaillons, chalet des Gets")
    page.locator("form[method=post] button.primary", has_text="Payer").click()
    assert f"{alv('150,00')} payés à {TAVAILLONS} ({CHABLAIS_NAME})." in arve.flash()
    arve.shot("1-pay")

    # 2. Jeanne (Tavaillons, Chablais) sees the payment arrive and invoices the sawmill back 500.00.
    page = chablais.as_(JEANNE)
    chablais.go("/federation/pay")
    assert re.search(rf"de {GIFFRE} \({re.escape(ARVE_NAME)}\) · {alv('150,00')} · effectué", page.inner_text("main"))
    chablais.go("/federation/invoices")
    bill_peer_member(page, "giffre", GIFFRE, "500,00", "Pose de tavaillons, chalet des Gets")
    assert f"envoyée à {GIFFRE} ({ARVE_NAME})" in chablais.flash()
    chablais.shot("2-invoice-back")

    # 3. Nadia (Chablais Réemploi) bills Tavaillons 400.00 inside the Chablais; Jeanne accepts it.
    page = chablais.as_(NADIA)
    chablais.go("/invoices")
    page.select_option("#f-debtor", label=TAVAILLONS)
    page.fill("#f-amount", "400,00")
    page.fill("#f-memo", "Bardeaux de réemploi")
    page.locator("button", has_text="Envoyer la facture").click()
    assert re.fullmatch(r"Facture n°\u00a0\d+ envoyée\.", chablais.flash())
    page = chablais.as_(JEANNE)
    chablais.go("/invoices")
    page.locator("tr", has_text="Bardeaux de réemploi").locator("button[value=accept]").click()
    assert re.fullmatch(r"Facture n°\u00a0\d+ acceptée\.", chablais.flash())
    chablais.shot("3-internal-invoice")

    # 4. Marc accepts the Chablais invoice and bills Chablais Réemploi 300.00, which Nadia accepts:
    #    the Giffre owes Tavaillons, Tavaillons owes Réemploi, Réemploi owes the Giffre.
    page = arve.go("/federation/invoices")
    peer_invoice_row(page, "Pose de tavaillons").locator("button[value=accept]").click()
    assert "Votre réponse a été envoyée au pôle du créancier." in arve.flash()
    bill_peer_member(page, "réemploi", REEMPLOI, "300,00", "Sciage de bois de réemploi")
    arve.shot("4-invoices")
    # Each hub numbers the invoice its own way: both rows show the same short reference.
    reference = peer_invoice_row(page, "Sciage de bois de réemploi").locator("small").inner_text()
    assert re.fullmatch(r"réf\. [0-9a-f]{8}", reference)
    page = chablais.as_(NADIA)
    chablais.go("/federation/invoices")
    row = peer_invoice_row(page, "Sciage de bois de réemploi")
    assert row.locator("small").inner_text() == reference
    assert "pas encore transmise" not in row.inner_text()  # it arrived: nothing is waiting
    row.locator("button[value=accept]").click()
    assert "Votre réponse a été envoyée au pôle du créancier." in chablais.flash()

    # 5. The Arve's treasurer proposes a joint run; the Chablais' accepts; the Arve's runs it.
    page = arve.as_(TREASURER["arve"])
    arve.go("/federation/joint-runs")
    page.locator("button", has_text="Proposer une compensation commune").click()
    assert CHABLAIS_NAME in arve.flash()
    page = chablais.as_(TREASURER["chablais"])
    chablais.go("/federation/joint-runs")
    page.locator("button[value=accept]").click()
    assert re.fullmatch(rf"Acceptée\s?: {re.escape(ARVE_NAME)} peut maintenant la lancer\.", chablais.flash())
    arve.go("/federation/joint-runs")
    arve.page.locator("button[value=run]").click()
    posted = arve.flash()
    assert posted.startswith(f"Compensation commune avec {CHABLAIS_NAME} passée")
    arve.shot("5-joint-run")
    chablais.go("/federation/joint-runs")
    chablais.shot("5-joint-run")

    # The report, the same on both hubs (here and there swapped): the cycle's 3 × 300.00 is
    # what only the joint run clears; each hub's own cycles are cleared besides.
    here, there = report(arve.page), report(chablais.page)
    beyond = "Compensé seulement ensemble"
    assert here[beyond] == there[beyond] == alv("900,00")
    for common in ("Dettes des deux pôles avant", "Compensé par la compensation commune", "Dettes des deux pôles après"):
        assert here[common] == there[common], common
    assert here["Ce pôle compenserait seul"] == there[f"{ARVE_NAME} compenserait seul"]
    assert there["Ce pôle compenserait seul"] == here[f"{CHABLAIS_NAME} compenserait seul"]
    for tab in (arve, chablais):
        assert tab.page.inner_text(".joint-state") == "passée"

    # 6. Each invoice of the cycle is 300.00 less, the same on both sides; Marc pays the rest
    #    of Tavaillons' invoice (its placeholder: the outstanding, written the French way).
    page = arve.as_(MARC)
    arve.go("/federation/invoices")
    tavaillons_row = peer_invoice_row(page, "Pose de tavaillons")
    assert tavaillons_row.locator("td.num").all_inner_texts() == [alv("500,00"), alv("200,00")]
    assert tavaillons_row.locator("input[name=amount]").get_attribute("placeholder") == "200,00"
    assert peer_invoice_row(page, "Sciage de bois de réemploi").locator("td.num").all_inner_texts() == [
        alv("300,00"), alv("0,00")]
    page = chablais.as_(JEANNE)
    chablais.go("/federation/invoices")
    assert peer_invoice_row(page, "Pose de tavaillons").locator("td.num").all_inner_texts() == [
        alv("500,00"), alv("200,00")]
    chablais.go("/invoices")
    assert page.locator("tr", has_text="Bardeaux de réemploi").locator("td.num").all_inner_texts() == [
        alv("400,00"), alv("100,00")]
    page = arve.page
    arve.go("/federation/invoices")
    arve.shot("6-outstanding")
    peer_invoice_row(page, "Pose de tavaillons").locator("button[value=pay]").click()
    assert f"{alv('200,00')} payés à {TAVAILLONS} ({CHABLAIS_NAME})." in arve.flash()
    assert peer_invoice_row(page, "Pose de tavaillons").locator("td.num").all_inner_texts() == [
        alv("500,00"), alv("0,00")]
    arve.shot("6-paid")
    chablais.go("/federation/invoices")  # Jeanne, still signed in there
    paid = peer_invoice_row(chablais.page, "Pose de tavaillons").locator("td")
    assert paid.all_inner_texts()[3:6] == [alv("500,00"), alv("0,00"), "Payée"]

    # 7. Both treasurers' peers pages: the mirror accounts are opposite (150.00 + 200.00 went
    #    from the Arve to the Chablais: the Arve owes the Chablais; the joint run moved none),
    #    nothing in flight, and the reconciliation finds them agreeing.
    for tab, mirror in ((arve, alv("350,00")), (chablais, alv("−350,00"))):
        page = tab.as_(TREASURER[tab.hub_id])
        tab.go("/federation/peers")
        assert mirror_balance(page) == mirror
        assert "Aucun paiement en cours." in page.inner_text("main")
        page.locator("button", has_text="Rapprocher avec les partenaires").click()
        assert "Les comptes miroirs concordent." in page.inner_text("#reconciliation")
        other = CHABLAIS_NAME if tab.hub_id == "arve" else ARVE_NAME  # by its name, the count in words
        assert f"{other} : 0 paiement terminé, 0 encore en cours." in page.inner_text("#reconciliation").replace(NBSP, " ")
        tab.shot("7-peers")
