"""Checkouts racing each other, on SQLite and PostgreSQL: the last units, one Idempotency-Key,
two shops.

DOMAIN.md "Checkout and payment": exactly the stock on hand is sold and everyone else gets a
clear "sold out"; a buyer is never charged twice for one order (retries, double taps); a
checkout that cannot be fully held holds nothing and charges nothing. Each checkout runs
through the real service (``place_order``: its own units of work, the simulated gateway in
between) or the real HTTP app, from many threads at once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.catalog import inventory, warehouses
from clipshop.core.db import Database
from clipshop.core.errors import InsufficientStock
from clipshop.identity.principal import Principal
from clipshop.models import (
    InventoryMovement,
    Order,
    OrderLineItem,
    Payment,
    PaymentAttempt,
    SimGatewayOperation,
    StockLevel,
)
from clipshop.payments.simulated import SimulatedGateway
from tests.checkout_support import ADDRESS, buy, create_buyers, save_card
from tests.conftest import BACKENDS, World, problem_code

pytestmark = pytest.mark.parametrize("database", BACKENDS, indirect=True)

T = TypeVar("T")
WORKERS = 32


def race(jobs: list[Callable[[], T]], workers: int = WORKERS) -> tuple[list[T], float]:
    """Run every job on a pool of ``workers`` threads, released together; results in job order,
    and the wall-clock seconds the race took (reported, never asserted)."""
    go = threading.Event()

    def gated(job: Callable[[], T]) -> T:
        go.wait()
        return job()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(gated, job) for job in jobs]
        started = time.perf_counter()
        go.set()
        results = [f.result() for f in futures]
        return results, time.perf_counter() - started


@dataclass(frozen=True)
class Outcome:
    kind: str  # "placed", "refused" (InsufficientStock) or "error"
    orders: tuple[Order, ...] = ()
    code: str | None = None
    sku_id: str | None = None
    error: str | None = None


def checkout_job(
    db: Database, gateway: SimulatedGateway, principal: Principal, items: dict[int, int]
) -> Callable[[], Outcome]:
    def job() -> Outcome:
        try:
            return Outcome("placed", tuple(buy(db, gateway, principal, items)))
        except InsufficientStock as exc:
            return Outcome("refused", code=exc.code, sku_id=exc.extra.get("sku_id"))
        except Exception as exc:  # reported with the others, so the assertion shows them all
            return Outcome("error", error=repr(exc))

    return job


# -- reading the books back ------------------------------------------------------------------


def stock_levels(db: Database, sku_id: int) -> dict[int, tuple[int, int]]:
    """warehouse id -> (available, committed)."""
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(StockLevel.warehouse_id, StockLevel.available, StockLevel.committed).where(
                StockLevel.sku_id == sku_id
            )
        ).all()
    return {w: (a, c) for w, a, c in rows}


def sku_movements(db: Database, sku_id: int) -> list[InventoryMovement]:
    with db.unit_of_work(write=False) as session:
        stmt = select(InventoryMovement).where(InventoryMovement.sku_id == sku_id)
        return list(session.scalars(stmt))


def assert_ledger_matches_levels(db: Database, sku_id: int) -> list[InventoryMovement]:
    """Per warehouse, the movements sum to the level, and no level was ever negative."""
    levels = stock_levels(db, sku_id)
    moves = sku_movements(db, sku_id)
    for warehouse_id, (available, committed) in levels.items():
        mine = [m for m in moves if m.warehouse_id == warehouse_id]
        assert sum(m.delta_available for m in mine) == available, warehouse_id
        assert sum(m.delta_committed for m in mine) == committed, warehouse_id
        assert available >= 0 and committed >= 0
        assert all(m.available_after >= 0 and m.committed_after >= 0 for m in mine)
    assert {m.warehouse_id for m in moves} <= set(levels)
    return moves


def count(db: Database, model: Any) -> int:
    with db.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def sim_operations(db: Database) -> Counter[str]:
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(
            select(SimGatewayOperation.operation).where(SimGatewayOperation.succeeded)
        )
        return Counter(rows)


def add_warehouse(db: Database, world: World, shop_id: int, sku_id: int, units: int) -> int:
    with db.unit_of_work() as session:
        warehouse = warehouses.create_warehouse(
            session,
            world.admin.principal,
            shop_id,
            {
                "name": "Overflow DC",
                "address_line1": "9 Dock Rd",
                "city": "Peoria",
                "state": "IL",
                "postal_code": "61602",
                "country": "US",
            },
        )
        inventory.set_stock(session, world.admin.principal, sku_id, warehouse.id, units)
        return warehouse.id


def set_stock(db: Database, world: World, sku_id: int, warehouse_id: int, units: int) -> None:
    with db.unit_of_work() as session:
        inventory.set_stock(session, world.admin.principal, sku_id, warehouse_id, units)


# -- (a) the last units ----------------------------------------------------------------------

BUYERS = 200
UNITS = 50  # 30 in the shop's first warehouse, 20 in a second one


def test_200_buyers_race_for_50_units(db: Database, world: World) -> None:
    shop = world.shop_a
    set_stock(db, world, shop.sku_id, shop.warehouse_id, 30)
    overflow = add_warehouse(db, world, shop.id, shop.sku_id, UNITS - 30)
    initial_moves = len(sku_movements(db, shop.sku_id))
    buyers = create_buyers(db, BUYERS, "racer")
    gateway = SimulatedGateway(db)

    outcomes, seconds = race([checkout_job(db, gateway, b, {shop.sku_id: 1}) for b in buyers])
    print(f"\n{BUYERS} checkouts for {UNITS} units on {WORKERS} threads: {seconds:.2f}s")

    kinds = Counter(o.kind for o in outcomes)
    assert not [o.error for o in outcomes if o.kind == "error"]
    assert kinds == {"placed": UNITS, "refused": BUYERS - UNITS}
    refused = [o for o in outcomes if o.kind == "refused"]
    assert {(o.code, o.sku_id) for o in refused} == {("sold_out", str(shop.sku_id))}

    # Every winner: one paid order of one line; every buyer at most one order.
    placed = [o.orders for o in outcomes if o.kind == "placed"]
    assert all(len(orders) == 1 for orders in placed)
    orders = [orders[0] for orders in placed]
    assert {o.status for o in orders} == {"ON_HOLD"}
    assert len({o.buyer_id for o in orders}) == UNITS
    assert {b.user_id for b, o in zip(buyers, outcomes, strict=True) if o.kind == "placed"} == {
        o.buyer_id for o in orders
    }
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Order)) == UNITS
        lines = session.scalars(select(OrderLineItem)).all()
        payments = session.scalars(select(Payment)).all()
        attempts = session.scalars(select(PaymentAttempt)).all()
    assert len(lines) == UNITS and {line.sku_id for line in lines} == {shop.sku_id}
    assert {line.order_id for line in lines} == {o.id for o in orders}
    # The refused buyers left no payment, attempt or gateway call behind.
    assert len(payments) == UNITS and {p.status for p in payments} == {"CAPTURED"}
    assert len(attempts) == UNITS and {a.status for a in attempts} == {"SUCCEEDED"}
    assert sim_operations(db) == {"AUTHORIZE": UNITS, "CAPTURE": UNITS}
    assert gateway.charged_total() == sum(o.total_amount for o in orders)
    assert sum(p.amount for p in payments) == sum(o.total_amount for o in orders)

    # Stock: all sold, all committed, per warehouse as the line items say; the ledger sums.
    levels = stock_levels(db, shop.sku_id)
    assert levels == {shop.warehouse_id: (0, 30), overflow: (0, UNITS - 30)}
    assert Counter(line.warehouse_id for line in lines) == {shop.warehouse_id: 30, overflow: 20}
    moves = assert_ledger_matches_levels(db, shop.sku_id)
    holds = [m for m in moves if m.reason == "ORDER_HOLD"]
    assert len(moves) == initial_moves + UNITS and len(holds) == UNITS
    # No lost update: each hold saw its own level, a countdown with no value twice.
    for warehouse_id, start in ((shop.warehouse_id, 30), (overflow, UNITS - 30)):
        after = sorted(m.available_after for m in holds if m.warehouse_id == warehouse_id)
        assert after == list(range(start)), warehouse_id
        assert sorted(m.committed_after for m in holds if m.warehouse_id == warehouse_id) == list(
            range(1, start + 1)
        )


# -- (b) one Idempotency-Key, fifty identical requests -----------------------------------------

REPEATS = 50


def test_50_identical_requests_with_one_key_place_and_charge_once(
    db: Database, world: World, client: TestClient
) -> None:
    buyer, shop = world.buyer, world.shop_a
    save_card(db, buyer.principal)
    body = {"items": [{"sku_id": str(shop.sku_id), "quantity": 2}], "shipping_address": ADDRESS}
    headers = {**buyer.headers, "Idempotency-Key": "double-tap-7f3a"}

    def post() -> Any:
        return client.post("/api/v1/checkout", json=body, headers=headers)

    responses, seconds = race([post] * REPEATS, workers=REPEATS)
    statuses = Counter(r.status_code for r in responses)
    print(f"\n{REPEATS} identical checkout requests: {seconds:.2f}s, {dict(statuses)}")

    assert set(statuses) <= {201, 409}, [(r.status_code, r.text) for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert problem_code(r) == "idempotency_request_in_flight"
    created = [r for r in responses if r.status_code == 201]
    assert created, "the request that claimed the key must have answered"
    originals = [r for r in created if r.headers.get("idempotent-replayed") != "true"]
    assert len(originals) == 1
    original = originals[0].content
    assert all(r.content == original for r in created)

    # A retry after the race replays the very same bytes.
    again = post()
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == original

    placed = again.json()
    assert len(placed["orders"]) == 1
    with db.unit_of_work(write=False) as session:
        orders = session.scalars(select(Order)).all()
        payments = session.scalars(select(Payment)).all()
        attempts = session.scalars(select(PaymentAttempt)).all()
        lines = session.scalars(select(OrderLineItem)).all()
    assert [str(o.id) for o in orders] == [placed["orders"][0]["id"]]
    assert len(payments) == 1 and payments[0].status == "CAPTURED"
    assert len(attempts) == 1 and len(lines) == 2
    assert sim_operations(db) == {"AUTHORIZE": 1, "CAPTURE": 1}
    gateway = SimulatedGateway(db)
    assert gateway.charged_total() == orders[0].total_amount == payments[0].amount
    assert stock_levels(db, shop.sku_id) == {shop.warehouse_id: (8, 2)}
    assert_ledger_matches_levels(db, shop.sku_id)


# -- (c) two shops in one checkout, one of them sold out -----------------------------------------


def test_checkout_with_one_sold_out_shop_places_nothing(db: Database, world: World) -> None:
    a, b = world.shop_a, world.shop_b
    assert a.sku_id < b.sku_id  # a is held first, then b fails: a's hold must be undone
    set_stock(db, world, b.sku_id, b.warehouse_id, 0)
    save_card(db, world.buyer.principal)
    moves_before = {sku: len(sku_movements(db, sku)) for sku in (a.sku_id, b.sku_id)}

    with pytest.raises(InsufficientStock) as exc:
        buy(db, SimulatedGateway(db), world.buyer.principal, {a.sku_id: 2, b.sku_id: 1})
    assert exc.value.code == "sold_out"
    assert exc.value.extra["sku_id"] == str(b.sku_id)

    for model in (Order, OrderLineItem, Payment, PaymentAttempt, SimGatewayOperation):
        assert count(db, model) == 0, model.__name__
    assert stock_levels(db, a.sku_id) == {a.warehouse_id: (10, 0)}
    assert stock_levels(db, b.sku_id) == {b.warehouse_id: (0, 0)}
    assert {sku: len(sku_movements(db, sku)) for sku in moves_before} == moves_before
    assert SimulatedGateway(db).charged_total() == 0


PAIR_BUYERS = 40
A_UNITS, B_UNITS = 30, 10


def test_two_shop_checkouts_race_until_one_shop_sells_out(db: Database, world: World) -> None:
    """40 buyers each want one unit of A (30 in stock) and one of B (10): 10 succeed, with both
    orders; the 30 refused leave A exactly as they found it."""
    a, b = world.shop_a, world.shop_b
    set_stock(db, world, a.sku_id, a.warehouse_id, A_UNITS)
    set_stock(db, world, b.sku_id, b.warehouse_id, B_UNITS)
    buyers = create_buyers(db, PAIR_BUYERS, "pair")
    gateway = SimulatedGateway(db)
    items = {a.sku_id: 1, b.sku_id: 1}

    outcomes, seconds = race([checkout_job(db, gateway, p, items) for p in buyers])
    print(f"\n{PAIR_BUYERS} two-shop checkouts: {seconds:.2f}s")

    assert not [o.error for o in outcomes if o.kind == "error"]
    assert Counter(o.kind for o in outcomes) == {
        "placed": B_UNITS,
        "refused": PAIR_BUYERS - B_UNITS,
    }
    refused = [o for o in outcomes if o.kind == "refused"]
    assert {(o.code, o.sku_id) for o in refused} == {("sold_out", str(b.sku_id))}
    placed = [o.orders for o in outcomes if o.kind == "placed"]
    assert all(sorted(o.shop_id for o in orders) == sorted([a.id, b.id]) for orders in placed)
    assert all(len({o.payment_id for o in orders}) == 1 for orders in placed)
    orders = [o for orders in placed for o in orders]
    assert {o.status for o in orders} == {"ON_HOLD"}

    assert count(db, Order) == 2 * B_UNITS
    assert count(db, Payment) == B_UNITS
    assert stock_levels(db, a.sku_id) == {a.warehouse_id: (A_UNITS - B_UNITS, B_UNITS)}
    assert stock_levels(db, b.sku_id) == {b.warehouse_id: (0, B_UNITS)}
    for sku in (a.sku_id, b.sku_id):
        moves = assert_ledger_matches_levels(db, sku)
        assert len([m for m in moves if m.reason == "ORDER_HOLD"]) == B_UNITS
    assert sim_operations(db) == {"AUTHORIZE": B_UNITS, "CAPTURE": B_UNITS}
    assert gateway.charged_total() == sum(o.total_amount for o in orders)


# -- (d) multi-unit checkouts that must split over warehouses -------------------------------------

SPLIT_WAREHOUSES = 6
SPLIT_UNITS_EACH = 3
SPLIT_BUYERS = 120
SPLIT_ROUNDS = 3


def test_split_holds_over_many_warehouses_neither_deadlock_nor_oversell(
    db: Database, world: World
) -> None:
    """Buyers want 2 to 5 units while no warehouse holds more than 3, so most holds split over
    several stock rows at once. Nobody may get a server error (a deadlock between two splits),
    exactly the stock is sold, and nobody is refused a quantity that was left over at the end.
    Three rounds, restocking in between."""
    shop = world.shop_a
    stock_rows = [shop.warehouse_id] + [
        add_warehouse(db, world, shop.id, shop.sku_id, SPLIT_UNITS_EACH)
        for _ in range(SPLIT_WAREHOUSES - 1)
    ]
    buyers = create_buyers(db, SPLIT_BUYERS, "split")
    gateway = SimulatedGateway(db)
    total = SPLIT_WAREHOUSES * SPLIT_UNITS_EACH
    for round_no in range(SPLIT_ROUNDS):
        for warehouse_id in stock_rows:
            set_stock(db, world, shop.sku_id, warehouse_id, SPLIT_UNITS_EACH)
        wants = [2 + (i * 7 + round_no) % 4 for i in range(SPLIT_BUYERS)]  # 2..5, mixed
        jobs = [
            checkout_job(db, gateway, b, {shop.sku_id: q})
            for b, q in zip(buyers, wants, strict=True)
        ]
        outcomes, seconds = race(jobs)
        kinds = Counter(o.kind for o in outcomes)
        print(f"\nsplit round {round_no}: {dict(kinds)} in {seconds:.2f}s")

        assert not [o.error for o in outcomes if o.kind == "error"]
        assert {o.code for o in outcomes if o.kind == "refused"} <= {"sold_out"}
        sold = sum(q for q, o in zip(wants, outcomes, strict=True) if o.kind == "placed")
        levels = stock_levels(db, shop.sku_id)
        left = sum(available for available, _ in levels.values())
        assert sold + left == total
        assert left < min(wants)  # a race sells until nobody's quantity fits any more
        refused = [q for q, o in zip(wants, outcomes, strict=True) if o.kind == "refused"]
        assert all(q > left for q in refused), (left, sorted(refused))
        assert_ledger_matches_levels(db, shop.sku_id)
        with db.unit_of_work(write=False) as session:
            lines = session.scalars(select(OrderLineItem.warehouse_id)).all()
        assert Counter(lines) == {w: c for w, (_, c) in levels.items() if c}
