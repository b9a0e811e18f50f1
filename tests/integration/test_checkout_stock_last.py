"""Checkout writes its rows first and takes the stock last when one warehouse has the whole
quantity; when that warehouse turns out short at the take, the checkout is rolled back and
placed again holding first, leaving nothing of the first try behind. Both databases."""

from __future__ import annotations

from collections import Counter

import pytest

from clipshop.catalog import holds
from clipshop.core.batch import Query
from clipshop.core.db import Database
from clipshop.models import InventoryMovement, Order, OrderLineItem, Payment, PaymentAttempt
from clipshop.payments.simulated import SimulatedGateway
from tests.checkout_support import buy, save_card
from tests.concurrency.test_checkout_races import (
    add_warehouse,
    assert_ledger_matches_levels,
    count,
    stock_levels,
)
from tests.conftest import World


def _lines(db: Database) -> list[OrderLineItem]:
    with db.unit_of_work(write=False) as session:
        return list(session.query(OrderLineItem).all())


def test_a_take_that_finds_its_warehouse_short_is_placed_again_holding_first(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, buyer = world.shop_a, world.buyer
    empty = add_warehouse(db, world, shop.id, shop.sku_id, 0)
    save_card(db, buyer.principal)
    picks: list[int | None] = []

    def stale(_found: int | None) -> int | None:
        picks.append(empty)  # as if another checkout emptied it after this read
        return empty

    def stale_pick(sku_id: int, quantity: int) -> Query[int | None]:
        return real_pick(sku_id, quantity).then(stale)  # what checkout makes of its read

    real_pick = holds.pick_query
    monkeypatch.setattr(holds, "pick_query", stale_pick)
    [order] = buy(db, SimulatedGateway(db), buyer.principal, {shop.sku_id: 2})

    assert picks == [empty]  # the first try took stock last, from the stale warehouse
    assert order.status == "ON_HOLD"
    assert stock_levels(db, shop.sku_id) == {shop.warehouse_id: (8, 2), empty: (0, 0)}
    assert [line.warehouse_id for line in _lines(db)] == [shop.warehouse_id] * 2
    # The rolled-back try left no order, payment, attempt or movement behind.
    assert (count(db, Order), count(db, Payment), count(db, PaymentAttempt)) == (1, 1, 1)
    moves = assert_ledger_matches_levels(db, shop.sku_id)
    assert Counter(m.reason for m in moves if m.reason.startswith("ORDER")) == {"ORDER_HOLD": 1}


def test_stock_last_when_one_warehouse_has_it_and_a_split_otherwise(
    db: Database, world: World
) -> None:
    shop, buyer = world.shop_a, world.buyer
    second = add_warehouse(db, world, shop.id, shop.sku_id, 3)
    save_card(db, buyer.principal)
    gateway = SimulatedGateway(db)

    [whole] = buy(db, gateway, buyer.principal, {shop.sku_id: 4})  # the first has 10
    [split] = buy(db, gateway, buyer.principal, {shop.sku_id: 8})  # 6 + 3 left: split
    assert (whole.status, split.status) == ("ON_HOLD", "ON_HOLD")
    by_order = Counter((line.order_id, line.warehouse_id) for line in _lines(db))
    assert by_order == {
        (whole.id, shop.warehouse_id): 4,
        (split.id, shop.warehouse_id): 6,
        (split.id, second): 2,
    }
    assert stock_levels(db, shop.sku_id) == {shop.warehouse_id: (0, 10), second: (1, 2)}
    assert_ledger_matches_levels(db, shop.sku_id)
    with db.unit_of_work(write=False) as session:
        assert session.query(InventoryMovement).filter_by(reason="ORDER_HOLD").count() == 3
