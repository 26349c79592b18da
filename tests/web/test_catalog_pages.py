"""The catalogue's pages, driven like a browser: forms with their CSRF token, post/redirect/get,
errors re-rendered in the member's language."""
import datetime as dt
import html
import re

from tests.api.catalog_helpers import base_time, booked, create_resource, signed_in
from tests.conftest import csrf_token, page_client

H = dt.timedelta(hours=1)


def local(value: dt.datetime) -> str:
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def test_catalogue_filters_and_free_window(app, member_api, client):
    create_resource(member_api, title="Scie à ruban", town="Cluses")
    create_resource(member_api, kind="WORKSPACE", title="Salle de réunion", town="Sallanches")
    page = client.get("/catalogue?q=scie").get_data(as_text=True)
    assert "Scie à ruban" in page and "Salle de réunion" not in page
    page = client.get("/catalogue?kind=WORKSPACE").get_data(as_text=True)
    assert "Salle de réunion" in page and "Scie à ruban" not in page
    start = base_time()
    page = client.get(f"/catalogue?from={local(start)}&to={local(start + H)}").get_data(as_text=True)
    assert "Scie à ruban" in page and "Salle de réunion" in page
    bad = client.get(f"/catalogue?from={local(start)}&to={local(start - H)}", headers={"Accept-Language": "fr"})
    assert "La fin doit être après le début." in bad.get_data(as_text=True)


def test_book_from_the_resource_page(app, make_member, member_api):
    resource = create_resource(member_api, title="Humidimètre")
    email = make_member(organization="Charpentes Web", credit_limit=100_000)
    client = page_client(app, email)
    url = f"/catalogue/{resource['id']}"
    page = client.get(url).get_data(as_text=True)
    assert "Humidimètre" in page and 'class="week"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    start = base_time()
    form = {"csrf_token": token, "start": local(start), "end": local(start + 2 * H), "quantity": "1", "note": "Merci"}
    response = client.post(url, data=form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/bookings")
    bookings = client.get("/bookings").get_data(as_text=True)
    assert "Humidimètre" in bookings and "Confirmée" in bookings
    # The same slot again: refused, with free slots of the same length to pick from.
    again = client.post(url, data={**form, "idempotency_key": "other"})
    assert again.status_code == 400
    text = again.get_data(as_text=True)
    assert "Ce créneau n’est plus libre" in text
    assert "Créneaux libres de même durée" in text
    # An end before the start: said once, under the field (not again in the price box).
    backwards = client.post(url, data={**form, "end": local(start - H), "idempotency_key": "backwards"})
    assert backwards.status_code == 400
    assert backwards.get_data(as_text=True).count("La fin doit être après le début.") == 1


def test_cancel_from_my_bookings(app, make_member, member_api):
    resource = create_resource(member_api)
    email = make_member(organization="Charpentes Web", credit_limit=100_000)
    from tests.conftest import GraphQLClient

    api = GraphQLClient(app.test_client()).login(email)
    booking = booked(api, resource["id"], base_time(), base_time() + H)
    client = page_client(app, email)
    token = csrf_token(client, "/bookings")
    response = client.post(f"/bookings/{booking['id']}/cancel", data={"csrf_token": token, "next": "/bookings"})
    assert response.status_code == 302
    assert "La réservation est annulée." in client.get("/bookings?scope=past").get_data(as_text=True)


def test_owner_desk_approves_a_request(app, make_member):
    owner_email = make_member(organization="Scierie Web", credit_limit=100_000)
    from tests.conftest import GraphQLClient

    owner_api = GraphQLClient(app.test_client()).login(owner_email)
    resource = create_resource(owner_api, title="Scierie mobile", approvalRequired=True)
    booker = signed_in(app, make_member, "Charpentes Web")
    booking = booked(booker, resource["id"], base_time(), base_time() + H)
    owner = page_client(app, owner_email)
    desk = owner.get("/bookings/manage").get_data(as_text=True)
    assert "Demandes à traiter" in desk and "Scierie mobile" in desk
    token = csrf_token(owner, "/bookings/manage")
    response = owner.post(f"/bookings/{booking['id']}/approve", data={"csrf_token": token, "next": "/bookings/manage"})
    assert response.status_code == 302
    assert "La réservation est confirmée." in owner.get("/bookings/manage").get_data(as_text=True)


def test_offer_edit_and_retire_a_resource(app, make_member):
    email = make_member(organization="Menuiserie Web", credit_limit=100_000)
    client = page_client(app, email)
    token = csrf_token(client, "/catalogue/new")
    form = {"csrf_token": token, "action": "update", "kind": "WORKSPACE", "title": "", "price": "abc", "price_unit": "HOUR", "capacity": "4"}
    refused = client.post("/catalogue/new", data=form)
    assert refused.status_code == 400
    assert "Donnez un titre à la ressource." in refused.get_data(as_text=True)
    form.update({"title": "Établis partagés", "price": "5,00", "opens_1": "08:00", "closes_1": "18:00"})
    created = client.post("/catalogue/new", data=form)
    assert created.status_code == 302
    url = created.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Établis partagés" in page and "Lundi 08:00–18:00" in page
    edit_url = url + "/edit"
    token = csrf_token(client, edit_url)
    saved = client.post(edit_url, data={**form, "csrf_token": token, "title": "Établis de l'atelier", "opens_1": "", "closes_1": ""})
    assert saved.status_code == 302, re.findall(r'class="(?:error|flash[^"]*)"[^>]*>([^<]+)', saved.get_data(as_text=True))
    retired = client.post(edit_url, data={"csrf_token": token, "action": "status", "status": "RETIRED"})
    assert retired.status_code == 302
    mine = client.get("/catalogue/mine").get_data(as_text=True)
    assert "Établis de l&#39;atelier" in mine and "Retirée" in mine
    # Someone else may not edit it.
    other = page_client(app, make_member(organization="Autre Web"))
    assert other.get(edit_url).status_code == 403


def test_pages_in_english(app, make_member, member_api):
    resource = create_resource(member_api, title="Moisture meter")
    client = page_client(app, make_member(organization="English Web", language="en"))
    page = client.get(f"/catalogue/{resource['id']}").get_data(as_text=True)
    assert "Week of" in page and "Free cancellation" not in page and "free until 48 hours" in page
    assert client.get("/catalogue/UmVzb3VyY2U6OTk5OQ").status_code == 404


def test_weekly_series_preview_then_skip_from_the_resource_page(app, make_member, member_api):
    room = create_resource(member_api, kind="WORKSPACE", title="Salle de réunion", price="5.00", priceUnit="HOUR")
    other = signed_in(app, make_member, "Autre Web")
    start = base_time()
    booked(other, room["id"], start + dt.timedelta(weeks=1), start + dt.timedelta(weeks=1) + H)
    client = page_client(app, make_member(organization="Série Web", credit_limit=100_000))
    url = f"/catalogue/{room['id']}"
    token = csrf_token(client, url)
    until = (start + dt.timedelta(weeks=2)).date().isoformat()
    form = {"csrf_token": token, "start": local(start), "end": local(start + 2 * H), "quantity": "1", "until": until}
    preview = client.post(url, data=form).get_data(as_text=True)
    assert "Dates de la série" in preview and preview.count("✓") == 2 and preview.count("✗") == 1
    assert "Réserver 2 dates, ignorer les autres" in preview
    done = client.post(url, data={**form, "action": "series-skip"})
    assert done.status_code == 302
    page = client.get("/bookings").get_data(as_text=True)
    assert page.count("hebdomadaire") == 2 and "Annuler cette date et les suivantes" in page


def test_join_the_waitlist_from_a_conflict_and_see_the_notice(app, make_member, member_api):
    saw = create_resource(member_api, title="Scierie mobile")
    from tests.conftest import GraphQLClient

    holder_email = make_member(organization="Holder Web", credit_limit=100_000)
    holder = GraphQLClient(app.test_client()).login(holder_email)
    start = base_time()
    booking = booked(holder, saw["id"], start, start + 4 * H)
    client = page_client(app, make_member(organization="Waiter Web", credit_limit=100_000))
    url = f"/catalogue/{saw['id']}"
    token = csrf_token(client, url)
    form = {"csrf_token": token, "start": local(start + H), "end": local(start + 2 * H), "quantity": "1"}
    conflict = client.post(url, data=form).get_data(as_text=True)
    assert "Me prévenir si ce créneau se libère" in conflict
    joined = client.post(url, data={**form, "action": "waitlist"})
    assert joined.status_code == 302, re.findall(r'class="(?:error|flash[^"]*)"[^>]*>([^<]+)', joined.get_data(as_text=True))
    body = client.get("/bookings").get_data(as_text=True)
    assert "<h2>Liste d’attente</h2>" in body and "En attente" in body
    holder.data("""mutation($i: BookingActionInput!) { cancelBooking(input: $i) { errors { code } } }""", i={"bookingId": booking["id"]})
    page = client.get("/bookings").get_data(as_text=True)
    assert "De nouveau libre\u00a0: réservez\u202f!" in page
    # The notice is on the notices page, counted in the header.
    notices = client.get("/notices").get_data(as_text=True)
    assert "Un créneau s’est libéré\u00a0: Scierie mobile" in notices and 'class="bell-count">1<' in notices


def test_upload_a_photo_from_the_edit_page(app, make_member):
    import io

    from PIL import Image

    email = make_member(organization="Photo Web", credit_limit=100_000)
    from tests.conftest import GraphQLClient

    resource = create_resource(GraphQLClient(app.test_client()).login(email), title="Raboteuse")
    client = page_client(app, email)
    edit_url = f"/catalogue/{resource['id']}/edit"
    token = csrf_token(client, edit_url)
    png = io.BytesIO()
    Image.new("RGB", (900, 600), (90, 60, 30)).save(png, "PNG")
    png.seek(0)
    sent = client.post(edit_url, data={"csrf_token": token, "action": "add-photo", "photo": (png, "raboteuse.png")},
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    page = client.get(f"/catalogue/{resource['id']}").get_data(as_text=True)
    assert 'class="gallery"' in page
    bad = client.post(edit_url, data={"csrf_token": token, "action": "add-photo", "photo": (io.BytesIO(b"not a photo"), "x.jpg")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "Envoyez une photo JPEG, PNG ou WebP." in bad.get_data(as_text=True)
    assert "/photos/" in client.get("/catalogue").get_data(as_text=True)


def test_month_view_marks_booked_days(app, make_member, member_api):
    resource = create_resource(member_api, title="Séchoir")
    booker = signed_in(app, make_member, "Mois Web")
    start = base_time()
    from zoneinfo import ZoneInfo

    day = start.astimezone(ZoneInfo("Europe/Paris")).date()
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo("Europe/Paris"))
    booked(booker, resource["id"], midnight, midnight + 24 * H)  # the whole local day is taken
    client = page_client(app, make_member(organization="Lecteur Web"))
    page = client.get(f"/catalogue/{resource['id']}?view=month&week={day.isoformat()}").get_data(as_text=True)
    assert 'class="month"' in page
    assert re.search(r'class="month-day booked[^"]*"[^>]*>%d<' % day.day, page)
    assert re.search(r'class="month-day free[^"]*"[^>]*>%d<' % (day + dt.timedelta(days=1)).day, page)


def test_book_on_account_from_the_resource_page(app, make_member, member_api, db):
    import sqlalchemy as sa

    from models import Account, Booking

    resource = create_resource(member_api, title="Défonceuse CNC")  # 20.00 a day
    email = make_member(organization="Menuiserie Web", credit_limit=3000)  # credit for one booking, not two
    client = page_client(app, email)
    url = f"/catalogue/{resource['id']}"
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    start = base_time()
    form = {"csrf_token": token, "start": local(start), "end": local(start + 2 * H), "quantity": "1", "note": ""}
    response = client.post(url, data={**form, "pay_on_account": "1"})
    assert response.status_code == 302
    booking = db.scalar(sa.select(Booking))
    assert booking.on_account and booking.hold_id is None
    # On account does not skip the credit check: what is owed on account counts against it.
    later = {**form, "start": local(start + 24 * H), "end": local(start + 26 * H), "pay_on_account": "1"}
    refused = client.post(url, data=later)
    assert refused.status_code == 400 and (
        "Pas assez de crédit pour réserver sur facture\u00a0: 30,00\u00a0ALV disponibles, 20,00\u00a0ALV déjà dus sur facture, "
        "et cette réservation coûte 20,00\u00a0ALV." in html.unescape(refused.get_data(as_text=True))
    )
    assert db.scalar(sa.select(Account.on_hold).where(Account.name == "Menuiserie Web")) == 0
