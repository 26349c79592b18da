"""Private iCalendar feeds of a member's bookings or of a resource."""
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.mutations import Payload, mutation_payload
from app.catalog import ical
from app.catalog.api.inputs import CreateCalendarFeedInput, resource_pk
from app.catalog.api.types import feed_url


@strawberry.type
class CreateCalendarFeedPayload(Payload):
    url: Optional[str] = strawberry.field(default=None, description="The private iCalendar URL (replaces the previous one).")


@strawberry.type
class FeedMutation:
    @strawberry.mutation(description="A private iCalendar URL of the viewer's bookings or of a resource they manage.")
    @mutation_payload(CreateCalendarFeedPayload)
    def create_calendar_feed(self, info: Info, input: CreateCalendarFeedInput) -> CreateCalendarFeedPayload:
        resource_id = resource_pk(input.resource_id) if input.resource_id else None
        feed = ical.create_feed(info.context.session, info.context.viewer, resource_id)
        return CreateCalendarFeedPayload(url=feed_url(feed.token))
