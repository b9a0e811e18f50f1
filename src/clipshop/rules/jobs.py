"""Time-driven work, run by the sandbox clock and by the background worker of ``serve``."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from clipshop.checkout.payflow import reconcile
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.fulfillment.tracking import emit_sim_events
from clipshop.orders import changes, lifecycle
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.refunds import retry_pending_refunds

RECONCILE_AFTER = timedelta(minutes=2)
log = logging.getLogger("clipshop.jobs")


@dataclass(frozen=True)
class JobReport:
    reconciled: int
    released: int
    expired: int
    refunds: int
    carrier_events: int


def run_due(db: Database, gateway: PaymentGateway) -> JobReport:
    reconciled = reconcile(db, gateway, RECONCILE_AFTER)
    reconciled += changes.settle_stale_charges(db, gateway, RECONCILE_AFTER)
    now = utcnow()
    with db.unit_of_work() as session:
        released = lifecycle.release_on_hold(session, now)
    with db.unit_of_work() as session:
        expired = lifecycle.expire_unpaid(session, now, db.settings)
    refunds = retry_pending_refunds(db, gateway)
    with db.unit_of_work() as session:
        carrier_events = emit_sim_events(session, now)
    return JobReport(reconciled, released, expired, refunds, carrier_events)


def run_forever(
    db: Database, gateway: PaymentGateway, interval: float, stop: threading.Event
) -> None:
    """The embedded worker of ``clipshop serve``: run what is due every ``interval`` seconds."""
    while not stop.wait(interval):
        try:
            run_due(db, gateway)
        except Exception:  # keep the loop alive; the next round retries
            log.exception("background jobs failed")
