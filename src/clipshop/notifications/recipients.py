"""Which notifications an outbox event calls for: to whom, of which kind, with which template
values and link, and whether it mails (docs/notifications.md#events). Buyers get in-app
notices and e-mails; sellers (every member of the shop) get in-app notices only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clipshop.core.money import exponent
from clipshop.core.outbox import Delivered
from clipshop.models import Order, Shop, ShopMember, User

LIVE_AUDIENCE_DAYS = 90
LIVE_AUDIENCE_CAP = 1000  # buyers told of one live, the most recent buyers first
CONFIRMED_FROM = ("UNPAID", "ON_HOLD")
RETURN_WAITS_FOR_BUYER = ("AWAITING_BUYER_SHIP", "AWAITING_BUYER_RESPONSE")
SHIPPED = "FULFILLING"  # a package with its label and tracking number, handed to the carrier


@dataclass(frozen=True)
class Notice:
    users: list[int]
    kind: str
    link: str
    values: dict[str, Any] = field(default_factory=dict)
    mail: bool = True
    marketing: bool = False


def _shop(session: Session, shop_id: int) -> str:
    return session.scalar(select(Shop.name).where(Shop.id == shop_id)) or "clipshop"


def _members(session: Session, shop_id: int) -> list[int]:
    rows = select(ShopMember.user_id).where(ShopMember.shop_id == shop_id)
    return sorted(session.scalars(rows))


def _order_buyer(session: Session, order_id: int) -> int | None:
    return session.scalar(select(Order.buyer_id).where(Order.id == order_id))


def _order(session: Session, p: dict[str, Any], e: Delivered, kind: str) -> Notice:
    order_id = p["order_id"]
    values = {"order_id": order_id, "shop": _shop(session, e.shop_id)}
    return Notice([int(p["buyer_id"])], kind, f"/shop/orders/{order_id}", values)


def _seller(session: Session, e: Delivered, kind: str, link: str, **values: Any) -> Notice:
    return Notice(_members(session, e.shop_id), kind, link, values, mail=False)


def order_status(session: Session, e: Delivered) -> list[Notice]:
    p, to = e.payload, e.payload["to_status"]
    if to == "AWAITING_SHIPMENT" and p["from_status"] in CONFIRMED_FROM:
        return [_order(session, p, e, "order_confirmed")]
    if to == "DELIVERED":
        return [_order(session, p, e, "order_delivered")]
    if to == "CANCELLED":
        return [_order(session, p, e, "order_cancelled")]
    return []


def order_delayed(session: Session, e: Delivered) -> list[Notice]:
    notice = _order(session, e.payload, e, "order_delayed")
    ship_by = e.payload.get("ship_by")
    notice.values["ship_by"] = ship_by[:10] if ship_by else None
    return [notice]


def package_status(session: Session, e: Delivered) -> list[Notice]:
    p = e.payload
    if p["to_status"] != SHIPPED or not p["order_ids"]:
        return []
    shop = _shop(session, e.shop_id)
    notices = []
    for order_id in p["order_ids"]:
        buyer = _order_buyer(session, int(order_id))
        if buyer is not None:
            values = {"order_id": order_id, "shop": shop, "carrier": p["provider_code"]}
            values["tracking_number"] = p["tracking_number"]
            notices.append(Notice([buyer], "order_shipped", f"/shop/orders/{order_id}", values))
    return notices


def refund_status(session: Session, e: Delivered) -> list[Notice]:
    p = e.payload
    buyer = _order_buyer(session, int(p["order_id"]))
    if p["to_status"] != "SUCCEEDED" or buyer is None:
        return []
    amount = Decimal(p["amount"]).scaleb(-exponent(p["currency"]))
    values = {"order_id": p["order_id"], "shop": _shop(session, e.shop_id)}
    values["amount"] = f"{amount} {p['currency']}"
    return [Notice([buyer], "order_refunded", f"/shop/orders/{p['order_id']}", values)]


def return_status(session: Session, e: Delivered) -> list[Notice]:
    p = e.payload
    if p["from_status"] is None:
        link = f"/center/returns/{p['return_id']}"
        kind = p["return_type"].replace("_", " ").lower()
        values = {"order_id": p["order_id"], "return_type": kind}
        return [_seller(session, e, "return_requested", link, **values)]
    if p["to_status"] in RETURN_WAITS_FOR_BUYER:
        notice = _order(session, p, e, "return_action")
        notice.values["awaiting_ship"] = p["to_status"] == "AWAITING_BUYER_SHIP"
        return [notice]
    return []


def cancellation_status(session: Session, e: Delivered) -> list[Notice]:
    p = e.payload
    if p["from_status"] is not None or p["actor"] != "buyer":
        return []
    link = f"/center/cancellations/{p['cancellation_id']}"
    return [_seller(session, e, "cancel_requested", link, order_id=p["order_id"])]


def dispute_status(session: Session, e: Delivered) -> list[Notice]:
    p = e.payload
    if p["from_status"] is not None:
        return []
    link = f"/center/disputes/{p['dispute_id']}"
    kind = p["kind"].replace("_", " ").lower()
    return [_seller(session, e, "dispute_opened", link, order_id=p["order_id"], dispute_kind=kind)]


def message_sent(session: Session, e: Delivered) -> list[Notice]:
    p = e.payload
    if p["sender_role"] == "SELLER":
        values = {"shop": _shop(session, e.shop_id)}
        link = f"/shop/messages/{p['conversation_id']}"
        return [Notice([int(p["buyer_id"])], "seller_message", link, values)]
    if p["sender_role"] == "BUYER":
        buyer = session.scalar(select(User.name).where(User.id == int(p["buyer_id"])))
        link = f"/center/messages/{p['conversation_id']}"
        return [_seller(session, e, "buyer_message", link, buyer=buyer or "")]
    return []


def support_case(session: Session, e: Delivered) -> list[Notice]:
    p = e.payload
    answered = p["action"] == "REPLIED" and p["to_status"] == "PENDING_USER"
    kind = "support_answered" if answered else "support_resolved"
    if not answered and p["action"] != "RESOLVED":
        return []
    values = {"case_number": p["case_number"]}
    area = "center" if p["opened_by_role"] == "seller" else "shop"
    return [Notice([int(p["opened_by_id"])], kind, f"/{area}/support", values)]


def live_audience(session: Session, shop_id: int, at: datetime) -> list[int]:
    """The buyers told of a shop's live: those with an order (paid or not yet) placed in the
    shop in the last ``LIVE_AUDIENCE_DAYS``, the most recent first, at most
    ``LIVE_AUDIENCE_CAP``."""
    since = at - timedelta(days=LIVE_AUDIENCE_DAYS)
    last = func.max(Order.created_at)
    rows = (
        select(Order.buyer_id)
        .where(Order.shop_id == shop_id, Order.created_at >= since, Order.created_at <= at)
        .group_by(Order.buyer_id)
        .order_by(last.desc(), Order.buyer_id)
        .limit(LIVE_AUDIENCE_CAP)
    )
    return list(session.scalars(rows))


def live_started(session: Session, e: Delivered) -> list[Notice]:
    if not e.shop_id:
        return []  # a creator's own live: no shop audience
    buyers = live_audience(session, e.shop_id, e.created_at)
    values = {"shop": _shop(session, e.shop_id), "title": e.payload["title"]}
    link = f"/shop/lives/{e.payload['live_id']}"
    return [Notice(buyers, "live_started", link, values, marketing=True)] if buyers else []


RULES: dict[str, Callable[[Session, Delivered], list[Notice]]] = {
    "order.status_changed": order_status,
    "order.delayed": order_delayed,
    "package.status_changed": package_status,
    "refund.status_changed": refund_status,
    "return.status_changed": return_status,
    "cancellation.status_changed": cancellation_status,
    "dispute.status_changed": dispute_status,
    "conversation.message_sent": message_sent,
    "support_case.changed": support_case,
    "live.started": live_started,
}


def notices(session: Session, event: Delivered) -> list[Notice]:
    rule = RULES.get(event.type)
    return rule(session, event) if rule else []
