"""Webhook subscriptions (a shop's HTTP endpoints and the event types they want) and the
deliveries made to them (docs/webhooks.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin

DELIVERY_STATUSES = ("PENDING", "DELIVERED", "FAILED")


class WebhookSubscription(IdMixin, CreatedMixin, Base):
    """A shop's endpoint. ``event_types``: the type names it receives, or ``["*"]`` for all.
    ``secret`` signs deliveries (Standard Webhooks ``whsec_...``); after a rotation
    ``previous_secret`` signs too until ``previous_secret_until`` (wall time).

    A row with ``app_id`` is a partner app's TikTok-format webhook of the shop
    (``PUT /event/202309/webhooks``): one per (app, shop, ``topic``), ``topic`` the
    reference's event type name; its deliveries are signed with the app's secret
    (docs/tiktok-api.md#events-webhooks) and ``secret`` is unused (empty). The shop's own
    subscriptions have neither."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        Index("ix_webhook_subscriptions_shop_id", "shop_id"),
        UniqueConstraint("app_id", "shop_id", "topic"),
    )

    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None]
    app_id: Mapped[int | None] = mapped_column(ForeignKey("partner_apps.id"))
    topic: Mapped[str | None] = mapped_column(String(64))


class WebhookDelivery(IdMixin, CreatedMixin, Base):
    """One message to one subscription. ``message_id`` is the ``webhook-id`` header
    (``msg_<event_id>``, stable across retries and replays; ``msg_ping_<id>`` for a test
    ping); ``payload`` is the whole body, fixed when the row is made."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {DELIVERY_STATUSES!r}", name="status"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index(
            "ix_webhook_deliveries_subscription_id_order_id",
            "subscription_id",
            "order_id",
            "id",
        ),
        Index("ix_webhook_deliveries_subscription_id_created_at", "subscription_id", "created_at"),
    )

    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    shop_id: Mapped[int]
    event_id: Mapped[int | None] = mapped_column(BigInteger)  # NULL: a test ping
    order_id: Mapped[int | None]  # the ordering key
    message_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]  # a sender's lease
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_latency_ms: Mapped[int | None]
    delivered_at: Mapped[datetime | None]
