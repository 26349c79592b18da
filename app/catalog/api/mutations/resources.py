"""Offering and editing resources, and their status."""
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.validation import load
from app.catalog import schemas, services
from app.catalog.api.inputs import CreateResourceInput, SetResourceStatusInput, UpdateResourceInput, input_dict, resource_pk
from app.catalog.api.types import ResourceType
from app.hub import MEMO_LENGTH
from models import ResourceKind, ResourceStatus


@strawberry.type
class CreateResourcePayload(Payload):
    resource: Optional[ResourceType] = None


@strawberry.type
class UpdateResourcePayload(Payload):
    resource: Optional[ResourceType] = None


@strawberry.type
class SetResourceStatusPayload(Payload):
    resource: Optional[ResourceType] = None
    cancelled_bookings: int = 0


@strawberry.type
class ResourceMutation:
    @strawberry.mutation(description="Offer a resource (organisation managers; the admin for the hub's pool).")
    @mutation_payload(CreateResourcePayload)
    def create_resource(self, info: Info, input: CreateResourceInput) -> CreateResourcePayload:
        data = load(schemas.CreateResourceSchema(), input_dict(input))
        owner_pk = node_pk(data["owner_id"], "Organization", "ownerId", services.NO_ORGANIZATION) if data.get("owner_id") else None
        resource = services.create_resource(
            info.context.session, info.context.viewer, kind=ResourceKind(data["kind"]),
            hub_pool=bool(data.get("hub_pool")), owner_organization_id=owner_pk, **schemas.resource_values(data),
        )
        return CreateResourcePayload(resource=ResourceType.from_model(resource))

    @strawberry.mutation(description="Edit a resource (its owner).")
    @mutation_payload(UpdateResourcePayload)
    def update_resource(self, info: Info, input: UpdateResourceInput) -> UpdateResourcePayload:
        data = load(schemas.UpdateResourceSchema(), input_dict(input))
        resource = services.update_resource(
            info.context.session, info.context.viewer, resource_pk(data["resource_id"]),
            **schemas.resource_values(data),
        )
        return UpdateResourcePayload(resource=ResourceType.from_model(resource))

    @strawberry.mutation(description="Make available, put into maintenance, or retire a resource.")
    @mutation_payload(SetResourceStatusPayload)
    def set_resource_status(self, info: Info, input: SetResourceStatusInput) -> SetResourceStatusPayload:
        resource, cancelled = services.set_status(
            info.context.session, info.context.viewer, resource_pk(input.resource_id),
            ResourceStatus(input.status.value),
            input.future_bookings.value if input.future_bookings else None, (input.reason or "").strip()[:MEMO_LENGTH],
        )
        return SetResourceStatusPayload(resource=ResourceType.from_model(resource), cancelled_bookings=cancelled)
