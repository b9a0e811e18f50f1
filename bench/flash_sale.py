"""Flash-sale bench: N buyers (1 unit each) against one flash deal over HTTP on PostgreSQL.

Migrates a fresh database (``--pg-db``, dropped and recreated), seeds one shop, one SKU with
stock for every buyer, a flash deal of ``--deal-units`` (per-buyer limit 1) and ``--buyers``
adult buyers with a saved card and a token; starts a real ``clipshop serve`` (``--workers``)
and drives ``POST /api/v1/checkout`` from ``--concurrency`` threads with keep-alive
connections. Reports orders/s, p50/p99, and reads the database: the deal's ``sold``, its
claims and the lines sold at the deal price must all be exactly ``--deal-units`` (asserted).
In the same run, at the same concurrency, it measures the hot-row floor of PERFORMANCE.md:
the bare conditional UPDATE (``sold = sold + 1 WHERE sold + 1 <= quantity``) on one row,
one transaction each, with psycopg from threads.

    .venv/bin/python bench/flash_sale.py                       # 10,000 buyers, 64 in flight
    .venv/bin/python bench/flash_sale.py --buyers 500 --deal-units 100
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from tempfile import mkdtemp

import psycopg
from checkout import ADDRESS, OK_CARD, PROTECTED_DATABASES, server  # bench/ is the script's dir
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from clipshop.catalog import inventory, products, shops, warehouses
from clipshop.catalog.schemas import ProductCreate, SkuCreate
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.migrate import upgrade
from clipshop.core.settings import Settings
from clipshop.identity.principal import Role
from clipshop.identity.tokens import issue_token
from clipshop.identity.users import create_user, principal_for
from clipshop.models import OrderLineItem, Promotion, PromotionClaim
from clipshop.payments import methods
from clipshop.payments.simulated import tokenize_card

PRICE, DEAL_PRICE = 1000, 500


def seed(db: Database, buyers: int, deal_units: int) -> tuple[int, int, list[str]]:
    """(sku id, deal id, buyer tokens)."""
    with db.unit_of_work() as session:
        admin = create_user(session, email="admin@flash.dev", name="Admin", role=Role.ADMIN)
        seller = create_user(session, email="seller@flash.dev", name="Seller", role=Role.SELLER)
        admin_p = principal_for(session, admin)
        shop = shops.create_shop(
            session,
            admin_p,
            name="Flash Shop",
            region="US",
            currency="USD",
            shop_type="LOCAL",
            owner_user_id=seller.id,
        )
        place = {"name": "DC", "address_line1": "1 Dock Rd", "city": "Chicago"}
        place |= {"state": "IL", "postal_code": "60601", "country": "US"}
        warehouse = warehouses.create_warehouse(session, admin_p, shop.id, place)
        body = ProductCreate(
            title="Flash tee", skus=[SkuCreate(seller_sku="FLASH", name="Tee", price="10.00")]
        )
        sku = products.create_product(session, admin_p, shop.id, body)[1][0]
        inventory.set_stock(session, admin_p, sku.id, warehouse.id, buyers + 10, note="bench")
        now = utcnow()
        deal = Promotion(
            shop_id=shop.id,
            sku_id=sku.id,
            kind="FLASH_DEAL",
            deal_price=DEAL_PRICE,
            quantity=deal_units,
            per_buyer_limit=1,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(days=1),
        )
        session.add(deal)
        session.flush()
        ids = sku.id, deal.id
    born = date(date.today().year - 30, 1, 1)
    tokens = []
    for start in range(0, buyers, 1000):
        with db.unit_of_work() as session:
            for i in range(start, min(start + 1000, buyers)):
                user = create_user(
                    session,
                    email=f"b{i}@flash.dev",
                    name=f"B{i}",
                    role=Role.BUYER,
                    date_of_birth=born,
                )
                card = tokenize_card(OK_CARD, 12, utcnow().year + 3, "123")
                methods.save_method(session, principal_for(session, user), card)
                tokens.append(issue_token(session, user.id, "bench").secret)
    return ids[0], ids[1], tokens


def drive(
    base: str, sku_id: int, tokens: list[str], concurrency: int
) -> tuple[float, list[float], dict[str, int]]:
    """Every token checks out one unit; (seconds, latencies in ms, outcomes by status/code)."""
    host, port = base.removeprefix("http://").split(":")
    body = json.dumps(
        {"items": [{"sku_id": str(sku_id), "quantity": 1}], "shipping_address": ADDRESS}
    )
    local = threading.local()
    go = threading.Event()
    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def one(token: str) -> float:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(host, int(port), timeout=120)
        go.wait()
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/json",
        }
        started = time.perf_counter()
        local.conn.request("POST", "/api/v1/checkout", body, headers)
        response = local.conn.getresponse()
        payload = response.read()
        took = (time.perf_counter() - started) * 1000
        key = str(response.status)
        if response.status != 201:
            key += " " + json.loads(payload).get("code", "")
        with lock:
            outcomes[key] = outcomes.get(key, 0) + 1
        return took

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(one, t) for t in tokens]
        started = time.perf_counter()
        go.set()
        latencies = [f.result() for f in futures]
        return time.perf_counter() - started, latencies, outcomes


def hot_row_floor(conninfo: str, transactions: int, concurrency: int) -> float:
    """Transactions/s of the bare conditional UPDATE on one row, ``concurrency`` threads."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS flash_floor")
        conn.execute("CREATE TABLE flash_floor (id int PRIMARY KEY, sold int, quantity int)")
        conn.execute("INSERT INTO flash_floor VALUES (1, 0, %s)", (transactions + 1,))
    per_thread = transactions // concurrency
    go = threading.Event()

    def loop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            go.wait()
            for _ in range(per_thread):
                conn.execute(
                    "UPDATE flash_floor SET sold = sold + 1 WHERE id = 1 AND sold + 1 <= quantity"
                    " RETURNING sold"
                ).fetchone()

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(loop) for _ in range(concurrency)]
        time.sleep(0.5)  # every connection open
        started = time.perf_counter()
        go.set()
        for f in futures:
            f.result()
        seconds = time.perf_counter() - started
    with psycopg.connect(conninfo, autocommit=True) as conn:
        done = conn.execute("SELECT sold FROM flash_floor").fetchone()
        assert done is not None and done[0] == per_thread * concurrency, done
        conn.execute("DROP TABLE flash_floor")
    return per_thread * concurrency / seconds


def sold_at_deal(db: Database, sku_id: int, deal_id: int) -> tuple[int, int, int, int]:
    """(deal.sold, claims, lines at the deal price, lines) read from the database."""
    with db.unit_of_work(write=False) as session:
        sold = session.get_one(Promotion, deal_id).sold
        claims = session.scalar(select(func.count()).where(PromotionClaim.promotion_id == deal_id))
        lines = select(func.count()).where(OrderLineItem.sku_id == sku_id)
        at_deal = session.scalar(lines.where(OrderLineItem.sale_price == DEAL_PRICE))
        return sold, int(claims or 0), int(at_deal or 0), int(session.scalar(lines) or 0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--pg-db", default="clipshop_flash", help="dropped and recreated")
    p.add_argument("--buyers", type=int, default=10_000)
    p.add_argument("--deal-units", type=int, default=1_000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    if args.pg_db in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to drop database {args.pg_db!r}")
    with psycopg.connect(args.pg_url, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.pg_db}"')
    url = make_url(args.pg_url).set(database=args.pg_db).render_as_string(False)
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    db = Database(Settings(database_url=url, node_id=1))
    upgrade(db.engine)
    print(f"seeding {args.buyers} buyers...", file=sys.stderr)
    sku_id, deal_id, tokens = seed(db, args.buyers, args.deal_units)
    floor_before = hot_row_floor(conninfo, 5_000, args.concurrency)
    log = Path(mkdtemp(prefix="clipshop-flash-")) / "serve.log"
    with server(url, log, args.workers) as (base, _pid):
        seconds, latencies, outcomes = drive(base, sku_id, tokens, args.concurrency)
    floor_after = hot_row_floor(conninfo, 5_000, args.concurrency)
    sold, claims, at_deal, lines = sold_at_deal(db, sku_id, deal_id)
    db.dispose()
    q = statistics.quantiles(latencies, n=100)
    floor = (floor_before + floor_after) / 2
    rate = len(tokens) / seconds
    print(
        "| buyers | in flight | workers | orders/s | p50 ms | p99 ms | hot-row floor tx/s "
        "| app / floor | deal sold | claims | lines at deal price | lines |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(tokens)} | {args.concurrency} | {args.workers} | {rate:.0f} | {q[49]:.1f} "
        f"| {q[98]:.1f} | {floor:.0f} | {rate / floor:.2f} | {sold} | {claims} | {at_deal} "
        f"| {lines} |"
    )
    print(f"outcomes: {outcomes}")
    expected = min(args.deal_units, len(tokens))
    assert sold == claims == at_deal == expected, (sold, claims, at_deal, expected)
    assert lines == outcomes.get("201", 0), (lines, outcomes)
    print(f"exactly {expected} units sold at the deal price (deal counter, claims, lines)")


if __name__ == "__main__":
    main()
