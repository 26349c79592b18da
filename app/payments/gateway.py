"""Stripe, seen from the hub: the few calls the payments slice makes, through the real `stripe`
library, each answered as a plain dict. Every call that creates or captures money carries an
idempotency key derived from the payment's own key, so a retried request never charges twice.

The configuration comes from the app (STRIPE_SECRET_KEY, STRIPE_API_BASE for an emulator such
as localstripe); without a secret key, cards are off and every call here is refused."""
import logging
from dataclasses import dataclass
from typing import Optional

import stripe
from flask import current_app

from app.errors import N_, DomainError, ErrorCode

log = logging.getLogger("alveole.payments")

CURRENCY = "eur"
CARDS_OFF = N_("Card payments are not set up on this hub: the treasurer records bank transfers instead.")
UNREACHABLE = N_("The card service did not answer. Nothing was charged; try again in a moment.")


@dataclass
class Declined(Exception):
    """The card was declined; `intent` is the PaymentIntent as it stands after the attempt."""

    message: str
    intent: Optional[dict] = None


def cards_enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def publishable_key() -> Optional[str]:
    return current_app.config.get("STRIPE_PUBLISHABLE_KEY") if cards_enabled() else None


def _client() -> stripe.StripeClient:
    key = current_app.config.get("STRIPE_SECRET_KEY")
    if not key:
        raise DomainError(ErrorCode.INVALID_STATE, CARDS_OFF)
    base = current_app.config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        key, base_addresses={"api": base} if base else None, max_network_retries=2,
    )


def _plain(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _call(what: str, fn):
    """Run one Stripe call; a declined card is Declined, anything else unreachable."""
    try:
        return _plain(fn())
    except stripe.CardError as exc:
        log.info("stripe %s declined: %s", what, exc.code)
        raise Declined(exc.user_message or str(exc)) from exc
    except stripe.StripeError as exc:
        log.warning("stripe %s failed: %s", what, exc)
        raise DomainError(ErrorCode.PAYMENT_FAILED, UNREACHABLE) from exc


def create_intent(amount: int, *, key: str, metadata: dict, manual_capture: bool = False) -> dict:
    """A PaymentIntent for `amount` cents, to be confirmed with a card (by stripe.js in the
    page, or `confirm_intent` on the server)."""
    params = {"amount": amount, "currency": CURRENCY, "metadata": metadata, "payment_method_types": ["card"]}
    if manual_capture:
        params["capture_method"] = "manual"
    client = _client()
    return _call("create", lambda: client.v1.payment_intents.create(params=params, options={"idempotency_key": f"{key}:create"}))


def confirm_intent(intent_id: str, payment_method: str) -> dict:
    """Confirm on the server with a payment method the page created (or a test card). A
    declined card raises Declined with the intent as it stands."""
    client = _client()
    _call("attach", lambda: client.v1.payment_intents.update(intent_id, params={"payment_method": payment_method}))
    try:
        return _call("confirm", lambda: client.v1.payment_intents.confirm(intent_id))
    except Declined as exc:
        exc.intent = retrieve_intent(intent_id)
        raise


def retrieve_intent(intent_id: str) -> dict:
    client = _client()
    return _call("retrieve", lambda: client.v1.payment_intents.retrieve(intent_id))


def capture_intent(intent_id: str, amount: int, *, key: str) -> dict:
    client = _client()
    return _call("capture", lambda: client.v1.payment_intents.capture(
        intent_id, params={"amount_to_capture": amount}, options={"idempotency_key": f"{key}:capture"}
    ))


def cancel_intent(intent_id: str) -> dict:
    client = _client()
    return _call("cancel", lambda: client.v1.payment_intents.cancel(intent_id))


def refund(intent_id: str, amount: int, *, key: str) -> dict:
    client = _client()
    return _call("refund", lambda: client.v1.refunds.create(
        params={"payment_intent": intent_id, "amount": amount}, options={"idempotency_key": f"{key}:refund:{amount}"}
    ))


def recent_intents(limit: int = 100) -> list[dict]:
    """The most recent PaymentIntents, newest first, up to `limit`."""
    client = _client()
    found: list[dict] = []
    params: dict = {"limit": min(limit, 100)}
    while len(found) < limit:
        page = _call("list", lambda p=params: client.v1.payment_intents.list(params=p))
        found.extend(page["data"])
        if not page.get("has_more") or not page["data"]:
            break
        params = {"limit": min(limit - len(found), 100), "starting_after": page["data"][-1]["id"]}
    return found[:limit]


def construct_event(payload: bytes, signature: Optional[str]) -> dict:
    """The event of a webhook request, once its signature is checked with the webhook secret;
    ValueError if the payload or the signature is not right."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret or not signature:
        raise ValueError("missing signature or webhook secret")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError as exc:
        raise ValueError("bad signature") from exc
    return _plain(event)
