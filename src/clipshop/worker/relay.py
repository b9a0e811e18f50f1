"""The outbox relay: takes the events ``core.events.announce`` wrote to the outbox and
delivers each one to every registered consumer (``core.outbox``), at least once, in order
per order id; and prunes what every consumer has received once the retention has passed.

Three kinds of transaction, each a unit of work of its own, so that a process killed at any
point (SIGKILL included) loses nothing: its open transaction rolls back and the next relay
finds the work where the last commit left it.

1. Fan-out: a batch of outbox rows not yet relayed (``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, so workers share them) gets one ``outbox_deliveries`` row per consumer and
   its ``relayed_at`` stamped.
2. Delivery, per consumer: a batch of its due deliveries (``FOR UPDATE SKIP LOCKED``), of
   which none waits behind an earlier event of the same order (one pending, or one not yet
   fanned out); each is handed to the consumer inside a savepoint; success deletes the
   delivery (the mark), failure keeps it with its attempts and the next attempt's time
   (``core.outbox.backoff``). A ``serial`` consumer takes a transaction-scoped advisory
   lock first (PostgreSQL; SQLite's writers are one at a time anyway).
3. Pruning: outbox rows relayed more than the retention ago with no delivery left, and feed
   rows older than the retention.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from clipshop.conversations import auto as auto_messages
from clipshop.core import outbox
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.settings import Settings
from clipshop.feed import service as feed
from clipshop.models import FeedEvent, OutboxDelivery, OutboxEvent
from clipshop.notifications import consumer as notifications
from clipshop.partner import events_delivery
from clipshop.webhooks import fanout, nats

log = logging.getLogger("clipshop.relay")
MAX_ROUNDS = 100  # batches per consumer per call, so one call always ends


def install_consumers(settings: Settings) -> None:
    """The consumers this code base has (registered by name; a test may add its own): the
    feed, webhooks, partner apps' TikTok-format webhooks, the automatic chat messages, the
    notifications, and NATS when ``CLIPSHOP_NATS_URL`` is set."""
    outbox.register(feed.CONSUMER, feed.store, serial=True)
    outbox.register(fanout.CONSUMER, fanout.store)
    outbox.register(events_delivery.CONSUMER, events_delivery.store)
    outbox.register(auto_messages.CONSUMER, auto_messages.store)
    outbox.register(notifications.CONSUMER, notifications.store)
    if settings.nats_url:
        outbox.register(nats.CONSUMER, nats.publisher(settings.nats_url))
    else:
        outbox.unregister(nats.CONSUMER)


@dataclass
class RelayReport:
    fanned_out: int = 0
    delivered: int = 0
    failed: int = 0
    pruned: int = 0

    def add(self, other: RelayReport) -> None:
        self.fanned_out += other.fanned_out
        self.delivered += other.delivered
        self.failed += other.failed
        self.pruned += other.pruned


def relay(db: Database, now: datetime | None = None) -> RelayReport:
    """Fan out, deliver what is due by ``now`` to every consumer, and prune. A read first
    finds which of these have work, so an idle round writes nothing (on SQLite it does not
    take the writers' turn)."""
    install_consumers(db.settings)
    now = now or utcnow()
    batch = db.settings.outbox_batch_size
    before = now - timedelta(hours=db.settings.outbox_retention_hours)
    report = RelayReport()
    with db.unit_of_work(write=False) as session:
        work = _work(session, now, before)
    if work.fan_out:
        for _ in range(MAX_ROUNDS):
            with db.unit_of_work() as session:
                taken = fan_out(session, now, batch)
            report.fanned_out += taken
            if taken < batch:
                break
    for consumer in outbox.consumers():
        if not (report.fanned_out or consumer.name in work.due):
            continue
        for _ in range(MAX_ROUNDS):
            with db.unit_of_work() as session:
                delivered, failed = deliver(session, consumer, now, batch)
            report.delivered += delivered
            report.failed += failed
            if delivered == 0:
                break
    if work.prune:
        with db.unit_of_work() as session:
            report.pruned = prune(session, before)
    return report


@dataclass(frozen=True)
class _Work:
    fan_out: bool
    due: frozenset[str]  # consumers with deliveries due
    prune: bool


def _work(session: Session, now: datetime, before: datetime) -> _Work:
    unrelayed = session.scalar(select(exists().where(OutboxEvent.relayed_at.is_(None))))
    due = set()
    for consumer in outbox.consumers():
        mine = OutboxDelivery.consumer == consumer.name
        if session.scalar(select(exists().where(mine, OutboxDelivery.next_attempt_at <= now))):
            due.add(consumer.name)
    old = exists().where(OutboxEvent.relayed_at < before)
    old_in_feed = exists().where(FeedEvent.created_at < before)
    prunable = session.scalar(select(old | old_in_feed))
    return _Work(bool(unrelayed), frozenset(due), bool(prunable))


def fan_out(session: Session, now: datetime, batch: int) -> int:
    """One delivery per consumer for a batch of outbox rows not yet relayed; how many."""
    rows = session.execute(
        select(OutboxEvent.id, OutboxEvent.order_id)
        .where(OutboxEvent.relayed_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return 0
    names = [c.name for c in outbox.consumers()]
    marks = [
        {"consumer": name, "event_id": event_id, "order_id": order_id}
        | {"attempts": 0, "next_attempt_at": now}
        for event_id, order_id in rows
        for name in names
    ]
    if marks:
        session.execute(insert(OutboxDelivery), marks)
    ids = [event_id for event_id, _ in rows]
    for start in range(0, len(ids), 500):  # a bounded IN list
        chunk = ids[start : start + 500]
        session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(chunk)).values(relayed_at=now))
    return len(rows)


_EARLIER = aliased(OutboxDelivery)
_UNRELAYED = aliased(OutboxEvent)


def deliver(
    session: Session, consumer: outbox.Consumer, now: datetime, batch: int
) -> tuple[int, int]:
    """Hand ``consumer`` a batch of its due events; (delivered, failed)."""
    if consumer.serial and not _serial_turn(session, consumer.name):
        return 0, 0
    d = OutboxDelivery
    waits_behind_pending = exists().where(
        _EARLIER.consumer == d.consumer,
        _EARLIER.order_id == d.order_id,
        _EARLIER.event_id < d.event_id,
    )
    waits_behind_unrelayed = exists().where(
        _UNRELAYED.order_id == d.order_id,
        _UNRELAYED.id < d.event_id,
        _UNRELAYED.relayed_at.is_(None),
    )
    rows = session.execute(
        select(d.event_id, d.attempts, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == d.event_id)
        .where(d.consumer == consumer.name, d.next_attempt_at <= now)
        .where(~waits_behind_pending, ~waits_behind_unrelayed)
        .order_by(d.event_id)
        .limit(batch)
        .with_for_update(skip_locked=True, of=d)
    ).all()
    delivered = failed = 0
    for event_id, attempts, row in rows:
        event = outbox.Delivered(
            row.id, row.type, row.shop_id, row.order_id, row.payload, row.created_at
        )
        mine = (d.consumer == consumer.name) & (d.event_id == event_id)
        try:
            with session.begin_nested():
                consumer.handle(session, event)
        except Exception as exc:
            log.warning("outbox consumer %s failed on event %s: %r", consumer.name, event_id, exc)
            retry = {"attempts": attempts + 1, "last_error": repr(exc)[:500]}
            retry["next_attempt_at"] = now + outbox.backoff(attempts + 1)
            session.execute(update(d).where(mine).values(retry))
            failed += 1
        else:
            session.execute(delete(d).where(mine))
            delivered += 1
    return delivered, failed


def _serial_turn(session: Session, name: str) -> bool:
    """PostgreSQL: this consumer's advisory lock until the transaction ends (False: another
    worker has it). SQLite: always (one writer at a time)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"clipshop.outbox:{name}".encode())
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def prune(session: Session, before: datetime) -> int:
    """Delete outbox rows relayed before ``before`` that every consumer has received, and
    feed rows that happened before it; how many outbox rows."""
    pending = exists().where(OutboxDelivery.event_id == OutboxEvent.id)
    gone = session.execute(delete(OutboxEvent).where(OutboxEvent.relayed_at < before, ~pending))
    session.execute(delete(FeedEvent).where(FeedEvent.created_at < before))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]
