"""The ``tiktok_events`` outbox consumer: a TikTok-format delivery of each event of a shop to
each enabled webhook of an app the shop has authorized for the event's topic
(docs/tiktok-api.md#events-webhooks). Like the native webhooks' consumer it only writes the
deliveries (exactly once per event, in the relay's savepoint); ``webhooks.sender`` sends them,
signed with the app's secret, and retries them on the same schedule.

The body: ``{type, tts_notification_id, shop_id, timestamp, data}``; ``tts_notification_id``
is the event's id (the same on every retry: receivers deduplicate on it), ``shop_id`` the
shop's id as the seller API answers it, ``timestamp`` and every ``*_time`` the event's
business time in Unix seconds; statuses are the seller API's own names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.outbox import Delivered
from clipshop.models import AppAuthorization, Cancellation, Order, Return, WebhookSubscription
from clipshop.orders.states import OrderStatus
from clipshop.partner import scopes
from clipshop.partner.events import SENT
from clipshop.partner.order_status import ORDER_STATUS, package_status
from clipshop.partner.return_status import CANCEL_STATUS, RETURN_STATUS
from clipshop.partner.returns_paging import unix
from clipshop.webhooks.fanout import pending

CONSUMER = "tiktok_events"
Data = dict[str, Any]


def _time(payload: Data) -> int:
    return unix(datetime.fromisoformat(payload["at"]))


def order_status(session: Session, p: Data) -> Data:
    """Type 1. ``is_on_hold_order`` as the order detail answers it: every order paid goes
    through ON_HOLD, and an unpaid one would."""
    order = session.get_one(Order, int(p["order_id"]))
    status = OrderStatus(p["to_status"])
    return {
        "is_on_hold_order": order.paid_at is not None or status is OrderStatus.UNPAID,
        "order_id": p["order_id"],
        "order_status": ORDER_STATUS[status],
        "update_time": _time(p),
    }


def address_update(session: Session, p: Data) -> Data:
    """Type 3."""
    return {"order_id": p["order_id"], "update_time": _time(p)}


def package_update(session: Session, p: Data) -> Data:
    """Type 4: the package and its orders, and (clipshop's addition) its ``package_status``
    as the fulfillment module names it. ``sc_type`` and ``role_type`` are left out: clipshop
    announces a package's status changes, which none of TikTok's ``sc_type`` values name."""
    return {
        "package_list": [{"order_id_list": p["order_ids"], "package_id": p["package_id"]}],
        "package_status": package_status(p["to_status"]),
        "update_time": _time(p),
    }


def cancellation_status(session: Session, p: Data) -> Data:
    """Type 11: who asked (``cancellations_role``, as the cancellations search answers)."""
    row = session.get_one(Cancellation, int(p["cancellation_id"]))
    return {
        "cancel_id": p["cancellation_id"],
        "cancel_status": CANCEL_STATUS[p["to_status"]],
        "cancellations_role": row.role,
        "create_time": unix(row.created_at),
        "order_id": p["order_id"],
        "update_time": _time(p),
    }


def return_status(session: Session, p: Data) -> Data:
    """Type 12 (returns are the buyer's requests: ``return_role`` BUYER, as the returns
    search answers)."""
    row = session.get_one(Return, int(p["return_id"]))
    return {
        "create_time": unix(row.created_at),
        "order_id": p["order_id"],
        "return_id": p["return_id"],
        "return_role": "BUYER",
        "return_status": RETURN_STATUS[p["to_status"]],
        "return_type": p["return_type"],
        "update_time": _time(p),
    }


# clipshop's event type -> (the reference's event type, the data builder).
def new_conversation(session: Session, p: Data) -> Data:
    """Type 13: a buyer and the shop have a conversation for the first time."""
    return {"conversation_id": p["conversation_id"], "create_time": _time(p)}


SENDER_ROLES = {"BUYER": "BUYER", "SELLER": "SHOP", "SYSTEM": "SYSTEM"}


def new_message(session: Session, p: Data) -> Data:
    """Type 14: a message of the buyer or of the shop's staff (automatic messages announce
    nothing); its content is read with the messages list."""
    return {
        "conversation_id": p["conversation_id"],
        "message_id": p["message_id"],
        "type": p["message_type"],
        "sender": {"role": SENDER_ROLES[p["sender_role"]], "im_user_id": p["sender_id"] or ""},
        "create_time": _time(p),
    }


TOPICS: dict[str, tuple[str, Callable[[Session, Data], Data]]] = {
    "order.status_changed": ("ORDER_STATUS_CHANGE", order_status),
    "order.address_changed": ("RECIPIENT_ADDRESS_UPDATE", address_update),
    "package.status_changed": ("PACKAGE_UPDATE", package_update),
    "cancellation.status_changed": ("CANCELLATION_STATUS_CHANGE", cancellation_status),
    "return.status_changed": ("RETURN_STATUS_CHANGE", return_status),
    "conversation.started": ("NEW_CONVERSATION", new_conversation),
    "conversation.message_sent": ("NEW_MESSAGE", new_message),
}


def notification(event: Delivered, name: str, data: Data) -> Data:
    return {
        "type": SENT[name],
        "tts_notification_id": str(event.id),
        "shop_id": str(event.shop_id),
        "timestamp": unix(event.created_at),
        "data": data,
    }


def store(session: Session, event: Delivered) -> None:
    """The consumer: one delivery per enabled webhook of the event's topic on its shop whose
    app the shop still authorizes with the scope ``seller.webhook``."""
    found = TOPICS.get(event.type)
    if found is None:
        return
    name, build = found
    s, a = WebhookSubscription, AppAuthorization
    rows = session.execute(
        select(s.id, a.scopes)
        .join(a, (a.app_id == s.app_id) & (a.shop_id == s.shop_id))
        .where(s.shop_id == event.shop_id, s.topic == name, s.enabled, a.status == "ACTIVE")
        .order_by(s.id)
    ).all()
    targets = [sub_id for sub_id, granted in rows if scopes.WEBHOOKS in granted]
    if not targets:
        return
    body = notification(event, name, build(session, event.payload))
    now = utcnow()
    message = f"tts_{event.id}"
    session.add_all(
        pending(sub_id, event, now, message=message, kind=name, payload=body) for sub_id in targets
    )
    session.flush()
