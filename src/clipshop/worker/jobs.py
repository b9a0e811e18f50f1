"""Time-driven work, run by the sweeper processes (``clipshop worker``), the embedded
worker of ``clipshop serve``, and the sandbox clock."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from clipshop.checkout.payflow import reconcile
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.fulfillment.tracking import emit_sim_events
from clipshop.notifications.sender import MailReport
from clipshop.notifications.sender import send_due as send_mails
from clipshop.orders import changes
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.refunds import retry_pending_refunds
from clipshop.webhooks.sender import SendReport, send_due
from clipshop.worker import reactions, shared_clock
from clipshop.worker.relay import RelayReport, relay
from clipshop.worker.sweeper import SweepReport, sweep

RECONCILE_AFTER = timedelta(minutes=2)
log = logging.getLogger("clipshop.jobs")


@dataclass
class JobReport:
    reconciled: int = 0
    refunds: int = 0  # queued refunds retried (the sweeper's own are in ``sweep``)
    carrier_events: int = 0
    sweep: SweepReport = field(default_factory=SweepReport)
    outbox: RelayReport = field(default_factory=RelayReport)
    webhooks: SendReport = field(default_factory=SendReport)
    mails: MailReport = field(default_factory=MailReport)

    def add(self, other: JobReport) -> None:
        self.reconciled += other.reconciled
        self.refunds += other.refunds
        self.carrier_events += other.carrier_events
        self.sweep.add(other.sweep)
        self.outbox.add(other.outbox)
        self.webhooks.add(other.webhooks)
        self.mails.add(other.mails)


def run_due(db: Database, gateway: PaymentGateway, now: datetime | None = None) -> JobReport:
    """Everything due by ``now``: unanswered payments and charges are settled first (a
    timer may wait on them), then the simulated carrier reports its due events, then the
    deadline timers fire, then refunds that earlier timed out are retried; last the outbox
    relay delivers the events all this announced (and earlier ones due for a retry), and the
    webhook sender sends the deliveries that are due, and the mail sender the e-mails."""
    reactions.register()  # payments settled, packages moved: their events reach every handler
    report = JobReport()
    report.reconciled = reconcile(db, gateway, RECONCILE_AFTER)
    report.reconciled += changes.settle_stale_charges(db, gateway, RECONCILE_AFTER)
    now = now or utcnow()
    with db.unit_of_work() as session:
        report.carrier_events = emit_sim_events(session, now)
    report.sweep = sweep(db, gateway, now)
    report.refunds = retry_pending_refunds(db, gateway)
    report.outbox = relay(db, now)
    report.webhooks = send_due(db, now)
    report.mails = send_mails(db, now)
    return report


def run_forever(
    db: Database, gateway: PaymentGateway, interval: float, stop: threading.Event
) -> None:
    """A worker loop: pick up the shared sandbox clock, then run what is due, every
    ``interval`` seconds, until ``stop`` is set."""
    while not stop.wait(interval):
        try:
            with shared_clock.moving:  # never in the middle of a sandbox advance
                shared_clock.sync(db)
                run_due(db, gateway)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("background jobs failed")
