"""Which events tell whom (``notifications.recipients``), through the consumer: a seller's
message mails the buyer; a buyer's message, a new return or cancellation request and an
opened dispute tell every member of the shop in-app only; events outside the rules make
nothing; the consumer makes a user's rows once per event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.core.ids import new_id
from clipshop.core.outbox import Delivered
from clipshop.models import Notification, NotificationMail
from clipshop.notifications import consumer
from tests.conftest import World

AT = datetime(2026, 3, 1, tzinfo=UTC)


def _store(db: Database, shop_id: int, event_type: str, **payload: Any) -> int:
    event = Delivered(new_id(), event_type, shop_id, None, payload, AT)
    with db.unit_of_work() as session:
        consumer.store(session, event)
    return event.id


def _made(db: Database, event_id: int) -> tuple[list[tuple[int, str, str]], list[int]]:
    with db.unit_of_work(write=False) as session:
        notes = session.execute(
            select(Notification.user_id, Notification.kind, Notification.link)
            .where(Notification.event_id == event_id)
            .order_by(Notification.user_id)
        ).all()
        mails = session.scalars(
            select(NotificationMail.user_id).where(NotificationMail.event_id == event_id)
        ).all()
    return [tuple(n) for n in notes], list(mails)  # type: ignore[misc]


def test_messages_requests_and_disputes_reach_the_right_people(db: Database, world: World) -> None:
    shop, buyer, seller = world.shop_a.id, world.buyer.id, world.seller_a.id
    message = {"conversation_id": "1", "message_id": "2", "buyer_id": str(buyer)}
    message |= {"sender_id": str(seller), "message_type": "TEXT"}
    from_seller = _store(db, shop, "conversation.message_sent", **message, sender_role="SELLER")
    assert _made(db, from_seller) == ([(buyer, "seller_message", "/shop/messages/1")], [buyer])
    from_buyer = _store(db, shop, "conversation.message_sent", **message, sender_role="BUYER")
    assert _made(db, from_buyer) == ([(seller, "buyer_message", "/center/messages/1")], [])
    ret = {"return_id": "5", "order_id": "6", "buyer_id": str(buyer), "return_type": "REFUND"}
    opened = _store(db, shop, "return.status_changed", **ret, from_status=None, to_status="X")
    assert _made(db, opened) == ([(seller, "return_requested", "/center/returns/5")], [])
    dispute = {"dispute_id": "7", "order_id": "6", "buyer_id": str(buyer), "kind": "DAMAGE_CLAIM"}
    opened = _store(
        db, shop, "dispute.status_changed", **dispute, from_status=None, to_status="IN_PROGRESS"
    )
    assert _made(db, opened) == ([(seller, "dispute_opened", "/center/disputes/7")], [])
    moved = _store(
        db, shop, "dispute.status_changed", **dispute, from_status="IN_PROGRESS", to_status="CLOSED"
    )
    assert _made(db, moved) == ([], [])
    other_shop = _store(
        db, world.shop_b.id, "conversation.message_sent", **message, sender_role="BUYER"
    )
    assert _made(db, other_shop) == (
        [(world.seller_b.id, "buyer_message", "/center/messages/1")],
        [],
    )
    unknown = _store(db, shop, "stock.changed", sku_id="1")
    assert _made(db, unknown) == ([], [])
