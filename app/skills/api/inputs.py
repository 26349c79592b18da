"""Input types of the skills operations: one `input` per mutation, amounts and hours as
Decimal strings ("12.50", "7.5")."""
import datetime as dt
from typing import Optional

import strawberry

from app.api.mutations import node_pk
from app.catalog.api.types import SkillDeliveryEnum, SkillPricingEnum
from app.catalog.resources import NO_RESOURCE
from app.errors import N_
from app.skills.jobs import NO_JOB
from app.skills.training import NO_SESSION

NO_MEMBER = N_("This member does not exist.")


@strawberry.input
class RequestSkillInput:
    resource_id: strawberry.ID = strawberry.field(description="The skill offer.")
    description: str = strawberry.field(description="What needs doing.")
    preferred_start: Optional[dt.datetime] = None
    preferred_end: Optional[dt.datetime] = None
    estimated_hours: Optional[str] = strawberry.field(default=None, description='Hours, e.g. "12.5".')
    pay_on_account: bool = strawberry.field(
        default=False, description="No hold on acceptance: the price is invoiced on completion."
    )


@strawberry.input
class QuoteJobInput:
    job_id: strawberry.ID
    hours: str = strawberry.field(description='Hours quoted, e.g. "16".')
    price: Optional[str] = strawberry.field(
        default=None, description='Credits, e.g. "880.00"; default: from the offer\'s pricing (required ON_QUOTE).'
    )
    start: Optional[dt.datetime] = None
    end: Optional[dt.datetime] = None
    conditions: Optional[str] = None


@strawberry.input
class DeclineJobInput:
    job_id: strawberry.ID
    reason: str


@strawberry.input
class AcceptQuoteInput:
    job_id: strawberry.ID
    idempotency_key: Optional[str] = None
    pay_on_account: Optional[bool] = strawberry.field(
        default=None, description="Accept on account (no hold); default: as the request said."
    )


@strawberry.input
class CancelJobInput:
    job_id: strawberry.ID
    reason: Optional[str] = None


@strawberry.input
class DeliverJobInput:
    job_id: strawberry.ID
    hours_worked: str
    insertion_hours: Optional[str] = strawberry.field(default=None, description="Of them, by people in insertion.")
    training_hours: Optional[str] = strawberry.field(default=None, description="Of them, by people in training.")


@strawberry.input
class ConfirmJobInput:
    job_id: strawberry.ID


@strawberry.input
class DisputeJobInput:
    job_id: strawberry.ID
    reason: str


@strawberry.input
class SettleDisputeInput:
    job_id: strawberry.ID
    amount: str = strawberry.field(description='Credits to the provider, from "0" to the price.')
    decision: str


@strawberry.input
class SendJobMessageInput:
    job_id: strawberry.ID
    body: str


@strawberry.input
class RateJobInput:
    job_id: strawberry.ID
    stars: int = strawberry.field(description="1 to 5.")
    comment: Optional[str] = None


@strawberry.input
class UpdateSkillOfferInput:
    resource_id: strawberry.ID
    pricing: Optional[SkillPricingEnum] = None
    delivery: Optional[SkillDeliveryEnum] = None
    is_training: Optional[bool] = None
    provider_ids: Optional[list[strawberry.ID]] = strawberry.field(
        default=None, description="The members of the organisation who deliver it (replaces the list)."
    )


@strawberry.input
class AddTrainingSessionInput:
    resource_id: strawberry.ID
    start: dt.datetime
    end: dt.datetime
    seats: int


@strawberry.input
class TrainingSeatInput:
    session_id: strawberry.ID


@strawberry.input
class RecordAttendanceInput:
    session_id: strawberry.ID
    attended_member_ids: list[strawberry.ID]


def job_pk(global_id: str) -> int:
    return node_pk(global_id, "Job", "jobId", NO_JOB)


def resource_pk(global_id: str) -> int:
    return node_pk(global_id, "Resource", "resourceId", NO_RESOURCE)


def session_pk(global_id: str) -> int:
    return node_pk(global_id, "TrainingSession", "sessionId", NO_SESSION)


def member_pks(global_ids: list[str], field: str) -> list[int]:
    return [node_pk(gid, "Member", field, NO_MEMBER) for gid in global_ids]
