"""``clipshop worker``: the deadline sweeper and the other time-driven jobs, as a process."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer
from rich.console import Console
from rich.table import Table

from clipshop.core.cli import open_database
from clipshop.payments.simulated import SimulatedGateway
from clipshop.rules import shared_clock
from clipshop.rules.jobs import JobReport, run_due, run_forever

console = Console()


def report_table(report: JobReport, title: str) -> Table:
    table = Table(title=title)
    table.add_column("what")
    table.add_column("count", justify="right")
    for kind, count in sorted(report.sweep.applied.items()):
        table.add_row(f"rule {kind}", str(count))
    rows = [
        ("timers due but already moot", report.sweep.unchanged),
        ("timers postponed", report.sweep.postponed),
        ("timers failed (retried later)", report.sweep.failed),
        ("refunds sent", report.sweep.refunds + report.refunds),
        ("payments reconciled", report.reconciled),
        ("simulated carrier events", report.carrier_events),
    ]
    for label, count in rows:
        table.add_row(label, str(count))
    return table


def worker(
    interval: float = typer.Option(2.0, min=0.1, help="Seconds between sweeps"),
    once: bool = typer.Option(False, "--once", help="Run what is due now, print it, and exit"),
) -> None:
    """Run the deadline sweeper, payment reconciler, refund retries and the simulated
    carrier. On PostgreSQL run as many as you like: they share the due timers
    (FOR UPDATE SKIP LOCKED). On SQLite run one (or none besides `serve`'s own)."""
    db = open_database()
    gateway = SimulatedGateway(db)
    try:
        if once:
            shared_clock.sync(db)
            console.print(report_table(run_due(db, gateway), "clipshop worker: one sweep"))
            return
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        console.print(f"clipshop worker: sweeping every {interval}s (Ctrl-C stops)")
        run_forever(db, gateway, interval, stop)
    finally:
        db.dispose()
