"""Shared helpers of the payments tests: members with a balance, GraphQL documents, Stripe
events signed as Stripe signs them, and a Stripe client that plays stripe.js's part."""
import hashlib
import hmac
import json
import time
import uuid

import sqlalchemy as sa
import stripe

from app.api.relay import parse_global_id
from app.database import get_session
from models import EURO_SETTLEMENT, Account, Payment, Transfer, TransferKind
from tests.conftest import STRIPE_TEST_KEYS, GraphQLClient

PAYMENT_FIELDS = """id number kind status method amount { amount currency } credits { amount currency }
  refundedAmount { amount } capturedAmount { amount } claimAmount { amount } stripeId reference failureMessage
  depositMode held heldUntil transfer { id kind } account { id name } reconciliation"""
START = """mutation($input: StartSettlementInput!) { startSettlement(input: $input) {
  payment { %s } clientSecret errors { code field message } } }""" % PAYMENT_FIELDS
CONFIRM = """mutation($input: ConfirmPaymentInput!) { confirmPayment(input: $input) {
  payment { %s } errors { code field message } } }""" % PAYMENT_FIELDS
RECORD = """mutation($input: RecordBankTransferInput!) { recordBankTransfer(input: $input) {
  payment { %s } errors { code field message } } }""" % PAYMENT_FIELDS
PAYMENTS = """query($status: [PaymentStatus!], $kind: [PaymentKind!]) { payments(status: $status, kind: $kind, first: 100) {
  totalCount nodes { %s } } }""" % PAYMENT_FIELDS
MY_PAYMENTS = "{ viewer { payments(first: 50) { totalCount nodes { %s } } } }" % PAYMENT_FIELDS
ACCOUNT = "{ viewer { id account { id balance { amount } } } }"
TRANSFER = """mutation($input: TransferInput!) { transfer(input: $input) { transfer { id } errors { code message } } }"""


def account_of(client: GraphQLClient) -> dict:
    return client.data(ACCOUNT)["viewer"]["account"]


def go_below_zero(debtor: GraphQLClient, creditor: GraphQLClient, amount: str) -> None:
    """The debtor pays the creditor `amount` credits, leaving the debtor's balance below zero."""
    paid = debtor.data(TRANSFER, input={
        "toAccountId": account_of(creditor)["id"], "amount": amount, "memo": "Sciage", "idempotencyKey": uuid.uuid4().hex,
    })["transfer"]
    assert paid["errors"] == [], paid


def stripe_client(base: str) -> stripe.StripeClient:
    return stripe.StripeClient(STRIPE_TEST_KEYS["STRIPE_SECRET_KEY"], base_addresses={"api": base}, max_network_retries=0)


def pay_in_browser(base: str, intent_id: str, payment_method: str = "pm_card_visa") -> dict:
    """What stripe.js does when the member submits the card form: attach the card to the
    PaymentIntent and confirm it, straight with Stripe (the hub is not involved)."""
    client = stripe_client(base)
    client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method})
    try:
        return client.v1.payment_intents.confirm(intent_id).to_dict()
    except stripe.CardError:
        return client.v1.payment_intents.retrieve(intent_id).to_dict()


def intent(base: str, intent_id: str) -> dict:
    return stripe_client(base).v1.payment_intents.retrieve(intent_id).to_dict()


def signed(payload: bytes, secret: str = STRIPE_TEST_KEYS["STRIPE_WEBHOOK_SECRET"], timestamp=None) -> str:
    """The Stripe-Signature header Stripe would send with this payload."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(kind: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "type": kind, "api_version": "2024-06-20",
        "created": int(time.time()), "livemode": False, "data": {"object": obj},
    }


def post_event(client, evt: dict, signature: str | None = "sign"):
    """POST the event to /stripe/webhook, signed with the webhook secret (or as given)."""
    payload = json.dumps(evt).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["Stripe-Signature"] = signed(payload)
    elif signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/stripe/webhook", data=payload, headers=headers)


def settlement_entries(app, account_id: int | None = None) -> list[Transfer]:
    """The SETTLEMENT entries of the ledger (touching `account_id` if given)."""
    with app.app_context():
        stmt = sa.select(Transfer).where(Transfer.kind == TransferKind.SETTLEMENT)
        if account_id is not None:
            stmt = stmt.where(sa.or_(Transfer.from_account_id == account_id, Transfer.to_account_id == account_id))
        return list(get_session().scalars(stmt.order_by(Transfer.id)))


def settlement_balance(app) -> int:
    with app.app_context():
        return get_session().scalar(sa.select(Account.balance).where(Account.system_code == EURO_SETTLEMENT))


def payment_row(app, payment_id: int) -> Payment:
    with app.app_context():
        return get_session().get(Payment, payment_id)


def pk(global_id: str) -> int:
    return parse_global_id(global_id)[1]


def ledger_ties_out(runner) -> None:
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
