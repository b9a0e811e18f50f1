"""Domain events (``core.events``): announced in the unit of work of the change, their
handlers run inside it, and the outbox row is written in the same transaction. Both
databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from clipshop.core import events
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.events import OrderLinesCancelled, OrderStatusChanged, announce
from clipshop.models import Order, Timer
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.transitions import transition
from tests.conftest import World
from tests.integration.outbox_support import outbox, paid_order

ORDER = OrderStatusChanged.type


class Boom(Exception):
    pass


@pytest.fixture
def seen() -> Iterator[list[tuple[OrderStatusChanged, int]]]:
    """A handler of OrderStatusChanged for the test's duration: records each event and the
    number of timers its unit of work sees (so it runs inside that transaction)."""
    calls: list[tuple[OrderStatusChanged, int]] = []

    def handler(session: Session, event: OrderStatusChanged) -> None:
        calls.append((event, session.query(Timer).filter_by(subject_id=event.order_id).count()))
        if event.reason == "boom":
            raise Boom

    events.on(OrderStatusChanged)(handler)
    yield calls
    events._handlers[OrderStatusChanged].remove(handler)


def test_a_status_change_writes_its_event_to_the_outbox(db: Database, world: World) -> None:
    order = paid_order(db, world.buyer, world.shop_a)
    *_world_stock, placed, held, paid = outbox(db)
    assert placed[:3] == paid[:3] == ("order.status_changed", world.shop_a.id, order.id)
    assert placed[3] == {
        "shop_id": str(world.shop_a.id),
        "at": order.created_at.isoformat(),
        "order_id": str(order.id),
        "buyer_id": str(world.buyer.id),
        "from_status": None,
        "to_status": "UNPAID",
        "actor": "BUYER",
        "actor_id": str(world.buyer.id),
        "reason": "",
        "source_type": None,  # the checkout's source (LIVE, VIDEO, SHOWCASE): none here
        "source_id": None,
    }
    assert paid[3] == {
        "shop_id": str(world.shop_a.id),
        "at": order.updated_at.isoformat(),  # the transition's time
        "order_id": str(order.id),
        "buyer_id": str(world.buyer.id),
        "from_status": "UNPAID",
        "to_status": "ON_HOLD",
        "actor": "BUYER",
        "actor_id": str(world.buyer.id),
        "reason": "payment captured",
        "source_type": None,  # only a placed event carries the source
        "source_id": None,
    }
    assert held[:3] == ("stock.changed", world.shop_a.id, None)  # the unit the order holds
    assert (held[3]["sku_id"], held[3]["delta"]) == (str(world.shop_a.sku_id), -1)


def test_handlers_run_in_the_unit_of_work_of_the_change(
    db: Database, world: World, seen: list[tuple[OrderStatusChanged, int]]
) -> None:
    order = paid_order(db, world.buyer, world.shop_a)
    (placed, _), (event, timers) = seen
    assert (placed.order_id, placed.from_status, placed.to_status) == (order.id, None, "UNPAID")
    assert (event.order_id, event.from_status, event.to_status) == (order.id, "UNPAID", "ON_HOLD")
    assert timers == 1  # the ON_HOLD timer armed by the same transition, not yet committed

    with db.unit_of_work() as session:
        transition(
            session, session.get_one(Order, order.id), OrderStatus.AWAITING_SHIPMENT, Actor.SYSTEM
        )
    moves = ["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"]
    assert [e.to_status for e, _ in seen] == moves
    assert [p["to_status"] for kind, _, _, p in outbox(db) if kind == ORDER] == moves


def test_a_rolled_back_change_leaves_no_outbox_row(db: Database, world: World) -> None:
    order = paid_order(db, world.buyer, world.shop_a)
    before = outbox(db)
    with pytest.raises(Boom), db.unit_of_work() as session:
        held = session.get_one(Order, order.id)
        transition(session, held, OrderStatus.AWAITING_SHIPMENT, Actor.SYSTEM)
        session.flush()
        raise Boom
    assert outbox(db) == before
    with db.unit_of_work(write=False) as session:
        assert session.get_one(Order, order.id).status == "ON_HOLD"


def test_a_failing_handler_rolls_the_change_back(
    db: Database, world: World, seen: list[tuple[OrderStatusChanged, int]]
) -> None:
    order = paid_order(db, world.buyer, world.shop_a)
    before = outbox(db)
    with pytest.raises(Boom), db.unit_of_work() as session:
        held = session.get_one(Order, order.id)
        transition(session, held, OrderStatus.AWAITING_SHIPMENT, Actor.SYSTEM, reason="boom")
    assert outbox(db) == before
    with db.unit_of_work(write=False) as session:
        assert session.get_one(Order, order.id).status == "ON_HOLD"


def test_an_event_that_needs_a_handler_is_refused_without_one(db: Database) -> None:
    """OrderLinesCancelled moves the order on in fulfillment; a process that announced it
    without that package's handler registered would silently skip it: it fails instead."""
    import clipshop.fulfillment.progress  # noqa: F401  (registers the handler)

    registered = events._handlers[OrderLinesCancelled]
    assert registered  # fulfillment's
    cancelled = OrderLinesCancelled(
        order_id=1,
        shop_id=2,
        buyer_id=3,
        line_ids=(4, 5),
        order_cancelled=True,
        actor="BUYER",
        actor_id=3,
        reason="",
        at=utcnow(),
    )
    assert cancelled.payload()["line_ids"] == ["4", "5"]
    events._handlers[OrderLinesCancelled] = []
    try:
        with pytest.raises(RuntimeError, match="no handler"), db.unit_of_work() as session:
            announce(session, cancelled)
    finally:
        events._handlers[OrderLinesCancelled] = registered
    assert outbox(db) == []
