"""The skills marketplace's first journey in a real browser: a training centre asks a
carpentry firm for a timber-frame quote, the firm quotes, the client accepts, the firm
delivers, the client confirms, both rate; then the client's account shows the payment."""
import re

import pytest

from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.e2e

CLIENT = "anne.mollard@compagnons-arve.test"  # Centre de formation Compagnons de l'Arve
FIRM = "julien.favre@charpentes-mb.test"  # Charpentes Mont-Blanc


def test_request_quote_accept_deliver_confirm_and_rate(live_server, page_for):
    client = page_for("fr")
    sign_in(client, live_server, CLIENT)
    client.click("nav.mainnav >> text=Compétences")
    client.fill("#f-q", "ossature")
    client.click("button:has-text('Rechercher')")
    client.click("text=Charpente et ossature bois d'un abri")
    client.fill("#f-description", "Charpente d'un abri de 12 m² pour l'atelier de taille de pierre.")
    client.fill("#f-estimated_hours", "16")
    client.click("button:has-text('Envoyer la demande')")
    assert "Votre demande est envoyée" in client.inner_text(".flash-success")
    assert client.inner_text(".badge.big") == "Demandée"
    job_url = client.url

    firm = page_for("fr", width=390)  # the carpenter answers from a phone on the building site
    sign_in(firm, live_server, FIRM)
    firm.goto(f"{live_server}/skills/jobs?role=PROVIDER&status=REQUESTED")
    firm.click("text=Charpente et ossature bois d'un abri >> nth=0")
    assert firm.url == job_url
    firm.fill("#f-hours", "16")
    firm.fill("#f-price", "880,00")
    firm.fill("#f-conditions", "Douglas du Giffre, levage compris.")
    firm.click("button:has-text('Envoyer le devis')")
    assert "Devis envoyé." in firm.inner_text(".flash-success")

    client.goto(job_url)
    assert "880,00\u00a0ALV" in client.inner_text(".job-actions")
    client.click("button:has-text('Accepter le devis')")
    assert "Devis accepté." in client.inner_text(".flash-success")

    firm.goto(job_url)
    firm.fill("#f-hours_worked", "15,5")
    firm.fill("#f-insertion_hours", "6")
    firm.click("button:has-text('Le travail est fait')")
    assert "Livraison enregistrée" in firm.inner_text(".flash-success")

    client.goto(job_url)
    client.click("button:has-text('Confirmer la livraison')")
    assert "le prestataire est payé" in client.inner_text(".flash-success")
    assert client.inner_text(".badge.big") == "Terminée"
    client.check("input[name=stars][value='5']")
    client.fill("#f-comment", "Charpente superbe, chantier propre.")
    client.click("button:has-text('Envoyer mon avis')")
    assert "Merci pour votre avis." in client.inner_text(".flash-success")

    firm.goto(job_url)
    firm.check("input[name=stars][value='4']")
    firm.fill("#f-comment", "Client précis, paiement immédiat.")
    firm.click("button:has-text('Envoyer mon avis')")
    assert "Merci pour votre avis." in firm.inner_text(".flash-success")
    # Both rated: both ratings show, on the job and in the offer's average.
    timeline = firm.inner_text(".card >> text=Historique >> xpath=..")
    assert "Charpente superbe" in timeline and "Client précis" in timeline
    client.goto(f"{live_server}/skills?q=ossature")
    card = client.inner_text(".resource-card >> nth=0")
    assert re.search(r"5,0\s*\(1\)", card), card  # the average the French way
