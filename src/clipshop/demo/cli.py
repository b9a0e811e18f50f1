"""``clipshop demo`` and ``clipshop serve``."""

from __future__ import annotations

import json

import typer

from clipshop.core.cli import Listing, fail, open_database, out
from clipshop.core.db import Database
from clipshop.core.settings import get_settings
from clipshop.demo.seed import DemoWorld, seed_demo


def _seed(db: Database) -> DemoWorld:
    with db.unit_of_work() as session:
        return seed_demo(session)


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
) -> None:
    """Seed the demo data and print its ids and fresh API tokens.

    Finds the demo shops, stock and users if they are already there. Migrates the database
    first, on SQLite and PostgreSQL."""
    db = open_database(migrate=True)
    try:
        world = _seed(db)
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
            _print_world(_seed(db), f"http://{host}:{port}")
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
