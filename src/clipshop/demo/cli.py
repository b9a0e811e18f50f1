"""``clipshop demo``, ``clipshop serve`` and ``clipshop sim``."""

from __future__ import annotations

import json

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from clipshop.core.cli import Listing, fail, open_database, out
from clipshop.core.db import Database
from clipshop.core.money import Money
from clipshop.core.settings import get_settings
from clipshop.demo.desk_world import seed_desk
from clipshop.demo.seed import SHOPS, DemoWorld, seed_demo
from clipshop.demo.sim import simulate, total_steps
from clipshop.demo.sim_script import plan
from clipshop.demo.sim_summary import Summary, summarize
from clipshop.demo.tiktok_world import seed_world
from clipshop.payments.simulated import SimulatedGateway

TIKTOK_HELP = (
    "Also seed (or top up) the TikTok sandbox world in the first demo shop: orders in every "
    "status, pending return and cancellation requests (docs/tiktok-api.md, Sandbox), an open "
    "dispute and an order held for fraud review for the agents' desk; moves the "
    "sandbox clock about 45 days the first time"
)


def _seed(db: Database, tiktok_world: bool = False) -> DemoWorld:
    if tiktok_world and not db.settings.sandbox:
        fail("--tiktok moves the platform clock: sandbox mode only")
    with db.unit_of_work() as session:
        world = seed_demo(session)
    if tiktok_world:
        owner = next(u for u in world.users if u.key == SHOPS[0]["owner"])
        gateway = SimulatedGateway(db)
        seed_world(db, gateway, int(world.shops[0].id), int(owner.id))
        seed_desk(db, gateway, int(world.shops[0].id), int(owner.id), int(world.shops[1].id))
    return world


def _print_world(world: DemoWorld, base_url: str | None = None) -> None:
    users = Listing("Demo users (password: demo-password)", ("key", "role", "id", "email", "token"))
    for u in world.users:
        users.add(u.key, u.role, u.id, u.email, u.token)
    users.show()
    shops = Listing("Demo shops", ("id", "name", "type", "currency", "warehouses"))
    skus = Listing("Demo SKUs", ("shop", "seller_sku", "id"))
    for s in world.shops:
        shops.add(s.id, s.name, s.shop_type, s.currency, " ".join(s.warehouse_ids))
        for code, sku_id in s.skus.items():
            skus.add(s.name, code, sku_id)
    shops.show()
    skus.show()
    if world.tiktok:
        t = world.tiktok
        app = Listing("TikTok-compatible API app (docs/tiktok-api.md)", ("app_key", "app_secret"))
        app.add(t.app_key, t.app_secret)
        app.show()
        codes = Listing("TikTok auth codes (single use, 10 minutes)", ("shop", "cipher", "code"))
        for shop in t.shops:
            codes.add(shop.name, shop.cipher, shop.auth_code)
        codes.show()
    if base_url:
        seller = next(u for u in world.users if u.key == "seller_local")
        out.print(
            f"Try: curl -H 'Authorization: Bearer {seller.token}' "
            f"{base_url}/api/v1/shops/{world.shops[0].id}/products",
            markup=False,
            highlight=False,
        )


def demo(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables"),
    tiktok_world: bool = typer.Option(False, "--tiktok", help=TIKTOK_HELP),
) -> None:
    """Seed the demo data and print its ids and fresh API tokens.

    Finds the demo shops, stock and users if they are already there. Migrates the database
    first, on SQLite and PostgreSQL."""
    db = open_database(migrate=True)
    try:
        world = _seed(db, tiktok_world)
    finally:
        db.dispose()
    if as_json:
        typer.echo(json.dumps(world.as_dict(), indent=2))
    else:
        _print_world(world)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    demo_data: bool = typer.Option(False, "--demo", help="Seed demo data and print tokens"),
    tiktok_world: bool = typer.Option(False, "--tiktok", help=TIKTOK_HELP + " (with --demo)"),
    jobs_interval: float = typer.Option(
        5.0,
        help="Seconds between runs of the embedded worker (deadline sweeper, payment "
        "reconciliation, refund retries, simulated carrier); 0 turns it off",
    ),
    workers: int = typer.Option(
        1,
        min=1,
        help="Server processes sharing the port (one core each); worker i uses id node "
        "CLIPSHOP_NODE_ID + i, and only worker 0 runs the background jobs",
    ),
) -> None:
    """Run the API and the background jobs.

    On SQLite the database is migrated first; on PostgreSQL run "clipshop db upgrade"
    before. To scale out on PostgreSQL, run several serve processes behind a load balancer,
    each with its own CLIPSHOP_NODE_ID range (ids stay unique) and, on all but one,
    --jobs-interval 0; --workers N does that on one machine."""
    from clipshop.api import workers as processes

    settings = get_settings()
    try:
        processes.node_ids(settings.node_id, workers)
    except ValueError as exc:
        fail(str(exc), 2)
    db = open_database()
    try:
        if demo_data:
            _print_world(_seed(db, tiktok_world), f"http://{host}:{port}")
        out.print(
            f"clipshop on http://{host}:{port}  (API docs: /docs, database: "
            f"{db.engine.url.render_as_string()}, workers: {workers})",
            markup=False,
            highlight=False,
        )
    finally:
        db.dispose()
    if workers == 1:
        processes.run_one(settings, jobs_interval, host=host, port=port)
        return
    status = processes.run_many(host, port, workers, jobs_interval)
    if status:
        raise typer.Exit(status)


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
