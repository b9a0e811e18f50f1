"""Two outbox relays racing over the same 300 events of 30 orders: every consumer receives
each event exactly once (nobody is killed here) and each order's events in order.

On PostgreSQL the relays take batches ``FOR UPDATE SKIP LOCKED`` and really run side by
side (the feed, a serial consumer, one batch at a time); on SQLite they take turns on the
write lock. How the work splits between them is the scheduler's business: nothing is
asserted about it. A last relay call afterwards picks up what a relay left when it found
everything else locked."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core import outbox
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.events import OrderStatusChanged, announce
from clipshop.models import FeedEvent, OutboxEvent
from clipshop.worker.relay import relay
from tests.integration.outbox_support import deliveries

ORDERS = 30
EVENTS_PER_ORDER = 10
RELAYS = 2


@pytest.fixture
def small_batches(db: Database) -> Iterator[Database]:
    settings = db.settings
    db.settings = settings.model_copy(update={"outbox_batch_size": 7})
    yield db
    db.settings = settings


def test_two_relays_deliver_each_event_once_in_order(small_batches: Database) -> None:
    db = small_batches
    for step in range(EVENTS_PER_ORDER):
        with db.unit_of_work() as session:
            for order in range(1, ORDERS + 1):
                change = OrderStatusChanged(
                    order_id=order,
                    shop_id=order % 3 + 1,
                    buyer_id=1,
                    from_status=str(step),
                    to_status=str(step + 1),
                    actor="SYSTEM",
                    actor_id=None,
                    reason="",
                    at=utcnow(),
                )
                announce(session, change)
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(OutboxEvent.order_id, OutboxEvent.id).order_by(OutboxEvent.id)
        )
        expected: dict[int | None, list[int]] = {}
        for order_id, event_id in rows:
            expected.setdefault(order_id, []).append(event_id)

    received: list[tuple[int | None, int]] = []
    guard = threading.Lock()

    def record(_session: Session, event: outbox.Delivered) -> None:
        with guard:
            received.append((event.order_id, event.id))

    outbox.register("race_recorder", record)
    errors: list[BaseException] = []
    barrier = threading.Barrier(RELAYS)

    def worker() -> None:
        try:
            barrier.wait()
            relay(db)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=worker) for _ in range(RELAYS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert errors == []
        relay(db)
    finally:
        outbox.unregister("race_recorder")

    per_order: dict[int | None, list[int]] = {}
    for order_id, event_id in received:
        per_order.setdefault(order_id, []).append(event_id)
    assert per_order == expected  # each once, in order per order
    with db.unit_of_work(write=False) as session:
        feed = session.execute(
            select(FeedEvent.order_id, FeedEvent.event_id).order_by(FeedEvent.seq)
        )
        in_feed: dict[int | None, list[int]] = {}
        for order_id, event_id in feed:
            in_feed.setdefault(order_id, []).append(event_id)
    assert in_feed == expected
    assert deliveries(db) == []
