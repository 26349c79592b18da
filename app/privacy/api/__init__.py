"""The GraphQL part of personal data: `myPersonalData` and `anonymizeMember`."""
import strawberry
from strawberry.scalars import JSON

from app import permissions
from app.api.context import Info
from app.api.mutations import Payload, mutation_payload, node_pk
from app.api.permissions import require_for_query
from app.auth.api.types import MemberType
from app.privacy import services


@strawberry.input
class AnonymizeMemberInput:
    member_id: strawberry.ID


@strawberry.type
class AnonymizeMemberPayload(Payload):
    member: MemberType | None = None


@strawberry.type
class PrivacyQuery:
    @strawberry.field(description="Everything the hub holds about the viewer (profile, rights, tokens, accounts, "
                                  "transfers, bookings, invoices, jobs, ratings, notices, audit entries about them or made by them), "
                                  "section by section; amounts as Money, {\"amount\": \"455.00\", "
                                  "\"currency\": \"ALV\"}.")
    def my_personal_data(self, info: Info) -> JSON:
        viewer = require_for_query(info)
        return services.personal_data(info.context.session, viewer)


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(description="Anonymise a member who leaves (admin): name, email and the texts they wrote "
                                     "are replaced, sign-in becomes impossible; the ledger keeps their entries "
                                     "under the pseudonym.")
    @mutation_payload(AnonymizeMemberPayload, allowed=permissions.is_admin)
    def anonymize_member(self, info: Info, input: AnonymizeMemberInput) -> AnonymizeMemberPayload:
        member_id = node_pk(input.member_id, "Member", "memberId", "This member does not exist.")
        member = services.anonymize_member(info.context.session, info.context.viewer, member_id)
        return AnonymizeMemberPayload(member=MemberType.from_model(member))
