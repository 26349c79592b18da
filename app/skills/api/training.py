"""Mutations of skill offers and trainings: how an offer is sold, training sessions, seats and
attendance."""
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.mutations import Payload, mutation_payload
from app.api.validation import load
from app.catalog.api.types import ResourceType
from app.skills import offers, queries, schemas, training
from app.skills.api.inputs import (
    AddTrainingSessionInput,
    RecordAttendanceInput,
    TrainingSeatInput,
    UpdateSkillOfferInput,
    member_pks,
    resource_pk,
    session_pk,
)
from app.skills.api.types import TrainingSessionType
from models import SkillDelivery, SkillPricing


@strawberry.type
class UpdateSkillOfferPayload(Payload):
    resource: Optional[ResourceType] = None


@strawberry.type
class TrainingSessionPayload(Payload):
    session: Optional[TrainingSessionType] = None


AddTrainingSessionPayload = strawberry.type(type("AddTrainingSessionPayload", (TrainingSessionPayload,), {}))
BookTrainingSeatPayload = strawberry.type(type("BookTrainingSeatPayload", (TrainingSessionPayload,), {}))
CancelTrainingSeatPayload = strawberry.type(type("CancelTrainingSeatPayload", (TrainingSessionPayload,), {}))
RecordAttendancePayload = strawberry.type(type("RecordAttendancePayload", (TrainingSessionPayload,), {}))


def _session(info: Info, row) -> TrainingSessionType:
    return TrainingSessionType.from_model(row, queries.seats_of(info.context.session, [row.id])[row.id])


@strawberry.type
class TrainingMutation:
    @strawberry.mutation(description="How a skill offer is sold: pricing, delivery, training, who delivers it (its manager).")
    @mutation_payload(UpdateSkillOfferPayload)
    def update_skill_offer(self, info: Info, input: UpdateSkillOfferInput) -> UpdateSkillOfferPayload:
        resource = offers.update_skill_offer(
            info.context.session, info.context.viewer, resource_pk(input.resource_id),
            pricing=SkillPricing(input.pricing.value) if input.pricing else None,
            delivery=SkillDelivery(input.delivery.value) if input.delivery else None,
            is_training=input.is_training,
            provider_ids=member_pks(input.provider_ids, "providerIds") if input.provider_ids is not None else None,
        )
        return UpdateSkillOfferPayload(resource=ResourceType.from_model(resource))

    @strawberry.mutation(description="Schedule a session of a training offer (its provider).")
    @mutation_payload(AddTrainingSessionPayload)
    def add_training_session(self, info: Info, input: AddTrainingSessionInput) -> AddTrainingSessionPayload:
        data = load(schemas.AddTrainingSessionSchema(), strawberry.asdict(input))
        row = training.add_session(
            info.context.session, info.context.viewer, resource_pk(data["resource_id"]), data["start"], data["end"],
            data["seats"],
        )
        return AddTrainingSessionPayload(session=_session(info, row))

    @strawberry.mutation(description="Take a seat in a training session; CONFLICT when it is full.")
    @mutation_payload(BookTrainingSeatPayload)
    def book_training_seat(self, info: Info, input: TrainingSeatInput) -> BookTrainingSeatPayload:
        seat = training.book_seat(info.context.session, info.context.viewer, session_pk(input.session_id))
        return BookTrainingSeatPayload(session=_session(info, training.get_session_row(info.context.session, seat.session_id)))

    @strawberry.mutation(description="Give up one's seat before the session starts.")
    @mutation_payload(CancelTrainingSeatPayload)
    def cancel_training_seat(self, info: Info, input: TrainingSeatInput) -> CancelTrainingSeatPayload:
        seat = training.cancel_seat(info.context.session, info.context.viewer, session_pk(input.session_id))
        return CancelTrainingSeatPayload(session=_session(info, training.get_session_row(info.context.session, seat.session_id)))

    @strawberry.mutation(description="Record who attended (the training's provider), once the session started.")
    @mutation_payload(RecordAttendancePayload)
    def record_attendance(self, info: Info, input: RecordAttendanceInput) -> RecordAttendancePayload:
        row = training.record_attendance(
            info.context.session, info.context.viewer, session_pk(input.session_id),
            member_pks(input.attended_member_ids, "attendedMemberIds"),
        )
        return RecordAttendancePayload(session=_session(info, row))
