"""``clipshop worker``: the deadline sweeper and the other time-driven jobs, as a process."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from clipshop.core.cli import Listing, open_database, out
from clipshop.payments.simulated import SimulatedGateway
from clipshop.worker import reactions, shared_clock
from clipshop.worker.jobs import JobReport, run_due, run_forever


def report_table(report: JobReport, title: str) -> Listing:
    table = Listing(title, ("what", "count"), right=("count",))
    for kind, count in sorted(report.sweep.applied.items()):
        table.add(f"rule {kind}", str(count))
    rows = [
        ("timers due but already moot", report.sweep.unchanged),
        ("timers postponed", report.sweep.postponed),
        ("timers failed (retried later)", report.sweep.failed),
        ("refunds sent", report.sweep.refunds + report.refunds),
        ("payments reconciled", report.reconciled),
        ("simulated carrier events", report.carrier_events),
        ("outbox events delivered", report.outbox.delivered),
        ("outbox deliveries failed (retried later)", report.outbox.failed),
        ("webhooks delivered", report.webhooks.delivered),
        ("webhook attempts failed (retried later)", report.webhooks.retried),
        ("webhooks failed for good", report.webhooks.failed),
        ("webhook subscriptions disabled", report.webhooks.disabled),
        ("e-mails sent", report.mails.sent),
        ("e-mails retried later", report.mails.retried),
        ("e-mails failed for good", report.mails.failed),
        ("e-mails skipped (no SMTP host)", report.mails.skipped),
    ]
    for label, count in rows:
        table.add(label, str(count))
    return table


def worker(
    interval: float = typer.Option(2.0, min=0.1, help="Seconds between sweeps"),
    once: bool = typer.Option(False, "--once", help="Run what is due now, print it, and exit"),
) -> None:
    """Run the background jobs as a process of their own.

    The deadline sweeper, payment reconciler, refund retries, the simulated carrier and
    the outbox relay, the webhook and e-mail senders.
    On PostgreSQL run as many as you like: they share the due timers (FOR UPDATE
    SKIP LOCKED). On SQLite run one, or none besides the one inside serve. On SQLite the
    database is migrated first; on PostgreSQL run "clipshop db upgrade" before."""
    reactions.register()
    db = open_database()
    gateway = SimulatedGateway(db)
    try:
        if once:
            shared_clock.sync(db)
            report_table(run_due(db, gateway), "clipshop worker: one sweep").show()
            return
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        out.print(f"clipshop worker: sweeping every {interval}s (Ctrl-C stops)", markup=False)
        run_forever(db, gateway, interval, stop)
    finally:
        db.dispose()
