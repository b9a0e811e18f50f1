"""``clipshop worker``: the deadline sweeper and the other time-driven jobs, as a process;
``clipshop sim``: a scripted sandbox day and the weeks after it."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from clipshop.core.cli import open_database
from clipshop.core.money import Money
from clipshop.payments.simulated import SimulatedGateway
from clipshop.rules import shared_clock
from clipshop.rules.jobs import JobReport, run_due, run_forever
from clipshop.rules.sim import simulate, total_steps
from clipshop.rules.sim_script import plan
from clipshop.rules.sim_summary import Summary, summarize

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


def sim_table(summary: Summary, title: str) -> Table:
    table = Table(title=title)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("amount", justify="right")
    for status, count in summary.by_status.items():
        table.add_row(f"orders {status}", str(count), "")
    table.add_row("late dispatches", str(summary.late_dispatches), "", end_section=True)
    for (by, reason), count in summary.cancellations.items():
        label = "auto-cancelled" if by == "SYSTEM" else f"cancelled by {by}"
        table.add_row(f"{label}: {reason}", str(count), "")
    table.add_section()
    for currency, (count, amount) in summary.refunds.items():
        table.add_row(f"refunds sent ({currency})", str(count), str(Money(amount, currency)))
    table.add_row("refunds not sent", str(summary.refunds_unsent), "")
    table.add_row("packages shipped", str(summary.packages), "")
    table.add_row("packages lost", str(summary.lost_packages), "", end_section=True)
    for kind, count in summary.rules_applied.items():
        table.add_row(f"rule applied: {kind}", str(count), "")
    table.add_row("timers failed (retried later)", str(summary.timers_failed), "")
    table.add_row("clock stops", str(summary.stops), "")
    return table


def sim(
    orders: int = typer.Option(200, min=1, max=10_000, help="Buyers checking out in the day"),
    days: int = typer.Option(
        60, min=0, max=365, help="Days to move the clock on after the day (deadlines fire)"
    ),
    seed: int = typer.Option(1, help="Seed of the script: the same seed plays the same day"),
) -> None:
    """Play a scripted sandbox day on the demo shops (seeded if absent): buyers check out,
    some cards are declined, some buyers cancel, sellers ship on time, late or never, the
    simulated carrier delivers, is late, fails or loses parcels. Then the clock moves on
    DAYS days and every deadline fires. Moves the platform clock: sandbox mode only."""
    db = open_database(migrate=True)
    try:
        if not db.settings.sandbox:
            console.print("[red]clipshop sim moves the platform clock: sandbox mode only[/red]")
            raise typer.Exit(1)
        gateway = SimulatedGateway(db)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("simulating", total=total_steps(plan(orders, seed), days))
            run = simulate(db, gateway, orders, days, seed, on_step=lambda: progress.advance(task))
        summary = summarize(db, run)
    finally:
        db.dispose()
    title = (
        f"clipshop sim: {orders} orders, seed {seed}, clock "
        f"{run.started_at:%Y-%m-%d %H:%M} -> {run.ended_at:%Y-%m-%d %H:%M} UTC"
    )
    console.print(sim_table(summary, title))
