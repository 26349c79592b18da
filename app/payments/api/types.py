"""GraphQL types of the payments: Payment, a booking's deposit, an organisation's membership
fee, the hub's payment configuration. Lists load their related rows in batches."""
import datetime as dt
import enum
from typing import Optional

import strawberry

from app import permissions
from app.api.context import Info
from app.api.relay import Node, node_type, preload, to_global_id
from app.api.scalars import Money, money
from app.ledger.api import AccountType, TransferType, accounts_by_id
from app.payments import deposits
from app.payments.fees import FeeState, FeeStatus
from models import (
    DepositMode,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentSettings,
    PaymentStatus,
    Reconciliation,
    Transfer,
)

PaymentKindEnum = strawberry.enum(PaymentKind, name="PaymentKind")
PaymentStatusEnum = strawberry.enum(PaymentStatus, name="PaymentStatus")
PaymentMethodEnum = strawberry.enum(PaymentMethod, name="PaymentMethod")
DepositModeEnum = strawberry.enum(
    DepositMode, name="DepositMode",
    description="HOLD: held on the card (manual capture); CHARGE: taken and refunded on return (long loans).",
)
ReconciliationEnum = strawberry.enum(Reconciliation, name="Reconciliation")
FeeStatusEnum = strawberry.enum(FeeStatus, name="MembershipFeeStatus")


@strawberry.enum(name="BankTransferDirection")
class BankTransferDirection(enum.Enum):
    IN = "IN"
    OUT = "OUT"


def euros(cents: Optional[int]) -> Optional[Money]:
    return None if cents is None else money(cents, "EUR")


def usable_accounts(info: Info) -> set[int]:
    cache = info.context.cache
    if "usable_accounts" not in cache:
        viewer = info.context.viewer
        cache["usable_accounts"] = permissions.usable_account_ids(info.context.session, viewer) if viewer else set()
    return cache["usable_accounts"]


@node_type
@strawberry.type(name="Payment", description="A movement of euros: by card through Stripe, or a recorded bank transfer.")
class PaymentType(Node):
    kind: PaymentKindEnum
    status: PaymentStatusEnum
    method: PaymentMethodEnum
    stripe_id: Optional[str]
    reference: str
    failure_message: str
    deposit_mode: Optional[DepositModeEnum]
    reconciliation: ReconciliationEnum
    claim_reason: str
    claimed_at: Optional[dt.datetime]
    created_at: dt.datetime
    succeeded_at: Optional[dt.datetime]
    settled_at: Optional[dt.datetime]
    model: strawberry.Private[Payment]

    @classmethod
    def from_model(cls, p: Payment) -> "PaymentType":
        return cls(
            id=to_global_id("Payment", p.id), kind=p.kind, status=p.status, method=p.method, stripe_id=p.stripe_id,
            reference=p.reference, failure_message=p.failure_message, deposit_mode=p.deposit_mode,
            reconciliation=p.reconciliation, claim_reason=p.claim_reason, claimed_at=p.claimed_at,
            created_at=p.created_at, succeeded_at=p.succeeded_at, settled_at=p.settled_at, model=p,
        )

    @classmethod
    def many(cls, info: Info, rows: list[Payment]) -> list["PaymentType"]:
        accounts_by_id(info, [p.account_id for p in rows])
        preload(info.context.session, Transfer, [p.transfer_id for p in rows])
        return [cls.from_model(p) for p in rows]

    @strawberry.field(description="The receipt's number.")
    def number(self) -> int:
        return self.model.id

    @strawberry.field(description="In euros (EUR).")
    def amount(self) -> Money:
        return money(self.model.amount, "EUR")

    @strawberry.field(description="What the payment is worth in credits, at the hub's rate.")
    def credits(self) -> Money:
        return money(self.model.credits)

    @strawberry.field
    def refunded_amount(self) -> Money:
        return money(self.model.refunded_amount, "EUR")

    @strawberry.field(description="A deposit: what the owner claims.")
    def claim_amount(self) -> Optional[Money]:
        return euros(self.model.claim_amount)

    @strawberry.field(description="A deposit: what was finally kept for the owner.")
    def captured_amount(self) -> Optional[Money]:
        return euros(self.model.captured_amount)

    @strawberry.field(description="A card hold: when it lapses by itself at the latest.")
    def held_until(self) -> Optional[dt.datetime]:
        return deposits.held_until(self.model)

    @strawberry.field(description="Still held (on the card, or charged and not yet settled).")
    def held(self) -> bool:
        return self.model.settled_at is None and self.model.status in (PaymentStatus.AUTHORIZED, PaymentStatus.SUCCEEDED) \
            and self.model.kind == PaymentKind.DEPOSIT

    @strawberry.field
    def account(self, info: Info) -> Optional[AccountType]:
        if self.model.account_id is None:
            return None
        viewer = info.context.viewer
        if not (permissions.is_treasurer(viewer) or self.model.account_id in usable_accounts(info)):
            return None
        return AccountType.from_model(accounts_by_id(info, [self.model.account_id])[self.model.account_id])

    @strawberry.field(description="Its ledger entry against the euro settlement account, once the money has moved.")
    def transfer(self, info: Info) -> Optional[TransferType]:
        if self.model.transfer_id is None:
            return None
        return TransferType.one(info, info.context.session.get(Transfer, self.model.transfer_id))

    @strawberry.field
    def booking_id(self) -> Optional[strawberry.ID]:
        return None if self.model.booking_id is None else strawberry.ID(to_global_id("Booking", self.model.booking_id))

    @strawberry.field
    def organization_id(self) -> Optional[strawberry.ID]:
        oid = self.model.organization_id
        return None if oid is None else strawberry.ID(to_global_id("Organization", oid))

    @strawberry.field(description="For the card form (stripe.js), to the member paying, while it waits for a card (or another one).")
    def client_secret(self, info: Info) -> Optional[str]:
        viewer = info.context.viewer
        if viewer is None or viewer.id != self.model.member_id or self.model.status not in (
            PaymentStatus.PENDING, PaymentStatus.FAILED,
        ):
            return None
        return self.model.client_secret


@strawberry.type(name="MembershipFee", description="An organisation's yearly fee and where it stands.")
class MembershipFeeType:
    yearly_amount: Money
    status: FeeStatusEnum
    renewal_date: Optional[dt.date]
    paid_until: Optional[dt.date]
    organization_id: strawberry.ID

    @classmethod
    def from_state(cls, organization_id: int, state: FeeState) -> "MembershipFeeType":
        return cls(
            yearly_amount=money(state.yearly_amount, "EUR"), status=state.status, renewal_date=state.renewal_date,
            paid_until=state.paid_until, organization_id=strawberry.ID(to_global_id("Organization", organization_id)),
        )


@strawberry.type(name="PaymentConfig", description="How euros move on this hub.")
class PaymentConfigType:
    cards_enabled: bool
    publishable_key: Optional[str]
    credits_per_euro: str
    fee_overdue_blocks_bookings: bool
    fee_grace_days: int

    @classmethod
    def build(cls, cards: bool, key: Optional[str], rate: str, settings: Optional[PaymentSettings]) -> "PaymentConfigType":
        return cls(
            cards_enabled=cards, publishable_key=key, credits_per_euro=rate,
            fee_overdue_blocks_bookings=bool(settings and settings.fee_overdue_blocks_bookings),
            fee_grace_days=settings.fee_grace_days if settings else 30,
        )
