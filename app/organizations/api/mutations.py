"""GraphQL mutations of the organisations slice: create one with its manager (admin), edit
its profile, hand the manager role over, set a member's rights (its manager, or the admin),
suspend or reinstate it (admin). Each reads its input, calls the service, wraps the result;
the services check who may."""
from typing import Optional

import strawberry
from flask import current_app

from app import permissions
from app.api.context import Info
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.validation import load
from app.auth.api.types import MemberType, OrganizationKindEnum, OrganizationStatusEnum, OrganizationType
from app.auth.schemas import CreateMemberSchema
from app.errors import N_, DomainError, ValidationFailed
from app.organizations import schemas, services
from models import OrganizationKind

NO_ORGANIZATION = N_("This organisation does not exist.")
NO_MEMBER = N_("This member does not exist.")


@strawberry.input(description="A new member who manages the new organisation.")
class NewManagerInput:
    email: str
    name: str
    password: str
    language: str = "fr"


@strawberry.input
class CreateOrganizationInput:
    name: str
    kind: OrganizationKindEnum = OrganizationKind.FIRM
    siret: Optional[str] = None
    town: Optional[str] = None
    address: Optional[str] = None
    credit_limit: Optional[str] = strawberry.field(default=None, description='A Decimal string such as "500.00".')
    manager_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="An existing member, without an organisation, who manages it."
    )
    manager: Optional[NewManagerInput] = strawberry.field(default=None, description="Or a new member who manages it.")


@strawberry.type
class CreateOrganizationPayload(Payload):
    organization: Optional[OrganizationType] = None


@strawberry.input
class UpdateOrganizationInput:
    organization_id: strawberry.ID
    name: Optional[str] = strawberry.field(default=None, description="Null: unchanged.")
    kind: Optional[OrganizationKindEnum] = None
    siret: Optional[str] = strawberry.field(default=None, description='Null: unchanged; "": none.')
    town: Optional[str] = None
    address: Optional[str] = None


@strawberry.type
class UpdateOrganizationPayload(Payload):
    organization: Optional[OrganizationType] = None


@strawberry.input
class SetOrganizationStatusInput:
    organization_id: strawberry.ID
    status: OrganizationStatusEnum


@strawberry.type
class SetOrganizationStatusPayload(Payload):
    organization: Optional[OrganizationType] = None


@strawberry.input
class SetOrganizationManagerInput:
    organization_id: strawberry.ID
    member_id: strawberry.ID


@strawberry.type
class SetOrganizationManagerPayload(Payload):
    organization: Optional[OrganizationType] = None


@strawberry.input
class SetMemberRightsInput:
    member_id: strawberry.ID
    can_book: bool = False
    can_pay: bool = strawberry.field(default=False, description="Pay members from the organisation's account.")
    can_handle_invoices: bool = False
    can_list_resources: bool = False
    can_provide_skills: bool = False
    booking_cap: Optional[str] = strawberry.field(default=None, description='The most one booking may cost ("150.00"); null: no cap.')
    monthly_cap: Optional[str] = strawberry.field(default=None, description='The most spent in a calendar month; null: no cap.')


@strawberry.type
class SetMemberRightsPayload(Payload):
    member: Optional[MemberType] = None


MANAGER_FIELDS = ("email", "name", "password", "language")


def _about_manager(exc: DomainError) -> DomainError:
    """Errors on the new manager's details name their field under `manager` (["manager",
    "email"]), apart from the organisation's own fields of the same name: every error of their
    schema, and the services' errors on their email (taken) or password."""
    if isinstance(exc, ValidationFailed):
        for error in exc.errors:
            error.field = ["manager", *error.field] if error.field else error.field
        exc.field = exc.errors[0].field
    elif exc.field and exc.field[0] in ("email", "password", "language"):
        exc.field = ["manager", *exc.field]
    return exc


def _organization_pk(global_id: str) -> int:
    return node_pk(global_id, "Organization", "organizationId", NO_ORGANIZATION)


@strawberry.type
class OrganizationsMutation:
    @strawberry.mutation(description="Add an organisation, its account and its manager (admin).")
    @mutation_payload(CreateOrganizationPayload, allowed=permissions.is_admin)
    def create_organization(self, info: Info, input: CreateOrganizationInput) -> CreateOrganizationPayload:
        fields = {k: v for k, v in strawberry.asdict(input).items() if k not in ("manager_id", "manager")}
        data = load(schemas.OrganizationSchema(), fields)
        manager_id = node_pk(input.manager_id, "Member", "managerId", NO_MEMBER) if input.manager_id else None
        manager = None
        try:
            if input.manager is not None:
                details = load(CreateMemberSchema(), strawberry.asdict(input.manager))
                manager = {k: details[k] for k in MANAGER_FIELDS}
            organization = services.create_organization(
                info.context.session, current_app.extensions["passwords"], info.context.viewer,
                manager_id=manager_id, manager=manager, **data,
            )
        except DomainError as exc:
            raise _about_manager(exc) if input.manager is not None else exc from None
        return CreateOrganizationPayload(organization=OrganizationType.from_model(organization))

    @strawberry.mutation(description="Edit an organisation's profile (its manager, or the admin).")
    @mutation_payload(UpdateOrganizationPayload)
    def update_organization(self, info: Info, input: UpdateOrganizationInput) -> UpdateOrganizationPayload:
        pk = _organization_pk(input.organization_id)
        data = load(schemas.UpdateOrganizationSchema(), {k: v for k, v in strawberry.asdict(input).items() if k != "organization_id"})
        organization = services.update_organization(info.context.session, info.context.viewer, pk, **data)
        return UpdateOrganizationPayload(organization=OrganizationType.from_model(organization))

    @strawberry.mutation(description="Suspend an organisation (nobody acts for it) or reinstate it (admin).")
    @mutation_payload(SetOrganizationStatusPayload, allowed=permissions.is_admin)
    def set_organization_status(self, info: Info, input: SetOrganizationStatusInput) -> SetOrganizationStatusPayload:
        pk = _organization_pk(input.organization_id)
        organization = services.set_organization_status(info.context.session, info.context.viewer, pk, input.status)
        return SetOrganizationStatusPayload(organization=OrganizationType.from_model(organization))

    @strawberry.mutation(description="Hand the manager role over to another member of the organisation (its manager, or the admin).")
    @mutation_payload(SetOrganizationManagerPayload)
    def set_organization_manager(self, info: Info, input: SetOrganizationManagerInput) -> SetOrganizationManagerPayload:
        pk = _organization_pk(input.organization_id)
        member_pk = node_pk(input.member_id, "Member", "memberId", NO_MEMBER)
        organization = services.set_organization_manager(info.context.session, info.context.viewer, pk, member_pk)
        return SetOrganizationManagerPayload(organization=OrganizationType.from_model(organization))

    @strawberry.mutation(description="What a member may do for their organisation, and their caps (its manager, or the admin).")
    @mutation_payload(SetMemberRightsPayload)
    def set_member_rights(self, info: Info, input: SetMemberRightsInput) -> SetMemberRightsPayload:
        member_pk = node_pk(input.member_id, "Member", "memberId", NO_MEMBER)
        data = load(schemas.MemberRightsSchema(), {k: v for k, v in strawberry.asdict(input).items() if k != "member_id"})
        member = services.set_member_rights(info.context.session, info.context.viewer, member_pk, **data)
        return SetMemberRightsPayload(member=MemberType.from_model(member))
