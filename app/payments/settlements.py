"""Settling balances in euros: a member pays down a negative balance by card; the treasurer
records bank transfers, in (for hubs without cards) and out (paying out a positive balance).
Also the card payment every kind shares: start it at Stripe, confirm it, bring it up to date
when the page comes back."""
import logging
from typing import Optional

import sqlalchemy.orm as so

from app import audit, permissions
from app.errors import Credits, DomainError, ErrorCode
from app.hub import MEMO_LENGTH
from app.ledger.services.accounts import paying_account, system_account
from app.ledger.services.journal import check_amount
from app.ledger.services.posting import journal_entry
from app.payments import gateway, records
from models import (
    EURO_SETTLEMENT,
    Account,
    AccountKind,
    AccountStatus,
    DepositMode,
    Member,
    Organization,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    TransferKind,
)

log = logging.getLogger("alveole.payments")

NO_PAYMENT = "This payment does not exist."


# --- Card payments, whatever their kind ---------------------------------------------------------


def start_card_payment(session: so.Session, payment: Payment, *, manual_capture: bool = False,
                       payment_method: Optional[str] = None) -> Payment:
    """Create the payment's PaymentIntent (its key makes a retry find the same one); with a
    payment method, confirm it at once on the server. A declined card leaves the payment
    FAILED (recorded, not raised): the caller reports it."""
    intent = gateway.create_intent(
        payment.amount, key=payment.idempotency_key, manual_capture=manual_capture,
        metadata={"payment_key": payment.idempotency_key, "payment_id": str(payment.id), "kind": payment.kind.value},
    )
    payment.stripe_id = intent["id"]
    payment.client_secret = intent.get("client_secret")
    session.flush()
    log.info("payment %s started at Stripe: %s, %s cents", payment.id, payment.stripe_id, payment.amount)
    if payment_method:
        confirm_with(session, payment, payment_method)
    return payment


def confirm_with(session: so.Session, payment: Payment, payment_method: str) -> Payment:
    """Confirm the payment's intent with a card; a decline leaves it FAILED, and the same
    intent can be tried again with another card."""
    try:
        intent = gateway.confirm_intent(payment.stripe_id, payment_method)
    except gateway.Declined as exc:
        if exc.intent is not None:
            records.apply_intent(session, payment, exc.intent)
        records.fail(session, payment, exc.message)
        return payment
    records.apply_intent(session, payment, intent)
    return payment


def retry(session: so.Session, failed: Payment, payment_method: str) -> Payment:
    """Another card after a decline: a new attempt, with its own PaymentIntent (the declined one
    stays in the list as it was)."""
    payment = records.new_payment(
        session, kind=failed.kind, method=PaymentMethod.CARD, amount=failed.amount,
        key=records.payment_key(None, failed.kind, None), member=session.get(Member, failed.member_id),
        account_id=failed.account_id, organization_id=failed.organization_id, booking_id=failed.booking_id,
        deposit_mode=failed.deposit_mode,
    )
    payment.credits = failed.credits
    log.info("payment %s tried again as payment %s", failed.id, payment.id)
    return start_card_payment(
        session, payment, manual_capture=failed.deposit_mode == DepositMode.HOLD, payment_method=payment_method,
    )


def visible_payment(session: so.Session, actor: Member, payment_id: int, lock: bool = False) -> Payment:
    payment = records.lock(session, payment_id) if lock else session.get(Payment, payment_id)
    if payment is None or not permissions.can_see_payment(session, actor, payment):
        raise DomainError(ErrorCode.NOT_FOUND, NO_PAYMENT, "paymentId")
    return payment


def confirm_payment(session: so.Session, actor: Member, payment_id: int, payment_method: Optional[str] = None) -> Payment:
    """The card page came back. With the payment method the page created (stripe.js
    createPaymentMethod), the payer's card is confirmed here, on the server; without one (the
    card was confirmed in the page), Stripe is asked how the payment stands. Either way it is
    recorded, unless a webhook already did."""
    payment = visible_payment(session, actor, payment_id, lock=True)
    if payment.method != PaymentMethod.CARD or not payment.stripe_id:
        return payment
    if payment_method:
        if payment.member_id != actor.id:
            raise DomainError(ErrorCode.FORBIDDEN, "Only the member paying can enter the card.")
        if payment.status == PaymentStatus.PENDING:
            return confirm_with(session, payment, payment_method)
        if payment.status == PaymentStatus.FAILED:
            return retry(session, payment, payment_method)
    if payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.AUTHORIZED):
        records.apply_intent(session, payment, gateway.retrieve_intent(payment.stripe_id))
    return payment


# --- Settling a negative balance by card -----------------------------------------------------------


def start_settlement(session: so.Session, actor: Member, amount: int, *, payment_method: Optional[str] = None,
                     idempotency_key: Optional[str] = None) -> Payment:
    """The member pays `amount` euro cents of what their paying account is below zero."""
    key = records.payment_key(actor.id, PaymentKind.SETTLEMENT, idempotency_key)
    if idempotency_key and (earlier := records.by_key(session, key)) is not None:
        return earlier
    if not gateway.cards_enabled():
        raise DomainError(ErrorCode.INVALID_STATE, gateway.CARDS_OFF)
    check_amount(amount)
    account = paying_account(session, actor)
    if account is None:
        raise DomainError(ErrorCode.INVALID_STATE, "You have no account to pay from.")
    if account.balance >= 0:
        raise DomainError(ErrorCode.INVALID_STATE, "Your balance is not below zero: there is nothing to settle.")
    credits = records.credits_for(amount)
    if credits > -account.balance:
        raise DomainError(
            ErrorCode.INVALID, "You can settle at most what your balance is below zero (%(amount)s).", "amount",
            amount=Credits(-account.balance),
        )
    payment = records.new_payment(
        session, kind=PaymentKind.SETTLEMENT, method=PaymentMethod.CARD, amount=amount, key=key,
        member=actor, account_id=account.id,
    )
    return start_card_payment(session, payment, payment_method=payment_method)


# --- Bank transfers recorded by the treasurer ------------------------------------------------------


def record_bank_transfer(session: so.Session, actor: Member, *, account_id: int, amount: int, direction: str,
                         reference: str) -> Payment:
    """Euros that moved by bank transfer: IN credits the account, OUT pays out its positive
    balance; either way against the euro settlement account, at once."""
    if not permissions.is_treasurer(actor):
        raise DomainError(ErrorCode.FORBIDDEN, "Only the treasurer can record bank transfers.")
    check_amount(amount)
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(ErrorCode.INVALID, "Give the bank transfer's reference.", "reference")
    if len(reference) > MEMO_LENGTH:
        raise DomainError(ErrorCode.INVALID, "The memo is limited to %(n)s characters.", "reference", n=MEMO_LENGTH)
    # Locked: a pay-out checks the balance, and no payment may slip in between.
    account = session.get(Account, account_id, with_for_update=True, populate_existing=True)
    if account is None or account.kind == AccountKind.SYSTEM:
        raise DomainError(ErrorCode.NOT_FOUND, "This account does not exist.", "accountId")
    if account.status != AccountStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_STATE, "The account %(name)s is closed.", "accountId", name=account.name)
    payer = _holder(session, account)
    kind = PaymentKind.SETTLEMENT if direction == "IN" else PaymentKind.PAYOUT
    payment = records.new_payment(
        session, kind=kind, method=PaymentMethod.BANK_TRANSFER, amount=amount, key=records.payment_key(None, kind, None),
        member=payer, account_id=account.id, reference=reference, recorded_by=actor,
    )
    if direction == "IN":
        records.succeed(session, payment, actor=actor)
    else:
        _pay_out(session, actor, account, payment)
    audit.record(session, actor, "payments.bank_transfer_recorded", account, None,
                 {"payment_id": payment.id, "direction": direction, "amount": amount, "reference": reference},
                 subject=account.member_id)
    log.info("bank transfer %s recorded by member %s: account %s, %s cents", direction, actor.id, account.id, amount)
    return payment


def _pay_out(session: so.Session, actor: Member, account: Account, payment: Payment) -> None:
    if payment.credits > account.balance:
        raise DomainError(
            ErrorCode.INVALID, "A pay-out cannot exceed the account's positive balance (%(amount)s).", "amount",
            amount=Credits(max(account.balance, 0)),
        )
    settlement = system_account(session, EURO_SETTLEMENT)
    entry = journal_entry(
        session, actor, kind=TransferKind.SETTLEMENT,
        legs=[(account.id, -payment.credits), (settlement.id, payment.credits)],
        memo=f"Versement en euros par virement (paiement n° {payment.id}) — {payment.reference}"[:MEMO_LENGTH],
        idempotency_key=f"pay:{payment.idempotency_key}"[:100],
    )
    payment.transfer_id = entry.id
    records.succeed(session, payment, actor=actor)


def _holder(session: so.Session, account: Account) -> Optional[Member]:
    """Who receives the receipt: the account's member, or its organisation's manager."""
    if account.member_id is not None:
        return session.get(Member, account.member_id)
    organization = session.get(Organization, account.organization_id) if account.organization_id else None
    return session.get(Member, organization.manager_id) if organization and organization.manager_id else None

