"""A flash deal of 100 units raced by 500 buyers over HTTP on PostgreSQL (a real ``clipshop
serve`` with two workers): exactly 100 units sold at the deal price, the rest at the normal
price (FALLBACK) or refused with 409 ``flash_deal_sold_out`` (REFUSE), the per-buyer limit
held for buyers who send two checkouts at once, and the stock and deal counters exact."""

from __future__ import annotations

import os
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from clipshop.catalog import inventory
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.identity.tokens import issue_token
from clipshop.models import (
    OrderLineItem,
    Promotion,
    PromotionBuyerUse,
    PromotionClaim,
    StockLevel,
)
from tests import servers
from tests.checkout_support import ADDRESS, create_buyers
from tests.conftest import BACKENDS, World

pytestmark = pytest.mark.parametrize("database", BACKENDS[1:], indirect=True)  # PostgreSQL

BUYERS, DOUBLE, DEAL_UNITS, STOCK = 500, 50, 100, 1000
DEAL_PRICE, PRICE = 500, 1000


@pytest.fixture
def server(db: Database, tmp_path: Path) -> Iterator[str]:
    port = servers.free_port()
    env = {
        **os.environ,
        "CLIPSHOP_DATABASE_URL": db.settings.database_url,
        "CLIPSHOP_STORAGE_DIR": str(tmp_path / "files"),
    }
    command = [sys.executable, "-m", "clipshop", "serve", "--port", str(port)]
    command += ["--workers", "2", "--jobs-interval", "0"]
    process = servers.start(command, env, tmp_path / "serve.log", port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        servers.stop(process)


def _tokens(db: Database) -> list[str]:
    principals = create_buyers(db, BUYERS, prefix="flash")
    with db.unit_of_work() as session:
        return [issue_token(session, p.user_id, "race").secret for p in principals]


def _deal(db: Database, world: World, on_sold_out: str) -> int:
    now = utcnow()
    with db.unit_of_work() as session:
        inventory.set_stock(
            session,
            world.shop_a.owner.principal,
            world.shop_a.sku_id,
            world.shop_a.warehouse_id,
            STOCK,
        )
        deal = Promotion(
            shop_id=world.shop_a.id,
            sku_id=world.shop_a.sku_id,
            kind="FLASH_DEAL",
            deal_price=DEAL_PRICE,
            quantity=DEAL_UNITS,
            per_buyer_limit=1,
            on_sold_out=on_sold_out,
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(hours=1),
        )
        session.add(deal)
        session.flush()
        return deal.id


@pytest.mark.parametrize("on_sold_out", ["FALLBACK", "REFUSE"])
def test_500_buyers_race_for_a_100_unit_flash_deal(
    db: Database, world: World, server: str, on_sold_out: str
) -> None:
    deal_id = _deal(db, world, on_sold_out)
    tokens = _tokens(db)
    # the first DOUBLE buyers send two checkouts at once, first in the queue (while the deal
    # has units): one deal unit at most each
    jobs = [token for token in tokens[:DOUBLE] for _ in range(2)] + tokens[DOUBLE:]
    body = {
        "items": [{"sku_id": str(world.shop_a.sku_id), "quantity": 1}],
        "shipping_address": ADDRESS,
    }
    go = threading.Event()
    local = threading.local()

    def checkout(token: str) -> tuple[int, str, list[int]]:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=server, timeout=120)
        go.wait()
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
        response = local.client.post("/api/v1/checkout", json=body, headers=headers)
        if response.status_code != 201:
            return response.status_code, response.json().get("code", ""), []
        (order,) = response.json()["orders"]
        return 201, "", [int(line["sale_price"]["minor_units"]) for line in order["line_items"]]

    with ThreadPoolExecutor(max_workers=32) as pool:
        futures = [pool.submit(checkout, token) for token in jobs]
        go.set()
        results = [(token, f.result()) for token, f in zip(jobs, futures, strict=True)]

    outcomes = Counter((status, code) for _, (status, code, _) in results)
    allowed = {(201, "")} | ({(409, "flash_deal_sold_out")} if on_sold_out == "REFUSE" else set())
    assert set(outcomes) <= allowed, outcomes
    prices = Counter(p for _, (_, _, lines) in results for p in lines)
    assert prices[DEAL_PRICE] == DEAL_UNITS, prices
    assert set(prices) <= {DEAL_PRICE, PRICE}
    deal_units_of = Counter(token for token, (_, _, lines) in results if DEAL_PRICE in lines)
    assert max(deal_units_of.values()) == 1  # the per-buyer limit held
    placed = sum(prices.values())
    if on_sold_out == "FALLBACK":
        assert placed == len(jobs)
    with db.unit_of_work(write=False) as session:
        deal = session.get_one(Promotion, deal_id)
        assert deal.sold == DEAL_UNITS
        uses = session.execute(
            select(
                func.count(), func.sum(PromotionBuyerUse.used), func.max(PromotionBuyerUse.used)
            ).where(PromotionBuyerUse.promotion_id == deal_id)
        ).one()
        assert tuple(uses) == (DEAL_UNITS, DEAL_UNITS, 1)
        claimed = session.scalar(select(func.count()).where(PromotionClaim.promotion_id == deal_id))
        assert claimed == DEAL_UNITS
        lines = session.scalar(
            select(func.count()).where(OrderLineItem.sku_id == world.shop_a.sku_id)
        )
        assert lines == placed
    stock = inventory_totals(db, world)
    assert stock == (STOCK - placed, placed)


def inventory_totals(db: Database, world: World) -> tuple[int, int]:
    with db.unit_of_work(write=False) as session:
        row = session.execute(
            select(func.sum(StockLevel.available), func.sum(StockLevel.committed)).where(
                StockLevel.sku_id == world.shop_a.sku_id
            )
        ).one()
    return int(row[0]), int(row[1])
