"""The sweeper itself: batches, idempotence, a failing rule that does not stop the batch,
and the worker command."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.deadlines import timers
from clipshop.deadlines.timers import TimerKind
from clipshop.models import Order, OrderEvent, Timer
from clipshop.payments.simulated import SimulatedGateway
from clipshop.worker import handlers
from clipshop.worker.sweeper import retry_delay, sweep
from tests.conftest import World
from tests.sweeper_support import on_hold_orders, release_events


def statuses(db: Database, ids: list[int]) -> dict[int, str]:
    with db.unit_of_work(write=False) as session:
        return dict(session.execute(select(Order.id, Order.status).where(Order.id.in_(ids))).all())


def timer_rows(db: Database, kind: str) -> list[Timer]:
    with db.unit_of_work(write=False) as session:
        return list(session.scalars(select(Timer).where(Timer.kind == kind).order_by(Timer.id)))


def test_a_sweep_takes_every_due_timer_in_batches(db: Database, world: World) -> None:
    ids = on_hold_orders(db, world, 25)
    report = sweep(db, SimulatedGateway(db), batch_size=10)
    assert (report.applied, report.batches, report.unchanged, report.failed) == (
        {"RELEASE_HOLD": 25},
        3,
        0,
        0,
    )
    assert set(statuses(db, ids).values()) == {"AWAITING_SHIPMENT"}
    assert release_events(db, ids) == {i: 1 for i in ids}
    assert timer_rows(db, "RELEASE_HOLD") == []
    assert len(timer_rows(db, "LATE_DISPATCH")) == 25  # armed by the release


def test_timers_not_yet_due_are_left_alone(db: Database, world: World) -> None:
    later = utcnow() + timedelta(minutes=5)
    ids = on_hold_orders(db, world, 3, due=later)
    assert sweep(db, SimulatedGateway(db)).taken == 0
    assert set(statuses(db, ids).values()) == {"ON_HOLD"}
    assert sweep(db, SimulatedGateway(db), now=later).applied == {"RELEASE_HOLD": 3}


def test_sweeping_twice_changes_nothing_more(db: Database, world: World) -> None:
    ids = on_hold_orders(db, world, 4)
    gateway = SimulatedGateway(db)
    first = sweep(db, gateway)
    second = sweep(db, gateway)
    assert (first.taken, second.taken) == (4, 0)
    assert release_events(db, ids) == {i: 1 for i in ids}


def test_a_stale_timer_finds_its_order_moved_on_and_changes_nothing(
    db: Database, world: World
) -> None:
    (order_id,) = on_hold_orders(db, world, 1)
    sweep(db, SimulatedGateway(db))
    with db.unit_of_work() as session:  # a timer armed again by mistake, already past
        timers.arm(session, TimerKind.RELEASE_HOLD, order_id, world.shop_a.id, utcnow())
        events_before = session.scalar(
            select(OrderEvent.id)
            .where(OrderEvent.order_id == order_id)
            .order_by(OrderEvent.id.desc())
        )
    report = sweep(db, SimulatedGateway(db))
    assert (report.applied, report.unchanged) == ({}, 1)
    assert timer_rows(db, "RELEASE_HOLD") == []
    with db.unit_of_work(write=False) as session:
        latest = session.scalar(
            select(OrderEvent.id)
            .where(OrderEvent.order_id == order_id)
            .order_by(OrderEvent.id.desc())
        )
    assert latest == events_before
    assert release_events(db, [order_id]) == {order_id: 1}


def test_a_rule_that_fails_on_one_row_does_not_stop_the_batch(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = on_hold_orders(db, world, 5)
    bad = ids[2]
    real = handlers.HANDLERS[TimerKind.RELEASE_HOLD]

    def flaky(session, timer, now):  # type: ignore[no-untyped-def]
        outcome = real(session, timer, now)  # changes the order, then fails: rolled back
        if timer.subject_id == bad:
            raise RuntimeError("carrier API down")
        return outcome

    monkeypatch.setitem(handlers.HANDLERS, TimerKind.RELEASE_HOLD, flaky)
    now = utcnow()
    report = sweep(db, SimulatedGateway(db), now=now, batch_size=2)
    assert (report.applied, report.failed) == ({"RELEASE_HOLD": 4}, 1)
    assert statuses(db, ids) == {i: ("ON_HOLD" if i == bad else "AWAITING_SHIPMENT") for i in ids}
    assert release_events(db, ids) == {i: (0 if i == bad else 1) for i in ids}
    (failed,) = timer_rows(db, "RELEASE_HOLD")
    assert (failed.subject_id, failed.attempts) == (bad, 1)
    assert failed.last_error == "RuntimeError: carrier API down"
    assert failed.due_at == now + timedelta(minutes=1)
    with db.unit_of_work(write=False) as session:  # nothing the failed rule did was kept
        kinds = set(session.scalars(select(Timer.kind).where(Timer.subject_id == bad)))
    assert kinds == {"RELEASE_HOLD"}

    # Still failing a minute later: retried, with a longer wait.
    again = sweep(db, SimulatedGateway(db), now=now + timedelta(minutes=1))
    assert again.failed == 1
    (failed,) = timer_rows(db, "RELEASE_HOLD")
    assert (failed.attempts, failed.due_at) == (2, now + timedelta(minutes=3))

    monkeypatch.setitem(handlers.HANDLERS, TimerKind.RELEASE_HOLD, real)
    fixed = sweep(db, SimulatedGateway(db), now=now + timedelta(minutes=3))
    assert fixed.applied == {"RELEASE_HOLD": 1}
    assert release_events(db, [bad]) == {bad: 1}


def test_retry_delay_grows_and_is_capped() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert retry_delay(30) == timedelta(hours=6)
