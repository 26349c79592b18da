"""The viewer's notices and notice preferences."""
from typing import Optional

import strawberry

from app.api.context import Info
from app.api.permissions import require_for_query
from app.api.relay import Connection, paginate
from app.notices import services
from app.notices.api.types import NotificationPreference, NotificationType, preference_list
from models import Notification


@strawberry.type
class NoticesQuery:
    @strawberry.field(description="The viewer's notices, newest first; `unread` keeps the unread ones (their "
                                  "totalCount is the unread count).")
    def notifications(self, info: Info, first: Optional[int] = None, after: Optional[str] = None,
                      unread: bool = False) -> Connection[NotificationType]:
        viewer = require_for_query(info)
        return paginate(info.context.session, services.notices_query(viewer, unread), first, after,
                        lambda rows: [NotificationType.from_model(n) for n in rows])

    @strawberry.field(description="How the viewer hears of each category of notices.")
    def notification_preferences(self, info: Info) -> list[NotificationPreference]:
        viewer = require_for_query(info)
        return preference_list(services.preferences(info.context.session, viewer))


def resolve_notification_node(info: Info, pk: int) -> Optional[NotificationType]:
    """A notice, to the member it was written for only."""
    viewer = info.context.viewer
    notice = info.context.session.get(Notification, pk) if viewer else None
    if notice is None or notice.member_id != viewer.id:
        return None
    return NotificationType.from_model(notice)
