"""Spending caps: per booking on a booking's price, per calendar month on everything a member
spends for their organisation; refused with SPENDING_CAP_EXCEEDED, under concurrency too."""
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.database import get_session
from app.errors import DomainError, ErrorCode
from app.ledger.services import posting, spending
from app.organizations.services import set_member_rights
from models import Account, Member, Transfer
from tests.api.catalog_helpers import BOOK, base_time, create_resource, iso
from tests.conftest import GraphQLClient
from tests.organizations.org_helpers import RIGHTS, grant, pay, workshop

CANCEL = """mutation($input: BookingActionInput!) { cancelBooking(input: $input) { booking { status } errors { code } } }"""
REVERSE = """mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) { transfer { id } errors { code } } }"""


def book(client, resource_id, days=10, hours=4):
    start = base_time(days)
    end = start + dt.timedelta(hours=hours)
    return client.data(BOOK, input={"resourceId": resource_id, "start": iso(start), "end": iso(end)})["bookResource"]


def spent(client, member_id):
    return client.data(RIGHTS, id=member_id)["node"]["rights"]["spentThisMonth"]["amount"]


def test_the_cap_per_booking_applies_to_the_price(app, make_member):
    w = workshop(app, make_member)
    grant(w.manager, w.worker_id, canBook=True, bookingCap="30.00")
    two_days = book(w.worker, w.saw["id"], hours=36)  # 2 days: 40.00
    assert [(e["code"], e["field"]) for e in two_days["errors"]] == [("SPENDING_CAP_EXCEEDED", ["amount"])]
    assert "40,00\u00a0ALV" in two_days["errors"][0]["message"] and "30,00\u00a0ALV" in two_days["errors"][0]["message"]
    assert "Sophie Gay" in two_days["errors"][0]["message"]
    assert book(w.worker, w.saw["id"])["errors"] == []  # one day: 20.00
    # The manager is never capped.
    assert book(w.manager, w.saw["id"], days=20, hours=36)["errors"] == []


def test_the_monthly_cap_counts_bookings_payments_and_what_is_undone(app, make_member, treasurer_api):
    w = workshop(app, make_member)
    grant(w.manager, w.worker_id, canBook=True, canPay=True, monthlyCap="200.00")
    first = book(w.worker, w.saw["id"])  # 20.00 on hold
    assert first["errors"] == []
    paid = pay(w.worker, w.supplier_account_id, "150.00", idempotencyKey="k1")
    assert paid["errors"] == []
    assert spent(w.manager, w.worker_id) == "170.00"
    over = pay(w.worker, w.supplier_account_id, "40.00")
    assert [(e["code"], e["field"]) for e in over["errors"]] == [("SPENDING_CAP_EXCEEDED", ["amount"])]
    # The amounts as money, like the pages show them, with what is left.
    assert over["errors"][0]["message"] == (
        "Vos dépenses de ce mois-ci passeraient à 210,00\u00a0ALV, au-delà de votre plafond de 200,00\u00a0ALV "
        "par mois (reste 30,00\u00a0ALV). Demandez à Sophie Gay de le relever."
    )
    # A retry of the payment that used the cap is answered, not refused.
    again = pay(w.worker, w.supplier_account_id, "150.00", idempotencyKey="k1")
    assert again["errors"] == [] and again["transfer"]["id"] == paid["transfer"]["id"]
    assert pay(w.worker, w.supplier_account_id, "30.00")["errors"] == []  # exactly up to the cap
    assert [e["code"] for e in book(w.worker, w.saw["id"], days=20)["errors"]] == ["SPENDING_CAP_EXCEEDED"]
    # A cancelled booking (its hold released) and a reversed payment no longer count.
    assert w.worker.data(CANCEL, input={"bookingId": first["booking"]["id"]})["cancelBooking"]["errors"] == []
    assert spent(w.worker, w.worker_id) == "180.00"
    assert treasurer_api.data(REVERSE, input={"transferId": paid["transfer"]["id"]})["reverseTransfer"]["errors"] == []
    assert spent(w.worker, w.worker_id) == "30.00"
    assert book(w.worker, w.saw["id"], days=20)["errors"] == []
    # The manager raises the cap: Karim may spend again.
    grant(w.manager, w.worker_id, canBook=True, canPay=True, monthlyCap="1000")
    assert pay(w.worker, w.supplier_account_id, "500.00")["errors"] == []


def test_bookings_left_on_account_count_against_the_monthly_cap(app, make_member):
    w = workshop(app, make_member)
    grant(w.manager, w.worker_id, canBook=True, monthlyCap="30.00")
    start = base_time()
    on_account = {"resourceId": w.saw["id"], "start": iso(start), "end": iso(start.replace(hour=12)), "payOnAccount": True}
    assert w.worker.data(BOOK, input=on_account)["bookResource"]["errors"] == []
    assert spent(w.worker, w.worker_id) == "20.00"
    assert [e["code"] for e in book(w.worker, w.saw["id"], days=20)["errors"]] == ["SPENDING_CAP_EXCEEDED"]


def _racers(app, email, n):
    return [GraphQLClient(app.test_client()).login(email) for _ in range(n)]


def _race(clients, attempt):
    barrier = threading.Barrier(len(clients))

    def run(args):
        barrier.wait()
        return attempt(*args)

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(run, enumerate(clients)))


def _karim_email(app):
    with app.app_context():
        return get_session().scalar(sa.select(Member.email).where(Member.name == "Karim Benali"))


@pytest.mark.slow
def test_concurrent_bookings_cannot_pass_the_monthly_cap_together(app, make_member):
    """12 bookings of 12 different tools (so no resource lock serialises them) at the same
    instant, 20.00 each, under a cap of 100.00: exactly 5 pass."""
    w = workshop(app, make_member)
    grant(w.manager, w.worker_id, canBook=True, monthlyCap="100.00")
    tools = [create_resource(w.supplier, title=f"Outil {i}", price="20.00", priceUnit="DAY") for i in range(12)]
    clients = _racers(app, _karim_email(app), 12)
    results = _race(clients, lambda i, client: book(client, tools[i]["id"]))
    assert len([r for r in results if r["booking"]]) == 5
    assert {e["code"] for r in results if not r["booking"] for e in r["errors"]} == {"SPENDING_CAP_EXCEEDED"}
    assert spent(w.manager, w.worker_id) == "100.00"
    with app.app_context():
        assert get_session().scalar(sa.select(Account.on_hold).where(Account.name == "Atelier Bois & Vie")) == 10_000


@pytest.mark.slow
def test_concurrent_payments_and_bookings_cannot_pass_the_monthly_cap_together(app, make_member):
    w = workshop(app, make_member)
    grant(w.manager, w.worker_id, canBook=True, canPay=True, monthlyCap="100.00")
    tools = [create_resource(w.supplier, title=f"Outil {i}", price="30.00", priceUnit="DAY") for i in range(5)]
    clients = _racers(app, _karim_email(app), 10)

    def attempt(i, client):  # five bookings and five payments of 30.00 at once
        if i < 5:
            result = book(client, tools[i]["id"])
            return result["booking"] is not None, result["errors"]
        result = pay(client, w.supplier_account_id, "30.00")
        return result["transfer"] is not None, result["errors"]

    results = _race(clients, attempt)
    assert len([ok for ok, _ in results if ok]) == 3
    assert {e["code"] for ok, errors in results if not ok for e in errors} == {"SPENDING_CAP_EXCEEDED"}
    assert spent(w.manager, w.worker_id) == "90.00"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cap=st.integers(0, 50_000), amounts=st.lists(st.integers(1, 20_000), min_size=1, max_size=8))
def test_a_member_never_spends_past_the_cap_and_is_refused_only_past_it(app, make_member, cap, amounts):
    """Whatever the payments asked, the cap holds, and a payment is refused only when it would
    take the month past it (the workshop has credit to spare)."""
    with app.app_context():
        fresh = get_session().scalar(sa.select(Account.id).where(Account.name == "Atelier Ouvert")) is None
    if fresh:  # the first example: a workshop with credit to spare, and a supplier
        make_member(name="Gérante", organization="Atelier Ouvert", credit_limit=10**12)
        make_member(name="Fournisseur", organization="Fournisseur", credit_limit=0)
    worker_email = make_member(organization="Atelier Ouvert")  # a new worker each example: a month of their own
    with app.app_context():
        session = get_session()
        try:
            _spend_under_cap(session, worker_email, cap, amounts)
        finally:
            session.rollback()
            session.close()


def _spend_under_cap(session, worker_email, cap, amounts):
    worker = session.scalar(sa.select(Member).where(Member.email == worker_email))
    manager = session.scalar(sa.select(Member).where(Member.name == "Gérante"))
    set_member_rights(session, manager, worker.id, can_pay=True, monthly_cap=cap)
    session.commit()
    org = session.scalar(sa.select(Account).where(Account.name == "Atelier Ouvert"))
    supplier = session.scalar(sa.select(Account).where(Account.name == "Fournisseur"))
    total = 0
    for amount in amounts:
        try:
            posting.transfer(session, worker, from_account=org, to_account_id=supplier.id, amount=amount)
        except DomainError as refused:
            session.rollback()
            assert refused.code == ErrorCode.SPENDING_CAP_EXCEEDED
            assert total + amount > cap
            continue
        session.commit()
        total += amount
        assert total <= cap
    assert spending.spent_this_month(session, worker.id, org.id) == total
    paid = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Transfer.amount), 0)).where(Transfer.actor_id == worker.id))
    assert paid == total and Decimal(total) <= cap
