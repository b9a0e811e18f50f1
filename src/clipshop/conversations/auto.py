"""The ``auto_messages`` outbox consumer: the platform's automatic messages in a buyer's
conversation with the shop (docs/conversations.md, "Automatic messages"): the order is
confirmed (AWAITING_SHIPMENT), shipped with its carrier and tracking number (a package made
with one), delayed (``OrderDelayed``), delivered (its package delivered), or a request needs
the buyer's answer (a return approved awaiting the buyer's shipment, a partial refund offer).

It writes only to the database, so it runs exactly once per event (inside the relay's
savepoint). Automatic messages announce nothing: an outbox consumer may not write deferred
statements, which is how ``events.announce`` writes (``core.outbox``), and the event the
message tells of was announced already."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.conversations.messages import Draft, conversation_for, post
from clipshop.core.outbox import Delivered
from clipshop.models import Order

CONSUMER = "auto_messages"

ORDER_CONFIRMED = "ORDER_CONFIRMED"
ORDER_SHIPPED = "ORDER_SHIPPED"
ORDER_DELAYED = "ORDER_DELAYED"
ORDER_DELIVERED = "ORDER_DELIVERED"
RETURN_SHIP_BACK = "RETURN_AWAITING_SHIPMENT"
PARTIAL_REFUND_OFFER = "PARTIAL_REFUND_OFFER"

DELAY_TEXTS = {
    "LATE_DISPATCH": "Your order {order} has not shipped on time. The shop has been reminded; "
    "you may cancel it from the order page if you no longer want to wait.",
    "FORCE_MAJEURE": "Your order {order} is delayed by events outside the shop's control. "
    "It should now ship by {ship_by}.",
}


def _message(payload: dict[str, object]) -> tuple[str, str] | None:
    """(kind, text) for an event's payload, or None."""
    order = payload.get("order_id")
    kind = payload.get("type")
    to = payload.get("to_status")
    if kind == "order.status_changed" and to == "AWAITING_SHIPMENT":
        return ORDER_CONFIRMED, f"Your order {order} is confirmed: the shop is preparing it."
    if kind == "order.delayed":
        ship_by = str(payload.get("ship_by") or "")[:10]
        template = DELAY_TEXTS.get(str(payload.get("reason")))
        return (ORDER_DELAYED, template.format(order=order, ship_by=ship_by)) if template else None
    if kind == "return.status_changed" and to == "AWAITING_BUYER_SHIP":
        return RETURN_SHIP_BACK, (
            f"Your return for order {order} was approved: please ship the item back and add "
            "its tracking number on the return page."
        )
    if kind == "return.status_changed" and to == "AWAITING_BUYER_RESPONSE":
        return PARTIAL_REFUND_OFFER, (
            f"The shop offers a partial refund for order {order}: accept or decline it on the "
            "return page."
        )
    return None


def _package_messages(payload: dict[str, object]) -> tuple[str, str] | None:
    if payload.get("from_status") is None and payload.get("tracking_number"):
        return ORDER_SHIPPED, (
            f"Your order has shipped with {payload.get('provider_code')}, tracking number "
            f"{payload.get('tracking_number')}."
        )
    if payload.get("to_status") == "COMPLETED":
        return ORDER_DELIVERED, "Your order was delivered. Enjoy it!"
    return None


def _write(session: Session, order_id: int, said: tuple[str, str]) -> None:
    row = session.execute(select(Order.buyer_id, Order.shop_id).where(Order.id == order_id)).first()
    if row is None:
        return
    buyer_id, shop_id = row
    conversation, _ = conversation_for(session, buyer_id, shop_id, "SYSTEM")
    kind, text = said
    post(
        session,
        conversation,
        "SYSTEM",
        None,
        Draft("AUTO", text, order_id=order_id, auto_kind=kind),
    )


def store(session: Session, event: Delivered) -> None:
    """The consumer: the automatic message ``event`` calls for, if any."""
    payload = {**event.payload, "type": event.type}
    if event.type == "package.status_changed":
        said = _package_messages(payload)
        order_ids = [int(i) for i in event.payload.get("order_ids", [])]
    else:
        said = _message(payload)
        order_ids = [event.order_id] if event.order_id is not None else []
    if said is None:
        return
    for order_id in order_ids:
        _write(session, order_id, said)
