"""Webhook delivery on both databases (docs/webhooks.md#delivery): events reach each matching
subscription once, signed so that the ``standardwebhooks`` library verifies them (also with
either secret during a rotation's overlap), in order per order; failures are retried on the
schedule (moved through with the platform clock) until the subscription is disabled and the
seller told; 410 disables at once; a receiver down for a day gets everything once it is up;
a sender SIGKILLed mid-batch loses nothing; a slow receiver does not hold a fast one; a
target the SSRF guard refuses now is not dialled."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.models import FeedEvent, OutboxEvent, WebhookSubscription
from clipshop.webhooks import sender
from clipshop.webhooks.sender import RETRY_STEPS, send_due
from clipshop.worker.relay import relay
from tests.conftest import World
from tests.integration.webhook_support import (
    announce_changes,
    change_ids,
    delivery_rows,
    new_secret,
    receiving,
    sender_db,
    subscribe,
    subscription_row,
)

ROOT = Path(__file__).resolve().parents[2]


def per_order(messages: list[str], db: Database) -> dict[int | None, list[str]]:
    """The message ids grouped by the order of their event, first receipt only, in the
    order received."""
    with db.unit_of_work(write=False) as session:
        orders = dict(session.execute(select(OutboxEvent.id, OutboxEvent.order_id)).all())
    out: dict[int | None, list[str]] = {}
    for message in dict.fromkeys(messages):
        event_id = int(message.removeprefix("msg_"))
        out.setdefault(orders[event_id], []).append(message)
    return out


def expected_per_order(db: Database) -> dict[int | None, list[str]]:
    return per_order([f"msg_{i}" for i in change_ids(db)], db)


def test_each_event_reaches_each_matching_subscription_signed_in_order(
    db: Database, world: World
) -> None:
    secret = new_secret()
    with receiving([secret]) as hook, receiving([secret]) as other, sender_db(db) as sdb:
        everything = subscribe(db, world.shop_a.id, hook.url, secret)
        subscribe(db, world.shop_a.id, other.url, secret, ["dispute.status_changed"])
        subscribe(db, world.shop_b.id, other.url, secret)  # another shop's
        announce_changes(db, world.shop_a.id, [101, 102], 3)
        relay(db)
        relay(db)  # nothing new: no second delivery
        report = send_due(sdb)

        assert (report.delivered, report.retried, report.failed) == (6, 0, 0)
        assert len(hook.received) == 6 and hook.all_verified()
        assert other.received == []
        assert per_order(hook.message_ids(), db) == expected_per_order(db)
        first = hook.received[0]
        assert set(first.body) == {"type", "timestamp", "data"}
        assert first.body["type"] == "order.status_changed"
        assert first.body["data"]["order_id"] in {"101", "102"}
        assert datetime.fromisoformat(first.body["timestamp"]).tzinfo is not None
        rows = delivery_rows(db, everything)
        assert {r.status for r in rows} == {"DELIVERED"}
        assert {r.last_status_code for r in rows} == {200}
        assert all(r.attempts == 1 and r.last_latency_ms is not None for r in rows)
        assert send_due(sdb).claimed == 0


def test_either_secret_verifies_during_a_rotation_overlap(db: Database, world: World) -> None:
    old, new = new_secret(), new_secret()
    overlap_until = datetime.now(UTC) + timedelta(hours=1)
    with receiving([old, new]) as hook, sender_db(db) as sdb:
        sub = subscribe(
            db,
            world.shop_a.id,
            hook.url,
            new,
            previous_secret=old,
            previous_secret_until=overlap_until,
        )
        announce_changes(db, world.shop_a.id, [101], 1)
        relay(db)
        send_due(sdb)
        assert [r.verified for r in hook.received] == [{old: True, new: True}]

        with db.unit_of_work() as session:  # the overlap is over
            row = session.get_one(WebhookSubscription, sub)
            row.previous_secret_until = datetime.now(UTC) - timedelta(seconds=1)
        announce_changes(db, world.shop_a.id, [101], 1)
        relay(db)
        send_due(sdb)
        assert hook.received[1].verified == {old: False, new: True}


def test_retries_follow_the_schedule_then_the_subscription_is_disabled(
    db: Database, world: World
) -> None:
    secret = new_secret()
    with receiving([secret], status=500) as hook, sender_db(db) as sdb:
        sub = subscribe(db, world.shop_a.id, hook.url, secret)
        announce_changes(db, world.shop_a.id, [101], 1)
        relay(db)
        started = utcnow()
        assert send_due(sdb).retried == 1
        for attempts, step in enumerate(RETRY_STEPS, start=1):
            (row,) = delivery_rows(db, sub)
            assert (row.status, row.attempts, row.last_status_code) == ("PENDING", attempts, 500)
            wait = row.next_attempt_at - utcnow()
            assert step * 0.8 - timedelta(seconds=1) <= wait <= step * 1.2
            clock.advance(wait - timedelta(seconds=1))
            assert send_due(sdb).claimed == 0  # not due yet
            clock.advance(timedelta(seconds=1))
            assert send_due(sdb).claimed == 1
        assert len(hook.received) == len(RETRY_STEPS) + 1
        assert utcnow() - started >= timedelta(days=3)

        (row,) = delivery_rows(db, sub)
        assert (row.status, row.attempts) == ("FAILED", len(RETRY_STEPS) + 1)
        disabled = subscription_row(db, sub)
        assert not disabled.enabled
        assert disabled.disabled_reason == "failed for the whole retry schedule"
        relay(db)
        with db.unit_of_work(write=False) as session:
            told = session.scalars(select(FeedEvent).where(FeedEvent.type == "webhook.disabled"))
            (event,) = list(told)
        assert event.shop_id == world.shop_a.id
        assert event.payload["subscription_id"] == str(sub)
        assert event.payload["reason"] == "failed for the whole retry schedule"


def test_retry_delay_is_the_step_with_jitter_and_none_past_the_last() -> None:
    for attempts, step in enumerate(RETRY_STEPS, start=1):
        delays = [sender.retry_delay(attempts) for _ in range(50)]
        assert all(d is not None and step * 0.8 <= d <= step * 1.2 for d in delays)
    assert sender.retry_delay(len(RETRY_STEPS) + 1) is None
    assert sum(RETRY_STEPS, timedelta()) * 0.8 >= timedelta(days=3)


def test_410_disables_the_subscription_and_fails_its_deliveries(db: Database, world: World) -> None:
    secret = new_secret()
    with receiving([secret], status=410) as hook, sender_db(db) as sdb:
        sub = subscribe(db, world.shop_a.id, hook.url, secret)
        announce_changes(db, world.shop_a.id, [101, 102], 2)
        relay(db)
        report = send_due(sdb)
        assert report.disabled == 1
        row = subscription_row(db, sub)
        assert (row.enabled, row.disabled_reason) == (False, "receiver answered 410")
        assert {r.status for r in delivery_rows(db, sub)} == {"FAILED"}
        sent = len(hook.received)
        clock.advance(timedelta(days=5))
        assert send_due(sdb).claimed == 0
        assert len(hook.received) == sent
        with db.unit_of_work(write=False) as session:
            types = session.scalars(select(OutboxEvent.type))
            assert "webhook.disabled" in list(types)


def test_a_receiver_down_for_a_day_gets_everything_in_order_once_up(
    db: Database, world: World
) -> None:
    secret = new_secret()
    with receiving([secret]) as hook, sender_db(db) as sdb:
        sub = subscribe(db, world.shop_a.id, hook.url, secret)
        hook.stop()  # connections refused from now on
        announce_changes(db, world.shop_a.id, [101, 102, 103], 3)
        relay(db)
        for _ in range(24):
            send_due(sdb)
            clock.advance(timedelta(hours=1))
        rows = delivery_rows(db, sub)
        assert {r.status for r in rows} == {"PENDING"}
        assert max(r.attempts for r in rows) >= 5
        assert sum(r.attempts > 0 for r in rows) == 3  # only each order's first was tried

        hook.start()  # the same port again
        for _ in range(48):
            send_due(sdb)
            if {r.status for r in delivery_rows(db, sub)} == {"DELIVERED"}:
                break
            clock.advance(timedelta(hours=1))
        assert {r.status for r in delivery_rows(db, sub)} == {"DELIVERED"}
        assert sorted(set(hook.message_ids())) == sorted(f"msg_{i}" for i in change_ids(db))
        assert per_order(hook.message_ids(), db) == expected_per_order(db)
        assert hook.all_verified()


def test_a_sender_killed_mid_batch_loses_nothing(db: Database, world: World) -> None:
    secret = new_secret()
    child: list[subprocess.Popen[bytes]] = []

    def kill_the_sender() -> None:  # on the first request the child sends
        if child and child[0].poll() is None:
            os.kill(child[0].pid, signal.SIGKILL)
            child[0].wait()

    with receiving([secret], on_request=kill_the_sender) as hook, sender_db(db) as sdb:
        sub = subscribe(db, world.shop_a.id, hook.url, secret)
        announce_changes(db, world.shop_a.id, [101, 102, 103, 104], 2)
        relay(db)
        url = db.settings.database_url
        command = [sys.executable, "-m", "tests.integration.webhook_sender_child", url]
        child.append(subprocess.Popen(command, cwd=ROOT))
        assert child[0].wait(timeout=60) == -signal.SIGKILL
        assert {r.status for r in delivery_rows(db, sub)} == {"PENDING"}
        leased = [r for r in delivery_rows(db, sub) if r.locked_until is not None]
        assert len(leased) == 2  # the dead sender's claims: two orders' first deliveries
        # the other two orders go; the leased ones and the next of their orders wait
        assert send_due(sdb).delivered == 8 - 2 * len(leased)

        hook.on_request = None
        clock.advance(sender.lease_length(sdb.settings.webhook_timeout_seconds))
        send_due(sdb)
        assert {r.status for r in delivery_rows(db, sub)} == {"DELIVERED"}
        assert sorted(set(hook.message_ids())) == sorted(f"msg_{i}" for i in change_ids(db))
        assert per_order(hook.message_ids(), db) == expected_per_order(db)


def test_a_slow_receiver_does_not_hold_a_fast_one(db: Database, world: World) -> None:
    secret = new_secret()
    log: list[str] = []
    with (
        receiving([secret], delay=2.0, on_request=lambda: log.append("slow")) as slow,
        receiving([secret], on_request=lambda: log.append("fast")) as fast,
        sender_db(db, webhook_timeout_seconds=10) as sdb,
    ):
        subscribe(db, world.shop_a.id, slow.url, secret)
        subscribe(db, world.shop_a.id, fast.url, secret)
        announce_changes(db, world.shop_a.id, [101], 4)  # one order: one at a time each
        relay(db)
        send_due(sdb)
        assert len(fast.received) == len(slow.received) == 4
        # the fast receiver got its four while the slow one still held its first
        assert log.index("slow", log.index("slow") + 1) > max(
            i for i, who in enumerate(log) if who == "fast"
        )


def test_a_target_refused_at_delivery_is_not_dialled(db: Database, world: World) -> None:
    secret = new_secret()
    with receiving([secret]) as hook, sender_db(db, webhooks_allow_loopback=False) as sdb:
        sub = subscribe(db, world.shop_a.id, hook.url, secret)  # 127.0.0.1: refused now
        announce_changes(db, world.shop_a.id, [101], 1)
        relay(db)
        assert send_due(sdb).retried == 1
        assert hook.received == []
        (row,) = delivery_rows(db, sub)
        assert (row.status, row.attempts, row.last_status_code) == ("PENDING", 1, None)
        assert row.last_error is not None and row.last_error.startswith("target refused")
        assert "loopback" in row.last_error


def test_a_name_is_dialled_at_the_address_the_guard_checked(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sender resolves once (the SSRF check) and connects to that address, keeping the
    name in the Host header: a resolver that answers differently later is never asked."""
    secret = new_secret()
    with receiving([secret]) as hook, sender_db(db) as sdb:
        url = f"http://hooks.example.invalid:{hook.port}/hooks"  # resolves nowhere by DNS
        subscribe(db, world.shop_a.id, url, secret)
        announce_changes(db, world.shop_a.id, [101], 1)
        relay(db)
        checked = [ipaddress.ip_address("127.0.0.1")]
        monkeypatch.setattr(sender, "check_target", lambda _url, _allow: checked)
        assert send_due(sdb).delivered == 1
        (got,) = hook.received
        assert got.host == f"hooks.example.invalid:{hook.port}"
        assert hook.all_verified()
