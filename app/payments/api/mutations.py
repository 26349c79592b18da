"""The payments' mutations. A declined card is not rolled back: the payment stays recorded as
FAILED and the payload carries it with a PAYMENT_FAILED error."""
from typing import Optional

import strawberry
from flask import current_app

from app import permissions
from app.api.context import Info
from app.api.errors import to_user_errors
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.validation import load
from app.errors import N_, DomainError, ErrorCode
from app.payments import deposits, fees, gateway, schemas, settlements
from app.payments.api.types import BankTransferDirection, MembershipFeeType, PaymentConfigType, PaymentType
from models import Payment, PaymentStatus

NO_BOOKING = N_("This booking does not exist.")
NO_ACCOUNT = N_("This account does not exist.")
NO_ORGANIZATION = N_("This organisation does not exist.")
NO_PAYMENT = N_("This payment does not exist.")
DECLINED = N_("The card was declined. Nothing was charged; try another card.")


@strawberry.input
class StartSettlementInput:
    amount: str = strawberry.field(description='Euros to pay, a Decimal string such as "500.00".')
    payment_method_id: Optional[str] = strawberry.field(
        default=None, description="Confirm on the server with this payment method; else stripe.js confirms with clientSecret."
    )
    idempotency_key: Optional[str] = None


@strawberry.input
class RecordBankTransferInput:
    account_id: strawberry.ID
    amount: str = strawberry.field(description="Euros received (IN) or paid out (OUT).")
    direction: BankTransferDirection
    reference: str


@strawberry.input
class AuthorizeDepositInput:
    booking_id: strawberry.ID
    payment_method_id: Optional[str] = None


@strawberry.input
class DepositActionInput:
    booking_id: strawberry.ID


@strawberry.input
class ClaimDepositInput:
    booking_id: strawberry.ID
    amount: str
    reason: str


@strawberry.input
class CaptureDepositInput:
    booking_id: strawberry.ID
    amount: Optional[str] = strawberry.field(default=None, description="Default: what the owner claimed.")


@strawberry.input
class PayMembershipFeeInput:
    organization_id: strawberry.ID
    payment_method_id: Optional[str] = None
    idempotency_key: Optional[str] = None


@strawberry.input
class ConfirmPaymentInput:
    payment_id: strawberry.ID
    payment_method_id: Optional[str] = strawberry.field(
        default=None, description="The card the page created (stripe.js createPaymentMethod), confirmed on the server.",
    )


@strawberry.input
class SetMembershipFeeInput:
    organization_id: strawberry.ID
    amount: str = strawberry.field(description='The yearly fee in euros; "0" for none.')


@strawberry.input
class RecordMembershipFeeInput:
    organization_id: strawberry.ID
    reference: str


@strawberry.input
class UpdatePaymentSettingsInput:
    fee_overdue_blocks_bookings: Optional[bool] = None
    fee_grace_days: Optional[int] = None


@strawberry.type
class PaymentPayload(Payload):
    payment: Optional[PaymentType] = None


@strawberry.type
class CardPaymentPayload(PaymentPayload):
    client_secret: Optional[str] = strawberry.field(default=None, description="For stripe.js, while the card is awaited.")


@strawberry.type
class StartSettlementPayload(CardPaymentPayload):
    pass


@strawberry.type
class AuthorizeDepositPayload(CardPaymentPayload):
    pass


@strawberry.type
class PayMembershipFeePayload(CardPaymentPayload):
    pass


@strawberry.type
class RecordBankTransferPayload(PaymentPayload):
    pass


@strawberry.type
class ReleaseDepositPayload(PaymentPayload):
    pass


@strawberry.type
class ClaimDepositPayload(PaymentPayload):
    pass


@strawberry.type
class CaptureDepositPayload(PaymentPayload):
    pass


@strawberry.type
class ConfirmPaymentPayload(CardPaymentPayload):
    pass


@strawberry.type
class RecordMembershipFeePayload(PaymentPayload):
    pass


@strawberry.type
class SetMembershipFeePayload(Payload):
    membership_fee: Optional[MembershipFeeType] = None


@strawberry.type
class UpdatePaymentSettingsPayload(Payload):
    config: Optional[PaymentConfigType] = None


def _card(payload_cls, payment: Payment):
    """The payload of a card payment: a declined card comes back as PAYMENT_FAILED, recorded."""
    errors = []
    if payment.status == PaymentStatus.FAILED:
        errors = to_user_errors(DomainError(ErrorCode.PAYMENT_FAILED, DECLINED))
    secret = payment.client_secret if payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED) else None
    return payload_cls(payment=PaymentType.from_model(payment), client_secret=secret, errors=errors)


def _booking_pk(global_id: str) -> int:
    return node_pk(global_id, "Booking", "bookingId", NO_BOOKING)


def _organization_pk(global_id: str) -> int:
    return node_pk(global_id, "Organization", "organizationId", NO_ORGANIZATION)


def _paid(payload_cls, payment: Payment):
    return payload_cls(payment=PaymentType.from_model(payment))


@strawberry.type
class PaymentsMutation:
    @strawberry.mutation(description="Pay down a negative balance by card (amount in euros).")
    @mutation_payload(StartSettlementPayload)
    def start_settlement(self, info: Info, input: StartSettlementInput) -> StartSettlementPayload:
        data = load(schemas.StartSettlementSchema(), strawberry.asdict(input))
        payment = settlements.start_settlement(
            info.context.session, info.context.viewer, data["amount"], payment_method=data["payment_method_id"],
            idempotency_key=data["idempotency_key"],
        )
        return _card(StartSettlementPayload, payment)

    @strawberry.mutation(description="Record euros received or paid out by bank transfer (treasurer).")
    @mutation_payload(RecordBankTransferPayload, allowed=permissions.is_treasurer)
    def record_bank_transfer(self, info: Info, input: RecordBankTransferInput) -> RecordBankTransferPayload:
        data = load(schemas.RecordBankTransferSchema(), strawberry.asdict(input))
        payment = settlements.record_bank_transfer(
            info.context.session, info.context.viewer,
            account_id=node_pk(data["account_id"], "Account", "accountId", NO_ACCOUNT),
            amount=data["amount"], direction=data["direction"], reference=data["reference"],
        )
        return _paid(RecordBankTransferPayload, payment)

    @strawberry.mutation(description="The borrower secures a tool's euro deposit on their card.")
    @mutation_payload(AuthorizeDepositPayload)
    def authorize_deposit(self, info: Info, input: AuthorizeDepositInput) -> AuthorizeDepositPayload:
        data = load(schemas.AuthorizeDepositSchema(), strawberry.asdict(input))
        payment = deposits.authorize_deposit(
            info.context.session, info.context.viewer, _booking_pk(data["booking_id"]), payment_method=data["payment_method_id"],
        )
        return _card(AuthorizeDepositPayload, payment)

    @strawberry.mutation(description="Give the deposit back (the owner, or the treasurer).")
    @mutation_payload(ReleaseDepositPayload)
    def release_deposit(self, info: Info, input: DepositActionInput) -> ReleaseDepositPayload:
        payment = deposits.release_deposit(info.context.session, info.context.viewer, _booking_pk(input.booking_id))
        return _paid(ReleaseDepositPayload, payment)

    @strawberry.mutation(description="The owner claims part or all of the deposit for damage, with a reason.")
    @mutation_payload(ClaimDepositPayload)
    def claim_deposit(self, info: Info, input: ClaimDepositInput) -> ClaimDepositPayload:
        data = load(schemas.ClaimDepositSchema(), strawberry.asdict(input))
        payment = deposits.claim_deposit(
            info.context.session, info.context.viewer, _booking_pk(data["booking_id"]), data["amount"], data["reason"],
        )
        return _paid(ClaimDepositPayload, payment)

    @strawberry.mutation(description="The treasurer takes the claimed deposit (or less) for the owner.")
    @mutation_payload(CaptureDepositPayload, allowed=permissions.is_treasurer)
    def capture_deposit(self, info: Info, input: CaptureDepositInput) -> CaptureDepositPayload:
        data = load(schemas.CaptureDepositSchema(), strawberry.asdict(input))
        payment = deposits.capture_deposit(
            info.context.session, info.context.viewer, _booking_pk(data["booking_id"]), data["amount"],
        )
        return _paid(CaptureDepositPayload, payment)

    @strawberry.mutation(description="An organisation's manager pays a year of its membership fee by card.")
    @mutation_payload(PayMembershipFeePayload)
    def pay_membership_fee(self, info: Info, input: PayMembershipFeeInput) -> PayMembershipFeePayload:
        data = load(schemas.PayMembershipFeeSchema(), strawberry.asdict(input))
        payment = fees.pay_membership_fee(
            info.context.session, info.context.viewer, _organization_pk(data["organization_id"]),
            payment_method=data["payment_method_id"], idempotency_key=data["idempotency_key"],
        )
        return _card(PayMembershipFeePayload, payment)

    @strawberry.mutation(description="The card form came back: record the payment as Stripe reports it.")
    @mutation_payload(ConfirmPaymentPayload)
    def confirm_payment(self, info: Info, input: ConfirmPaymentInput) -> ConfirmPaymentPayload:
        data = load(schemas.ConfirmPaymentSchema(), strawberry.asdict(input))
        pk = node_pk(data["payment_id"], "Payment", "paymentId", NO_PAYMENT)
        payment = settlements.confirm_payment(info.context.session, info.context.viewer, pk, data["payment_method_id"])
        return _card(ConfirmPaymentPayload, payment)

    @strawberry.mutation(description="Set an organisation's yearly membership fee (admin).")
    @mutation_payload(SetMembershipFeePayload, allowed=permissions.can_set_membership_fees)
    def set_membership_fee(self, info: Info, input: SetMembershipFeeInput) -> SetMembershipFeePayload:
        data = load(schemas.SetMembershipFeeSchema(), strawberry.asdict(input))
        session = info.context.session
        organization_id = _organization_pk(data["organization_id"])
        fee = fees.set_membership_fee(session, info.context.viewer, organization_id, data["amount"])
        state = fees.fee_state(fee, fees.get_settings_or_default(session).fee_grace_days)
        return SetMembershipFeePayload(membership_fee=MembershipFeeType.from_state(organization_id, state))

    @strawberry.mutation(description="Record a year of membership fee paid by bank transfer (treasurer).")
    @mutation_payload(RecordMembershipFeePayload, allowed=permissions.is_treasurer)
    def record_membership_fee(self, info: Info, input: RecordMembershipFeeInput) -> RecordMembershipFeePayload:
        data = load(schemas.RecordMembershipFeeSchema(), strawberry.asdict(input))
        payment = fees.record_membership_fee(
            info.context.session, info.context.viewer, _organization_pk(data["organization_id"]), data["reference"],
        )
        return _paid(RecordMembershipFeePayload, payment)

    @strawberry.mutation(description="The hub's payment settings: may an overdue fee block new bookings (admin).")
    @mutation_payload(UpdatePaymentSettingsPayload, allowed=permissions.can_set_membership_fees)
    def update_payment_settings(self, info: Info, input: UpdatePaymentSettingsInput) -> UpdatePaymentSettingsPayload:
        data = load(schemas.PaymentSettingsSchema(), strawberry.asdict(input))
        settings = fees.update_settings(info.context.session, info.context.viewer, **data)
        return UpdatePaymentSettingsPayload(config=PaymentConfigType.build(
            gateway.cards_enabled(), gateway.publishable_key(), str(current_app.config.get("CREDITS_PER_EURO", "1")), settings,
        ))

