"""Sandbox time travel: move the platform clock forward and let everything that falls due
on the way happen in order, at its own time.

The clock does not jump straight to the target: it stops at each due time on the way (the
next timer, the simulated carrier's next scan) and runs what is due there, so deadlines that
one rule arms for later (paid -> released -> late dispatch -> auto-cancel) fire at the
simulated moments they belong to, in one call."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from clipshop.core.clock import clock
from clipshop.core.db import Database
from clipshop.models import SimCarrierStep, Timer
from clipshop.payments.gateway import PaymentGateway
from clipshop.worker import shared_clock
from clipshop.worker.jobs import JobReport, run_due

MAX_STOPS = 5_000  # then the clock goes straight to the target


def next_due(db: Database) -> datetime | None:
    with db.unit_of_work(write=False) as session:
        timer = session.scalar(select(func.min(Timer.due_at)))
        step = session.scalar(
            select(func.min(SimCarrierStep.due_at)).where(SimCarrierStep.emitted.is_(False))
        )
    times = [t for t in (timer, step) if t is not None]
    return min(times) if times else None


def _move_to(when: datetime, limit: timedelta) -> None:
    """Set the clock so that it reads ``when`` now, never past the offset ``limit``."""
    offset = min(when - (clock.now() - clock.offset), limit)
    if offset > clock.offset:
        clock.set_offset(offset)


def advance(db: Database, gateway: PaymentGateway, delta: timedelta) -> tuple[JobReport, int]:
    """Move the clock's offset by exactly ``delta``; returns what ran and how many stops it
    made on the way. This process's worker loop waits until it is done."""
    with shared_clock.moving:
        return _walk(db, gateway, delta)


def _walk(db: Database, gateway: PaymentGateway, delta: timedelta) -> tuple[JobReport, int]:
    shared_clock.sync(db)
    final = clock.offset + delta
    report, stops = JobReport(), 0
    while stops < MAX_STOPS:
        due = next_due(db)
        if due is None or due - clock.now() > final - clock.offset:
            break
        _move_to(due, final)
        report.add(run_due(db, gateway, max(due, clock.now())))
        stops += 1
    clock.set_offset(final)
    report.add(run_due(db, gateway))
    shared_clock.publish(db)
    return report, stops + 1
