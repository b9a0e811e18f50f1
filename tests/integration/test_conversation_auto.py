"""The automatic messages (the ``auto_messages`` outbox consumer): order confirmed, shipped
with tracking, delayed (late dispatch), delivered, and requests that need the buyer's answer.
They land in the buyer's conversation with the shop (made by the first one), unread by the
buyer, and open no wait for the seller."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.conversations import auto
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.outbox import Delivered
from clipshop.models import ChatWait, Conversation, ConversationMessage
from clipshop.worker.relay import install_consumers, relay
from tests.conftest import World
from tests.fulfillment_support import paid_orders, release, ship, tracking_number
from tests.integration.checkout_api import API, advance, ok


def _autos(db: Database, buyer_id: int) -> list[tuple[str | None, int | None, str]]:
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(
                ConversationMessage.auto_kind,
                ConversationMessage.order_id,
                ConversationMessage.body,
            )
            .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
            .where(Conversation.buyer_id == buyer_id, ConversationMessage.sender_role == "SYSTEM")
            .order_by(ConversationMessage.id)
        )
        return [(kind, order, body) for kind, order, body in rows]


def test_confirmed_shipped_and_late_dispatch_messages(
    client: TestClient, db: Database, world: World
) -> None:
    install_consumers(db.settings)
    buyer, seller = world.buyer, world.seller_a
    first, second = (
        paid_orders(client, buyer, {world.shop_a.sku_id: 1})[0],
        paid_orders(client, buyer, {world.shop_a.sku_id: 1})[0],
    )
    release(client, world.admin)
    relay(db)
    confirmed = _autos(db, buyer.id)
    assert [(k, str(o)) for k, o, _ in confirmed] == [
        ("ORDER_CONFIRMED", first["id"]),
        ("ORDER_CONFIRMED", second["id"]),
    ]
    number = tracking_number("SX", "1000000001")
    ship(client, seller, [first["id"]], number)
    relay(db)
    shipped = _autos(db, buyer.id)[2]
    assert shipped[0] == "ORDER_SHIPPED" and number in shipped[2] and str(shipped[1]) == first["id"]
    advance(client, world.admin, days=5)  # the second order misses its ready-to-ship deadline
    relay(db)
    delayed = [m for m in _autos(db, buyer.id) if m[0] == "ORDER_DELAYED"]
    assert [str(o) for _, o, _ in delayed] == [second["id"]]
    # one conversation, started by the platform; the buyer has them unread; no seller wait
    conversations = ok(client.get(f"{API}/conversations", headers=buyer.headers))["items"]
    assert len(conversations) == 1 and conversations[0]["started_by"] == "SYSTEM"
    assert conversations[0]["buyer_unread"] == 4 and conversations[0]["seller_unread"] == 0
    with db.unit_of_work(write=False) as session:
        assert session.scalars(select(ChatWait)).all() == []


def _deliver(db: Database, type: str, key: int | None, **payload: object) -> None:
    event = Delivered(1, type, 0, key, payload, utcnow())
    with db.unit_of_work() as session:
        auto.store(session, event)


def test_delivered_and_requests_awaiting_the_buyer(
    client: TestClient, db: Database, world: World
) -> None:
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    oid = int(order["id"])
    _deliver(
        db,
        "package.status_changed",
        oid,
        order_ids=[str(oid)],
        from_status="FULFILLING",
        to_status="COMPLETED",
        tracking_number="X",
        provider_code="SIMEX",
    )
    for status in ("AWAITING_BUYER_SHIP", "AWAITING_BUYER_RESPONSE", "COMPLETED"):
        _deliver(db, "return.status_changed", oid, order_id=str(oid), to_status=status)
    _deliver(db, "order.status_changed", oid, order_id=str(oid), to_status="IN_TRANSIT")
    kinds = [k for k, _, _ in _autos(db, world.buyer.id)]
    assert kinds == ["ORDER_DELIVERED", "RETURN_AWAITING_SHIPMENT", "PARTIAL_REFUND_OFFER"]
    ship_by = (utcnow() + timedelta(days=3)).isoformat()
    _deliver(db, "order.delayed", oid, order_id=str(oid), reason="FORCE_MAJEURE", ship_by=ship_by)
    assert ship_by[:10] in _autos(db, world.buyer.id)[-1][2]
