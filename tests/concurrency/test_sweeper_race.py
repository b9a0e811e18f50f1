"""Two sweeper workers racing over the same 1,000 due timers: each applied exactly once.

On PostgreSQL the workers take batches ``FOR UPDATE SKIP LOCKED`` and really run side by
side; on SQLite they take turns on the write lock. Either way no timer is seen twice.

How the timers split between the workers is the scheduler's business (one worker may well
sweep them all before the other starts), so nothing is asserted about the split: only what
must hold whatever the interleaving."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.models import Timer
from clipshop.payments.simulated import SimulatedGateway
from clipshop.worker.sweeper import SweepReport, sweep
from tests.conftest import World
from tests.sweeper_support import on_hold_orders, release_events

TIMERS = 1_000
WORKERS = 2


def test_two_workers_apply_each_due_timer_exactly_once(db: Database, world: World) -> None:
    ids = on_hold_orders(db, world, TIMERS)
    now = utcnow()
    reports: list[SweepReport] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(WORKERS)

    def worker() -> None:
        try:
            barrier.wait()
            reports.append(sweep(db, SimulatedGateway(db), now=now, batch_size=50))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert len(reports) == WORKERS
    applied = [r.applied["RELEASE_HOLD"] for r in reports]
    assert sum(applied) == TIMERS
    # Nobody saw a timer the other had applied, and nothing failed.
    assert [(r.unchanged, r.failed, r.postponed) for r in reports] == [(0, 0, 0)] * WORKERS
    assert release_events(db, ids) == {i: 1 for i in ids}
    with db.unit_of_work(write=False) as session:
        left = dict(session.execute(select(Timer.kind, func.count()).group_by(Timer.kind)).all())
    # armed by the releases, and the shop's daily performance review (armed at its first order)
    assert left == {"LATE_DISPATCH": TIMERS, "SHIP_DUE": TIMERS, "SHOP_REVIEW": 1}
