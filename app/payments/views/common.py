"""The payments' blueprint and the labels its pages share."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.payments import gateway
from app.payments.receipts import STATUS_LABELS

bp = Blueprint("payments", __name__)

KIND_LABELS = {
    "SETTLEMENT": _l("Settlement"), "PAYOUT": _l("Pay-out"), "DEPOSIT": _l("Deposit"), "MEMBERSHIP_FEE": _l("Membership fee"),
}
METHOD_LABELS = {"CARD": _l("Card"), "BANK_TRANSFER": _l("Bank transfer")}
RECONCILIATION_LABELS = {
    "UNCHECKED": _l("Not checked yet"), "MATCHED": _l("Matches Stripe"), "MISMATCH": _l("Differs from Stripe"),
    "MANUAL": _l("Recorded by hand"),
}
FEE_LABELS = {"NONE": _l("No fee"), "PAID": _l("Paid"), "DUE": _l("Due"), "OVERDUE": _l("Overdue")}


@bp.app_context_processor
def labels():
    return {
        "payment_kind_labels": KIND_LABELS, "payment_status_labels": STATUS_LABELS,
        "payment_method_labels": METHOD_LABELS, "reconciliation_labels": RECONCILIATION_LABELS,
        "fee_labels": FEE_LABELS, "cards_enabled": gateway.cards_enabled(),
    }
