"""A deposit's claim (the owner) and capture (the treasurer), against localstripe: one entry
each, about the booking and its booker; a refused claim leaves none."""
from tests.audit.audit_helpers import pk, trail, viewer
from tests.payments.test_deposits import CAPTURE, CHECK_OUT, CLAIM, RETURN, a_loan, authorize, people  # noqa: F401


def test_a_claim_and_its_capture_are_audited(app, cards, people, treasurer_api):  # noqa: F811
    owner, karim = people
    booking = a_loan(owner, karim)
    assert authorize(karim, booking["id"])["errors"] == []
    owner.data(CHECK_OUT, input={"bookingId": booking["id"]})
    owner.data(RETURN, input={"bookingId": booking["id"], "damageReported": True})
    refused = karim.data(CLAIM, input={"bookingId": booking["id"], "amount": "100", "reason": "x"})["claimDeposit"]
    assert refused["errors"][0]["code"] == "FORBIDDEN" and trail(app) == []

    owner.data(CLAIM, input={"bookingId": booking["id"], "amount": "100,00", "reason": "Lame tordue"})
    [claim] = trail(app)
    assert (claim["action"], claim["object_type"], claim["object_id"]) == ("payments.deposit_claimed", "Booking", pk(booking["id"]))
    assert claim["before"] == {"claim_amount": None} and claim["after"] == {"claim_amount": 10_000}
    assert claim["subject_member_id"] == pk(viewer(karim)["id"]) and claim["reason"] == "Lame tordue"

    assert treasurer_api.data(CAPTURE, input={"bookingId": booking["id"], "amount": "80"})["captureDeposit"]["errors"] == []
    capture = trail(app)[-1]
    assert len(trail(app)) == 2 and capture["action"] == "payments.deposit_captured"
    assert capture["before"] == {"captured_amount": None}
    assert capture["after"] == {"captured_amount": 8_000, "claim_amount": 10_000}
    summary = treasurer_api.data('{ auditEntries(action: "payments.deposit_captured") { nodes { summary } } }')
    assert "80,00\u00a0EUR" in summary["auditEntries"]["nodes"][0]["summary"]
