"""The catalogue: accent-insensitive search, filters, the free-window search (checked against a
brute force with hypothesis), availability periods, and a constant number of SQL statements."""
import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.catalog_helpers import base_time, booked, create_resource, iso, signed_in
from tests.conftest import sql_statements

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

SEARCH = """query($search: String, $kind: ResourceKind, $from: DateTime, $to: DateTime, $town: String,
                 $category: String, $maxPrice: String, $quantity: Int! = 1, $first: Int, $after: String) {
  resources(search: $search, kind: $kind, availableFrom: $from, availableTo: $to, town: $town,
            category: $category, maxPrice: $maxPrice, quantity: $quantity, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id title town ownerName owner { name } price { amount } } }
  }
}"""


def titles(client, **variables):
    return [e["node"]["title"] for e in client.data(SEARCH, **variables)["resources"]["edges"]]


def test_text_search_ignores_accents_and_case(member_api, api):
    create_resource(member_api, title="Scie à ruban", description="Lame 20 mm")
    create_resource(member_api, title="Échafaudage", description="Échafaudage roulant")
    create_resource(member_api, title="Humidimètre", description="Pour bois de charpente", category="Mesure")
    assert titles(api, search="scie") == ["Scie à ruban"]
    assert titles(api, search="SCIE A RUBAN") == ["Scie à ruban"]
    assert titles(api, search="echafaudage") == ["Échafaudage"]
    assert titles(api, search="humidimetre charpente") == ["Humidimètre"]
    assert titles(api, search="mesure") == ["Humidimètre"]
    assert titles(api, search="100%") == []


def test_filters_kind_category_town_price(member_api, api):
    create_resource(member_api, title="Scierie mobile", category="Sciage", town="Taninges", price="120.00")
    create_resource(member_api, kind="WORKSPACE", title="Halle", category="Atelier", town="Cluses", price="60.00")
    create_resource(member_api, kind="SKILL", title="Conception ossature bois", category="Études", town="Cluses", price="45.00", priceUnit="HOUR")
    assert titles(api, kind="WORKSPACE") == ["Halle"]
    assert titles(api, town="Cluses") == ["Conception ossature bois", "Halle"]
    assert titles(api, category="Sciage") == ["Scierie mobile"]
    assert titles(api, maxPrice="60.00") == ["Conception ossature bois", "Halle"]
    facets = api.data("{ catalogueFacets { categories towns } }")["catalogueFacets"]
    assert facets == {"categories": ["Atelier", "Sciage", "Études"], "towns": ["Cluses", "Taninges"]}


def test_free_window_hides_what_is_booked_closed_or_unavailable(app, member_api, api, make_member):
    booker = signed_in(app, make_member, "Booker org")
    saw = create_resource(member_api, title="A scie")
    meter = create_resource(member_api, title="B humidimètre")
    desks = create_resource(member_api, kind="WORKSPACE", title="C postes", capacity=2)
    create_resource(member_api, title="D raboteuse")
    start = base_time()
    booked(booker, saw["id"], start + H, start + 2 * H)
    booked(booker, desks["id"], start, start + 3 * H)
    member_api.data(
        "mutation($i: AddResourceClosureInput!) { addResourceClosure(input: $i) { errors { code } } }",
        i={"resourceId": meter["id"], "start": iso(start - D), "end": iso(start + D)},
    )
    window = {"from": iso(start), "to": iso(start + 4 * H)}
    assert titles(api, **window) == ["C postes", "D raboteuse"]
    # Two units: only the desks could, and one of their two is taken.
    assert titles(api, **window, quantity=2) == []
    assert titles(api, **{"from": iso(start + 3 * H), "to": iso(start + 4 * H)}, quantity=2) == ["C postes"]
    # The half-open boundary: free from the end of the saw's booking.
    assert "A scie" in titles(api, **{"from": iso(start + 2 * H), "to": iso(start + 3 * H)})


def test_pagination_and_bad_arguments(member_api, api):
    for i in range(5):
        create_resource(member_api, title=f"Outil {i}")
    page = api.data(SEARCH, first=2)["resources"]
    assert page["totalCount"] == 5 and page["pageInfo"]["hasNextPage"]
    rest = api.data(SEARCH, first=10, after=page["pageInfo"]["endCursor"])["resources"]
    assert [e["node"]["title"] for e in rest["edges"]] == ["Outil 2", "Outil 3", "Outil 4"]
    too_many = api.gql(SEARCH, first=101)
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID"
    half = api.gql(SEARCH, **{"from": iso(base_time())})
    assert half["errors"][0]["extensions"]["code"] == "INVALID"


AVAILABILITY = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  resource(id: $id) { title availability(from: $from, to: $to) { start end state freeCapacity } }
}"""


def test_availability_periods(app, member_api, api, make_member):
    booker = signed_in(app, make_member, "Booker org")
    desks = create_resource(member_api, kind="WORKSPACE", title="Postes", capacity=2)
    start = base_time()
    booked(booker, desks["id"], start + H, start + 3 * H)
    booked(booker, desks["id"], start + 2 * H, start + 4 * H)
    periods = api.data(AVAILABILITY, id=desks["id"], **{"from": iso(start), "to": iso(start + 5 * H)})["resource"]["availability"]
    states = [(dt.datetime.fromisoformat(p["start"]) - start, p["state"], p["freeCapacity"]) for p in periods]
    assert states == [
        (dt.timedelta(0), "FREE", 2), (H, "PARTLY_BOOKED", 1), (2 * H, "BOOKED", 0),
        (3 * H, "PARTLY_BOOKED", 1), (4 * H, "FREE", 2),
    ]
    too_long = api.gql(AVAILABILITY, id=desks["id"], **{"from": iso(start), "to": iso(start + 100 * D)})
    assert too_long["errors"][0]["extensions"]["code"] == "INVALID"


def test_opening_hours_show_as_closed_periods(member_api, api):
    hours = [{"weekday": 1, "opens": "08:00", "closes": "12:00"}]
    hall = create_resource(member_api, kind="WORKSPACE", title="Halle", openingHours=hours)
    monday = base_time().astimezone(dt.timezone.utc)
    periods = api.data(AVAILABILITY, id=hall["id"], **{"from": iso(monday - 8 * H), "to": iso(monday + 16 * H)})["resource"]["availability"]
    assert [p["state"] for p in periods] == ["CLOSED", "FREE", "CLOSED"]
    opens = dt.datetime.fromisoformat(periods[1]["start"]).astimezone(dt.timezone.utc)
    assert opens.hour in (6, 7)  # 08:00 in Paris, summer or winter


# --- The free-window search against a brute force -----------------------------------------

SLOTS = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 20), st.integers(1, 6), st.integers(1, 2)),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bookings=SLOTS, window=st.tuples(st.integers(0, 24), st.integers(1, 8)), quantity=st.integers(1, 2),
       buffers=st.tuples(st.integers(0, 2), st.integers(0, 2)))
def test_free_window_search_matches_brute_force(app, bookings, window, quantity, buffers):
    """Random calendars on four resources (capacities 1, 2, 2, 3, with buffers): the SQL search
    returns exactly the resources for which an hour-by-hour count says the window is free."""
    from app.catalog.queries import free_in_window
    from app.database import get_session
    from models import Booking, BookingStatus, Member, Resource, ResourceKind

    start0 = base_time()
    capacities = [1, 2, 2, 3]
    with app.app_context():
        session = get_session()
        member = session.scalar(sa.select(Member).limit(1))
        if member is None:
            from app.auth.services import create_member

            member = create_member(session, app.extensions["passwords"], email="h@example.test", name="H", password="secret-password-1")
        resources = []
        for i, capacity in enumerate(capacities):
            r = Resource(kind=ResourceKind.WORKSPACE, title=f"R{i}", capacity=capacity, buffer_minutes=60 * buffers[i % 2], search_text="")
            session.add(r)
            resources.append(r)
        session.flush()
        # Insert a random calendar that respects the capacities (as bookResource would).
        hourly = {r.id: [0] * 40 for r in resources}
        for ri, offset, length, qty in bookings:
            r = resources[ri]
            buffer_h = r.buffer_minutes // 60
            span = range(offset, offset + length + buffer_h)
            if all(hourly[r.id][h] + qty <= r.capacity for h in span):
                for h in span:
                    hourly[r.id][h] += qty
                start = start0 + offset * H
                session.add(Booking(
                    resource_id=r.id, booker_id=member.id, start=start, end=start + length * H,
                    blocked_from=start - buffer_h * H, blocked_until=start + (length + buffer_h) * H,
                    quantity=qty, exclusive=r.capacity == 1, status=BookingStatus.CONFIRMED, price=0,
                ))
        session.flush()
        w_start, w_len = window
        a, b = start0 + w_start * H, start0 + (w_start + w_len) * H
        found = set(session.scalars(sa.select(Resource.id).where(free_in_window(a, b, quantity))))
        expected = {
            r.id for r in resources
            if all(hourly[r.id][h] + quantity <= r.capacity for h in range(w_start, w_start + w_len + r.buffer_minutes // 60))
        }
        session.rollback()
    assert found == expected


# --- SQL statements per request ------------------------------------------------------------

LIST = """query($from: DateTime!, $to: DateTime!, $first: Int) {
  resources(availableFrom: $from, availableTo: $to, first: $first) {
    edges { node { id title town ownerName owner { name } canManage price { amount }
      nextFreeSlot(after: $from) { start end }
      availability(from: $from, to: $to) { state } } }
  }
}"""
MY_BOOKINGS = "query($first: Int) { myBookings(first: $first) { edges { node { id price { amount } resource { title ownerName } booker { name } cancellationFeeIfCancelledNow { amount } } } } }"


def count_statements(app, fn):
    from app.database import get_engine

    with app.app_context():
        engine = get_engine()
    with sql_statements(engine) as statements:
        fn()
    return len(statements)


def test_statement_count_does_not_grow_with_page_size(app, member_api, make_member):
    other = signed_in(app, make_member, "Autre propriétaire")
    booker = signed_in(app, make_member, "Booker org")
    start = base_time()
    for i in range(12):
        owner = member_api if i % 2 else other
        r = create_resource(owner, title=f"Outil {i:02d}")
        booked(booker, r["id"], start + 5 * H, start + 6 * H)
        booked(booker, r["id"], start + 7 * H, start + 9 * H)
    window = {"from": iso(start), "to": iso(start + 4 * H)}
    small = count_statements(app, lambda: booker.data(LIST, first=2, **window))
    large = count_statements(app, lambda: booker.data(LIST, first=12, **window))
    assert small == large
    small = count_statements(app, lambda: booker.data(MY_BOOKINGS, first=2))
    large = count_statements(app, lambda: booker.data(MY_BOOKINGS, first=20))
    assert small == large
