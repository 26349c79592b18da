"""Membership fees: set by the admin, paid by card by the organisation's manager or recorded
by the treasurer; status and renewal date; an overdue fee blocks new bookings when the hub
says so."""
import datetime as dt

import sqlalchemy as sa

from app.database import get_session
from app.hub import hub_today
from app.payments import fees
from models import MembershipFee
from tests.api.catalog_helpers import book, create_resource, signed_in
from tests.payments.payment_helpers import PAYMENT_FIELDS, ledger_ties_out, settlement_entries

SET_FEE = """mutation($input: SetMembershipFeeInput!) { setMembershipFee(input: $input) {
  membershipFee { status yearlyAmount { amount currency } renewalDate paidUntil } errors { code field message } } }"""
PAY_FEE = """mutation($input: PayMembershipFeeInput!) { payMembershipFee(input: $input) {
  payment { %s } clientSecret errors { code field message } } }""" % PAYMENT_FIELDS
RECORD_FEE = """mutation($input: RecordMembershipFeeInput!) { recordMembershipFee(input: $input) {
  payment { %s } errors { code field message } } }""" % PAYMENT_FIELDS
SETTINGS = """mutation($input: UpdatePaymentSettingsInput!) { updatePaymentSettings(input: $input) {
  config { feeOverdueBlocksBookings feeGraceDays } errors { code field message } } }"""
MY_FEE = "{ viewer { organization { id membershipFee { status yearlyAmount { amount } renewalDate paidUntil } } } }"


def org_of(client) -> str:
    return client.data(MY_FEE)["viewer"]["organization"]["id"]


def set_fee(admin, organization_id, amount="120.00"):
    return admin.data(SET_FEE, input={"organizationId": organization_id, "amount": amount})["setMembershipFee"]


def test_the_admin_sets_it_and_the_treasurer_records_a_year(app, runner, admin_api, treasurer_api, member_api):
    org = org_of(member_api)
    assert set_fee(member_api, org)["errors"][0]["code"] == "FORBIDDEN"
    fee = set_fee(admin_api, org)
    assert fee["errors"] == []
    assert fee["membershipFee"]["status"] == "DUE" and fee["membershipFee"]["renewalDate"] == hub_today().isoformat()
    recorded = treasurer_api.data(RECORD_FEE, input={"organizationId": org, "reference": "VIR-COTIS-1"})["recordMembershipFee"]
    assert recorded["errors"] == []
    assert (recorded["payment"]["kind"], recorded["payment"]["status"]) == ("MEMBERSHIP_FEE", "SUCCEEDED")
    mine = member_api.data(MY_FEE)["viewer"]["organization"]["membershipFee"]
    year_later = hub_today().replace(year=hub_today().year + 1).isoformat()
    assert mine == {"status": "PAID", "yearlyAmount": {"amount": "120.00"}, "renewalDate": year_later, "paidUntil": year_later}
    assert settlement_entries(app) == []  # a fee is euros to the hub: no credit moves
    ledger_ties_out(runner)


def test_the_manager_pays_by_card(app, cards, admin_api, member_api):
    org = org_of(member_api)
    set_fee(admin_api, org, "80")
    paid = member_api.data(PAY_FEE, input={"organizationId": org, "paymentMethodId": "pm_card_visa"})["payMembershipFee"]
    assert paid["errors"] == [] and paid["payment"]["status"] == "SUCCEEDED"
    assert member_api.data(MY_FEE)["viewer"]["organization"]["membershipFee"]["status"] == "PAID"
    page = member_api.client.get("/membership").get_data(as_text=True)
    assert "Payée jusqu’au" in page


def test_fee_states_follow_the_calendar():
    today = dt.date(2026, 6, 1)
    fee = MembershipFee(organization_id=1, yearly_amount=10_000, starts_on=dt.date(2026, 5, 1), paid_until=None)
    assert fees.fee_state(fee, 30, today).status == fees.FeeStatus.OVERDUE
    assert fees.fee_state(fee, 31, today).status == fees.FeeStatus.DUE
    fee.paid_until = dt.date(2026, 6, 2)
    assert fees.fee_state(fee, 30, today).status == fees.FeeStatus.PAID
    assert fees.fee_state(None, 30, today).status == fees.FeeStatus.NONE


def test_an_overdue_fee_blocks_new_bookings_when_the_hub_says_so(app, make_member, admin_api):
    owner = signed_in(app, make_member, "Scierie du Giffre")
    late = signed_in(app, make_member, "Charpentes en retard")
    tool = create_resource(owner, title="Raboteuse")
    org = org_of(late)
    set_fee(admin_api, org)
    with app.app_context():
        session = get_session()
        session.execute(sa.update(MembershipFee).values(starts_on=hub_today() - dt.timedelta(days=90)))
        session.commit()
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=3)
    assert book(late, tool["id"], start, start + dt.timedelta(hours=2))["errors"] == []  # the setting is off
    assert admin_api.data(SETTINGS, input={"feeOverdueBlocksBookings": True})["updatePaymentSettings"]["errors"] == []
    blocked = book(late, tool["id"], start + dt.timedelta(days=1), start + dt.timedelta(days=1, hours=2))
    assert blocked["errors"][0]["code"] == "FORBIDDEN"
    assert "cotisation de votre structure est en retard" in blocked["errors"][0]["message"]
    assert late.data(MY_FEE)["viewer"]["organization"]["membershipFee"]["status"] == "OVERDUE"
