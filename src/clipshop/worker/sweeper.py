"""The deadline sweeper: takes due timers in batches and applies their rules.

Each batch is one transaction. On PostgreSQL the batch is taken ``FOR UPDATE SKIP LOCKED``,
so several workers share the due timers and none is applied twice; SQLite has one writer
at a time (``BEGIN IMMEDIATE``), so workers there simply take turns. Each timer runs in its
own savepoint: a rule that fails rolls back alone, is recorded on its timer (attempts,
last_error) and retried later with a growing delay, and the batch goes on. Refunds a rule
queued are sent to the gateway after the batch commits."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.deadlines import rows as timer_rows
from clipshop.deadlines.timers import TimerKind, take_due
from clipshop.models import Timer
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.ledger import clip
from clipshop.payments.refunds import execute_refunds
from clipshop.worker import reactions
from clipshop.worker.handlers import HANDLERS, Outcome

log = logging.getLogger("clipshop.sweeper")
MAX_RETRY_DELAY = timedelta(hours=6)


@dataclass
class SweepReport:
    applied: Counter[str] = field(default_factory=Counter)  # by timer kind
    unchanged: int = 0  # due, but the subject had moved on: nothing to do
    postponed: int = 0  # the rule asked to wait (a payment still settling)
    failed: int = 0  # the rule raised; retried later
    refunds: int = 0  # refunds sent to the gateway
    batches: int = 0

    @property
    def taken(self) -> int:
        return sum(self.applied.values()) + self.unchanged + self.postponed + self.failed

    def add(self, other: SweepReport) -> None:
        self.applied.update(other.applied)
        self.unchanged += other.unchanged
        self.postponed += other.postponed
        self.failed += other.failed
        self.refunds += other.refunds
        self.batches += other.batches


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failure, at most ``MAX_RETRY_DELAY``."""
    return min(timedelta(minutes=2 ** min(attempts - 1, 20)), MAX_RETRY_DELAY)


def _run_one(session: Session, timer: Timer, now: datetime, report: SweepReport) -> list[int]:
    try:
        with session.begin_nested():
            outcome: Outcome = HANDLERS[TimerKind(timer.kind)](session, timer, now)
            # By id and due time: the rule may already have disarmed this timer, or re-armed
            # it for later (then it stays).
            if outcome.retry_at is not None:
                retry_at = max(outcome.retry_at, now + timedelta(seconds=1))
                timer_rows.postpone(session, timer.id, timer.due_at, retry_at)
            else:
                timer_rows.done(session, timer.id, timer.due_at)
    except Exception as exc:  # one bad row must not stop the batch
        log.exception("timer %s (%s of %s) failed", timer.id, timer.kind, timer.subject_id)
        error = clip(f"{type(exc).__name__}: {exc}", 500)
        timer_rows.failed(session, timer.id, error, now + retry_delay(timer.attempts + 1))
        report.failed += 1
        return []
    if outcome.retry_at is not None:
        report.postponed += 1
    elif outcome.applied:
        report.applied[timer.kind] += 1
    else:
        report.unchanged += 1
    return outcome.refund_ids


def sweep(
    db: Database,
    gateway: PaymentGateway,
    now: datetime | None = None,
    batch_size: int | None = None,
    max_batches: int | None = None,
) -> SweepReport:
    """Apply every timer due by ``now`` (default: the platform clock), batch by batch."""
    reactions.register()  # what the timers cancel or refund reaches every event handler
    now = now or utcnow()
    size = batch_size or db.settings.sweep_batch_size
    report = SweepReport()
    while max_batches is None or report.batches < max_batches:
        refund_ids: list[int] = []
        with db.unit_of_work() as session:
            due = take_due(session, now, size, skip_locked=not db.is_sqlite)
            for timer in due:
                refund_ids += _run_one(session, timer, now, report)
        if not due:
            break
        report.batches += 1
        report.refunds += execute_refunds(db, gateway, refund_ids)
        if len(due) < size:
            break
    return report
