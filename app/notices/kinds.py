"""Every kind of notice: its category and its words (English msgids, translated when shown).

A kind's message and subject are %-templates over the notice's parameters; `render` formats
the parameters first (dates in the hub's time zone, amounts in the hub's currency) in the
reader's language. A `note` parameter (a reason, a memo), when present, follows the message.
Adding a kind: a member here, its words, and a French translation in this slice's catalogue.
"""
import enum
from dataclasses import dataclass

from app.errors import N_
from models import NoticeChannel


class Category(str, enum.Enum):
    BOOKINGS = "BOOKINGS"
    WAITLIST = "WAITLIST"
    INVOICES = "INVOICES"
    PAYMENTS = "PAYMENTS"
    ACCOUNT = "ACCOUNT"
    SKILLS = "SKILLS"


class Kind(str, enum.Enum):
    BOOKING_REQUESTED = "BOOKING_REQUESTED"
    BOOKING_APPROVED = "BOOKING_APPROVED"
    BOOKING_REJECTED = "BOOKING_REJECTED"
    BOOKING_CANCELLED = "BOOKING_CANCELLED"
    BOOKING_EXPIRED = "BOOKING_EXPIRED"
    BOOKING_STARTS_TOMORROW = "BOOKING_STARTS_TOMORROW"
    BOOKING_RETURN_DUE = "BOOKING_RETURN_DUE"
    BOOKING_OVERDUE = "BOOKING_OVERDUE"
    WAITLIST_SLOT_FREE = "WAITLIST_SLOT_FREE"
    INVOICE_RECEIVED = "INVOICE_RECEIVED"
    INVOICE_ACCEPTED = "INVOICE_ACCEPTED"
    INVOICE_REJECTED = "INVOICE_REJECTED"
    INVOICE_DUE_SOON = "INVOICE_DUE_SOON"
    INVOICE_OVERDUE = "INVOICE_OVERDUE"
    INVOICE_PAID = "INVOICE_PAID"
    CLEARING_POSTED = "CLEARING_POSTED"
    PAYMENT_RECEIVED = "PAYMENT_RECEIVED"
    ACCOUNT_NEAR_LIMIT = "ACCOUNT_NEAR_LIMIT"
    ACCOUNT_AT_LIMIT = "ACCOUNT_AT_LIMIT"
    CREDIT_LIMIT_CHANGED = "CREDIT_LIMIT_CHANGED"
    JOB_REQUESTED = "JOB_REQUESTED"
    JOB_QUOTED = "JOB_QUOTED"
    JOB_DECLINED = "JOB_DECLINED"
    JOB_ACCEPTED = "JOB_ACCEPTED"
    JOB_CANCELLED = "JOB_CANCELLED"
    JOB_DELIVERED = "JOB_DELIVERED"
    JOB_CONFIRMED = "JOB_CONFIRMED"
    JOB_DISPUTED = "JOB_DISPUTED"
    JOB_SETTLED = "JOB_SETTLED"
    JOB_MESSAGE = "JOB_MESSAGE"
    JOB_RATED = "JOB_RATED"
    MESSAGE = "MESSAGE"  # a free text (notices written before kinds existed)


@dataclass(frozen=True)
class KindInfo:
    category: Category
    message: str
    subject: str


KINDS: dict[Kind, KindInfo] = {
    Kind.BOOKING_REQUESTED: KindInfo(
        Category.BOOKINGS, N_("%(booker)s asks to book %(title)s from %(start)s to %(end)s."),
        N_("Booking request: %(title)s")),
    Kind.BOOKING_APPROVED: KindInfo(
        Category.BOOKINGS, N_("Your booking of %(title)s from %(start)s to %(end)s is confirmed."),
        N_("Booking confirmed: %(title)s")),
    Kind.BOOKING_REJECTED: KindInfo(
        Category.BOOKINGS, N_("Your request for %(title)s from %(start)s to %(end)s was turned down."),
        N_("Booking request turned down: %(title)s")),
    Kind.BOOKING_CANCELLED: KindInfo(
        Category.BOOKINGS, N_("%(by)s cancelled the booking of %(title)s from %(start)s to %(end)s."),
        N_("Booking cancelled: %(title)s")),
    Kind.BOOKING_EXPIRED: KindInfo(
        Category.BOOKINGS, N_("Your request for %(title)s from %(start)s to %(end)s was not answered in time: "
                              "it has expired and nothing is reserved any more."),
        N_("Booking request expired: %(title)s")),
    Kind.BOOKING_STARTS_TOMORROW: KindInfo(
        Category.BOOKINGS, N_("Reminder: your booking of %(title)s starts tomorrow, %(start)s."),
        N_("Tomorrow: %(title)s")),
    Kind.BOOKING_RETURN_DUE: KindInfo(
        Category.BOOKINGS, N_("Reminder: %(title)s is to be returned tomorrow, %(end)s."),
        N_("Return due tomorrow: %(title)s")),
    Kind.BOOKING_OVERDUE: KindInfo(
        Category.BOOKINGS, N_("%(title)s was due back on %(end)s: please return it; a late fee may apply."),
        N_("Return overdue: %(title)s")),
    Kind.WAITLIST_SLOT_FREE: KindInfo(
        Category.WAITLIST, N_("A slot is free again: %(title)s, from %(start)s to %(end)s. Book it quickly!"),
        N_("%(title)s is free")),
    Kind.INVOICE_RECEIVED: KindInfo(
        Category.INVOICES, N_("%(creditor)s sent you invoice No. %(number)s for %(amount)s, due %(due_date)s."),
        N_("Invoice No. %(number)s from %(creditor)s")),
    Kind.INVOICE_ACCEPTED: KindInfo(
        Category.INVOICES, N_("%(debtor)s accepted invoice No. %(number)s (%(amount)s)."),
        N_("Invoice No. %(number)s accepted")),
    Kind.INVOICE_REJECTED: KindInfo(
        Category.INVOICES, N_("%(debtor)s rejected invoice No. %(number)s (%(amount)s)."),
        N_("Invoice No. %(number)s rejected")),
    Kind.INVOICE_DUE_SOON: KindInfo(
        Category.INVOICES, N_("Invoice No. %(number)s from %(creditor)s is due on %(due_date)s: %(outstanding)s to pay."),
        N_("Invoice No. %(number)s due on %(due_date)s")),
    Kind.INVOICE_OVERDUE: KindInfo(
        Category.INVOICES, N_("Invoice No. %(number)s from %(creditor)s was due on %(due_date)s: %(outstanding)s still to pay."),
        N_("Invoice No. %(number)s overdue")),
    Kind.INVOICE_PAID: KindInfo(
        Category.PAYMENTS, N_("%(debtor)s paid %(amount)s on invoice No. %(number)s."),
        N_("Payment received on invoice No. %(number)s")),
    Kind.CLEARING_POSTED: KindInfo(
        Category.INVOICES, N_("Clearing run No. %(run)s settled %(amount)s on your invoices (%(count)s invoices changed)."),
        N_("Clearing run No. %(run)s posted")),
    Kind.PAYMENT_RECEIVED: KindInfo(
        Category.PAYMENTS, N_("%(payer)s paid %(amount)s to %(account)s."),
        N_("Payment received: %(amount)s")),
    Kind.ACCOUNT_NEAR_LIMIT: KindInfo(
        Category.ACCOUNT, N_("The account %(account)s uses %(percent)s %% of its credit limit (balance %(balance)s)."),
        N_("%(account)s is near its credit limit")),
    Kind.ACCOUNT_AT_LIMIT: KindInfo(
        Category.ACCOUNT, N_("The account %(account)s has reached its credit limit: it can receive payments, but not spend."),
        N_("%(account)s has reached its credit limit")),
    Kind.CREDIT_LIMIT_CHANGED: KindInfo(
        Category.ACCOUNT, N_("The credit limit of %(account)s changed from %(old_limit)s to %(limit)s."),
        N_("New credit limit for %(account)s")),
    # A job's notices: %(title)s is the offer, %(who)s the member who acted.
    Kind.JOB_REQUESTED: KindInfo(Category.SKILLS, N_("%(who)s requests “%(title)s”."), N_("Job requested: %(title)s")),
    Kind.JOB_QUOTED: KindInfo(Category.SKILLS, N_("New quote for “%(title)s”: %(price)s."), N_("New quote: %(title)s")),
    Kind.JOB_DECLINED: KindInfo(
        Category.SKILLS, N_("“%(title)s”: %(who)s declined the request."), N_("Request declined: %(title)s")),
    Kind.JOB_ACCEPTED: KindInfo(
        Category.SKILLS, N_("“%(title)s”: %(who)s accepted your quote."), N_("Quote accepted: %(title)s")),
    Kind.JOB_CANCELLED: KindInfo(Category.SKILLS, N_("“%(title)s”: %(who)s cancelled the job."), N_("Job cancelled: %(title)s")),
    Kind.JOB_DELIVERED: KindInfo(
        Category.SKILLS, N_("“%(title)s” is delivered: confirm it or open a dispute."), N_("Job delivered: %(title)s")),
    Kind.JOB_CONFIRMED: KindInfo(
        Category.SKILLS, N_("“%(title)s”: delivery confirmed and paid."), N_("Delivery confirmed: %(title)s")),
    Kind.JOB_DISPUTED: KindInfo(
        Category.SKILLS, N_("“%(title)s”: %(who)s disputes the delivery."), N_("Delivery disputed: %(title)s")),
    Kind.JOB_SETTLED: KindInfo(
        Category.SKILLS, N_("“%(title)s”: the treasurer settled the dispute (%(price)s)."), N_("Dispute settled: %(title)s")),
    Kind.JOB_MESSAGE: KindInfo(Category.SKILLS, N_("“%(title)s”: message from %(who)s."), N_("Message about %(title)s")),
    Kind.JOB_RATED: KindInfo(
        Category.SKILLS, N_("“%(title)s”: %(who)s left a rating. Leave yours!"), N_("Rating received: %(title)s")),
    Kind.MESSAGE: KindInfo(Category.BOOKINGS, "%(text)s", "%(text)s"),
}

# Parameters shown as a date and time, a date, or an amount (minor units) of the hub's currency.
DATETIME_PARAMS = {"start", "end"}
DATE_PARAMS = {"due_date"}
MONEY_PARAMS = {"amount", "outstanding", "balance", "limit", "old_limit", "price"}

CATEGORY_LABELS = {
    Category.BOOKINGS: N_("Bookings (requests, answers, reminders)"),
    Category.WAITLIST: N_("Waitlists (a slot is free)"),
    Category.INVOICES: N_("Invoices and clearing"),
    Category.PAYMENTS: N_("Payments received"),
    Category.ACCOUNT: N_("My account (credit limit)"),
    Category.SKILLS: N_("Skills jobs (requests, quotes, deliveries)"),
}
CHANNEL_LABELS = {
    NoticeChannel.IN_APP: N_("In the app only"),
    NoticeChannel.IMMEDIATE: N_("By email at once"),
    NoticeChannel.DIGEST: N_("In a daily email"),
}

# Without a choice of the member's: what cannot wait comes by email at once.
DEFAULT_CHANNELS = {
    Category.BOOKINGS: NoticeChannel.IMMEDIATE,
    Category.WAITLIST: NoticeChannel.IMMEDIATE,
    Category.INVOICES: NoticeChannel.IMMEDIATE,
    Category.PAYMENTS: NoticeChannel.DIGEST,
    Category.ACCOUNT: NoticeChannel.IMMEDIATE,
    Category.SKILLS: NoticeChannel.IMMEDIATE,
}
