"""Paying by card: settling a negative balance, the card form (Stripe Elements), the return
from it, receipts and a member's own payments."""
import secrets

from flask import abort, current_app, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import login_required

from app.payments.views.common import bp
from app.web.forms import form_status, submit
from app.web.pages import query


def card_or_receipt(result) -> str:
    """After a card payment starts: the card form while it waits for the card, else its receipt."""
    payment = result["payment"]
    if payment["status"] == "PENDING":
        return url_for("payments.card", payment_id=payment["id"])
    return url_for("payments.receipt", payment_id=payment["id"])


@bp.route("/account/settle", methods=["GET", "POST"])
@login_required
def settle():
    """A member whose balance is below zero pays part or all of it by card."""
    result = None
    if request.method == "POST":
        result = submit(
            "StartSettlement",
            {"amount": request.form.get("amount", "").strip(), "idempotencyKey": request.form.get("idempotency_key") or None},
            done=None, then=card_or_receipt,
        )
    return render_template(
        "payments/settle.html", data=query("SettleAccount"), result=result, form=request.form,
        new_key=secrets.token_urlsafe(16),
    ), form_status(result)


@bp.route("/payments/<payment_id>/card")
@login_required
def card(payment_id: str):
    """The card form: Stripe Elements, with stripe.js loaded from js.stripe.com."""
    return _card_page(payment_id)


def _card_page(payment_id: str, result=None):
    data = query("PaymentCard", id=payment_id)
    payment = data["node"]
    if payment is None:
        abort(404)
    if payment["status"] not in ("PENDING", "FAILED") or not payment["clientSecret"]:
        return render_template("payments/card_done.html", payment=payment, result=result), form_status(result)
    page = render_template(
        "payments/card.html", payment=payment, config=data["paymentConfig"], locale=str(get_locale() or "fr"),
        result=result, action=request.args.get("action") == "1",
    )
    return page, form_status(result), {"Content-Security-Policy": card_page_policy()}


def card_page_policy() -> str:
    """The hub's policy, opened to what Stripe Elements needs (Stripe's documented list):
    stripe.js and its frames from Stripe, its calls to Stripe's API (or to the emulator that
    STRIPE_API_BASE names)."""
    api = current_app.config.get("STRIPE_API_BASE") or "https://api.stripe.com"
    return (
        "default-src 'self'; script-src 'self' https://js.stripe.com; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: https://*.stripe.com; font-src 'self'; "
        f"connect-src 'self' https://api.stripe.com {api}; "
        "frame-src https://js.stripe.com https://hooks.stripe.com; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


@bp.route("/payments/<payment_id>/confirm", methods=["POST"])
@login_required
def confirm(payment_id: str):
    """The card form is done: the card it created is confirmed by the hub with Stripe (or, with
    none, Stripe is asked how the payment stands), and the payment recorded. A declined card
    shows the form again, for another card."""
    result = submit(
        "ConfirmPayment", {"paymentId": payment_id, "paymentMethodId": request.form.get("payment_method_id") or None},
        then=_after_confirm, done=_confirmed,
    )
    return _card_page(payment_id, result)


def _after_confirm(result) -> str:
    payment = result["payment"]
    if payment["status"] == "PENDING":  # the bank asks the member to authenticate (3-D Secure)
        return url_for("payments.card", payment_id=payment["id"], action="1")
    return url_for("payments.receipt", payment_id=payment["id"])


def _confirmed(result):
    status = result["payment"]["status"]
    if status == "SUCCEEDED":
        return gettext("Payment received. Thank you!")
    if status == "AUTHORIZED":
        return gettext("The deposit is held on your card.")
    return None


@bp.route("/payments/<payment_id>")
@login_required
def receipt(payment_id: str):
    data = query("PaymentReceipt", id=payment_id)
    if data["node"] is None:
        abort(404)
    return render_template("payments/receipt.html", payment=data["node"])


@bp.route("/account/payments")
@login_required
def my_payments():
    return render_template("payments/my_payments.html", data=query("MyPayments", first=50, after=request.args.get("after")))
