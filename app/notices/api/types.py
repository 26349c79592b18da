"""GraphQL types of the notices."""
import datetime as dt
from typing import Optional

import strawberry

from app.api.relay import Node, to_global_id
from app.notices import render
from app.notices.kinds import Category, Kind
from models import NoticeChannel, Notification

NotificationKindEnum = strawberry.enum(Kind, name="NotificationKind")
NotificationCategoryEnum = strawberry.enum(Category, name="NotificationCategory", description=(
    "What a notice is about; each member chooses, per category, how they hear of it."))
NotificationChannelEnum = strawberry.enum(NoticeChannel, name="NotificationChannel", description=(
    "IN_APP: in the app only; IMMEDIATE: and an email at once; DIGEST: and in a daily email."))


@strawberry.type(name="Notification")
class NotificationType(Node):
    kind: NotificationKindEnum
    category: NotificationCategoryEnum
    link: str = strawberry.field(description="The page it points to, a path of the app.")
    created_at: dt.datetime
    read: bool
    model: strawberry.Private[Notification]

    @classmethod
    def from_model(cls, notice: Notification) -> "NotificationType":
        kind = notice.kind if notice.kind in Kind.__members__ else Kind.MESSAGE.value
        category = notice.category if notice.category in Category.__members__ else Category.BOOKINGS.value
        return cls(id=to_global_id("Notification", notice.id), kind=Kind(kind), category=Category(category),
                   link=notice.link, created_at=notice.created_at, read=notice.read_at is not None, model=notice)

    @strawberry.field(description="The notice in words, in the viewer's language.")
    def message(self) -> str:
        return render.message(self.model.kind, self.model.params, self.model.message)

    @strawberry.field(description="A short title, in the viewer's language (an email's subject).")
    def title(self) -> str:
        return render.subject(self.model.kind, self.model.params, self.model.message)

    @strawberry.field(description="The page it points to, as an absolute URL (ALVEOLE_BASE_URL).")
    def url(self) -> Optional[str]:
        return render.absolute(self.model.link) or None


@strawberry.type
class NotificationPreference:
    category: NotificationCategoryEnum
    channel: NotificationChannelEnum


@strawberry.input
class NotificationPreferenceInput:
    category: NotificationCategoryEnum
    channel: NotificationChannelEnum


@strawberry.input
class SetNotificationPreferencesInput:
    preferences: list[NotificationPreferenceInput] = strawberry.field(
        description="The categories to change; the others keep their channel.")


@strawberry.input
class MarkNotificationsReadInput:
    notification_ids: Optional[list[strawberry.ID]] = strawberry.field(
        default=None, description="The notices to mark read; all the viewer's when null.")


def preference_list(chosen: dict) -> list[NotificationPreference]:
    return [NotificationPreference(category=category, channel=channel) for category, channel in chosen.items()]
