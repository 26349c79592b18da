"""Booking and paying without surprises, in the pages: the searched window carried to the
resource page, a slot picked by tapping two cells or a preset and priced before confirming, a
series kept on account, early checks of the pay form, the amount in the invoice payment
question, and the owner's desk with overdue loans and the damage form."""
import datetime as dt
import html
import io
import re
from urllib.parse import unquote

import sqlalchemy as sa

from models import Booking, BookingPhoto, Resource, ResourceStatus
from tests.api.catalog_helpers import base_time, booked, create_resource, signed_in
from tests.api.test_booking_lifecycle import CHECK_OUT, shift_to_past
from tests.api.test_photos import image_bytes
from tests.conftest import csrf_token, page_client
from tests.web.test_catalog_pages import local

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def links(page: str, pattern: str) -> list[str]:
    return [unquote(html.unescape(h)) for h in re.findall(r'href="(' + pattern + r'[^"]*)"', page)]


def test_the_searched_window_opens_the_resource_page_priced(app, client, make_member, member_api):
    saw = create_resource(member_api, title="Scie à format", price="30.00", priceUnit="DAY")
    start = base_time(days=20)
    window = f"from={local(start)}&to={local(start + 4 * H)}"
    found = client.get(f"/catalogue?{window}").get_data(as_text=True)
    [link] = links(found, f"/catalogue/{saw['id']}")
    assert f"start={local(start)}" in link and f"end={local(start + 4 * H)}" in link
    visitor = text(client.get(link))  # a visitor sees the price too, and signs in to book
    assert "Prix\u00a0: <strong>30,00\u00a0ALV</strong>" in visitor and "Connectez-vous pour réserver" in visitor
    page = text(page_client(app, make_member(organization="Chercheurs", credit_limit=100_000)).get(link))
    assert f'value="{local(start)}"' in page and f'value="{local(start + 4 * H)}"' in page
    # The calendar opens on the week of the search, its hours marked as the slot.
    monday = (start.date() - dt.timedelta(days=start.weekday())).isoformat()
    assert f"week={monday}" in page and page.count("cell free selected") == 4
    quote = page[page.index('data-testid="quote"'):]
    assert "30,00\u00a0ALV" in quote[:600] and "Annulation gratuite jusqu’au" in quote[:900]


def test_tapping_a_start_then_an_end_cell_selects_the_range(app, make_member, member_api):
    room = create_resource(member_api, kind="WORKSPACE", title="Salle bois", price="6.00", priceUnit="HOUR")
    client = page_client(app, make_member(organization="Tapeurs", credit_limit=100_000))
    monday = base_time(days=14).date()
    page = text(client.get(f"/catalogue/{room['id']}?week={monday.isoformat()}"))
    assert "Touchez la première heure de votre créneau" in page
    start_tap = next(h for h in links(page, f"/catalogue/{room['id']}")
                     if f"start={monday.isoformat()}T09:00" in h and "pick=end" in h)
    assert start_tap.endswith("#calendar")
    picked = text(client.get(start_tap))
    assert "Touchez maintenant la dernière heure" in picked and picked.count("cell free selected") == 1
    end_tap = next(h for h in links(picked, f"/catalogue/{room['id']}")
                   if f"start={monday.isoformat()}T09:00" in h and f"end={monday.isoformat()}T12:00" in h)
    assert "pick=end" not in end_tap and end_tap.endswith("#book")
    chosen = text(client.get(end_tap))
    assert chosen.count("cell free selected") == 3
    assert f'value="{monday.isoformat()}T09:00"' in chosen and f'value="{monday.isoformat()}T12:00"' in chosen
    assert "Prix\u00a0: <strong>18,00\u00a0ALV</strong>" in chosen and "Réservé sur votre compte dès maintenant\u00a0: 18,00\u00a0ALV" in chosen


def test_presets_follow_the_opening_hours(app, make_member, member_api):
    hours = [{"weekday": 2, "opens": "08:00", "closes": "12:00"}, {"weekday": 2, "opens": "13:30", "closes": "17:30"}]
    saw = create_resource(member_api, title="Scie circulaire", price="10.00", priceUnit="HALF_DAY", openingHours=hours)
    client = page_client(app, make_member(organization="Matinaux", credit_limit=100_000))
    tuesday = base_time(days=14) + D
    page = text(client.get(f"/catalogue/{saw['id']}?start={local(tuesday)}&end={local(tuesday + H)}"))
    day = tuesday.date().isoformat()
    found = re.findall(r'<a class="button small" href="([^"]+)#book">([^<]+)</a>', page)
    presets = {label: unquote(html.unescape(href)) for href, label in found}
    assert set(presets) == {"Matin", "Après-midi", "Journée"}
    assert f"start={day}T08:00" in presets["Matin"] and f"end={day}T12:00" in presets["Matin"]
    assert f"start={day}T13:30" in presets["Après-midi"] and f"end={day}T17:30" in presets["Après-midi"]
    assert f"start={day}T08:00" in presets["Journée"] and f"end={day}T17:30" in presets["Journée"]
    morning = text(client.get(presets["Matin"]))
    assert "Prix\u00a0: <strong>10,00\u00a0ALV</strong>" in morning
    # Closed on Wednesdays: no preset offered that day.
    closed = text(client.get(f"/catalogue/{saw['id']}?start={local(tuesday + D)}&end={local(tuesday + D + H)}"))
    assert "Matin" not in closed


def test_the_quote_box_states_a_fee_from_now_on_and_refusals(app, make_member, member_api):
    app.config["CANCEL_GRACE_MINUTES"] = 0
    saw = create_resource(member_api, title="Raboteuse", price="15.00", priceUnit="DAY")
    client = page_client(app, make_member(organization="Pressés", credit_limit=100_000))
    soon = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0) + 24 * H
    box = text(client.get(f"/catalogue/{saw['id']}/quote?start={local(soon)}&end={local(soon + D)}"))
    assert "Annuler coûte désormais 7,50\u00a0ALV." in box
    app.config["CANCEL_GRACE_MINUTES"] = 60
    box = text(client.get(f"/catalogue/{saw['id']}/quote?start={local(soon)}&end={local(soon + D)}"))
    assert "délai de grâce" in box and "7,50\u00a0ALV" in box
    poor = page_client(app, make_member(organization="Sans le sou", credit_limit=0))
    refused = text(poor.get(f"/catalogue/{saw['id']}/quote?start={local(soon)}&end={local(soon + D)}"))
    assert "Crédit disponible insuffisant\u00a0: 0,00\u00a0ALV disponibles." in refused
    on_account = text(poor.get(f"/catalogue/{saw['id']}/quote?start={local(soon)}&end={local(soon + D)}&pay_on_account=1"))
    # On account nothing is reserved, but the debt counts against the limit all the same.
    assert "Crédit disponible insuffisant" not in on_account and "Rien n’est réservé maintenant" in on_account
    assert 'role="alert"' in on_account and (
        "Pas assez de crédit pour réserver sur facture\u00a0: 0,00\u00a0ALV disponibles, 0,00\u00a0ALV déjà dus sur facture, "
        "et cette réservation coûte 15,00\u00a0ALV." in on_account
    )
    within = text(client.get(f"/catalogue/{saw['id']}/quote?start={local(soon)}&end={local(soon + D)}&pay_on_account=1"))
    assert "Rien n’est réservé maintenant" in within and 'role="alert"' not in within


def test_a_weekly_series_on_account_survives_the_confirmation(app, db, make_member, member_api):
    room = create_resource(member_api, kind="WORKSPACE", title="Établi partagé", price="5.00", priceUnit="HOUR")
    # On account, but within the limit: open on-account debt counts against it (3 × 10.00).
    client = page_client(app, make_member(organization="Insertion Série", credit_limit=3_000))
    url = f"/catalogue/{room['id']}"
    start = base_time()
    until = (start + dt.timedelta(weeks=2)).date().isoformat()
    form = {"csrf_token": csrf_token(client, url), "start": local(start), "end": local(start + 2 * H), "quantity": "1",
            "until": until, "pay_on_account": "1"}
    preview = client.post(url, data=form).get_data(as_text=True)
    assert preview.count("✓") == 3 and 'name="pay_on_account" value="1"' in preview
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', preview[preview.index("series-preview"):]))
    done = client.post(url, data={**hidden, "action": "series-all"})
    assert done.status_code == 302
    made = db.scalars(sa.select(Booking).where(Booking.resource_id == Resource.id, Resource.title == "Établi partagé")).all()
    assert len(made) == 3 and all(b.on_account and b.hold_id is None for b in made)


def test_the_pay_form_refuses_more_than_the_available_credit_before_confirming(app, client, make_member):
    from tests.ledger.test_ledger_web import setup

    to = setup(app, client, make_member)  # Alice may spend 5 000,00
    form = text(client.get(f"/pay?to={to}"))
    assert "Disponible sur Scierie du Giffre : 5 000,00 ALV" in form.replace("\u202f", " ").replace("\u00a0", " ")
    token = csrf_token(client, f"/pay?to={to}")
    too_much = client.post("/pay", data={"csrf_token": token, "to": to, "step": "review", "amount": "5000.01"})
    page = text(too_much).replace("\u202f", " ").replace("\u00a0", " ")
    assert too_much.status_code == 400 and "C’est plus que le crédit disponible sur Scierie du Giffre : 5 000,00 ALV." in page
    assert 'name="step" value="confirm"' not in page
    exact = client.post("/pay", data={"csrf_token": token, "to": to, "step": "review", "amount": "5000"})
    assert exact.status_code == 200 and 'name="step" value="confirm"' in exact.get_data(as_text=True)


def test_the_pay_form_counts_the_hubs_fee(app, client, make_member, treasurer_api):
    from tests.ledger.test_ledger_web import setup

    treasurer_api.data("""mutation($input: UpdateLedgerSettingsInput!) { updateLedgerSettings(input: $input) { errors { message } } }""",
                       input={"transferFeePercent": "1", "transferFeeMinimum": "0"})
    to = setup(app, client, make_member)
    token = csrf_token(client, f"/pay?to={to}")
    refused = client.post("/pay", data={"csrf_token": token, "to": to, "step": "review", "amount": "4990"})
    assert refused.status_code == 400 and "les frais de 49,90\u00a0ALV s’ajoutent" in text(refused)
    assert client.post("/pay", data={"csrf_token": token, "to": to, "step": "review", "amount": "4950"}).status_code == 200


def test_the_invoice_payment_question_states_the_amount(app, make_member, member_api):
    from tests.conftest import GraphQLClient

    email = make_member(organization="Débitrice", credit_limit=100_000)
    who = GraphQLClient(app.test_client()).login(email)
    account_id = who.data("{ viewer { account { id } } }")["viewer"]["account"]["id"]
    issued = member_api.data("""mutation($input: IssueInvoiceInput!) { issueInvoice(input: $input) { invoice { number } errors { message } } }""",
                             input={"debtorAccountId": account_id, "amount": "120.00", "memo": "Sciage"})["issueInvoice"]
    assert issued["errors"] == []
    page = text(page_client(app, email).get("/invoices"))
    form = re.search(r'<form method="post" class="pay" data-confirm="([^"]+)"\s+data-amount-default="([^"]+)"', page)
    question, default = form.group(1), form.group(2)
    assert question.startswith("Payer {amount} sur la facture n°\u00a0") and "depuis votre compte\u202f?" in question
    assert default.replace("\u202f", " ").replace("\u00a0", " ") == "120,00 ALV (tout le restant dû)"


def test_the_desk_shows_overdue_loans_and_takes_damage_photos(app, db, make_member, member_api):
    owner_email = member_api.data("{ viewer { email } }")["viewer"]["email"]
    tool = create_resource(member_api, title="Cloueur", price="12.00", lateFeePerDay="4.00")
    booker = signed_in(app, make_member, "Emprunteurs", credit_limit=100_000)
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + H
    booking = booked(booker, tool["id"], start, start + D)
    member_api.data(CHECK_OUT, input={"bookingId": booking["id"]})
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    shift_to_past(app, booking["id"], now - 3 * D, now - 2 * D + 2 * H)  # two days started
    owner = page_client(app, owner_email)
    desk = text(owner.get("/bookings/manage"))
    assert "En retard\u00a0: 1" in desk and "Pénalité de retard à ce jour\u00a0: 8,00\u00a0ALV" in desk
    mine = text(page_client(app, booker.data("{ viewer { email } }")["viewer"]["email"]).get("/bookings"))
    assert "Rapportez-le dès que possible." in mine and "8,00\u00a0ALV" in mine
    action = f"/bookings/{booking['id']}/return"
    response = owner.post(action, data={
        "csrf_token": csrf_token(owner, "/bookings/manage"), "next": "/bookings/manage", "note": "Gâchette cassée",
        "repair": "on", "photos": [(io.BytesIO(image_bytes(size=(640, 480))), "casse.png")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    after = text(owner.get("/bookings/manage"))
    assert "La ressource est fermée pour réparation" in after and "Photo du dégât" in after
    assert db.scalar(sa.select(sa.func.count(BookingPhoto.id))) == 1
    assert db.scalar(sa.select(Resource.status).where(Resource.title == "Cloueur")) == ResourceStatus.MAINTENANCE
