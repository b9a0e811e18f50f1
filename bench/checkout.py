"""Checkout throughput bench: the real HTTP server against two raw database floors.

For PostgreSQL (a dedicated database, dropped and recreated) and SQLite (a temp file) this
script migrates a fresh database, seeds buyers and SKUs through the services, starts a real
``clipshop serve`` process (``--workers N`` processes) and drives concurrent
``POST /api/v1/checkout`` requests at it from threads with keep-alive ``http.client``
connections:
over 1,000 SKUs ("uniform") and over one SKU ("hot"). Around each HTTP run (half before,
half after) it measures, at the same concurrency, two floors written directly with psycopg /
sqlite3 from threads of the bench, so that the ratios app/floor compare numbers taken under
the same conditions:

- the floor of the team's PERFORMANCE.md notes, the "checkout-like" transaction (conditional
  stock decrement ``UPDATE ... RETURNING``, one order INSERT, two item INSERTs, one
  transaction) against scratch tables that have only primary keys;
- the same-rows floor: every row one HTTP checkout of the app writes (stock UPDATE, inventory
  movement, idempotency record, payment, order, line item, attempt, the two simulated-gateway
  operations, capture transaction, events and timers, with the updates that take them to
  CAPTURED / SUCCEEDED / ON_HOLD / DONE: 20 statements, reads left out) in one transaction
  per checkout, into the app's real tables (indexes, constraints, foreign keys), for the
  seeded SKUs and buyers (its hot SKU is its own, so the app's hot SKU keeps exact counts;
  its ids use the app's id layout with a node of its own). On PostgreSQL it takes two round
  trips in pipeline mode: the stock UPDATE, then the other 19 statements and the COMMIT.

It records the CPU spent per order (server, database backends, client), counts SQL
statements, transactions and PostgreSQL round trips per checkout in-process, and checks that
the hot SKU's stock moved by exactly the orders placed, that a sold-out race sells exactly the
stock, and that the same-rows floor wrote exactly the orders and units it counted.

    .venv/bin/python bench/checkout.py                 # full run, about 4 minutes on 2 cores
    .venv/bin/python bench/checkout.py --quick         # about 1-2 minutes
    .venv/bin/python bench/checkout.py --rev HEAD      # a clean export of a commit's src/
    .venv/bin/python bench/checkout.py --no-sqlite --pg-url postgresql://postgres@host/x

``--pg-url`` names the server; the bench connects to its ``postgres`` database only to drop
and create ``--pg-db`` (default ``clipshop_bench``), and never touches any other database.
The markdown report goes to stdout (and ``--output``); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import json
import os
import pickle
import platform
import random
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psycopg
from lean_ceiling import CeilingState, Priced  # bench/ is the script's directory
from psycopg.types.json import Json
from sqlalchemy import event, inspect, select, text
from sqlalchemy.engine import make_url

import clipshop
from clipshop.catalog import inventory, products, shops, warehouses
from clipshop.catalog.schemas import ProductCreate, SkuCreate
from clipshop.checkout.place import CheckoutRequest, destination, place_order
from clipshop.core import rawsql
from clipshop.core.clock import utcnow
from clipshop.core.db import Database, insert_ignore
from clipshop.core.ids import MAX_NODE, SEQ_BITS, IdGenerator, new_id
from clipshop.core.migrate import upgrade
from clipshop.core.settings import Settings
from clipshop.deadlines.policies import for_region
from clipshop.identity.principal import Principal, Role
from clipshop.identity.tokens import issue_token
from clipshop.identity.users import create_user, principal_for
from clipshop.models import (
    IdempotencyRecord,
    OrderLineItem,
    PaymentMethod,
    StockLevel,
    TaxRate,
)
from clipshop.payments import methods
from clipshop.payments.simulated import SimulatedGateway, tokenize_card
from clipshop.pricing import quotes

ROOT = Path(__file__).resolve().parent.parent
PROTECTED_DATABASES = frozenset({"postgres", "test", "template0", "template1"})
OK_CARD = "4242424242424242"
ADDRESS: dict[str, Any] = {
    "name": "Bench Buyer",
    "phone": "+1 555 0100",
    "address_line1": "2 Elm St",
    "address_line2": None,
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62702",
    "country": "US",
}
BIG_STOCK = 10_000_000
RACE_STOCK = 40
RACE_ATTEMPTS = 120
SKUS_PER_PRODUCT = 100
SOLD_OUT = ("sold_out", "insufficient_stock")


# -- seeding -------------------------------------------------------------------------------


@dataclass
class World:
    uniform_skus: list[int]
    hot_sku: int
    race_sku: int
    floor_hot_sku: int  # the same-rows floor's hot SKU: the app's hot SKU keeps exact counts
    ceiling_hot_sku: int  # the lean ceiling's (bench/lean_ceiling.py)
    buyers: list[Principal]
    tokens: list[str]


def _sku_specs(prefix: str, count: int, start: int = 0) -> list[SkuCreate]:
    return [
        SkuCreate(
            seller_sku=f"{prefix}-{start + i:05d}",
            name=f"Bench item {prefix} {start + i}",
            price=f"{10 + (start + i) % 40}.99",
            weight_grams=200,
        )
        for i in range(count)
    ]


def seed(db: Database, buyers: int, skus: int) -> World:
    """One shop with one warehouse: ``skus`` SKUs, one hot SKU, one race SKU, one hot SKU for
    the same-rows floor; adult buyers with a saved 4242 card (their default method) and an
    API token each."""
    with db.unit_of_work() as session:
        admin = create_user(session, email="admin@bench.dev", name="Admin", role=Role.ADMIN)
        seller = create_user(session, email="seller@bench.dev", name="Seller", role=Role.SELLER)
        admin_p = principal_for(session, admin)
        shop = shops.create_shop(
            session,
            admin_p,
            name="Bench Shop",
            region="US",
            currency="USD",
            shop_type="LOCAL",
            owner_user_id=seller.id,
        )
        warehouse = warehouses.create_warehouse(
            session,
            admin_p,
            shop.id,
            {
                "name": "Bench DC",
                "address_line1": "1 Dock Rd",
                "city": "Chicago",
                "state": "IL",
                "postal_code": "60601",
                "country": "US",
            },
        )
        for country, state, rate in [("US", "IL", "6.25"), ("US", "*", "0")]:
            insert_ignore(
                session,
                TaxRate.__table__,
                {"id": new_id(), "country": country, "state": state, "rate_percent": rate},
                ["country", "state"],
            )
        uniform: list[int] = []
        for start in range(0, skus, SKUS_PER_PRODUCT):
            body = ProductCreate(
                title=f"Bench product {start // SKUS_PER_PRODUCT}",
                skus=_sku_specs("U", min(SKUS_PER_PRODUCT, skus - start), start),
            )
            uniform += [s.id for s in products.create_product(session, admin_p, shop.id, body)[1]]
        singles = []
        for code in ("HOT", "RACE", "FLOORHOT", "CEILHOT"):
            body = ProductCreate(title=f"Bench {code}", skus=_sku_specs(code, 1))
            singles.append(products.create_product(session, admin_p, shop.id, body)[1][0].id)
        hot, race, floor_hot, ceiling_hot = singles
        for sku_id in [*uniform, hot, floor_hot, ceiling_hot]:
            inventory.set_stock(session, admin_p, sku_id, warehouse.id, BIG_STOCK, note="bench")
        inventory.set_stock(session, admin_p, race, warehouse.id, RACE_STOCK, note="bench")
    born = date(date.today().year - 30, 1, 1)
    principals, tokens = [], []
    with db.unit_of_work() as session:
        for i in range(buyers):
            user = create_user(
                session,
                email=f"buyer{i}@bench.dev",
                name=f"Buyer {i}",
                role=Role.BUYER,
                date_of_birth=born,
            )
            principal = principal_for(session, user)
            card = tokenize_card(OK_CARD, 12, utcnow().year + 3, "123")
            methods.save_method(session, principal, card)
            principals.append(principal)
            tokens.append(issue_token(session, user.id, "bench").secret)
    return World(uniform, hot, race, floor_hot, ceiling_hot, principals, tokens)


def stock_of(db: Database, sku_id: int) -> tuple[int, int]:
    with db.unit_of_work(write=False) as session:
        row = session.execute(
            select(StockLevel.available, StockLevel.committed).where(StockLevel.sku_id == sku_id)
        ).one()
        return int(row.available), int(row.committed)


def lines_of_sku(db: Database, sku_id: int) -> int:
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(select(OrderLineItem.id).where(OrderLineItem.sku_id == sku_id))
        return len(rows.all())


# -- the floor: the checkout-like transaction written directly -------------------------------

FLOOR_TABLES = [
    "CREATE TABLE bench_floor_sku (id BIGINT PRIMARY KEY, stock INTEGER NOT NULL"
    " CHECK (stock >= 0), price INTEGER NOT NULL)",
    "CREATE TABLE bench_floor_order (id {serial} PRIMARY KEY, buyer_id BIGINT NOT NULL,"
    " status VARCHAR(20) NOT NULL, total INTEGER NOT NULL, created_at {ts})",
    "CREATE TABLE bench_floor_item (id {serial} PRIMARY KEY, order_id BIGINT NOT NULL,"
    " sku_id BIGINT NOT NULL, quantity INTEGER NOT NULL, price INTEGER NOT NULL)",
]
FLOOR_SKUS = 1_000
HOT_FLOOR_SKU = FLOOR_SKUS + 1


class Floor:
    """The checkout-like transaction, one connection per client thread."""

    def __init__(self, kind: str, target: str) -> None:
        self.kind = kind  # "postgresql" (target: conninfo URL) or "sqlite" (target: path)
        self.target = target

    def connect(self) -> Any:
        if self.kind == "postgresql":
            return psycopg.connect(self.target)
        conn = sqlite3.connect(self.target, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # what the app's engine uses
        conn.execute("PRAGMA foreign_keys=ON")  # the app's too (the same-rows floor has FKs)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def create(self) -> None:
        pg = self.kind == "postgresql"
        serial = "BIGSERIAL" if pg else "INTEGER"
        ts = "TIMESTAMPTZ NOT NULL DEFAULT now()" if pg else "TEXT DEFAULT CURRENT_TIMESTAMP"
        rows = [(i, BIG_STOCK, 1999) for i in range(1, FLOOR_SKUS + 2)]
        conn = self.connect()
        try:
            if pg:
                with conn.cursor() as cur:
                    for ddl in FLOOR_TABLES:
                        cur.execute(ddl.format(serial=serial, ts=ts))
                    cur.executemany("INSERT INTO bench_floor_sku VALUES (%s, %s, %s)", rows)
                conn.commit()
            else:
                conn.execute("BEGIN")
                for ddl in FLOOR_TABLES:
                    conn.execute(ddl.format(serial=serial, ts=ts))
                conn.executemany("INSERT INTO bench_floor_sku VALUES (?, ?, ?)", rows)
                conn.execute("COMMIT")
        finally:
            conn.close()

    def transaction(self, conn: Any, sku_id: int, buyer_id: int) -> bool:
        """True: ordered; False: sold out (rolled back)."""
        if self.kind == "postgresql":
            with conn.cursor() as cur:
                cur.execute(
                    "UPDATE bench_floor_sku SET stock = stock - 1 WHERE id = %s AND stock >= 1"
                    " RETURNING price",
                    (sku_id,),
                )
                row = cur.fetchone()
                if row is None:
                    conn.rollback()
                    return False
                cur.execute(
                    "INSERT INTO bench_floor_order (buyer_id, status, total)"
                    " VALUES (%s, 'UNPAID', %s) RETURNING id",
                    (buyer_id, row[0]),
                )
                order_id = cur.fetchone()[0]
                for _ in range(2):
                    cur.execute(
                        "INSERT INTO bench_floor_item (order_id, sku_id, quantity, price)"
                        " VALUES (%s, %s, 1, %s)",
                        (order_id, sku_id, row[0]),
                    )
            conn.commit()
            return True
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute(
            "UPDATE bench_floor_sku SET stock = stock - 1 WHERE id = ? AND stock >= 1"
            " RETURNING price",
            (sku_id,),
        ).fetchone()
        if row is None:
            conn.execute("ROLLBACK")
            return False
        order_id = conn.execute(
            "INSERT INTO bench_floor_order (buyer_id, status, total) VALUES (?, 'UNPAID', ?)"
            " RETURNING id",
            (buyer_id, row[0]),
        ).fetchone()[0]
        for _ in range(2):
            conn.execute(
                "INSERT INTO bench_floor_item (order_id, sku_id, quantity, price)"
                " VALUES (?, ?, 1, ?)",
                (order_id, sku_id, row[0]),
            )
        conn.execute("COMMIT")
        return True


# -- the same-rows floor: the rows of one HTTP checkout, written directly -------------------

FLOOR_NODE = MAX_NODE  # the floor's ids: the app's layout, a node no process of the bench uses

# The writes of one HTTP checkout (see "SQL per checkout" in the report; its six transactions'
# reads are left out) as one transaction: the stock UPDATE first (the lock, as the app takes it
# before its other writes), then the others in the app's order. %s placeholders (psycopg), ?
# for sqlite3. Plain INSERTs where the app upserts or ignores conflicts: the rows are new.
SAME_ROWS_STOCK = (
    "UPDATE stock_levels SET available = available - 1, committed = committed + 1"
    " WHERE sku_id = %s AND warehouse_id = %s AND available >= 1"
    " RETURNING available, committed"
)
SAME_ROWS_SQL = {
    "idempotency": "INSERT INTO idempotency_keys (user_id, key, request_hash, state,"
    " expires_at, created_at) VALUES (%s, %s, %s, 'IN_FLIGHT', %s, %s)",
    "movement": "INSERT INTO inventory_movements (id, shop_id, sku_id, warehouse_id,"
    " delta_available, delta_committed, available_after, committed_after, reason, note,"
    " actor_user_id, created_at) VALUES (%s, %s, %s, %s, -1, 1, %s, %s, 'ORDER_HOLD',"
    " 'checkout', %s, %s)",
    "payment": "INSERT INTO payments (id, buyer_id, amount, currency, status, method_id,"
    " captured_amount, refunded_amount, updated_at, created_at)"
    " VALUES (%s, %s, %s, %s, 'PENDING', %s, 0, 0, %s, %s)",
    "order": "INSERT INTO orders (id, shop_id, buyer_id, payment_id, status, currency,"
    " original_total_product_price, seller_discount, platform_discount, sub_total,"
    " original_shipping_fee, shipping_fee_seller_discount, shipping_fee_platform_discount,"
    " shipping_fee, tax, total_amount, shipping_service, delivery_min_days, delivery_max_days,"
    " recipient_address, review_hold, region, cancel_order_sla_time, late_dispatch,"
    " refunded_amount, shipping_refunded, updated_at, created_at) VALUES (%s, %s, %s, %s,"
    " 'UNPAID', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
    " 0, 0, %s, %s)",
    "timer": "INSERT INTO timers (id, kind, subject_id, shop_id, due_at, attempts, created_at)"
    " VALUES (%s, %s, %s, %s, %s, 0, %s)",
    "event": "INSERT INTO order_events (id, order_id, shop_id, kind, actor_type, actor_id,"
    " from_status, to_status, reason, created_at) VALUES (%s, %s, %s, %s, 'BUYER', %s, %s,"
    " %s, %s, %s)",
    "line": "INSERT INTO order_line_items (id, order_id, shop_id, sku_id, product_id,"
    " warehouse_id, seller_sku, product_name, sku_name, currency, original_price,"
    " seller_discount, platform_discount, sale_price, tax, status, refunded_amount)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'UNPAID', 0)",
    "attempt": "INSERT INTO payment_attempts (id, payment_id, buyer_id, method_id, amount,"
    " currency, status, idempotency_key, created_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, 'PENDING', %s, %s)",
    "gateway": "INSERT INTO sim_gateway_operations (idempotency_key, operation, reference,"
    " token, amount, currency, succeeded, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
    "captured": "UPDATE payments SET amount = %s, status = 'CAPTURED', method_id = %s,"
    " gateway_ref = %s, captured_amount = %s, failure_code = NULL, updated_at = %s"
    " WHERE id = %s AND status IN ('PENDING', 'FAILED')",
    "succeeded": "UPDATE payment_attempts SET status = 'SUCCEEDED', gateway_ref = %s,"
    " completed_at = %s WHERE id = %s",
    "transaction": "INSERT INTO payment_transactions (id, payment_id, order_id, shop_id, kind,"
    " status, amount, currency, gateway_ref, reason, created_at)"
    " VALUES (%s, %s, %s, %s, 'CAPTURE', 'SUCCEEDED', %s, %s, %s, '', %s)",
    "on_hold": "UPDATE orders SET status = 'ON_HOLD', payment_failure = NULL, paid_at = %s,"
    " hold_until = %s, updated_at = %s WHERE id = %s AND status = 'UNPAID'",
    "lines_on_hold": "UPDATE order_line_items SET status = 'ON_HOLD'"
    " WHERE order_id = %s AND status <> 'CANCELLED'",
    "disarm": "DELETE FROM timers WHERE subject_id = %s AND kind IN ('UNPAID_CANCEL')",
    "done": "UPDATE idempotency_keys SET state = 'DONE', response_status = %s,"
    " response_headers = %s, response_body = %s WHERE user_id = %s AND key = %s",
    # since the transactional outbox (migration 0010): the order's event for its consumers
    "outbox": "INSERT INTO outbox (id, type, shop_id, order_id, payload, created_at)"
    " VALUES (%s, 'order.status_changed', %s, %s, %s, %s)",
    # since stock events: the held unit's, in the checkout's transaction (no order id)
    "stock_outbox": "INSERT INTO outbox (id, type, shop_id, order_id, payload, created_at)"
    " VALUES (%s, 'stock.changed', %s, NULL, %s, %s)",
}
SAME_ROWS_IDS = 10  # movement, payment, order, 2 timers, 2 events, line, attempt, transaction


def stock_changed(shop: int, sku: int, warehouse: int, available: int, at: datetime) -> str:
    """The outbox payload of a ``stock.changed`` event of one unit held, as the app writes it."""
    return json.dumps(
        {
            "shop_id": str(shop),
            "at": at.isoformat(),
            "sku_id": str(sku),
            "warehouse_id": str(warehouse),
            "available": available,
            "delta": -1,
            "reason": "ORDER_HOLD",
        }
    )


def status_changed(order: int, shop: int, buyer: int, change: tuple[Any, ...]) -> str:
    """The outbox payload of an ``order.status_changed`` event, as the app writes it:
    ``change`` is (from status or None, to status, actor, reason, time)."""
    was, to, actor, reason, at = change
    return json.dumps(
        {
            "shop_id": str(shop),
            "at": at.isoformat(),
            "order_id": str(order),
            "buyer_id": str(buyer),
            "from_status": was,
            "to_status": to,
            "actor": actor,
            "actor_id": str(buyer) if actor == "BUYER" else None,
            "reason": reason,
        }
    )


def _has_stock_events(db: Database) -> bool:
    """Whether the app announced ``stock.changed`` in the checkouts done so far."""
    with db.unit_of_work(write=False) as session:
        found = session.execute(text("SELECT 1 FROM outbox WHERE type = 'stock.changed' LIMIT 1"))
        return found.first() is not None


class SameRowsFloor(Floor):
    """The rows one HTTP checkout writes, written directly into the app's tables (with
    their indexes, constraints and foreign keys) in one transaction per checkout, for the
    seeded SKUs and buyers; ids from the app's id layout with node ``FLOOR_NODE``.

    PostgreSQL: two round trips in pipeline mode, the stock UPDATE (the lock, taken first;
    its RETURNING decides and fills the movement row), then the other 19 statements and the
    COMMIT. SQLite: the same statements in one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, kind: str, target: str) -> None:
        super().__init__(kind, target)
        self.ids = IdGenerator(FLOOR_NODE)
        self.priced: dict[int, Priced] = {}
        self.buyers: list[tuple[int, int, str]] = []  # (user id, default method id, token)
        self.response: tuple[int, Any, bytes] = (201, None, b"")
        self.outbox = self.stock_events = False
        pg = kind == "postgresql"
        self.stock_sql = SAME_ROWS_STOCK if pg else SAME_ROWS_STOCK.replace("%s", "?")
        self.sql = {k: v if pg else v.replace("%s", "?") for k, v in SAME_ROWS_SQL.items()}

    def create(self) -> None:
        """Nothing to create: the floor writes into the migrated schema."""

    def prepare(self, db: Database, world: World) -> None:
        """Read once what the rows need: each SKU's one-unit quote (the app's pricing),
        its warehouse, each buyer's default card, and a stored 201 response of the app's
        warm-up (the idempotency record keeps the response body)."""
        skus = [*world.uniform_skus, world.floor_hot_sku, world.ceiling_hot_sku]
        address = dict(ADDRESS)
        with db.unit_of_work(write=False) as session:
            where = {
                r.sku_id: r.warehouse_id
                for r in session.execute(
                    select(StockLevel.sku_id, StockLevel.warehouse_id).where(
                        StockLevel.sku_id.in_(skus)
                    )
                )
            }
            for sku_id in skus:
                shop = quotes.quote(session, {sku_id: 1}, destination(address)).shops[0]
                unit, option = shop.units[0], shop.selected
                order = (
                    shop.original_total_product_price,
                    shop.seller_discount,
                    shop.platform_discount,
                    shop.sub_total,
                    option.original_fee,
                    option.seller_discount,
                    0,  # shipping_fee_platform_discount, as placing sets it
                    option.fee,
                    shop.tax,
                    shop.total_amount,
                    option.service,
                    option.min_days,
                    option.max_days,
                )
                line = (
                    sku_id,
                    unit.sku.product_id,
                    where[sku_id],
                    unit.sku.seller_sku,
                    unit.product_title,
                    unit.sku.name,
                    shop.shop.currency,
                    unit.original_price,
                    unit.seller_discount,
                    unit.platform_discount,
                    unit.sale_price,
                    unit.tax,
                )
                self.priced[sku_id] = Priced(
                    shop.shop.id,
                    where[sku_id],
                    shop.shop.currency,
                    shop.shop.region,
                    shop.total_amount,
                    order,
                    line,
                )
            cards = {
                m.buyer_id: m
                for m in session.scalars(
                    select(PaymentMethod).where(
                        PaymentMethod.is_default, PaymentMethod.removed_at.is_(None)
                    )
                )
            }
            self.buyers = [
                (p.user_id, cards[p.user_id].id, cards[p.user_id].token) for p in world.buyers
            ]
            record = session.scalars(
                select(IdempotencyRecord)
                .where(IdempotencyRecord.state == "DONE", IdempotencyRecord.response_status == 201)
                .limit(1)
            ).first()
        if record is None or record.response_body is None:
            raise RuntimeError("the same-rows floor needs one HTTP checkout done (the warm-up)")
        headers = json.dumps(record.response_headers)
        self.address: Any = json.dumps(address)
        if self.kind == "postgresql":
            self.response = (201, Json(headers, dumps=str), record.response_body)
            self.address = Json(self.address, dumps=str)
        else:
            self.response = (201, headers, record.response_body)
        self.outbox = inspect(db.engine).has_table("outbox")  # a revision before 0010: none
        # A revision before stock events writes none: the warm-up's checkouts tell.
        self.stock_events = self.outbox and _has_stock_events(db)
        policy = for_region(next(iter(self.priced.values())).region)
        self.unpaid_cancel = timedelta(hours=policy.unpaid_cancel_hours)
        self.remorse = timedelta(minutes=policy.remorse_window_minutes)
        self.key_ttl = timedelta(hours=db.settings.idempotency_ttl_hours)

    def _time(self, value: datetime) -> Any:
        """psycopg takes aware datetimes; on SQLite the app stores naive UTC text."""
        if self.kind == "postgresql":
            return value
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")

    def statements(
        self, sku_id: int, n: int, stock: tuple[int, int]
    ) -> list[tuple[str, tuple[Any, ...]]]:
        """The 19 writes after the stock UPDATE (``stock``: its RETURNING), 21 with the
        outbox's two order rows, 22 with its stock row, with fresh ids, keys and references,
        for SKU ``sku_id`` and buyer ``n``."""
        sql, p = self.sql, self.priced[sku_id]
        buyer, method, token = self.buyers[n % len(self.buyers)]
        movement, payment, order, timer1, timer2, placed, held, line, attempt, txn = (
            self.ids.next_id() for _ in range(SAME_ROWS_IDS)
        )
        now = datetime.now(UTC)
        t, hold_until = self._time(now), self._time(now + self.remorse)
        cancel_at, expires_at = self._time(now + self.unpaid_cancel), self._time(now + self.key_ttl)
        key = uuid.uuid4().hex
        request_hash = hashlib.sha256(key.encode()).hexdigest()  # the app's: of the request
        pay_key, cap_key = f"pay_{attempt}", f"cap_{payment}"
        auth_ref, cap_ref = (
            f"sim_AUTHORIZE_{secrets.token_hex(8)}",
            f"sim_CAPTURE_{secrets.token_hex(8)}",
        )
        status, headers, body = self.response
        cur = p.currency
        return [
            (sql["idempotency"], (buyer, key, request_hash, expires_at, t)),
            (sql["movement"], (movement, p.shop_id, sku_id, p.warehouse_id, *stock, buyer, t)),
            (sql["payment"], (payment, buyer, p.total, cur, method, t, t)),
            (
                sql["order"],
                (
                    order,
                    p.shop_id,
                    buyer,
                    payment,
                    cur,
                    *p.order,
                    self.address,
                    False,
                    p.region,
                    cancel_at,
                    False,
                    t,
                    t,
                ),
            ),
            (sql["timer"], (timer1, "UNPAID_CANCEL", order, p.shop_id, cancel_at, t)),
            (
                sql["event"],
                (placed, order, p.shop_id, "ORDER_PLACED", buyer, None, "UNPAID", "", t),
            ),
            (sql["line"], (line, order, p.shop_id, *p.line)),
            (sql["attempt"], (attempt, payment, buyer, method, p.total, cur, pay_key, t)),
            (sql["gateway"], (pay_key, "AUTHORIZE", auth_ref, token, p.total, cur, True, t)),
            (sql["gateway"], (cap_key, "CAPTURE", cap_ref, None, p.total, cur, True, t)),
            (sql["captured"], (p.total, method, cap_ref, p.total, t, payment)),
            (sql["succeeded"], (cap_ref, t, attempt)),
            (sql["transaction"], (txn, payment, order, p.shop_id, p.total, cur, cap_ref, t)),
            (sql["on_hold"], (t, hold_until, t, order)),
            (sql["lines_on_hold"], (order,)),
            (
                sql["event"],
                (
                    held,
                    order,
                    p.shop_id,
                    "STATUS_CHANGED",
                    buyer,
                    "UNPAID",
                    "ON_HOLD",
                    "payment captured",
                    t,
                ),
            ),
            (sql["disarm"], (order,)),
            (sql["timer"], (timer2, "RELEASE_HOLD", order, p.shop_id, hold_until, t)),
            (sql["done"], (status, headers, body, buyer, key)),
            *self._outbox(order, p.shop_id, buyer, now, (sku_id, p.warehouse_id, stock[0])),
        ]

    def _outbox(
        self, order: int, shop: int, buyer: int, now: datetime, held: tuple[int, int, int]
    ) -> list[Any]:
        """The order's two outbox rows (placed, paid) and, after the placed one, the stock
        row of the unit ``held`` (SKU, warehouse, available after), as the app writes them
        (the placed and stock rows in one INSERT there), when the schema has the outbox."""
        if not self.outbox:
            return []
        rows = []
        for change in (
            (None, "UNPAID", "BUYER", "", now),
            ("UNPAID", "ON_HOLD", "BUYER", "payment captured", now),
        ):
            payload: Any = status_changed(order, shop, buyer, change)
            if self.kind == "postgresql":
                payload = Json(payload, dumps=str)
            rows.append(
                (self.sql["outbox"], (self.ids.next_id(), shop, order, payload, self._time(now)))
            )
        if self.stock_events:
            stock: Any = stock_changed(shop, *held, now)
            if self.kind == "postgresql":
                stock = Json(stock, dumps=str)
            row = (self.ids.next_id(), shop, stock, self._time(now))
            rows.insert(1, (self.sql["stock_outbox"], row))
        return rows

    def transaction(self, conn: Any, sku_id: int, buyer_id: int) -> bool:
        """True: ordered; False: sold out (rolled back). ``buyer_id``: the request number."""
        warehouse = self.priced[sku_id].warehouse_id
        if self.kind == "postgresql":
            try:
                with conn.pipeline(), conn.cursor() as cur:
                    cur.execute(self.stock_sql, (sku_id, warehouse))
                    row = cur.fetchone()  # round trip 1: BEGIN and the stock UPDATE
                    if row is None:
                        conn.rollback()
                        return False
                    for statement, params in self.statements(sku_id, buyer_id, row):
                        cur.execute(statement, params)
                    conn.commit()  # round trip 2: the rest and COMMIT
            except BaseException:
                conn.rollback()
                raise
            return True
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(self.stock_sql, (sku_id, warehouse)).fetchone()
            if row is None:
                conn.execute("ROLLBACK")
                return False
            for statement, params in self.statements(sku_id, buyer_id, row):
                conn.execute(statement, params)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return True


# -- running N clients -----------------------------------------------------------------------


@dataclass
class Run:
    clients: int
    wall: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # successful requests only
    errors: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)  # seconds: server, postgres, client

    def merge(self, other: Run) -> Run:
        cpu = {k: self.cpu.get(k, 0.0) + other.cpu.get(k, 0.0) for k in self.cpu | other.cpu}
        return Run(
            self.clients,
            self.wall + other.wall,
            self.latencies_ms + other.latencies_ms,
            self.errors + other.errors,
            cpu,
        )

    def cpu_ms(self, key: str) -> float:
        return self.cpu[key] * 1000 / self.ok if self.ok and key in self.cpu else float("nan")

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run_clients(
    clients: int,
    total: int,
    seconds: float,
    open_client: Callable[[], Any],
    close_client: Callable[[Any], None],
    one: Callable[[Any, int], str | None],
) -> Run:
    """``clients`` threads share ``total`` operations (or stop after ``seconds``); ``one``
    returns None on success or an error label. Clients connect before the clock starts."""
    run = Run(clients)
    numbers = itertools.count()
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker() -> None:
        try:
            handle = open_client()
        except BaseException:
            ready.abort()  # the other threads and the caller stop waiting
            raise
        local_lat: list[float] = []
        local_err: Counter[str] = Counter()
        try:
            ready.wait(timeout=120)
            while True:
                n = next(numbers)
                if n >= total or time.perf_counter() > deadline[0]:
                    break
                t0 = time.perf_counter()
                try:
                    error = one(handle, n)
                except Exception as exc:  # a bench must report, not die
                    error = type(exc).__name__
                if error is None:
                    local_lat.append((time.perf_counter() - t0) * 1000)
                else:
                    local_err[error] += 1
        finally:
            close_client(handle)
            with lock:
                run.latencies_ms += local_lat
                run.errors.update(local_err)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(worker) for _ in range(clients)]
        deadline[0] = time.perf_counter() + seconds
        started = time.perf_counter()
        try:
            ready.wait(timeout=120)
            started = time.perf_counter()
        finally:
            for f in futures:
                f.result()
        run.wall = time.perf_counter() - started
    return run


def http_checkout(base: str, world: World, pick: Callable[[int], int]) -> dict[str, Any]:
    """open/close/one callables for ``run_clients`` that POST /api/v1/checkout."""

    # The standard library's keep-alive client: a fraction of httpx's CPU per request, which
    # matters when the clients share the server's two cores.
    host, _, port = base.removeprefix("http://").partition(":")

    def open_client() -> http.client.HTTPConnection:
        client = http.client.HTTPConnection(host, int(port), timeout=60)
        client.request("GET", "/healthz")  # the connection exists before the clock starts
        client.getresponse().read()
        return client

    def one(client: http.client.HTTPConnection, n: int) -> str | None:
        body = {"items": [{"sku_id": str(pick(n)), "quantity": 1}], "shipping_address": ADDRESS}
        headers = {
            "Authorization": f"Bearer {world.tokens[n % len(world.tokens)]}",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        }
        client.request("POST", "/api/v1/checkout", body=json.dumps(body), headers=headers)
        response = client.getresponse()
        raw = response.read()
        if response.status == 201:
            return None
        try:
            code = json.loads(raw).get("code", "")
        except ValueError:
            code = ""
        return f"{response.status} {code}".strip()

    return {"open_client": open_client, "close_client": lambda c: c.close(), "one": one}


Pick = Callable[[int], int]  # request number -> SKU id


def floor_ops(floor: Floor, pick: Callable[[int], int], backend_cpu: list[float]) -> dict[str, Any]:
    """On PostgreSQL each client adds its backend's CPU seconds to ``backend_cpu``."""
    start: dict[int, tuple[int, float]] = {}

    def open_client() -> Any:
        conn = floor.connect()
        if floor.kind == "postgresql":
            pid = conn.info.backend_pid
            start[id(conn)] = (pid, proc_cpu(pid) or 0.0)
        return conn

    def close_client(conn: Any) -> None:
        if id(conn) in start:
            pid, cpu0 = start.pop(id(conn))
            backend_cpu.append((proc_cpu(pid) or cpu0) - cpu0)
        conn.close()

    def one(conn: Any, n: int) -> str | None:
        return None if floor.transaction(conn, pick(n), n) else "sold_out"

    return {"open_client": open_client, "close_client": close_client, "one": one}


# -- CPU accounting: where the cycles of a run went -------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(child) for child in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def proc_cpu(pid: int) -> float | None:
    """user + system CPU seconds of a process and its live children, e.g. the workers of
    ``serve --workers N`` (None if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    own = (int(fields[11]) + int(fields[12])) / TICKS
    return own + sum(proc_cpu(child) or 0.0 for child in _children(pid))


class BackendCpu:
    """CPU of the PostgreSQL backends serving one database, polled from pg_stat_activity
    (a backend that exits between polls loses at most one poll interval of its CPU)."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def _poll(self, conn: Any, baseline: bool) -> None:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        ).fetchall()
        for (pid,) in rows:
            cpu = proc_cpu(pid)
            if cpu is None:
                continue
            self.first.setdefault(pid, cpu if baseline else 0.0)
            self.last[pid] = cpu

    def __enter__(self) -> BackendCpu:
        conn = psycopg.connect(self.conninfo, autocommit=True)
        self._poll(conn, True)

        def loop() -> None:
            with conn:
                while not self.stop.wait(0.2):
                    self._poll(conn, False)
                self._poll(conn, False)

        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        assert self.thread is not None
        self.thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def measured(server_pid: int | None, pg_conninfo: str | None, job: Callable[[], Run]) -> Run:
    """Run ``job`` and record the CPU seconds of the server process, the PostgreSQL backends
    of the bench database and this process (the clients) while it ran."""
    server0 = proc_cpu(server_pid) if server_pid else None
    client0 = sum(os.times()[:2])
    if pg_conninfo:
        with BackendCpu(pg_conninfo) as backends:
            run = job()
        run.cpu["postgres"] = backends.seconds
    else:
        run = job()
    run.cpu["client"] = sum(os.times()[:2]) - client0
    if server_pid and server0 is not None:
        run.cpu["server"] = (proc_cpu(server_pid) or server0) - server0
    return run


# -- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, log_path: Path, workers: int = 1) -> Iterator[tuple[str, int]]:
    """``clipshop serve`` in a subprocess on a free port; yields (base URL, pid). With
    ``workers`` > 1 the pid is the parent's and ``proc_cpu`` adds its children's CPU."""
    port = free_port()
    exe = Path(sys.executable).with_name("clipshop")
    command = ([str(exe)] if exe.exists() else [sys.executable, "-m", "clipshop"]) + [
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    env = {**os.environ, "CLIPSHOP_DATABASE_URL": url, "CLIPSHOP_NODE_ID": "0"}
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            wait_healthy(base, proc, log_path)
            yield base, proc.pid
        finally:
            stop(proc)


def wait_healthy(base: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server not healthy: {log_path.read_text()[-2000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


CEILING_NODE = MAX_NODE - 64  # the lean ceiling's ids: worker i uses CEILING_NODE + i


@contextmanager
def ceiling_server(same: SameRowsFloor, log_path: Path, workers: int) -> Iterator[tuple[str, int]]:
    """The lean ceiling (``bench/lean_ceiling.py``) in a subprocess, with the same-rows
    floor's prices, cards and stored response; yields (base URL, pid)."""
    state = CeilingState(
        dsn=same.target,
        node=CEILING_NODE,
        priced=same.priced,
        buyer_methods={buyer: (method, token) for buyer, method, token in same.buyers},
        response=json.loads(same.response[2]),
        unpaid_cancel=same.unpaid_cancel,
        remorse=same.remorse,
        key_ttl=same.key_ttl,
        outbox=same.outbox,
    )
    state_path = log_path.with_suffix(".state")
    state_path.write_bytes(pickle.dumps(state))
    port = free_port()
    script = Path(__file__).resolve().with_name("lean_ceiling.py")
    env = {
        **os.environ,
        "CEILING_STATE": str(state_path),
        "PYTHONPATH": os.pathsep.join([str(script.parent), *sys.path]),
    }
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        command = [sys.executable, str(script), str(port), str(workers)]
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_healthy(base, proc, log_path)
            yield base, proc.pid
        finally:
            stop(proc)


# -- statements per checkout (in-process) ----------------------------------------------------


@dataclass
class Count:
    label: str
    checkouts: int = 0
    statements: int = 0
    transactions: int = 0
    pool_checkouts: int = 0
    in_lock: int = 0  # statements after the stock UPDATE, up to that transaction's COMMIT
    round_trips: int | None = None  # PostgreSQL only, from libpq's protocol trace
    lock_seconds: float = 0.0  # from the stock UPDATE until COMMIT is sent
    kinds: Counter[str] = field(default_factory=Counter)
    units: list[list[str]] = field(default_factory=list)  # the first checkout, per transaction

    def per(self, value: int) -> float:
        return value / self.checkouts


def verb_table(sql: str) -> tuple[str, str]:
    """("INSERT", "orders") for an INSERT INTO orders ..."""
    text = " ".join(sql.split())
    words = text.split()
    verb = words[0].upper() if words else "?"
    match = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", text, re.IGNORECASE)
    return verb, match.group(1) if match else ""


class Counting:
    """SQLAlchemy events on one engine: statements, transactions, pool checkouts; on
    PostgreSQL also libpq's trace of every connection (a round trip ends with Query or
    Sync from the frontend)."""

    def __init__(self, db: Database, tmp: Path) -> None:
        self.db = db
        self.tmp = tmp
        self.on = False
        self.count = Count("")
        self.conns: list[Any] = []
        self.traces: list[tuple[Path, int]] = []
        self.locked = False
        self.lock_t0 = 0.0
        self.first = False
        engine = db.engine
        self.pg = engine.dialect.name == "postgresql"
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)
        event.listen(engine.pool, "checkout", self._checkout)
        event.listen(engine.pool, "connect", self._connect)
        sent = rawsql._execute  # statements sent to the driver directly (clipshop.core.rawsql)

        def counted(cursor: Any, sql: str, params: Any, many: bool) -> None:
            self._statement(None, cursor, sql)
            sent(cursor, sql, params, many)

        rawsql._execute = counted

    def _statement(self, _conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if not self.on:
            return
        c = self.count
        c.statements += 1
        verb, table = verb_table(sql)
        c.kinds[f"{verb} {table}".strip()] += 1
        if self.locked:
            c.in_lock += 1
        if verb == "UPDATE" and table == "stock_levels":
            self.locked = True
            self.lock_t0 = time.perf_counter()
        if self.first and c.units and verb != "BEGIN":
            c.units[-1].append(f"{verb} {table}".strip())

    def _begin(self, _conn: Any) -> None:
        if self.on:
            self.count.transactions += 1
            if self.first:
                self.count.units.append([])

    def _end(self, _conn: Any) -> None:
        if self.locked:
            self.count.lock_seconds += time.perf_counter() - self.lock_t0
        self.locked = False

    def _checkout(self, *_args: Any) -> None:
        if self.on:
            self.count.pool_checkouts += 1

    def _connect(self, dbapi_conn: Any, _record: Any) -> None:
        self.conns.append(dbapi_conn)
        if self.on:
            self._trace(dbapi_conn)

    def _trace(self, dbapi_conn: Any) -> None:
        if not self.pg:
            return
        from psycopg import pq

        path = self.tmp / f"trace-{len(self.traces)}-{uuid.uuid4().hex}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.traces.append((path, fd))
        dbapi_conn.pgconn.trace(fd)  # libpq writes through a FILE* on our descriptor
        dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def measure(self, label: str, n: int, job: Callable[[int], None]) -> Count:
        self.count = Count(label)
        self.traces = []
        for conn in self.conns:
            self._trace(conn)
        self.on = True
        try:
            for i in range(n):
                self.first = i == 0
                job(i)
        finally:
            self.on = self.first = self.locked = False
        self.count.checkouts = n
        if self.pg:
            for conn in self.conns:
                conn.pgconn.untrace()
            trips = 0
            for path, fd in self.traces:  # untrace flushed them
                os.close(fd)
                for line in path.read_text().splitlines():
                    parts = line.split("\t")
                    if len(parts) > 2 and parts[0] == "F" and parts[2] in ("Query", "Sync"):
                        trips += 1
                path.unlink()
            self.count.round_trips = trips
        return self.count


def count_statements(url: str, world: World, tmp: Path, n: int) -> list[Count]:
    """place_order alone, and one whole HTTP checkout through the ASGI app in-process."""
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

    from clipshop.api.app import create_app

    settings = Settings(database_url=url, node_id=1, db_pool_size=2)
    db = Database(settings)
    counting = Counting(db, tmp)
    gateway = SimulatedGateway(db)
    app = create_app(settings, db, gateway)
    rng = random.Random(7)
    counts = []
    try:
        with TestClient(app) as client:

            def service(i: int) -> None:
                request = CheckoutRequest(
                    shipping_address=dict(ADDRESS), items={rng.choice(world.uniform_skus): 1}
                )
                place_order(db, gateway, world.buyers[i % len(world.buyers)], request)

            def http(i: int) -> None:
                response = client.post(
                    "/api/v1/checkout",
                    json={
                        "items": [{"sku_id": str(rng.choice(world.uniform_skus)), "quantity": 1}],
                        "shipping_address": ADDRESS,
                    },
                    headers={
                        "Authorization": f"Bearer {world.tokens[i % len(world.tokens)]}",
                        "Idempotency-Key": uuid.uuid4().hex,
                    },
                )
                if response.status_code != 201:
                    raise RuntimeError(f"checkout failed: {response.text}")

            for i in range(3):  # warm up: connections, dialect, caches
                service(i)
                http(i)
            counts.append(counting.measure("place_order (service)", n, service))
            counts.append(counting.measure("POST /checkout (whole request)", n, http))
    finally:
        db.dispose()
    return counts


# -- one database ----------------------------------------------------------------------------


@dataclass
class Row:
    db: str
    case: str
    clients: int
    app: Run
    floor: Run  # the checkout-like transaction (scratch tables)
    same: Run  # the same-rows floor (the app's tables)
    ceiling: Run | None = None  # the lean ceiling (bench/lean_ceiling.py), PostgreSQL only

    @property
    def ratio(self) -> float:
        return self.app.rate / self.floor.rate if self.floor.rate else float("nan")

    @property
    def same_ratio(self) -> float:
        return self.app.rate / self.same.rate if self.same.rate else float("nan")

    @property
    def ceiling_ratio(self) -> float:
        """The lean ceiling / the same-rows floor."""
        if self.ceiling is None or not self.same.rate:
            return float("nan")
        return self.ceiling.rate / self.same.rate

    @property
    def app_cpu(self) -> float:
        """CPU ms per order: server process + database backends + HTTP client."""
        return sum(
            self.app.cpu_ms(k) for k in ("server", "postgres", "client") if k in self.app.cpu
        )

    @property
    def floor_cpu(self) -> float:
        return sum(self.floor.cpu_ms(k) for k in ("postgres", "client") if k in self.floor.cpu)

    @property
    def same_cpu(self) -> float:
        return sum(self.same.cpu_ms(k) for k in ("postgres", "client") if k in self.same.cpu)


@dataclass
class DbResult:
    name: str
    version: str
    rows: list[Row] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)
    same_rows: list[str] = field(default_factory=list)  # the same-rows floor's statements
    checks: list[str] = field(default_factory=list)


def bench_database(
    name: str, url: str, floor: Floor, version: str, args: argparse.Namespace, tmp: Path
) -> DbResult:
    result = DbResult(name, version)
    pg_conninfo = floor.target if floor.kind == "postgresql" else None
    t0 = time.perf_counter()
    db = Database(Settings(database_url=url, node_id=1))
    try:
        upgrade(db.engine)
        world = seed(db, args.buyers, args.skus)
    finally:
        db.dispose()
    floor.create()
    log(f"{name}: migrated and seeded in {time.perf_counter() - t0:.1f}s")
    rng = random.Random(42)
    floor_skus = list(range(1, FLOOR_SKUS + 1))
    picks: dict[str, tuple[Pick, Pick, Pick, Pick]] = {  # app, floor, same-rows, ceiling
        "uniform": (
            lambda _n: rng.choice(world.uniform_skus),
            lambda _n: rng.choice(floor_skus),
            lambda _n: rng.choice(world.uniform_skus),
            lambda _n: rng.choice(world.uniform_skus),
        ),
        "hot": (
            lambda _n: world.hot_sku,
            lambda _n: HOT_FLOOR_SKU,
            lambda _n: world.floor_hot_sku,
            lambda _n: world.ceiling_hot_sku,
        ),
    }
    use_ceiling = floor.kind == "postgresql" and not args.no_ceiling
    same = SameRowsFloor(floor.kind, floor.target)
    check_db = Database(Settings(database_url=url, node_id=1))
    try:
        hot_before = stock_of(check_db, world.hot_sku)
        same_hot_before = stock_of(check_db, world.floor_hot_sku)
        ceiling_hot_before = stock_of(check_db, world.ceiling_hot_sku)
    finally:
        check_db.dispose()
    hot_sold = same_written = same_hot_written = ceiling_written = ceiling_hot_sold = 0
    same_errors: Counter[str] = Counter()
    with server(url, tmp / f"server-{name}.log", args.workers) as (base, pid), ExitStack() as stack:
        log(f"{name}: server pid {pid} at {base}")
        warm = http_checkout(base, world, picks["uniform"][0])
        run_clients(4, max(args.warmup, 1), 60, **warm)  # the same-rows floor reads a response
        run_clients(4, args.warmup, 60, **floor_ops(floor, picks["uniform"][1], []))
        prepare_db = Database(Settings(database_url=url, node_id=1))
        try:
            same.prepare(prepare_db, world)  # after the app's warm-up: it reads a response
        finally:
            prepare_db.dispose()
        example = same.statements(world.floor_hot_sku, 0, (0, 0))
        result.same_rows = [" ".join(verb_table(same.stock_sql))]
        result.same_rows += [" ".join(verb_table(sql)) for sql, _ in example] + ["COMMIT"]
        same_warm = run_clients(4, args.warmup, 60, **floor_ops(same, picks["uniform"][2], []))
        same_written += same_warm.ok
        same_errors += same_warm.errors
        ceiling_base, ceiling_pid = "", 0
        if use_ceiling:
            log_path = tmp / f"ceiling-{name}.log"
            ceiling_base, ceiling_pid = stack.enter_context(
                ceiling_server(same, log_path, args.workers)
            )
            ops = http_checkout(ceiling_base, world, picks["uniform"][3])
            ceiling_written += run_clients(4, args.warmup, 60, **ops).ok
        for case, (app_pick, floor_pick, same_pick, ceiling_pick) in picks.items():
            for clients in args.clients:
                # floor, same-rows, app, same-rows, floor: the floors bracket the app run, so
                # a change of load on the machine during the level moves both sides alike
                def half(f: Floor, p: Pick, c: int = clients) -> Callable[[], Run]:
                    def job() -> Run:
                        backend_cpu: list[float] = []
                        ops = floor_ops(f, p, backend_cpu)
                        run = run_clients(c, args.floor_tx // 2, args.seconds / 2, **ops)
                        if f.kind == "postgresql":
                            run.cpu["postgres"] = sum(backend_cpu)
                        return run

                    return job

                def app(c: int = clients, p: Pick = app_pick, at: str = base) -> Run:
                    ops = http_checkout(at, world, p)
                    return run_clients(c, args.requests, args.seconds, **ops)

                floor_before = measured(None, None, half(floor, floor_pick))
                same_before = measured(None, None, half(same, same_pick))
                app_run = measured(pid, pg_conninfo, app)
                ceiling_run = None
                if use_ceiling:
                    ceiling_job = partial(app, p=ceiling_pick, at=ceiling_base)
                    ceiling_run = measured(ceiling_pid, pg_conninfo, ceiling_job)
                    ceiling_written += ceiling_run.ok
                    if case == "hot":
                        ceiling_hot_sold += ceiling_run.ok
                same_run = same_before.merge(measured(None, None, half(same, same_pick)))
                floor_run = floor_before.merge(measured(None, None, half(floor, floor_pick)))
                same_written += same_run.ok
                same_errors += same_run.errors
                if case == "hot":
                    hot_sold += app_run.ok
                    same_hot_written += same_run.ok
                row = Row(name, case, clients, app_run, floor_run, same_run, ceiling_run)
                result.rows.append(row)
                log(
                    f"{name} {case:7} c={clients:<3} app {app_run.rate:7.1f}/s "
                    f"p50 {app_run.pct(50):6.1f} ms p99 {app_run.pct(99):7.1f} ms "
                    f"errors {dict(app_run.errors) or 0} | floor {floor_run.rate:7.1f}/s "
                    f"ratio {row.ratio:.1%} | same-rows {same_run.rate:7.1f}/s "
                    f"ratio {row.same_ratio:.1%} errors {dict(same_run.errors) or 0} "
                    f"| CPU ms/order app {row.app_cpu:.1f} floor {row.floor_cpu:.2f} "
                    f"same-rows {row.same_cpu:.2f}"
                    + (
                        f" | ceiling {ceiling_run.rate:7.1f}/s p99 {ceiling_run.pct(99):6.1f} ms "
                        f"ratio to same-rows {row.ceiling_ratio:.1%} "
                        f"errors {dict(ceiling_run.errors) or 0}"
                        if ceiling_run
                        else ""
                    )
                )
        race = run_clients(
            16, RACE_ATTEMPTS, 120, **http_checkout(base, world, lambda _n: world.race_sku)
        )
    check_db = Database(Settings(database_url=url, node_id=1))
    try:
        hot_after = stock_of(check_db, world.hot_sku)
        same_hot_after = stock_of(check_db, world.floor_hot_sku)
        ceiling_hot_after = stock_of(check_db, world.ceiling_hot_sku)
        race_stock = stock_of(check_db, world.race_sku)
        race_lines = lines_of_sku(check_db, world.race_sku)
        with check_db.unit_of_work(write=False) as session:
            # the node bits of an id (clipshop.core.ids) tell the floor's rows from the app's
            node = f"((id >> {SEQ_BITS}) & {MAX_NODE})"
            ceiling_nodes = f"{node} BETWEEN {CEILING_NODE} AND {CEILING_NODE + args.workers - 1}"
            total, same_orders, ceiling_orders = session.execute(
                text(
                    f"SELECT count(*), sum(CASE WHEN {node} = {FLOOR_NODE} THEN 1 ELSE 0 END),"
                    f" sum(CASE WHEN {ceiling_nodes} THEN 1 ELSE 0 END) FROM orders"
                )
            ).one()
            same_orders, ceiling_orders = same_orders or 0, ceiling_orders or 0
            orders = total - same_orders - ceiling_orders
    finally:
        check_db.dispose()
    sold = hot_before[0] - hot_after[0]
    result.checks.append(
        f"hot SKU: {hot_sold} checkouts answered 201, stock went down by {sold}, "
        f"committed went up by {hot_after[1] - hot_before[1]} "
        + ("(exact)" if sold == hot_sold == hot_after[1] - hot_before[1] else "(MISMATCH)")
    )
    other = {k: v for k, v in race.errors.items() if not k.endswith(SOLD_OUT)}
    exact = race.ok == RACE_STOCK == race_lines and race_stock == (0, RACE_STOCK) and not other
    result.checks.append(
        f"sold-out race: {RACE_ATTEMPTS} checkouts by 16 clients for {RACE_STOCK} units: "
        f"{race.ok} placed, {race.errors.total() - sum(other.values())} sold out, "
        f"other errors {other or 0}; stock (available, committed) = {race_stock}, "
        f"{race_lines} order lines " + ("(exact)" if exact else "(MISMATCH)")
    )
    result.checks.append(f"{orders} orders placed through the app in the database after the run")
    same_sold = same_hot_before[0] - same_hot_after[0]
    same_committed = same_hot_after[1] - same_hot_before[1]
    result.checks.append(
        f"same-rows floor: {same_written} transactions committed, {same_orders} orders with "
        f"the floor's ids; its hot SKU: {same_hot_written} written, stock went down by "
        f"{same_sold}, committed went up by {same_committed}; errors {dict(same_errors) or 0} "
        + (
            "(exact)"
            if same_written == same_orders
            and same_hot_written == same_sold == same_committed
            and not same_errors
            else "(MISMATCH)"
        )
    )
    if use_ceiling:
        ceiling_sold = ceiling_hot_before[0] - ceiling_hot_after[0]
        result.checks.append(
            f"lean ceiling: {ceiling_written} checkouts answered 201, {ceiling_orders} orders "
            f"with its ids; its hot SKU: {ceiling_hot_sold} answered 201, stock went down by "
            f"{ceiling_sold}, committed went up by {ceiling_hot_after[1] - ceiling_hot_before[1]} "
            + (
                "(exact)"
                if ceiling_written == ceiling_orders
                and ceiling_hot_sold == ceiling_sold == ceiling_hot_after[1] - ceiling_hot_before[1]
                else "(MISMATCH)"
            )
        )
    log(f"{name}: counting statements per checkout")
    result.counts = count_statements(url, world, tmp, args.count_n)
    return result


# -- environment and output ------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine(args: argparse.Namespace) -> list[str]:
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if args.exported:
        source = f"a clean export of commit {args.exported.split(':')[0][:12]} (--rev)"
    else:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        source = f"the working tree at {rev}" + (
            " with uncommitted changes in src/" if dirty else ""
        )
    return [
        f"- CPUs: {os.cpu_count()} ({cpu}); memory {mem}; {platform.platform()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"psycopg {psycopg.__version__}",
        f"- clipshop: {source} ({Path(clipshop.__file__).parent})",
    ]


def fmt(value: float, spec: str = ".0f") -> str:
    return "n/a" if value != value else format(value, spec)  # NaN check


def report(results: list[DbResult], args: argparse.Namespace, started: float) -> str:
    out = ["## Machine", "", *machine(args)]
    for r in results:
        out.append(f"- {r.name}: {r.version}")
    loads = [" ".join(f"{x:.2f}" for x in load) for load in (args.load_start, os.getloadavg())]
    out.append(f"- load average (1, 5, 15 min) at start: {loads[0]}; at end: {loads[1]}")
    out += [
        "",
        "## Results",
        "",
        f"Server: `clipshop serve --workers {args.workers}` (default settings). Clients: "
        "threads of the bench, one keep-alive `http.client` connection each. "
        f"Per level: up to {args.requests} checkouts (each floor: {args.floor_tx} "
        f"transactions) or {args.seconds:g} s, whichever ends first. Latency of successful "
        "requests, measured by the client. Ratio = app orders/s / floor transactions/s at the "
        "same concurrency, measured back to back. Floor: the notes' checkout-like transaction "
        "(1 stock UPDATE, 1 order and 2 item INSERTs) into scratch tables with only primary "
        "keys. Same-rows floor: the 20 writes of one HTTP checkout (every row it inserts, "
        "updates or deletes, reads left out) into the app's tables, one transaction per "
        "checkout (PostgreSQL: 2 round trips, pipeline mode). Lean ceiling: "
        "`bench/lean_ceiling.py`, the fewest round trips a correct checkout can take (6, "
        "4 commits), the same rows written with psycopg in pipeline mode behind FastAPI, no "
        "business logic (PostgreSQL only; same number of worker processes as the app).",
        "",
        "| database | case | clients | app orders/s | p50 ms | p99 ms | ok | errors "
        "| floor tx/s | app / floor | same-rows floor tx/s | app / same-rows "
        "| lean ceiling orders/s | ceiling p99 ms | ceiling / same-rows | app / ceiling |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for row in r.rows:
            errors = ", ".join(f"{k}: {v}" for k, v in row.app.errors.items()) or "0"
            out.append(
                f"| {row.db} | {row.case} | {row.clients} | {fmt(row.app.rate)} "
                f"| {fmt(row.app.pct(50), '.1f')} | {fmt(row.app.pct(99), '.1f')} "
                f"| {row.app.ok} | {errors} | {fmt(row.floor.rate)} | {fmt(row.ratio, '.1%')} "
                f"| {fmt(row.same.rate)} | {fmt(row.same_ratio, '.1%')} | "
                + (
                    f"{fmt(lean.rate)} | {fmt(lean.pct(99), '.1f')} "
                    f"| {fmt(row.ceiling_ratio, '.1%')} "
                    f"| {fmt(row.app.rate / lean.rate if lean.rate else float('nan'), '.1%')} |"
                    if (lean := row.ceiling)
                    else "— | — | — | — |"
                )
            )
    cores = os.cpu_count() or 1
    out += [
        "",
        "## CPU per order",
        "",
        "CPU ms per successful order while the level ran: the server process (on SQLite it "
        "includes the database), the PostgreSQL backends of the bench database, and the bench "
        "process (HTTP clients, or the floors' psycopg/sqlite3 loops). Less sensitive to other "
        f"load on the machine than orders/s. Ceiling = {cores} cores / total CPU per order.",
        "",
        "| database | case | clients | app: server | app: db | app: client | app total "
        "| server cores busy | floor: db | floor: client | floor total "
        "| same-rows: db | same-rows: client | same-rows total "
        "| CPU ceiling app / floor / same-rows |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for row in r.rows:
            a, f, same = row.app, row.floor, row.same
            ceiling = " / ".join(
                fmt(cores * 1000 / cpu if cpu else float("nan"))
                for cpu in (row.app_cpu, row.floor_cpu, row.same_cpu)
            )
            out.append(
                f"| {row.db} | {row.case} | {row.clients} | {fmt(a.cpu_ms('server'), '.1f')} "
                f"| {fmt(a.cpu_ms('postgres'), '.1f')} | {fmt(a.cpu_ms('client'), '.1f')} "
                f"| {row.app_cpu:.1f} | {fmt(a.cpu.get('server', 0) / a.wall, '.2f')} "
                f"| {fmt(f.cpu_ms('postgres'), '.2f')} "
                f"| {fmt(f.cpu_ms('client'), '.2f')} | {row.floor_cpu:.2f} "
                f"| {fmt(same.cpu_ms('postgres'), '.2f')} | {fmt(same.cpu_ms('client'), '.2f')} "
                f"| {row.same_cpu:.2f} | {ceiling} |"
            )
    out += ["", "## Targets (PostgreSQL)", ""]
    for r in results:
        if r.name != "postgresql":
            continue
        for case in ("uniform", "hot"):
            rows = [row for row in r.rows if row.case == case]
            floors: list[tuple[str, Callable[[Row], float]]] = [
                ("app/floor", lambda x: x.ratio),
                ("app/same-rows floor", lambda x: x.same_ratio),
            ]
            for label, ratio in floors:
                best, worst = max(rows, key=ratio), min(rows, key=ratio)
                out.append(
                    f"- {case}: {label} {ratio(worst):.1%} (c={worst.clients}) to "
                    f"{ratio(best):.1%} (c={best.clients}); target >= 40%: "
                    + ("met" if ratio(worst) >= 0.4 else "NOT met")
                )
            if any(row.ceiling for row in rows):
                out.append(
                    f"- {case}: lean ceiling / same-rows floor "
                    + ", ".join(f"{row.ceiling_ratio:.1%} (c={row.clients})" for row in rows)
                )
            for row in rows:
                if row.clients == 16:
                    out.append(
                        f"- {case}: p99 at 16 clients {fmt(row.app.pct(99), '.1f')} ms; "
                        "target < 100 ms: "
                        + ("met" if row.app.pct(99) < 100 else "NOT met")
                        + (
                            f" (lean ceiling: {fmt(row.ceiling.pct(99), '.1f')} ms)"
                            if row.ceiling
                            else ""
                        )
                    )
    out += ["", "## Correctness checks", ""]
    for r in results:
        out += [f"- {r.name}: {c}" for c in r.checks]
    out += [
        "",
        "## SQL per checkout (in-process, sequential, uniform SKUs)",
        "",
        "Statements: SQLAlchemy `before_cursor_execute` events and the statements sent "
        "to the driver directly (`clipshop.core.rawsql`). Transactions: `begin` "
        "events. Pool checkouts: each would cost a `SELECT 1` round trip on PostgreSQL with "
        "`CLIPSHOP_DB_POOL_PRE_PING=true` (off by default). Round trips: frontend Query/Sync "
        "messages in libpq's trace. "
        "In lock: statements after the stock UPDATE up to that transaction's COMMIT.",
        "",
        "| database | path | statements | transactions | pool checkouts | round trips "
        "| statements in lock | lock held, ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for c in r.counts:
            trips = fmt(c.per(c.round_trips), ".1f") if c.round_trips is not None else "n/a"
            out.append(
                f"| {r.name} | {c.label} | {c.per(c.statements):.1f} "
                f"| {c.per(c.transactions):.1f} | {c.per(c.pool_checkouts):.1f} | {trips} "
                f"| {c.per(c.in_lock):.1f} | {c.lock_seconds * 1000 / c.checkouts:.2f} |"
            )
    for r in results[:1]:
        for c in r.counts:
            if c.label.startswith("POST"):
                out += ["", f"The transactions of one HTTP checkout ({r.name}), in order:", ""]
                out += [
                    f"{i}. {', '.join(unit) or '(no statement)'}"
                    for i, unit in enumerate(c.units, 1)
                ]
        if r.same_rows:
            out += [
                "",
                f"The same-rows floor's one transaction per checkout ({r.name}): "
                + ", ".join(r.same_rows),
            ]
    out += ["", f"Bench wall time: {time.perf_counter() - started:.0f} s"]
    return "\n".join(out)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--pg-db", default="clipshop_bench", help="dropped and recreated")
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--no-sqlite", action="store_true")
    p.add_argument("--no-ceiling", action="store_true", help="skip the lean ceiling server")
    p.add_argument("--quick", action="store_true", help="short run: fewer requests per level")
    p.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    p.add_argument("--requests", type=int, default=500, help="checkouts per level (cap)")
    p.add_argument("--floor-tx", type=int, default=3000, help="floor transactions per level")
    p.add_argument("--seconds", type=float, default=20, help="time cap per level")
    p.add_argument("--buyers", type=int, default=64)
    p.add_argument(
        "--workers", type=int, default=1, help="clipshop serve --workers (server processes)"
    )
    p.add_argument("--skus", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=40)
    p.add_argument("--count-n", type=int, default=20, help="checkouts for the SQL count")
    p.add_argument("--keep", action="store_true", help="keep the bench database and temp dir")
    p.add_argument("--output", type=Path, help="also write the markdown report here")
    p.add_argument(
        "--rev",
        help="bench a clean export of this git revision's src/ (e.g. HEAD) instead of the "
        "working tree: the bench and the server run with PYTHONPATH pointing at the export",
    )
    p.add_argument("--exported", help=argparse.SUPPRESS)  # set by --rev: "<sha>:<dir>"
    args = p.parse_args()
    if args.quick:
        args.requests, args.floor_tx, args.seconds = 120, 600, 8
        args.warmup, args.count_n = 20, 10
    return args


def run_on_revision(rev: str) -> None:
    """Export ``rev``'s src/ and run this script again on it (never returns)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    export = Path(tempfile.mkdtemp(prefix="clipshop-bench-src-"))
    archive = subprocess.run(
        ["git", "archive", "--format=tar", sha, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(export)], input=archive, check=True)
    argv, skip = [], False
    for a in sys.argv[1:]:
        if skip or a == "--rev":
            skip = a == "--rev"
            continue
        if not a.startswith("--rev="):
            argv.append(a)
    env = {**os.environ, "PYTHONPATH": str(export / "src")}
    log(f"benching commit {sha[:12]} exported to {export}")
    script = str(Path(__file__).resolve())
    os.execve(sys.executable, [sys.executable, script, *argv, "--exported", f"{sha}:{export}"], env)


def main() -> None:
    args = parse_args()
    if args.rev:
        run_on_revision(args.rev)
    if args.exported and not Path(clipshop.__file__).is_relative_to(args.exported.split(":")[1]):
        raise SystemExit(f"clipshop imported from {clipshop.__file__}, not from the export")
    args.load_start = os.getloadavg()
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="clipshop-bench-"))
    results: list[DbResult] = []
    try:
        if not args.no_postgres:
            if args.pg_db in PROTECTED_DATABASES:
                raise SystemExit(f"refusing to drop database {args.pg_db!r}")
            admin_url = args.pg_url
            with psycopg.connect(admin_url, dbname="postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{args.pg_db}"')
                shown = conn.execute("SHOW server_version").fetchone()
                version = shown[0] if shown else "?"
            url = make_url(args.pg_url).set(database=args.pg_db).render_as_string(False)
            conninfo = url.replace("postgresql+psycopg://", "postgresql://")
            try:
                results.append(
                    bench_database(
                        "postgresql",
                        url,
                        Floor("postgresql", conninfo),
                        f"PostgreSQL {version}",
                        args,
                        tmp,
                    )
                )
            finally:
                if not args.keep:
                    with psycopg.connect(admin_url, dbname="postgres", autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
        if not args.no_sqlite:
            path = tmp / "bench.db"
            results.append(
                bench_database(
                    "sqlite",
                    f"sqlite:///{path}",
                    Floor("sqlite", str(path)),
                    f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)",
                    args,
                    tmp,
                )
            )
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            if args.exported:
                shutil.rmtree(args.exported.split(":", 1)[1], ignore_errors=True)
    text = report(results, args, started)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    log(json.dumps({"wall_seconds": round(time.perf_counter() - started)}))


if __name__ == "__main__":
    main()
