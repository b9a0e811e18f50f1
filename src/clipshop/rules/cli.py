"""``clipshop worker``: the deadline sweeper and the other time-driven jobs, as a process;
``clipshop sim``: a scripted sandbox day and the weeks after it."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from clipshop.core.cli import Listing, fail, open_database, out
from clipshop.core.money import Money
from clipshop.payments.simulated import SimulatedGateway
from clipshop.rules import shared_clock
from clipshop.rules.jobs import JobReport, run_due, run_forever
from clipshop.rules.sim import simulate, total_steps
from clipshop.rules.sim_script import plan
from clipshop.rules.sim_summary import Summary, summarize


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
    ]
    for label, count in rows:
        table.add(label, str(count))
    return table


def worker(
    interval: float = typer.Option(2.0, min=0.1, help="Seconds between sweeps"),
    once: bool = typer.Option(False, "--once", help="Run what is due now, print it, and exit"),
) -> None:
    """Run the background jobs as a process of their own.

    The deadline sweeper, payment reconciler, refund retries and the simulated carrier.
    On PostgreSQL run as many as you like: they share the due timers (FOR UPDATE
    SKIP LOCKED). On SQLite run one, or none besides the one inside serve. On SQLite the
    database is migrated first; on PostgreSQL run "clipshop db upgrade" before."""
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


def sim_table(summary: Summary, title: str) -> Listing:
    table = Listing(title, ("what", "count", "amount"), right=("count", "amount"))
    for status, count in summary.by_status.items():
        table.add(f"orders {status}", str(count), "")
    table.add("late dispatches", str(summary.late_dispatches), "", end_section=True)
    for (by, reason), count in summary.cancellations.items():
        label = "auto-cancelled" if by == "SYSTEM" else f"cancelled by {by}"
        table.add(f"{label}: {reason}", str(count), "")
    table.end_section()
    for currency, (count, amount) in summary.refunds.items():
        table.add(f"refunds sent ({currency})", str(count), str(Money(amount, currency)))
    table.add("refunds not sent", str(summary.refunds_unsent), "")
    table.add("packages shipped", str(summary.packages), "")
    table.add("packages lost", str(summary.lost_packages), "", end_section=True)
    for kind, count in summary.rules_applied.items():
        table.add(f"rule applied: {kind}", str(count), "")
    table.add("timers failed (retried later)", str(summary.timers_failed), "")
    table.add("clock stops", str(summary.stops), "")
    return table


def sim(
    orders: int = typer.Option(200, min=1, max=10_000, help="Buyers checking out in the day"),
    days: int = typer.Option(
        60, min=0, max=365, help="Days to move the clock on after the day (deadlines fire)"
    ),
    seed: int = typer.Option(1, help="Seed of the script: the same seed plays the same day"),
) -> None:
    """Play a scripted sandbox day and the weeks after it.

    The day runs on the demo shops (seeded if absent): buyers check out,
    some cards are declined, some buyers cancel, sellers ship on time, late or never, the
    simulated carrier delivers, is late, fails or loses parcels. Then the clock moves on
    --days days and every deadline fires. Moves the platform clock: sandbox mode only.
    Migrates the database first, on SQLite and PostgreSQL."""
    db = open_database(migrate=True)
    try:
        if not db.settings.sandbox:
            fail("clipshop sim moves the platform clock: sandbox mode only")
        gateway = SimulatedGateway(db)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        # On a terminal only: piped or logged, the summary alone.
        with Progress(*columns, console=out, disable=not out.is_terminal) as progress:
            task = progress.add_task("simulating", total=total_steps(plan(orders, seed), days))
            run = simulate(db, gateway, orders, days, seed, on_step=lambda: progress.advance(task))
        summary = summarize(db, run)
    finally:
        db.dispose()
    title = (
        f"clipshop sim: {orders} orders, seed {seed}, clock "
        f"{run.started_at:%Y-%m-%d %H:%M} -> {run.ended_at:%Y-%m-%d %H:%M} UTC"
    )
    sim_table(summary, title).show()
