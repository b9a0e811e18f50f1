"""Notifications: the in-app list, the e-mails made from them, and each user's mail
preferences (docs/notifications.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin

MAIL_STATUSES = ("PENDING", "SENT", "FAILED", "SKIPPED")
LANGUAGES = ("en", "es")


class Notification(IdMixin, CreatedMixin, Base):
    """One line of a user's in-app list, made from the outbox event ``event_id`` (one per
    user and event). ``shop_id``: the event's shop (0: none)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id", name="uq_notifications_user_event"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shop_id: Mapped[int]
    event_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(1000))
    link: Mapped[str] = mapped_column(String(500))
    read_at: Mapped[datetime | None]


class NotificationMail(IdMixin, CreatedMixin, Base):
    """One e-mail to one user for one event. The address is looked up when it is sent (the
    user's e-mail then); ``context`` holds the template's values. ``next_attempt_at``: when a
    PENDING mail is next due (a sender's claim pushes it forward by its lease)."""

    __tablename__ = "notification_mails"
    __table_args__ = (
        CheckConstraint(f"status IN {MAIL_STATUSES!r}", name="status"),
        UniqueConstraint("event_id", "user_id", name="uq_notification_mails_event_user"),
        Index("ix_notification_mails_status_next", "status", "next_attempt_at"),
        Index("ix_notification_mails_user_id", "user_id"),
    )

    event_id: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shop_id: Mapped[int]
    template: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5))
    marketing: Mapped[bool] = mapped_column(default=False)
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default="PENDING")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_to: Mapped[str | None] = mapped_column(String(320))
    sent_at: Mapped[datetime | None]


class NotificationPreference(Base):
    """A user's language for notifications and mails, and their marketing opt-out
    (transactional mail cannot be opted out of). No row: English, marketing allowed."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint(f"language IN {LANGUAGES!r}", name="language"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    marketing_opt_out: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
