"""Receipts: a notice and an email in the member's own language whenever euros moved for them
(paid, recorded, held, released or taken). The email waits in the outbox like the others."""
import logging

from flask_babel import force_locale, format_decimal, gettext, lazy_gettext

from app.api.relay import to_global_id
from app.hub import hub_zone
from app.notices.kinds import Category
from models import Member, Notification, OutboxEmail, Payment, PaymentKind, PaymentStatus

log = logging.getLogger("alveole.payments")

KIND_LABELS = {
    PaymentKind.SETTLEMENT: lazy_gettext("Balance settled in euros"),
    PaymentKind.PAYOUT: lazy_gettext("Pay-out of your balance"),
    PaymentKind.DEPOSIT: lazy_gettext("Equipment deposit"),
    PaymentKind.MEMBERSHIP_FEE: lazy_gettext("Membership fee"),
}
# A payment's status as members read it, on the receipts and on the pages (keyed by name).
STATUS_LABELS = {
    PaymentStatus.PENDING.value: lazy_gettext("Waiting for the card"),
    PaymentStatus.AUTHORIZED.value: lazy_gettext("Held on the card"),
    PaymentStatus.SUCCEEDED.value: lazy_gettext("Received"),
    PaymentStatus.CANCELED.value: lazy_gettext("Released"),
    PaymentStatus.FAILED.value: lazy_gettext("Payment declined"),
    PaymentStatus.REFUNDED.value: lazy_gettext("Refunded"),
}


def euros(cents: int) -> str:
    return f"{format_decimal(cents / 100, format='#,##0.00')} €"


def receipt_text(payment: Payment) -> tuple[str, str]:
    """The subject and body of a payment's receipt, in the current locale."""
    subject = gettext("Alvéole receipt No. %(number)s: %(what)s", number=payment.id, what=KIND_LABELS[payment.kind])
    when = (payment.succeeded_at or payment.created_at).astimezone(hub_zone()).strftime("%d/%m/%Y %H:%M")
    lines = [
        gettext("Receipt No. %(number)s", number=payment.id),
        f"{KIND_LABELS[payment.kind]} — {STATUS_LABELS[payment.status.value]}",
        gettext("Amount: %(amount)s", amount=euros(payment.amount)),
        gettext("Date: %(date)s", date=when),
    ]
    if payment.captured_amount is not None and payment.kind == PaymentKind.DEPOSIT:
        lines.append(gettext("Kept for damage: %(amount)s.", amount=euros(payment.captured_amount)))
    if payment.refunded_amount:
        lines.append(gettext("Refunded: %(amount)s", amount=euros(payment.refunded_amount)))
    if payment.stripe_id:
        lines.append(gettext("Card payment reference: %(ref)s", ref=payment.stripe_id))
    if payment.reference:
        lines.append(gettext("Bank transfer reference: %(ref)s", ref=payment.reference))
    return subject, "\n".join(lines) + "\n"


def queue_receipt(session, payment: Payment) -> None:
    """A notice and an email to the member who paid, in their language."""
    if payment.member_id is None:
        return
    member = session.get(Member, payment.member_id)
    with force_locale(member.language or "fr"):
        subject, body = receipt_text(payment)
    # In the app under Payments; the receipt itself is the email (whatever the preferences).
    session.add(Notification(member_id=member.id, category=Category.PAYMENTS.value, message=subject,
                             link=f"/payments/{to_global_id('Payment', payment.id)}"))
    session.add(OutboxEmail(to_address=member.email, subject=subject[:200], body=body))
    session.flush()
    log.info("receipt of payment %s queued for member %s", payment.id, member.id)
