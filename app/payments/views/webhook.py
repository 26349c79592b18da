"""POST /stripe/webhook: Stripe's events, signature-checked, each processed once. Not a page:
Stripe is the caller, so no CSRF token and no session; a bad or missing signature is a 400
and nothing is done; a failure while processing is a 500, and Stripe sends the event again."""
import logging

from flask import jsonify, request

from app.database import begin_write, get_session
from app.extensions import csrf
from app.payments import gateway, webhooks
from app.payments.views.common import bp

log = logging.getLogger("alveole.payments")


@bp.route("/stripe/webhook", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    try:
        event = gateway.construct_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except ValueError:
        log.warning("stripe webhook refused: bad or missing signature")
        return jsonify(error="bad signature"), 400
    session = get_session()
    begin_write(session)
    try:
        outcome = webhooks.receive(session, event)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("stripe event %s could not be processed", event.get("id"))
        return jsonify(error="not processed"), 500
    return jsonify(received=True, outcome=outcome)
