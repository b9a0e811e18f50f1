"""Time-driven order work, run by the sandbox clock (and by the deadline sweeper later)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from clipshop.checkout.payflow import reconcile
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.orders import lifecycle
from clipshop.payments.gateway import PaymentGateway
from clipshop.payments.refunds import retry_pending_refunds

RECONCILE_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class JobReport:
    reconciled: int
    released: int
    expired: int
    refunds: int


def run_due(db: Database, gateway: PaymentGateway) -> JobReport:
    reconciled = reconcile(db, gateway, RECONCILE_AFTER)
    now = utcnow()
    with db.unit_of_work() as session:
        released = lifecycle.release_on_hold(session, now)
    with db.unit_of_work() as session:
        expired = lifecycle.expire_unpaid(session, now, db.settings)
    refunds = retry_pending_refunds(db, gateway)
    return JobReport(reconciled, released, expired, refunds)
