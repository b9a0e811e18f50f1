"""The statements and PostgreSQL round trips of one checkout (place and pay), pinned: a plain
checkout, and one with a flash deal and a shop coupon (issue 17). The promotions read in the
quote's one batch of reads; a coupon is read only when its code is given; an order without a
source costs the commission handler nothing. Both databases (round trips: PostgreSQL)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from clipshop.core import rawsql
from clipshop.core.db import Database
from clipshop.models import Order
from clipshop.payments.simulated import SimulatedGateway
from tests.checkout_support import buy, save_card
from tests.conftest import World
from tests.integration.coupon_support import coupon_body, create
from tests.integration.promotion_support import flash

_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


class Counted:
    """Every statement sent (through SQLAlchemy or ``core.rawsql``), and on PostgreSQL the
    round trips read from libpq's protocol trace (one per Query or Sync the client sends)."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.batches: list[int | None] = []  # per statement: its rawsql.run_many call, if any
        self.batch: int | None = None
        self.round_trips = 0

    def batch_of(self, verb: str, table: str) -> list[int | None]:
        """The batch of each statement of ``verb`` on ``table``."""
        tables = iter(self.tables(verb))
        return [
            batch
            for sql, batch in zip(self.statements, self.batches, strict=True)
            if sql.split(None, 1)[0].upper() == verb and next(tables) == table
        ]

    def tables(self, verb: str) -> list[str]:
        """The tables of the statements of ``verb`` (SELECT, INSERT, UPDATE), in order."""
        found = []
        for sql in self.statements:
            if sql.split(None, 1)[0].upper() == verb:
                match = _TABLE.search(sql)
                found.append(match.group(1).lower() if match else "")
        return found


@pytest.fixture
def counting(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[Callable[[], Any]], Counted]]:
    engine = db.engine
    pg = engine.dialect.name == "postgresql"

    def measure(job: Callable[[], Any]) -> Counted:
        counted = Counted()
        traces: list[tuple[Any, int, Path]] = []

        def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
            counted.statements.append(" ".join(sql.split()))
            counted.batches.append(counted.batch)

        sent, many = rawsql._execute, rawsql.run_many

        def batched(*args: Any, **kwargs: Any) -> Any:
            counted.batch = len(counted.statements)
            try:
                return many(*args, **kwargs)
            finally:
                counted.batch = None

        def raw(cursor: Any, sql: str, params: Any, many: bool) -> None:
            statement(None, cursor, sql)
            sent(cursor, sql, params, many)

        def connected(dbapi_conn: Any, _record: Any) -> None:
            if pg:
                from psycopg import pq

                path = tmp_path / f"trace-{len(traces)}.txt"
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                dbapi_conn.pgconn.trace(fd)
                dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
                traces.append((dbapi_conn, fd, path))

        engine.dispose()  # every connection of the job is a new, traced one
        monkeypatch.setattr(rawsql, "_execute", raw)
        monkeypatch.setattr(rawsql, "run_many", batched)
        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine.pool, "connect", connected)
        try:
            job()
        finally:
            event.remove(engine, "before_cursor_execute", statement)
            event.remove(engine.pool, "connect", connected)
            monkeypatch.setattr(rawsql, "_execute", sent)
            monkeypatch.setattr(rawsql, "run_many", many)
        for dbapi_conn, fd, path in traces:
            dbapi_conn.pgconn.untrace()
            os.close(fd)
            for line in path.read_text().splitlines():
                parts = line.split("\t")
                if len(parts) > 2 and parts[0] == "F" and parts[2] in ("Query", "Sync"):
                    counted.round_trips += 1
        return counted

    yield measure


def assert_promotions_in_the_quote_batch(counted: Counted) -> None:
    """The shop's bundles and free-shipping threshold, read once each, in the batch of the
    quote's reads (with the shipping profiles)."""
    [batch] = counted.batch_of("SELECT", "shipping_profiles")
    assert batch is not None
    assert counted.batch_of("SELECT", "bundles") == [batch]
    assert counted.batch_of("SELECT", "free_shipping_promotions") == [batch]


def test_a_plain_checkout_reads_no_promotion_alone_and_no_order_source(
    db: Database, world: World, counting: Callable[[Callable[[], Any]], Counted]
) -> None:
    shop, buyer = world.shop_a, world.buyer
    save_card(db, buyer.principal)
    gateway = SimulatedGateway(db)
    buy(db, gateway, buyer.principal, {shop.sku_id: 1})  # warm: the shop's review timer
    counted = counting(lambda: buy(db, gateway, buyer.principal, {shop.sku_id: 1}))
    assert_promotions_in_the_quote_batch(counted)
    assert not {"shop_coupons", "coupon_wallets"} & set(counted.tables("SELECT"))  # no code
    assert not [s for s in counted.statements if s.startswith("SELECT orders.source_type")]
    dialect = db.engine.dialect.name
    assert len(counted.statements) == PLAIN_STATEMENTS[dialect], counted.statements
    if dialect == "postgresql":
        assert counted.round_trips == PLAIN_ROUND_TRIPS


def test_a_checkout_with_a_deal_and_a_coupon(
    client: TestClient,
    db: Database,
    world: World,
    counting: Callable[[Callable[[], Any]], Counted],
) -> None:
    shop, buyer = world.shop_a, world.buyer
    flash(client, world, quantity=10)
    body = coupon_body("SAVE1", amount_off=100)
    assert create(client, world.seller_a, shop.id, "coupons", body).status_code == 201
    save_card(db, buyer.principal)
    gateway = SimulatedGateway(db)
    buy(db, gateway, buyer.principal, {shop.sku_id: 1})  # warm: the shop's review timer
    codes = {shop.id: "SAVE1"}
    counted = counting(
        lambda: buy(db, gateway, buyer.principal, {shop.sku_id: 2}, coupon_codes=codes)
    )
    with db.unit_of_work(write=False) as session:
        orders = session.query(Order).order_by(Order.id).all()
    assert orders[-1].seller_discount == 2 * 500 + 100  # the deal and the coupon were taken
    dialect = db.engine.dialect.name
    assert len(counted.statements) == PROMOTED_STATEMENTS[dialect], counted.statements
    assert_promotions_in_the_quote_batch(counted)
    assert counted.tables("SELECT").count("shop_coupons") == 1  # read once, by its code
    # The coupon's take: its use and the buyer's wallet in one round trip.
    [batch] = counted.batch_of("UPDATE", "shop_coupons")
    assert batch is not None and counted.batch_of("INSERT", "coupon_wallets") == [batch]
    if dialect == "postgresql":
        assert counted.round_trips == PROMOTED_ROUND_TRIPS


# Place and pay, measured on 2026-12-07 (issue 17). Before: plain 36 statements (SQLite 41) in
# 25 round trips; deal + coupon 44 (SQLite 49) in 33. Both units of work (the order's and the
# payment's) are counted; round trips are libpq's, BEGIN and COMMIT included; SQLite's
# statements include its BEGIN IMMEDIATE.
PLAIN_STATEMENTS = {"postgresql": 35, "sqlite": 40}
PLAIN_ROUND_TRIPS = 21
PROMOTED_STATEMENTS = {"postgresql": 42, "sqlite": 47}
PROMOTED_ROUND_TRIPS = 25
