"""The one place ``ops`` touches the notification outbox (its model moves to a
``notifications`` app: repoint these two names and nothing else changes)."""

from notifications.models import Notification, NotificationStatus

__all__ = ["Notification", "NotificationStatus"]
