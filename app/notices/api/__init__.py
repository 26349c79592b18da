"""The notices' GraphQL API: `notifications`, `notificationPreferences`,
`markNotificationsRead`, `setNotificationPreferences`."""
from app.notices.api.mutations import NoticesMutation
from app.notices.api.queries import NoticesQuery, resolve_notification_node

__all__ = ["NoticesMutation", "NoticesQuery", "resolve_notification_node"]
