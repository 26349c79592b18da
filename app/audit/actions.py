"""Every kind of audited change, defined once: its stable key (what `record` writes and what
the page filters on), a short label, the sentence that tells it, and how each of its values
reads. Values are stored as they are in the models (amounts in minor units, enums by value);
only this module knows how to show them."""
import enum
from dataclasses import dataclass, field

from app.errors import N_


class Kind(enum.Enum):
    CREDITS = "credits"  # minor units of the hub's currency; None: no limit
    EUROS = "euros"  # minor units of euros
    PERCENT = "percent"
    BPS = "bps"  # basis points, shown as a percentage
    FLAG = "flag"
    DATE = "date"
    MOMENT = "moment"  # a datetime, shown in the hub's zone
    STATE = "state"  # an enum value, shown with its label
    MEMBER = "member"  # a member id, shown with the member's name
    ORGANIZATION = "organization"  # an organisation id, shown with its name
    NUMBER = "number"
    TEXT = "text"


@dataclass(frozen=True)
class Action:
    label: str
    sentence: str  # %(actor)s, %(object)s, %(change)s and any value by its key
    fields: dict[str, tuple[str, Kind]] = field(default_factory=dict)


# What a new member was given, whether added by an admin or invited.
_NEW_MEMBER = {
    "role": (N_("role"), Kind.STATE), "credit_limit": (N_("credit limit"), Kind.CREDITS),
    "organization_id": (N_("organisation"), Kind.ORGANIZATION),
}

ACTIONS: dict[str, Action] = {
    "ledger.credit_limit_set": Action(
        N_("Credit limit changed"), N_("%(actor)s changed the credit limit of the account %(object)s: %(change)s"),
        {"credit_limit": (N_("credit limit"), Kind.CREDITS), "balance_cap": (N_("balance cap"), Kind.CREDITS)},
    ),
    "ledger.settings_updated": Action(
        N_("Ledger settings changed"), N_("%(actor)s changed the hub's ledger settings: %(change)s"),
        {"transfer_fee_bps": (N_("transfer fee"), Kind.BPS), "transfer_fee_min": (N_("minimum fee"), Kind.CREDITS),
         "warning_level_percent": (N_("warning level"), Kind.PERCENT)},
    ),
    "ledger.transfer_reversed": Action(
        N_("Transfer reversed"),
        N_("%(actor)s reversed the transfer %(object)s (%(amount)s) by the entry No. %(reversed_by)s"),
        {"amount": (N_("amount"), Kind.CREDITS), "reversed_by": (N_("reversed by"), Kind.NUMBER)},
    ),
    "ledger.account_closed": Action(
        N_("Account closed"), N_("%(actor)s closed the account %(object)s"), {"status": (N_("status"), Kind.STATE)},
    ),
    "federation.peer_registered": Action(
        N_("Peer hub registered"), N_("%(actor)s registered the peer hub %(object)s: %(change)s"),
        {"hub_id": (N_("hub id"), Kind.TEXT), "base_url": (N_("address"), Kind.TEXT), "rate": (N_("rate"), Kind.TEXT),
         "limit_granted": (N_("credit granted"), Kind.CREDITS)},
    ),
    "federation.peer_updated": Action(
        N_("Peer hub changed"), N_("%(actor)s changed the peer hub %(object)s: %(change)s"),
        {"rate": (N_("rate"), Kind.TEXT), "base_url": (N_("address"), Kind.TEXT),
         "public_key": (N_("public key"), Kind.TEXT), "status": (N_("status"), Kind.STATE)},
    ),
    "member.created": Action(N_("Member added"), N_("%(actor)s added the member %(object)s: %(change)s"), _NEW_MEMBER),
    "member.invited": Action(N_("Member invited"), N_("%(actor)s invited %(object)s: %(change)s"), _NEW_MEMBER),
    "member.role_set": Action(
        N_("Role changed"), N_("%(actor)s changed the role of %(object)s: %(change)s"), {"role": (N_("role"), Kind.STATE)},
    ),
    "member.status_set": Action(
        N_("Member status changed"), N_("%(actor)s changed the status of %(object)s: %(change)s"),
        {"status": (N_("status"), Kind.STATE)},
    ),
    "member.rights_set": Action(
        N_("Rights changed"), N_("%(actor)s changed the rights of %(object)s: %(change)s"),
        {"can_book": (N_("books"), Kind.FLAG), "can_pay": (N_("pays"), Kind.FLAG),
         "can_handle_invoices": (N_("handles invoices"), Kind.FLAG),
         "can_list_resources": (N_("lists resources"), Kind.FLAG), "can_provide_skills": (N_("provides skills"), Kind.FLAG),
         "booking_cap": (N_("cap per booking"), Kind.CREDITS), "monthly_cap": (N_("monthly cap"), Kind.CREDITS)},
    ),
    "member.anonymised": Action(
        N_("Member anonymised"), N_("%(actor)s anonymised the member %(object)s"), {"status": (N_("status"), Kind.STATE)},
    ),
    "organization.status_set": Action(
        N_("Organisation status changed"), N_("%(actor)s changed the status of the organisation %(object)s: %(change)s"),
        {"status": (N_("status"), Kind.STATE)},
    ),
    "organization.manager_set": Action(
        N_("Manager changed"), N_("%(actor)s changed the manager of %(object)s: %(change)s"),
        {"manager_id": (N_("manager"), Kind.MEMBER)},
    ),
    "catalog.resource_status_set": Action(
        N_("Resource status changed"), N_("%(actor)s changed the status of the resource %(object)s: %(change)s"),
        {"status": (N_("status"), Kind.STATE), "cancelled_bookings": (N_("bookings cancelled"), Kind.NUMBER)},
    ),
    "catalog.closure_added": Action(
        N_("Closure added"), N_("%(actor)s closed the calendar of %(object)s from %(start)s to %(end)s"),
        {"start": (N_("start"), Kind.MOMENT), "end": (N_("end"), Kind.MOMENT)},
    ),
    "catalog.closure_removed": Action(
        N_("Closure removed"), N_("%(actor)s reopened the calendar of %(object)s from %(start)s to %(end)s"),
        {"start": (N_("start"), Kind.MOMENT), "end": (N_("end"), Kind.MOMENT)},
    ),
    "invoice.cancelled": Action(
        N_("Invoice cancelled"), N_("%(actor)s cancelled the invoice %(object)s: %(change)s"),
        {"status": (N_("status"), Kind.STATE), "outstanding": (N_("outstanding"), Kind.CREDITS)},
    ),
    "invoice.corrected": Action(
        N_("Invoice corrected"), N_("%(actor)s corrected the invoice %(object)s: %(change)s"),
        {"amount": (N_("amount"), Kind.CREDITS), "outstanding": (N_("outstanding"), Kind.CREDITS),
         "due_date": (N_("due date"), Kind.DATE), "memo": (N_("memo"), Kind.TEXT)},
    ),
    "skills.dispute_settled": Action(
        N_("Dispute settled"), N_("%(actor)s settled the dispute on the job %(object)s: %(settled_amount)s to the provider"),
        {"status": (N_("status"), Kind.STATE), "settled_amount": (N_("paid to the provider"), Kind.CREDITS)},
    ),
    "clearing.posted": Action(
        N_("Clearing posted"), N_("%(actor)s posted the clearing run %(object)s: %(cleared)s cleared"),
        {"status": (N_("status"), Kind.STATE), "cleared": (N_("cleared"), Kind.CREDITS)},
    ),
    "clearing.discarded": Action(
        N_("Clearing discarded"), N_("%(actor)s discarded the clearing run %(object)s"),
        {"status": (N_("status"), Kind.STATE)},
    ),
    "period.closed": Action(
        N_("Month closed"), N_("%(actor)s closed the month %(object)s (%(statements)s statements)"),
        {"statements": (N_("statements"), Kind.NUMBER)},
    ),
    "payments.bank_transfer_recorded": Action(
        N_("Bank transfer recorded"),
        N_("%(actor)s recorded a bank transfer (%(direction)s) of %(amount)s on the account %(object)s"),
        {"direction": (N_("direction"), Kind.STATE), "amount": (N_("amount"), Kind.EUROS),
         "payment_id": (N_("payment"), Kind.NUMBER), "reference": (N_("reference"), Kind.TEXT)},
    ),
    "payments.deposit_claimed": Action(
        N_("Deposit claimed"), N_("%(actor)s claimed %(claim_amount)s of the deposit of the booking %(object)s"),
        {"claim_amount": (N_("claimed"), Kind.EUROS)},
    ),
    "payments.deposit_captured": Action(
        N_("Deposit captured"), N_("%(actor)s captured %(captured_amount)s of the deposit of the booking %(object)s"),
        {"captured_amount": (N_("captured"), Kind.EUROS)},
    ),
    "payments.membership_fee_set": Action(
        N_("Membership fee changed"), N_("%(actor)s changed the yearly membership fee of %(object)s: %(change)s"),
        {"yearly_amount": (N_("yearly fee"), Kind.EUROS)},
    ),
    "payments.membership_fee_recorded": Action(
        N_("Membership fee recorded"),
        N_("%(actor)s recorded the membership fee of %(object)s paid by bank transfer (%(amount)s)"),
        {"amount": (N_("amount"), Kind.EUROS), "payment_id": (N_("payment"), Kind.NUMBER),
         "reference": (N_("reference"), Kind.TEXT)},
    ),
    "payments.settings_updated": Action(
        N_("Payment settings changed"), N_("%(actor)s changed the hub's payment settings: %(change)s"),
        {"fee_overdue_blocks_bookings": (N_("an overdue fee blocks bookings"), Kind.FLAG),
         "fee_grace_days": (N_("days of grace"), Kind.NUMBER)},
    ),
}

# How enum values read in the summaries.
STATES = {
    "ACTIVE": N_("active"), "SUSPENDED": N_("suspended"), "LEFT": N_("left"),
    "MEMBER": N_("member"), "TREASURER": N_("treasurer"), "ADMIN": N_("administrator"),
    "OPEN": N_("open"), "CLOSED": N_("closed"),
    "AVAILABLE": N_("available"), "MAINTENANCE": N_("in maintenance"), "RETIRED": N_("withdrawn"),
    "ISSUED": N_("issued"), "ACCEPTED": N_("accepted"), "PAID": N_("paid"), "CANCELLED": N_("cancelled"),
    "PROPOSED": N_("proposed"), "POSTED": N_("posted"), "DISCARDED": N_("discarded"),
    "DISPUTED": N_("disputed"), "SETTLED": N_("settled"),
    "IN": N_("received"), "OUT": N_("paid out"),
}

# The objects an entry can be about, as the page's filter offers them.
OBJECT_TYPES = {
    "Account": N_("Account"), "Member": N_("Member"), "Organization": N_("Organisation"), "Resource": N_("Resource"),
    "Booking": N_("Booking"), "Invoice": N_("Invoice"), "Transfer": N_("Transfer"), "ClearingRun": N_("Clearing run"),
    "PeriodClose": N_("Closed month"), "Job": N_("Skill job"), "HubSettings": N_("Ledger settings"),
    "PaymentSettings": N_("Payment settings"), "PeerHub": N_("Peer hub"),
}
