"""The ``webhooks`` outbox consumer: turns each event into one pending delivery per enabled
subscription of the event's shop that wants its type. It writes only to the database, so
it runs exactly once per event (inside the relay's savepoint); the sender
(``webhooks.sender``) does the HTTP part."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.outbox import Delivered
from clipshop.models import WebhookDelivery, WebhookSubscription

CONSUMER = "webhooks"


def wants(event_types: list[str], event_type: str) -> bool:
    return "*" in event_types or event_type in event_types


def body(event_type: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """A delivery's JSON body: ``{type, timestamp, data}`` (``timestamp``: when it happened,
    business time, ISO 8601)."""
    return {"type": event_type, "timestamp": at.isoformat(), "data": data}


def message_id(event_id: int) -> str:
    """The ``webhook-id`` of an event's deliveries: the same on every retry and replay."""
    return f"msg_{event_id}"


def pending(
    subscription_id: int,
    event: Delivered,
    due: datetime,
    *,
    message: str,
    kind: str,
    payload: dict[str, Any],
) -> WebhookDelivery:
    """A PENDING delivery of ``event`` to a subscription, due at ``due`` (``message``: its
    stable message id; ``kind``: the type the log shows; ``payload``: the whole body)."""
    return WebhookDelivery(
        subscription_id=subscription_id,
        shop_id=event.shop_id,
        event_id=event.id,
        order_id=event.order_id,
        message_id=message,
        type=kind,
        payload=payload,
        status="PENDING",
        attempts=0,
        next_attempt_at=due,
    )


def delivery_for(subscription_id: int, event: Delivered, due: datetime) -> WebhookDelivery:
    payload = body(event.type, event.created_at, event.payload)
    return pending(
        subscription_id, event, due, message=message_id(event.id), kind=event.type, payload=payload
    )


def store(session: Session, event: Delivered) -> None:
    """The consumer: a delivery per matching enabled subscription of ``event``'s shop (its
    own: a partner app's webhooks get theirs from ``partner.events_delivery``)."""
    s = WebhookSubscription
    rows = session.execute(
        select(s.id, s.event_types).where(s.shop_id == event.shop_id, s.enabled, s.app_id.is_(None))
    ).all()
    now = utcnow()
    matching = [sub_id for sub_id, types in rows if wants(types, event.type)]
    session.add_all(delivery_for(sub_id, event, now) for sub_id in matching)
    if matching:
        session.flush()
