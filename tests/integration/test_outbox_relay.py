"""The outbox relay (``worker.relay``) on both databases: every event reaches every
consumer, in order per order id; failures are retried with backoff while the order's later
events wait; a relay SIGKILLed between read, dispatch and mark loses nothing (duplicates only
for a consumer's side effects outside the database, when the kill falls after they happened
and before the mark committed); old rows are pruned."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from clipshop.core import outbox
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.events import OrderStatusChanged, announce
from clipshop.worker.relay import RelayReport, relay
from tests.integration.outbox_support import deliveries, feed_event_ids, outbox_ids

ROOT = Path(__file__).resolve().parents[2]
ORDERS = (101, 102, 103)
STEPS = ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "IN_TRANSIT", "DELIVERED")


def announce_events(db: Database, shop_id: int = 7) -> dict[int, list[int]]:
    """Four status changes of each of three orders, interleaved across transactions (one
    transaction per round, each order once per round); {order id: its event ids in order}."""
    for step in range(len(STEPS) - 1):
        with db.unit_of_work() as session:
            for order_id in ORDERS:
                change = OrderStatusChanged(
                    order_id=order_id,
                    shop_id=shop_id,
                    buyer_id=1,
                    from_status=STEPS[step],
                    to_status=STEPS[step + 1],
                    actor="SYSTEM",
                    actor_id=None,
                    reason="",
                    at=utcnow(),
                )
                announce(session, change)
    by_order: dict[int, list[int]] = {o: [] for o in ORDERS}
    ids = outbox_ids(db)
    for i, event_id in enumerate(ids):
        by_order[ORDERS[i % len(ORDERS)]].append(event_id)
    return by_order


class Recorder:
    """A consumer that records what it receives; ``fail``: event ids it refuses (while
    there)."""

    def __init__(self) -> None:
        self.received: list[tuple[int | None, int]] = []
        self.fail: set[int] = set()

    def __call__(self, _session: Session, event: outbox.Delivered) -> None:
        if event.id in self.fail:
            raise RuntimeError("consumer down")
        self.received.append((event.order_id, event.id))

    def per_order(self) -> dict[int | None, list[int]]:
        out: dict[int | None, list[int]] = {}
        for order_id, event_id in self.received:
            out.setdefault(order_id, []).append(event_id)
        return out


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    found = Recorder()
    outbox.register("recorder", found)
    yield found
    outbox.unregister("recorder")


def test_every_event_reaches_every_consumer_once_in_order(db: Database, recorder: Recorder) -> None:
    expected = announce_events(db)
    report = relay(db)
    assert (report.fanned_out, report.failed) == (12, 0)
    # the recorder, the feed, webhooks, apps' webhooks, automatic messages, notifications
    assert report.delivered == 72
    assert recorder.per_order() == expected
    assert sorted(feed_event_ids(db)) == sorted(outbox_ids(db))
    assert deliveries(db) == []
    again = relay(db)
    assert (again.fanned_out, again.delivered) == (0, 0)
    assert len(recorder.received) == 12


def test_a_failed_delivery_is_retried_with_backoff_and_its_order_waits(
    db: Database, recorder: Recorder
) -> None:
    expected = announce_events(db)
    stuck = expected[102][1]
    recorder.fail = {stuck}
    now = utcnow()
    report = relay(db, now)
    assert report.failed == 1
    got = recorder.per_order()
    assert got[101] == expected[101] and got[103] == expected[103]
    assert got[102] == expected[102][:1]  # the later ones wait behind the failed one
    assert ("recorder", stuck, 1) in deliveries(db)
    recorder.fail = set()  # the consumer is back

    assert relay(db, now + outbox.FIRST_RETRY - timedelta(seconds=1)).delivered == 0
    relay(db, now + outbox.FIRST_RETRY)
    assert recorder.per_order() == expected
    assert deliveries(db) == []


def test_backoff_doubles_up_to_an_hour() -> None:
    waits = [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4, 12, 10_000)]
    assert waits == [5, 10, 20, 40, 3600, 3600]


@pytest.mark.parametrize("point", ["fanout", "read", "dispatch", "mark", "commit"])
def test_a_relay_killed_anywhere_loses_nothing(db: Database, tmp_path: Path, point: str) -> None:
    expected = announce_events(db)
    log = tmp_path / "delivered.log"
    url = db.engine.url.render_as_string(hide_password=False)
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    first = subprocess.run(
        [sys.executable, "-m", "tests.integration.relay_child", url, point, str(log)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == -9, first.stderr  # it was killed where asked
    before = log.read_text().splitlines() if log.exists() else []
    second = subprocess.run(
        [sys.executable, "-m", "tests.integration.relay_child", url, "none", str(log)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr

    lines = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    per_order: dict[int, list[int]] = {}
    for order_id, event_id in lines:
        per_order.setdefault(order_id, []).append(event_id)
    for order_id, ids in per_order.items():
        assert sorted(ids) == ids  # in order per order id (a repeat only right after itself)
        assert sorted(set(ids)) == expected[order_id]  # every event
    duplicates = len(lines) - 12
    # The crash_log consumer's side effect happened before the kill only at these points.
    assert duplicates == (1 if point in ("dispatch", "mark") else 0), (before, lines)
    assert len(before) == {"dispatch": 1, "mark": 1, "commit": 3}.get(point, 0)  # a batch: 3
    # The feed writes only to the database: exactly once, whatever the point.
    assert sorted(feed_event_ids(db)) == sorted(outbox_ids(db))
    assert deliveries(db) == []


def test_pruning_keeps_what_a_consumer_still_waits_for(db: Database, recorder: Recorder) -> None:
    expected = announce_events(db)
    stuck = expected[103][0]
    recorder.fail = {stuck}
    now = utcnow()
    relay(db, now)
    retention = timedelta(hours=db.settings.outbox_retention_hours)
    assert relay(db, now + retention - timedelta(seconds=1)).pruned == 0
    assert len(outbox_ids(db)) == 12
    # still down when the retention has passed
    report = relay(db, now + retention + timedelta(seconds=1))
    assert report.pruned == 8  # orders 101 and 102: received by every consumer
    assert sorted(outbox_ids(db)) == sorted(expected[103])
    assert feed_event_ids(db) == []  # feed rows older than the retention
    recorder.fail = set()
    relay(db, now + retention + timedelta(hours=2))
    assert outbox_ids(db) == []
    assert recorder.per_order()[103] == expected[103]


def test_an_idle_relay_writes_nothing(db: Database, recorder: Recorder) -> None:
    announce_events(db)
    relay(db)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()).upper())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert relay(db) == RelayReport()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert statements  # it looked
    writes = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")
    assert [s for s in statements if s.startswith(writes)] == []
