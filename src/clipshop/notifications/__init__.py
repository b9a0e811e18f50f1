"""Notifications: the in-app list and e-mail through SMTP, made from outbox events by a
consumer, to the user's contact address at send time (docs/notifications.md)."""
