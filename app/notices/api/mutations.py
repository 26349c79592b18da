"""Marking notices read, and choosing how to hear of them."""
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.mutations import Payload, mutation_payload
from app.api.relay import decode_id
from app.notices import services
from app.notices.api.types import (
    MarkNotificationsReadInput,
    NotificationPreference,
    SetNotificationPreferencesInput,
    preference_list,
)


@strawberry.type
class MarkNotificationsReadPayload(Payload):
    count: int = strawberry.field(default=0, description="How many notices were marked read.")
    unread_count: int = strawberry.field(default=0, description="How many remain unread.")


@strawberry.type
class SetNotificationPreferencesPayload(Payload):
    preferences: list[NotificationPreference] = strawberry.field(default_factory=list)


@strawberry.type
class NoticesMutation:
    @strawberry.mutation(description="Mark the viewer's notices read: those of `notificationIds`, or all.")
    @mutation_payload(MarkNotificationsReadPayload)
    def mark_notifications_read(
        self, info: Info, input: Optional[MarkNotificationsReadInput] = None
    ) -> MarkNotificationsReadPayload:
        session, viewer = info.context.session, info.context.viewer
        ids = None
        if input is not None and input.notification_ids is not None:
            # Ids that name no notice of the viewer's are ignored: marking read is idempotent.
            ids = [pk for pk in (decode_id(i, "Notification") for i in input.notification_ids) if pk is not None]
        count = services.mark_read(session, viewer, ids)
        return MarkNotificationsReadPayload(count=count, unread_count=services.unread_count(session, viewer))

    @strawberry.mutation(description="Choose, per category, how the viewer hears of notices: in the app only, "
                                     "by email at once, or in a daily email.")
    @mutation_payload(SetNotificationPreferencesPayload)
    def set_notification_preferences(
        self, info: Info, input: SetNotificationPreferencesInput
    ) -> SetNotificationPreferencesPayload:
        choices = {p.category: p.channel for p in input.preferences}
        chosen = services.set_preferences(info.context.session, info.context.viewer, choices)
        return SetNotificationPreferencesPayload(preferences=preference_list(chosen))
