"""A subscription's delivery log and what a seller does with it: retry one delivery now,
send a test ping, replay the events of a time range. Authorized like the subscriptions
(``webhooks.subscriptions``): ``webhooks:manage``, a shop the caller sees (another shop's
webhook: 404); the log may be read by an admin too, the actions are the shop staff's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from clipshop.core.ids import new_id
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity.principal import Principal
from clipshop.models import FeedEvent, OutboxEvent, WebhookDelivery, WebhookSubscription
from clipshop.webhooks import subscriptions
from clipshop.webhooks.fanout import body, message_id, wants
from clipshop.webhooks.subscriptions import PING

STATUSES = ("PENDING", "DELIVERED", "FAILED")
MAX_REPLAY = 10_000  # events per replay request


def subscription(
    session: Session, caller: Principal, shop_id: int, webhook_id: int, write: bool = True
) -> WebhookSubscription:
    """Subscription ``webhook_id`` of ``shop_id`` as the caller may use it (``write``: the
    shop's own staff only, as for changing the subscription)."""
    found = subscriptions.get(session, caller, shop_id, webhook_id)
    if write and shop_id not in caller.shop_ids:
        raise PermissionDenied("only the shop's own staff act on its webhook deliveries")
    return found


def list_deliveries(
    session: Session,
    caller: Principal,
    shop_id: int,
    webhook_id: int,
    page: PageRequest,
    status: str | None = None,
) -> Page[WebhookDelivery]:
    """The subscription's deliveries, newest first; ``status``: only those."""
    subscription(session, caller, shop_id, webhook_id, write=False)
    d = WebhookDelivery
    stmt = select(d).where(d.subscription_id == webhook_id)
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput(f"status is one of {', '.join(STATUSES)}", code="invalid_status")
        stmt = stmt.where(d.status == status)
    return paginate(session, stmt, d.id, page)


def retry(
    session: Session, caller: Principal, shop_id: int, webhook_id: int, delivery_id: int
) -> WebhookDelivery:
    """Make a delivery due now: a PENDING one skips its wait, a FAILED one is PENDING again
    with a fresh retry schedule (attempts from 0). A DELIVERED one: 409 (replay sends it
    again)."""
    subscription(session, caller, shop_id, webhook_id)
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.subscription_id != webhook_id:
        raise NotFound("delivery not found")
    if delivery.status == "DELIVERED":
        raise Conflict(
            "this delivery was delivered; replay its time range to send it again",
            code="delivery_already_delivered",
        )
    if delivery.status == "FAILED":
        delivery.status, delivery.attempts = "PENDING", 0
    delivery.next_attempt_at = utcnow()
    session.flush()
    return delivery


def ping(session: Session, caller: Principal, shop_id: int, webhook_id: int) -> WebhookDelivery:
    """A ``webhook.ping`` delivery to the subscription, due now."""
    sub = subscription(session, caller, shop_id, webhook_id)
    now = utcnow()
    delivery_id = new_id()
    data = {"subscription_id": str(sub.id), "shop_id": str(shop_id)}
    delivery = WebhookDelivery(
        id=delivery_id,
        subscription_id=sub.id,
        shop_id=shop_id,
        event_id=None,
        order_id=None,
        message_id=f"msg_ping_{delivery_id}",
        type=PING,
        payload=body(PING, now, data),
        status="PENDING",
        attempts=0,
        next_attempt_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery


def replay(
    session: Session,
    caller: Principal,
    shop_id: int,
    webhook_id: int,
    start: datetime,
    end: datetime,
) -> int:
    """New deliveries, due now, of every event of the shop that happened in [start, end),
    still kept in the outbox or the feed and wanted by the subscription, with their
    original ``webhook-id`` (receivers that saw one already drop it); how many."""
    sub = subscription(session, caller, shop_id, webhook_id)
    if start >= end:
        raise InvalidInput("from must be before to", code="invalid_time_range")
    found: dict[int, tuple[str, int | None, dict[str, Any], datetime]] = {}
    for table in (OutboxEvent, FeedEvent):
        event_id = OutboxEvent.id if table is OutboxEvent else FeedEvent.event_id
        rows = session.execute(
            select(event_id, table.type, table.order_id, table.payload, table.created_at)
            .where(table.shop_id == shop_id, table.created_at >= start, table.created_at < end)
            .order_by(event_id)
            .limit(MAX_REPLAY + 1)
        ).all()
        for eid, kind, order_id, payload, at in rows:
            if wants(sub.event_types, kind):
                found.setdefault(eid, (kind, order_id, payload, at))
    if len(found) > MAX_REPLAY:
        raise InvalidInput(
            f"more than {MAX_REPLAY} events in this range: replay a shorter one",
            code="replay_too_large",
        )
    now = utcnow()
    session.add_all(
        WebhookDelivery(
            subscription_id=sub.id,
            shop_id=shop_id,
            event_id=eid,
            order_id=order_id,
            message_id=message_id(eid),
            type=kind,
            payload=body(kind, at, payload),
            status="PENDING",
            attempts=0,
            next_attempt_at=now,
        )
        for eid, (kind, order_id, payload, at) in sorted(found.items())
    )
    session.flush()
    return len(found)
