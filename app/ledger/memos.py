"""Memos the hub writes itself ("Booking: mobile sawmill", "Multilateral clearing No. 12"):
stored as a key and its arguments, never as text in one language, and rendered in the reader's
language when shown. What a member wrote stays in `memo` and follows the hub's text."""
from typing import Optional

from flask_babel import gettext, ngettext

from app.errors import N_

SYSTEM_MEMOS = {
    "booking": N_("Booking: %(title)s"),
    "cancellation_fee": N_("Cancellation fee: %(title)s"),
    "late_return": N_("Late return: %(title)s"),
    "no_show": N_("No-show: %(title)s"),
    "skill_job": N_("Skill job: %(title)s"),
    "dispute_settled": N_("Dispute settled: %(title)s"),
    "invoice_payment": N_("Invoice No. %(number)s"),
    # A pair (singular, plural) counted by its `invoices` argument; the catalogue holds the
    # plural under the singular, which alone is marked for extraction.
    "clearing": (N_("Multilateral clearing No. %(run)s: %(invoices)s invoice"),
                 "Multilateral clearing No. %(run)s: %(invoices)s invoices"),
    # The two lines of a set-off run on one account's statement (line_memo).
    "clearing_owed": N_("Multilateral clearing No. %(run)s: your invoices settled"),
    "clearing_due": N_("Multilateral clearing No. %(run)s: invoices settled in your favour"),
    "credit_settlement": N_("Credit settlement No. %(run)s, invoice No. %(invoice)s"),
    "reversal": N_("Reversal of transfer No. %(transfer)s"),
    "peer_payment_out": N_("Payment to %(party)s (%(hub)s)"),
    "peer_payment_in": N_("Payment from %(party)s (%(hub)s)"),
}


def system_memo(key: str, **args) -> dict:
    """What to store for a memo the hub writes."""
    if key not in SYSTEM_MEMOS:
        raise KeyError(key)
    return {"key": key, "args": args}


def line_memo(system: Optional[dict], amount: int) -> Optional[dict]:
    """The hub's memo of one account's line of an entry: a set-off run is one entry with two
    lines per account, told apart by their sign (what the account owed, what it was owed)."""
    if system and system["key"] == "clearing":
        return system_memo("clearing_owed" if amount < 0 else "clearing_due", run=system["args"]["run"])
    return system


def render_memo(memo: str, system: Optional[dict]) -> str:
    """The memo as the reader sees it: the hub's part in their language, then the member's."""
    if not system:
        return memo
    words, args = SYSTEM_MEMOS[system["key"]], system.get("args", {})
    text = ngettext(*words, args["invoices"], **args) if isinstance(words, tuple) else gettext(words, **args)
    return f"{text} — {memo}" if memo else text
