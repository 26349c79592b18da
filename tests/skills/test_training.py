"""Trainings: sessions with seats (never more booked than there are, even at once), attendance
recorded by the provider, and the impact report's hours and trainees counted from it."""
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.database import get_session
from models import SeatStatus, TrainingSeat, TrainingSession
from tests.api.catalog_helpers import create_resource
from tests.conftest import GraphQLClient
from tests.skills.skills_helpers import act, codes, make_market

SESSION_FIELDS = "session { id seats freeSeats viewerHasSeat attendees { member { name } attended } } errors { code field message }"


def run(client: GraphQLClient, name: str, **input) -> dict:
    input_type = {"bookTrainingSeat": "TrainingSeatInput", "cancelTrainingSeat": "TrainingSeatInput"}.get(
        name, name[0].upper() + name[1:] + "Input")
    return client.data(f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {SESSION_FIELDS} }} }}",
                       input=input)[name]


def training_offer(market) -> str:
    resource = create_resource(market.provider, kind="SKILL", title="Formation CACES R486", price="180.00", priceUnit="DAY")
    payload = market.provider.data(
        "mutation($input: UpdateSkillOfferInput!) { updateSkillOffer(input: $input) { resource { isTraining pricing } "
        "errors { code } } }",
        input={"resourceId": resource["id"], "isTraining": True, "pricing": "PER_JOB", "delivery": "AT_PROVIDER"},
    )["updateSkillOffer"]
    assert payload == {"resource": {"isTraining": True, "pricing": "PER_JOB"}, "errors": []}
    return resource["id"]


def add_session(market, offer_id: str, seats: int = 3, days: int = 5) -> str:
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=days)
    payload = run(market.provider, "addTrainingSession", resourceId=offer_id, start=start.isoformat(),
                  end=(start + dt.timedelta(hours=7)).isoformat(), seats=seats)
    assert payload["errors"] == [], payload
    return payload["session"]["id"]


def trainees(app, make_member, n: int) -> list[GraphQLClient]:
    return [GraphQLClient(app.test_client()).login(make_member(name=f"Stagiaire {i}", organization=f"Entreprise {i}"))
            for i in range(n)]


def start_now(app) -> None:
    """As if the sessions had started an hour ago."""
    with app.app_context():
        session = get_session()
        start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
        session.execute(sa.update(TrainingSession).values(start=start, end=start + dt.timedelta(hours=7)))
        session.commit()


@pytest.fixture
def market(app, make_member):
    return make_market(app, make_member)


def test_three_members_book_a_session_of_three_then_it_is_full(app, make_member, market):
    offer = training_offer(market)
    sid = add_session(market, offer, seats=3)
    people = trainees(app, make_member, 4)
    for person in people[:3]:
        payload = run(person, "bookTrainingSeat", sessionId=sid)
        assert payload["errors"] == [] and payload["session"]["viewerHasSeat"]
        assert payload["session"]["attendees"] is None  # only the provider sees who comes
    full = run(people[3], "bookTrainingSeat", sessionId=sid)
    assert codes(full) == ["CONFLICT"]
    # Booking twice keeps one seat; giving it up frees it.
    assert run(people[0], "bookTrainingSeat", sessionId=sid)["session"]["freeSeats"] == 0
    assert run(people[0], "cancelTrainingSeat", sessionId=sid)["session"]["freeSeats"] == 1
    assert run(people[3], "bookTrainingSeat", sessionId=sid)["errors"] == []
    # A job cannot be requested on a training: seats are how it is booked.
    assert codes(act(people[0], "requestSkill", resourceId=offer, description="x")) == ["INVALID"]


def test_attendance_is_recorded_by_the_provider_once_the_session_started(app, make_member, market):
    offer = training_offer(market)
    sid = add_session(market, offer, seats=5)
    people = trainees(app, make_member, 3)
    ids = []
    for person in people:
        run(person, "bookTrainingSeat", sessionId=sid)
        ids.append(person.data("{ viewer { id } }")["viewer"]["id"])
    early = run(market.provider, "recordAttendance", sessionId=sid, attendedMemberIds=ids)
    assert codes(early) == ["INVALID_STATE"]
    start_now(app)
    assert codes(run(people[0], "recordAttendance", sessionId=sid, attendedMemberIds=ids)) == ["FORBIDDEN"]
    assert codes(run(market.outsider, "recordAttendance", sessionId=sid, attendedMemberIds=ids)) == ["FORBIDDEN"]
    stranger = market.outsider.data("{ viewer { id } }")["viewer"]["id"]
    bad = run(market.provider, "recordAttendance", sessionId=sid, attendedMemberIds=[stranger])
    assert codes(bad) == ["INVALID"] and bad["errors"][0]["field"] == ["attendedMemberIds"]
    done = run(market.provider, "recordAttendance", sessionId=sid, attendedMemberIds=ids[:2])
    assert done["errors"] == []
    assert sorted(a["attended"] for a in done["session"]["attendees"]) == [False, True, True]
    assert codes(run(people[2], "cancelTrainingSeat", sessionId=sid)) == ["INVALID_STATE"]  # started

    report = market.treasurer.data(
        'query($from: Date!, $to: Date!) { impactReport(from: $from, to: $to) { figures { key value } } }',
        **{"from": (dt.date.today() - dt.timedelta(days=2)).isoformat(), "to": (dt.date.today() + dt.timedelta(days=2)).isoformat()},
    )["impactReport"]["figures"]
    figures = {f["key"]: f["value"] for f in report}
    assert figures["training_trainees"] == "2" and figures["training_attended_hours"] == "14"


def test_only_the_provider_schedules_sessions_of_a_training_offer(app, make_member, market):
    offer = training_offer(market)
    start = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)).isoformat()
    end = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3, hours=4)).isoformat()
    assert codes(run(market.client, "addTrainingSession", resourceId=offer, start=start, end=end, seats=3)) == ["FORBIDDEN"]
    payload = run(market.provider, "addTrainingSession", resourceId=market.offer_id, start=start, end=end, seats=3)
    assert codes(payload) == ["INVALID"]  # not a training
    payload = run(market.provider, "addTrainingSession", resourceId=offer, start=start, end=end, seats=0)
    assert codes(payload) == ["INVALID"] and payload["errors"][0]["field"] == ["seats"]


@pytest.mark.slow
def test_concurrent_seat_bookings_never_exceed_the_seats(app, make_member, market):
    offer = training_offer(market)
    sid = add_session(market, offer, seats=4)
    people = trainees(app, make_member, 12)
    barrier = threading.Barrier(len(people))

    def attempt(person):
        barrier.wait()
        return run(person, "bookTrainingSeat", sessionId=sid)

    with ThreadPoolExecutor(len(people)) as pool:
        results = list(pool.map(attempt, people))
    assert len([r for r in results if not r["errors"]]) == 4
    assert {e["code"] for r in results for e in r["errors"]} == {"CONFLICT"}
    with app.app_context():
        booked = get_session().scalar(
            sa.select(sa.func.count()).select_from(TrainingSeat).where(TrainingSeat.status == SeatStatus.BOOKED))
    assert booked == 4
