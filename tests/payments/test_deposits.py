"""Euro deposits on tools, against localstripe: held on the card before check-out, released on
a clean return, claimed by the owner and captured in part by the treasurer; the 7-day lapse
of card holds (loans over 5 days are charged and refunded instead); the same without cards."""
import datetime as dt
import re

import pytest

from app.database import get_session
from app.payments import deposits
from models import Booking, DepositMode, PaymentStatus
from tests.api.catalog_helpers import booked, create_resource, signed_in
from tests.payments.payment_helpers import (
    PAYMENT_FIELDS,
    account_of,
    event,
    intent,
    ledger_ties_out,
    payment_row,
    pk,
    post_event,
    settlement_balance,
    stripe_client,
)

AUTHORIZE = """mutation($input: AuthorizeDepositInput!) { authorizeDeposit(input: $input) {
  payment { %s } clientSecret errors { code field message } } }""" % PAYMENT_FIELDS
RELEASE = """mutation($input: DepositActionInput!) { releaseDeposit(input: $input) { payment { %s } errors { code field message } } }""" % PAYMENT_FIELDS
CLAIM = """mutation($input: ClaimDepositInput!) { claimDeposit(input: $input) { payment { %s } errors { code field message } } }""" % PAYMENT_FIELDS
CAPTURE = """mutation($input: CaptureDepositInput!) { captureDeposit(input: $input) { payment { %s } errors { code field message } } }""" % PAYMENT_FIELDS
CHECK_OUT = """mutation($input: CheckOutBookingInput!) { checkOutBooking(input: $input) { booking { id status } errors { code field message } } }"""
RETURN = """mutation($input: ReturnBookingInput!) { returnBooking(input: $input) { booking { id status } errors { code field message } } }"""
DEPOSIT_OF = """query($id: ID!) { node(id: $id) { ... on Booking { id deposit { %s } } } }""" % PAYMENT_FIELDS


@pytest.fixture
def people(app, make_member):
    owner = signed_in(app, make_member, "Scierie du Giffre")
    karim = signed_in(app, make_member, "Atelier Bois & Vie")
    return owner, karim


def soon(hours: int = 2) -> dt.datetime:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)


def a_loan(owner, karim, days: int = 2, start=None):
    tool = create_resource(owner, title="Scie mobile", deposit="300.00")
    start = start or soon()
    return booked(karim, tool["id"], start, start + dt.timedelta(days=days))


def authorize(client, booking_id, pm="pm_card_visa"):
    return client.data(AUTHORIZE, input={"bookingId": booking_id, "paymentMethodId": pm})["authorizeDeposit"]


def test_held_before_check_out_and_released_on_a_clean_return(app, runner, cards, people):
    owner, karim = people
    booking = a_loan(owner, karim)
    refused = owner.data(CHECK_OUT, input={"bookingId": booking["id"]})["checkOutBooking"]
    assert refused["errors"][0]["code"] == "INVALID_STATE"
    assert "La caution de 300,00 € n’est pas encore garantie" in refused["errors"][0]["message"]
    # Someone else cannot secure it for Karim.
    assert authorize(owner, booking["id"])["errors"][0]["code"] == "FORBIDDEN"
    held = authorize(karim, booking["id"])
    assert held["errors"] == []
    payment = held["payment"]
    assert (payment["status"], payment["depositMode"], payment["held"]) == ("AUTHORIZED", "HOLD", True)
    assert payment["amount"]["amount"] == "300.00" and payment["heldUntil"]
    assert intent(cards, payment["stripeId"])["status"] == "requires_capture"
    # Karim sees what is held, and the owner's page says it is secured.
    seen = karim.data(DEPOSIT_OF, id=booking["id"])["node"]["deposit"]
    assert seen["id"] == payment["id"] and seen["held"]
    assert "Caution garantie" in owner.client.get("/bookings/manage").get_data(as_text=True)
    assert owner.data(CHECK_OUT, input={"bookingId": booking["id"]})["checkOutBooking"]["errors"] == []
    back = owner.data(RETURN, input={"bookingId": booking["id"], "damageReported": False})["returnBooking"]
    assert back["errors"] == []
    released = karim.data(DEPOSIT_OF, id=booking["id"])["node"]["deposit"]
    assert (released["status"], released["held"]) == ("CANCELED", False)
    assert intent(cards, payment["stripeId"])["status"] == "canceled"
    # Stripe's canceled webhook changes nothing more.
    assert post_event(karim.client, event("payment_intent.canceled", intent(cards, payment["stripeId"]))).status_code == 200
    assert settlement_balance(app) in (None, 0)
    ledger_ties_out(runner)


def test_damage_claimed_by_the_owner_and_captured_in_part(app, runner, cards, people, treasurer_api):
    owner, karim = people
    booking = a_loan(owner, karim)
    payment = authorize(karim, booking["id"])["payment"]
    owner.data(CHECK_OUT, input={"bookingId": booking["id"]})
    early = owner.data(CLAIM, input={"bookingId": booking["id"], "amount": "100", "reason": "Lame tordue"})["claimDeposit"]
    assert early["errors"][0]["code"] == "INVALID_STATE"  # the tool is not back yet
    owner.data(RETURN, input={"bookingId": booking["id"], "damageReported": True})
    assert karim.data(CLAIM, input={"bookingId": booking["id"], "amount": "100", "reason": "x"})["claimDeposit"]["errors"][0]["code"] == "FORBIDDEN"
    too_much = owner.data(CLAIM, input={"bookingId": booking["id"], "amount": "300.01", "reason": "Lame tordue"})["claimDeposit"]
    assert too_much["errors"][0]["field"] == ["amount"]
    claimed = owner.data(CLAIM, input={"bookingId": booking["id"], "amount": "100,00", "reason": "Lame tordue"})["claimDeposit"]
    assert claimed["errors"] == [] and claimed["payment"]["claimAmount"]["amount"] == "100.00"
    assert owner.data(CAPTURE, input={"bookingId": booking["id"]})["captureDeposit"]["errors"][0]["code"] == "FORBIDDEN"
    owner_before = account_of(owner)["balance"]["amount"]
    captured = treasurer_api.data(CAPTURE, input={"bookingId": booking["id"]})["captureDeposit"]
    assert captured["errors"] == []
    done = captured["payment"]
    assert (done["status"], done["capturedAmount"]["amount"], done["held"]) == ("SUCCEEDED", "100.00", False)
    assert done["transfer"]["kind"] == "SETTLEMENT"
    assert intent(cards, payment["stripeId"])["status"] == "succeeded"
    # The owner is compensated: 100 credits, against the euro settlement account.
    assert float(account_of(owner)["balance"]["amount"]) == float(owner_before) + 100
    assert settlement_balance(app) == -10_000
    assert done["credits"]["amount"] == "100.00"
    # The webhook of the capture arrives afterwards: nothing more.
    post_event(karim.client, event("payment_intent.succeeded", intent(cards, payment["stripeId"])))
    assert float(account_of(owner)["balance"]["amount"]) == float(owner_before) + 100
    ledger_ties_out(runner)


def test_a_hold_cannot_be_made_too_early_for_the_7_day_lapse(app, cards, people):
    owner, karim = people
    start = soon(hours=24 * 10)
    booking = a_loan(owner, karim, days=2, start=start)
    refused = authorize(karim, booking["id"])
    assert refused["errors"][0]["code"] == "INVALID_STATE"
    opens = (start + dt.timedelta(days=2) - dt.timedelta(days=5)).astimezone(dt.timezone.utc)
    assert "autorisez la caution à partir du" in refused["errors"][0]["message"]
    with app.app_context():
        row = get_session().get(Booking, pk(booking["id"]))
        assert deposits.hold_opens_at(row) == opens
        assert deposits.mode_for(row) == DepositMode.HOLD
        # Authorised when the window opens, the hold outlives the booking's end and its return day.
        assert deposits.hold_opens_at(row) + deposits.HOLD_LIFETIME >= row.end + deposits.RETURN_MARGIN
        assert deposits.HOLD_LIFETIME < deposits.AUTHORIZATION_LIFETIME


def test_a_long_loan_is_charged_and_refunded_on_return(app, runner, cards, people):
    owner, karim = people
    booking = a_loan(owner, karim, days=10)
    held = authorize(karim, booking["id"])["payment"]
    assert (held["depositMode"], held["status"], held["held"]) == ("CHARGE", "SUCCEEDED", True)
    assert held["transfer"] is None  # the euros are held by the hub: no credit moves
    assert intent(cards, held["stripeId"])["status"] == "succeeded"
    assert owner.data(CHECK_OUT, input={"bookingId": booking["id"]})["checkOutBooking"]["errors"] == []
    owner.data(RETURN, input={"bookingId": booking["id"], "damageReported": False})
    refunded = karim.data(DEPOSIT_OF, id=booking["id"])["node"]["deposit"]
    assert (refunded["status"], refunded["refundedAmount"]["amount"], refunded["held"]) == ("REFUNDED", "300.00", False)
    refunds = stripe_client(cards).v1.refunds.list(params={"payment_intent": held["stripeId"]}).to_dict()["data"]
    assert [r["amount"] for r in refunds] == [30_000]
    ledger_ties_out(runner)


def test_a_long_loan_claim_refunds_the_rest(app, runner, cards, people, treasurer_api):
    owner, karim = people
    booking = a_loan(owner, karim, days=8)
    held = authorize(karim, booking["id"])["payment"]
    owner.data(CHECK_OUT, input={"bookingId": booking["id"]})
    owner.data(RETURN, input={"bookingId": booking["id"], "damageReported": True})
    owner.data(CLAIM, input={"bookingId": booking["id"], "amount": "120", "reason": "Chaîne cassée"})
    done = treasurer_api.data(CAPTURE, input={"bookingId": booking["id"], "amount": "80"})["captureDeposit"]["payment"]
    assert (done["capturedAmount"]["amount"], done["refundedAmount"]["amount"], done["held"]) == ("80.00", "220.00", False)
    refunds = stripe_client(cards).v1.refunds.list(params={"payment_intent": held["stripeId"]}).to_dict()["data"]
    assert sorted(r["amount"] for r in refunds) == [22_000]
    assert settlement_balance(app) == -8_000
    ledger_ties_out(runner)


def test_the_owner_releases_a_claim_and_a_cancellation_releases_the_hold(app, cards, people, treasurer_api):
    owner, karim = people
    booking = a_loan(owner, karim)
    authorize(karim, booking["id"])
    assert karim.data(RELEASE, input={"bookingId": booking["id"]})["releaseDeposit"]["errors"][0]["code"] == "FORBIDDEN"
    other = a_loan(owner, karim, start=soon(hours=60))
    held = authorize(karim, other["id"])["payment"]
    cancel = """mutation($input: BookingActionInput!) { cancelBooking(input: $input) { errors { code } } }"""
    assert karim.data(cancel, input={"bookingId": other["id"]})["cancelBooking"]["errors"] == []
    assert payment_row(app, pk(held["id"])).status == PaymentStatus.CANCELED
    released = owner.data(RELEASE, input={"bookingId": booking["id"]})["releaseDeposit"]
    assert released["errors"] == [] and released["payment"]["status"] == "CANCELED"
    again = owner.data(RELEASE, input={"bookingId": booking["id"]})["releaseDeposit"]
    assert again["errors"][0]["code"] == "INVALID_STATE"


def test_without_cards_check_out_needs_no_card(app, people):
    owner, karim = people
    booking = a_loan(owner, karim)
    # His bookings say the deposit asked, not that a card must secure it.
    line = re.search(r'data-testid="deposit-line">(.*?)</p>', karim.client.get("/bookings").get_data(as_text=True), re.S).group(1)
    assert "300,00" in line and "badge warn" not in line and "carte" not in line
    assert owner.data(CHECK_OUT, input={"bookingId": booking["id"]})["checkOutBooking"]["errors"] == []
    page = karim.client.get(f"/bookings/{booking['id']}/deposit").get_data(as_text=True)
    assert 'data-testid="cards-off"' in page
