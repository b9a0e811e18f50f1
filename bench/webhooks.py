"""Webhook delivery bench: events/s delivered to a local receiver, and what webhooks cost
checkout.

For SQLite (a temp file) and PostgreSQL (a dedicated database, dropped and recreated) it
migrates a fresh database and seeds the checkout bench's world (``bench/checkout.py``'s
``seed``: one shop, SKUs, buyers with a card). A receiver runs in this process: a real HTTP
server (``ThreadingHTTPServer``, HTTP/1.1 keep-alive) answering 204 to every POST.

1. Delivery: ``--events`` order status changes (4 per order) are announced into the outbox
   with one subscription (every type) to the receiver; then 1 and 4 worker processes
   (``--workers``), each looping the relay and the webhook sender (``worker.relay.relay``,
   ``webhooks.sender.send_due``) as ``clipshop worker`` does, share the work until every
   delivery is DELIVERED. Timed from the moment the started workers are told to go:
   events/s = deliveries / seconds (fan-out, claim, signed send, record: the whole path).
2. Checkout: ``--threads`` threads place ``--checkouts`` orders in-process (``place_order``
   with the simulated gateway, one unit of a random SKU each) while one worker process runs
   the relay and the sender in the background, with 0 and then 10 subscriptions to the
   receiver (each order's events fan out to each). Orders/s of each, and the ratio.

    .venv/bin/python bench/webhooks.py                          # both databases
    .venv/bin/python bench/webhooks.py --smoke                  # small sizes: a check only
    .venv/bin/python bench/webhooks.py --no-sqlite --pg-url postgresql://postgres@host/x

``--pg-url`` names the server; the bench connects to its ``postgres`` database only to drop
and create ``--pg-db`` (default ``clipshop_bench_webhooks``). The markdown report goes to
stdout; progress to stderr. ``--worker`` is the worker processes' own mode.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
from checkout import ADDRESS, World, seed  # bench/ is the script's directory
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url

from clipshop.checkout.place import CheckoutRequest, place_order
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.events import OrderStatusChanged, announce_all
from clipshop.core.migrate import upgrade
from clipshop.core.settings import Settings
from clipshop.models import (
    FeedEvent,
    OutboxDelivery,
    OutboxEvent,
    Shop,
    WebhookDelivery,
    WebhookSubscription,
)
from clipshop.payments.simulated import SimulatedGateway
from clipshop.webhooks.sender import send_due
from clipshop.worker.relay import relay

PROTECTED_DATABASES = frozenset({"postgres", "test", "template0", "template1"})
STEPS = ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "IN_TRANSIT", "DELIVERED")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def settings_for(url: str, node: int = 2) -> Settings:
    """``node``: the id generator's, one per process (the workers make rows too)."""
    return Settings(env="test", database_url=url, webhooks_allow_loopback=True, node_id=node)


# -- the receiver ---------------------------------------------------------------------------


class Receiver:
    """Answers 204 to every POST and counts them."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver._lock:
                    receiver.count += 1
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- databases ------------------------------------------------------------------------------


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="clipshop-bench-webhooks-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


@contextmanager
def postgres_url(server: str, name: str) -> Iterator[str]:
    if name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to drop the database {name!r}")
    admin = make_url(server).set(drivername="postgresql", database="postgres")
    target = admin.set(database=name).render_as_string(hide_password=False)
    admin_dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
        conn.execute(f'CREATE DATABASE "{name}"'.encode())
    try:
        yield target
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def clear_events(db: Database) -> None:
    with db.unit_of_work() as session:
        for table in (WebhookDelivery, OutboxDelivery, FeedEvent, OutboxEvent):
            session.execute(delete(table))


def set_subscriptions(db: Database, shop_id: int, url: str, count: int) -> None:
    with db.unit_of_work() as session:
        session.execute(delete(WebhookDelivery))
        session.execute(delete(WebhookSubscription))
        for i in range(count):
            secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
            sub = WebhookSubscription(shop_id=shop_id, url=url, event_types=["*"], secret=secret)
            sub.enabled, sub.description = True, f"bench {i}"
            session.add(sub)


def delivered(db: Database) -> int:
    with db.unit_of_work(write=False) as session:
        stmt = select(func.count()).where(WebhookDelivery.status == "DELIVERED")
        return int(session.scalar(stmt.select_from(WebhookDelivery)) or 0)


def announce_events(db: Database, shop_id: int, events: int) -> None:
    """``events`` status changes, 4 per order, 100 per transaction."""
    changes = [
        OrderStatusChanged(
            order_id=1_000_000 + n // 4,
            shop_id=shop_id,
            buyer_id=1,
            from_status=STEPS[n % 4],
            to_status=STEPS[n % 4 + 1],
            actor="system",
            actor_id=None,
            reason="bench",
            at=utcnow(),
        )
        for n in range(events)
    ]
    # the 4 changes of an order go in order: round r holds step r of every order
    ordered = sorted(changes, key=lambda c: (STEPS.index(c.to_status), c.order_id))
    for start in range(0, len(ordered), 100):
        with db.unit_of_work() as session:
            announce_all(session, ordered[start : start + 100])


# -- worker processes -----------------------------------------------------------------------


def worker_main(url: str, expect: int, node: int) -> None:
    """A worker process: says ``ready``, waits for ``go`` on stdin, then loops the relay and
    the sender until ``expect`` deliveries are DELIVERED (0: until SIGTERM)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    db = Database(settings_for(url, node))
    print("ready", flush=True)
    sys.stdin.readline()
    while not stop.is_set():
        report = relay(db)
        sent = send_due(db)
        if expect and delivered(db) >= expect:
            break
        if not (report.fanned_out or report.delivered or sent.claimed):
            time.sleep(0.02)
    db.dispose()


@contextmanager
def workers(url: str, count: int, expect: int) -> Iterator[list[subprocess.Popen[str]]]:
    script = Path(__file__).resolve()
    command = [sys.executable, str(script), "--worker", url, "--expect", str(expect)]
    procs = [
        subprocess.Popen(
            [*command, "--node", str(10 + i)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=120)


def go(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()


# -- the runs -------------------------------------------------------------------------------


@dataclass
class Row:
    database: str
    what: str
    value: float
    unit: str
    note: str = ""


def delivery_run(
    db: Database, url: str, shop_id: int, receiver: Receiver, events: int, count: int
) -> Row:
    clear_events(db)
    set_subscriptions(db, shop_id, receiver.url, 1)
    announce_events(db, shop_id, events)
    before = receiver.count
    with workers(url, count, events) as procs:
        started = time.perf_counter()
        go(procs)
        for proc in procs:
            proc.wait(timeout=3600)
        seconds = time.perf_counter() - started
    got = delivered(db)
    assert got == events, f"{got} of {events} delivered"
    note = f"{events} events, receiver got {receiver.count - before}"
    return Row("", f"delivery, {count} worker process(es)", events / seconds, "events/s", note)


def checkout_run(
    db: Database,
    url: str,
    world: World,
    shop_id: int,
    receiver: Receiver,
    subscriptions: int,
    checkouts: int,
    threads: int,
) -> Row:
    clear_events(db)
    set_subscriptions(db, shop_id, receiver.url, subscriptions)
    gateway = SimulatedGateway(db)
    rng = random.Random(subscriptions)
    picks = [rng.choice(world.uniform_skus) for _ in range(checkouts)]

    def one(i: int) -> None:
        buyer = world.buyers[i % len(world.buyers)]
        request = CheckoutRequest(shipping_address=dict(ADDRESS), items={picks[i]: 1})
        place_order(db, gateway, buyer, request)

    before = receiver.count
    with workers(url, 1, 0) as procs:
        go(procs)
        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, range(checkouts)))
        seconds = time.perf_counter() - started
    note = f"{checkouts} orders, {threads} threads; receiver got {receiver.count - before}"
    what = f"checkout, {subscriptions} subscriptions"
    return Row("", what, checkouts / seconds, "orders/s", note)


def bench_database(name: str, url: str, args: argparse.Namespace) -> list[Row]:
    log(f"{name}: migrating and seeding")
    db = Database(settings_for(url))
    upgrade(db.engine)
    world = seed(db, buyers=args.threads * 4, skus=100)
    with db.unit_of_work(write=False) as session:
        shop_id = int(session.scalar(select(Shop.id)) or 0)
    receiver = Receiver()
    rows: list[Row] = []
    try:
        for count in args.workers:
            log(f"{name}: delivery with {count} worker(s)")
            rows.append(delivery_run(db, url, shop_id, receiver, args.events, count))
        for subs in (0, 10):
            log(f"{name}: checkout with {subs} subscriptions")
            rows.append(
                checkout_run(db, url, world, shop_id, receiver, subs, args.checkouts, args.threads)
            )
    finally:
        receiver.close()
        db.dispose()
    for row in rows:
        row.database = name
    return rows


def report(rows: list[Row], args: argparse.Namespace) -> str:
    lines = [
        f"# Webhook bench{' (smoke run: small sizes, not a measurement)' if args.smoke else ''}",
        "",
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs",
        "",
        "| database | what | value | note |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.database} | {r.what} | {r.value:,.0f} {r.unit} | {r.note} |" for r in rows]
    for name in sorted({r.database for r in rows}):
        cost = {r.what: r.value for r in rows if r.database == name}
        base, loaded = cost.get("checkout, 0 subscriptions"), cost.get("checkout, 10 subscriptions")
        if base and loaded:
            lines.append(f"\n{name}: checkout with 10 subscriptions at {loaded / base:.0%} of 0.")
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4])
    parser.add_argument("--checkouts", type=int, default=600)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--smoke", action="store_true", help="small sizes: a check, no numbers")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-db", default="clipshop_bench_webhooks")
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--expect", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--node", type=int, default=10, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:
        args.events, args.checkouts, args.threads = 200, 60, 2
    return args


def main() -> None:
    args = parse_args()
    if args.worker:
        worker_main(args.worker, args.expect, args.node)
        return
    rows: list[Row] = []
    if not args.no_sqlite:
        with sqlite_url() as url:
            rows += bench_database("SQLite", url, args)
    if not args.no_postgres:
        with postgres_url(args.pg_url, args.pg_db) as url:
            rows += bench_database("PostgreSQL", url, args)
    print(report(rows, args))


if __name__ == "__main__":
    main()
