"""Closing a resource's calendar for a period, and reopening it."""
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.validation import load
from app.catalog import schemas, services
from app.catalog.api.inputs import AddResourceClosureInput, RemoveResourceClosureInput, input_dict, resource_pk
from app.catalog.api.types import ClosureType, ResourceType
from models import ClosureKind, Resource


@strawberry.type
class AddResourceClosurePayload(Payload):
    closure: Optional[ClosureType] = None
    resource: Optional[ResourceType] = None


@strawberry.type
class RemoveResourceClosurePayload(Payload):
    resource: Optional[ResourceType] = None


@strawberry.type
class ClosureMutation:
    @strawberry.mutation(description="Close a resource's calendar for a period (holidays, maintenance).")
    @mutation_payload(AddResourceClosurePayload)
    def add_resource_closure(self, info: Info, input: AddResourceClosureInput) -> AddResourceClosurePayload:
        data = load(schemas.ClosureSchema(), input_dict(input))
        closure = services.add_closure(
            info.context.session, info.context.viewer, resource_pk(data["resource_id"]),
            data["start"], data["end"], ClosureKind(data["kind"]), data["reason"],
        )
        resource = info.context.session.get(Resource, closure.resource_id)
        return AddResourceClosurePayload(closure=ClosureType.from_model(closure), resource=ResourceType.from_model(resource))

    @strawberry.mutation(description="Reopen a closed period.")
    @mutation_payload(RemoveResourceClosurePayload)
    def remove_resource_closure(self, info: Info, input: RemoveResourceClosureInput) -> RemoveResourceClosurePayload:
        resource = services.remove_closure(
            info.context.session, info.context.viewer,
            node_pk(input.closure_id, "ResourceClosure", "closureId", services.NO_CLOSURE),
        )
        return RemoveResourceClosurePayload(resource=ResourceType.from_model(resource))
