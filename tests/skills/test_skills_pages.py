"""The skills pages, through forms as a member uses them: request, quote, accept, deliver,
confirm and rate; a dispute settled by the treasurer; a training seat; the lists."""
import re

from tests.conftest import csrf_token
from tests.skills.skills_helpers import make_market, ok, quoted


def post(client, url: str, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/profile")})


def job_url(response) -> str:
    return response.headers["Location"]


def test_the_first_journey_through_the_pages(app, make_member):
    market = make_market(app, make_member)
    client, provider = market.client.client, market.provider.client
    page = client.get(f"/skills/offers/{market.offer_id}").get_data(as_text=True)
    assert "Demander cette compétence" in page or "Request this skill" in page
    response = post(client, f"/skills/offers/{market.offer_id}", action="request",
                    description="Ossature d'un abri de 12 m²", estimated_hours="16")
    assert response.status_code == 302
    url = job_url(response)
    assert "Ossature d&#39;un abri" in provider.get(url).get_data(as_text=True)
    assert post(provider, url, action="quote", hours="16", price="880,00", conditions="Bois fourni").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "880,00" in page and 'value="accept"' in page
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    assert post(client, url, action="accept", idempotency_key=key).status_code == 302
    assert post(provider, url, action="deliver", hours_worked="15,5", insertion_hours="6", training_hours="0").status_code == 302
    assert post(client, url, action="confirm").status_code == 302
    assert post(client, url, action="rate", stars="5", comment="Parfait").status_code == 302
    assert post(provider, url, action="rate", stars="4", comment="Merci").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Parfait" in page and "Merci" in page and "★★★★★" in page
    listing = client.get("/skills").get_data(as_text=True)
    assert "Charpente d&#39;un abri" in listing and "(1)" in listing  # the offer's average and count
    assert "5,0 sur 5" in listing and "★★★★★</span> 5,0 " in listing  # in French, a decimal comma
    jobs = provider.get("/skills/jobs?role=PROVIDER&status=COMPLETED").get_data(as_text=True)
    assert "Anne Mollard" in jobs


def test_a_refused_form_shows_its_errors_with_a_400(app, make_member):
    market = make_market(app, make_member)
    job = quoted(market)
    url = f"/skills/jobs/{job['id']}"
    response = post(market.provider.client, url, action="quote", hours="0", price="10")
    assert response.status_code == 400
    assert "supérieur à zéro" in response.get_data(as_text=True)
    # Someone else's job: not theirs to see, nor to act on.
    assert market.outsider.client.get(url).status_code == 404
    assert post(market.outsider.client, url, action="confirm").status_code == 404
    assert market.client.data("query($id: ID!) { job(id: $id) { status } }", id=job["id"])["job"]["status"] == "QUOTED"


def test_a_dispute_settled_by_the_treasurer_from_the_disputes_list(app, make_member):
    market = make_market(app, make_member)
    job = quoted(market)
    ok(market.client, "acceptQuote", jobId=job["id"])
    ok(market.provider, "deliverJob", jobId=job["id"], hoursWorked="16")
    url = f"/skills/jobs/{job['id']}"
    assert post(market.client.client, url, action="dispute", reason="Pièces manquantes").status_code == 302
    assert market.client.client.get("/skills/disputes").status_code == 403
    disputes = market.treasurer.client.get("/skills/disputes").get_data(as_text=True)
    assert "Pièces manquantes" in disputes and url in disputes
    response = post(market.treasurer.client, url, action="settle", amount="440", decision="Moitié du travail livré")
    assert response.status_code == 302
    assert "Moitié du travail livré" in market.provider.client.get(url).get_data(as_text=True)


def test_the_provider_makes_an_offer_a_training_and_members_book_seats(app, make_member):
    market = make_market(app, make_member)
    offer = f"/skills/offers/{market.offer_id}"
    assert post(market.provider.client, offer, action="settings", pricing="PER_JOB", delivery="AT_PROVIDER",
                is_training="on").status_code == 302
    assert post(market.provider.client, offer, action="add-session", start="2099-03-02T08:00", end="2099-03-02T17:00",
                seats="3").status_code == 302
    page = market.client.client.get(offer).get_data(as_text=True)
    session_id = re.search(r'name="session_id" value="([^"]+)"', page).group(1)
    assert post(market.client.client, offer, action="book-seat", session_id=session_id).status_code == 302
    page = market.provider.client.get(offer).get_data(as_text=True)
    assert "Anne Mollard" in page and "2 places libres sur 3" in page
