"""Stock over HTTP: levels, set (with compare-and-swap), adjust, the ledger, low stock and
auto-delisting. Every refusal is checked to leave levels and ledger exactly as they were."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import InventoryMovement, StockLevel
from tests.conftest import Actor, World
from tests.integration.native_api import (
    API,
    BAD_CURSOR,
    assert_paged_once,
    invalid_request,
    ok,
    pages,
    refused,
    snapshot,
    ts,
)

STOCK = (StockLevel, InventoryMovement)
WAREHOUSE = {
    "name": "Overflow",
    "address_line1": "9 Side St",
    "city": "Springfield",
    "postal_code": "62702",
    "country": "US",
}


def stock(client: TestClient, actor: Actor, sku_id: int | str) -> dict[str, Any]:
    body: dict[str, Any] = ok(client.get(f"{API}/skus/{sku_id}/stock", headers=actor.headers))
    return body


def set_stock(
    client: TestClient, actor: Actor, sku_id: int | str, warehouse_id: int | str, **body: Any
) -> Any:
    return client.put(f"{API}/skus/{sku_id}/stock/{warehouse_id}", json=body, headers=actor.headers)


def adjust(
    client: TestClient, actor: Actor, sku_id: int | str, warehouse_id: int | str, **body: Any
) -> Any:
    return client.post(
        f"{API}/skus/{sku_id}/stock/{warehouse_id}/adjust", json=body, headers=actor.headers
    )


def movement_body(movement: InventoryMovement) -> dict[str, Any]:
    return {
        "id": str(movement.id),
        "sku_id": str(movement.sku_id),
        "warehouse_id": str(movement.warehouse_id),
        "delta_available": movement.delta_available,
        "delta_committed": movement.delta_committed,
        "available_after": movement.available_after,
        "committed_after": movement.committed_after,
        "reason": movement.reason,
        "note": movement.note,
        "actor_user_id": None if movement.actor_user_id is None else str(movement.actor_user_id),
        "created_at": ts(movement.created_at),
    }


def movement_row(db: Database, movement_id: int | str) -> InventoryMovement:
    with db.unit_of_work(write=False) as session:
        return session.get_one(InventoryMovement, int(movement_id))


def second_warehouse(client: TestClient, world: World) -> str:
    body = ok(
        client.post(
            f"{API}/shops/{world.shop_a.id}/warehouses",
            json=WAREHOUSE,
            headers=world.seller_a.headers,
        ),
        201,
    )
    return str(body["id"])


def new_sku(client: TestClient, world: World, seller_sku: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        client.post(
            f"{API}/products/{world.shop_a.product_id}/skus",
            json={"seller_sku": seller_sku, "name": seller_sku, "price": "5.00", **fields},
            headers=world.seller_a.headers,
        ),
        201,
    )
    return body


# --- GET /skus/{id}/stock ----------------------------------------------------------------


def test_stock_of_a_sku(client: TestClient, world: World):
    sku, wh = world.shop_a.sku_id, world.shop_a.warehouse_id
    assert stock(client, world.seller_a, sku) == {
        "sku_id": str(sku),
        "total_available": 10,
        "total_committed": 0,
        "low_stock": False,
        "levels": [{"sku_id": str(sku), "warehouse_id": str(wh), "available": 10, "committed": 0}],
    }


def test_stock_over_two_warehouses_sums(client: TestClient, world: World):
    sku, wh = world.shop_a.sku_id, world.shop_a.warehouse_id
    other = second_warehouse(client, world)
    ok(set_stock(client, world.seller_a, sku, other, available=7))
    body = stock(client, world.seller_a, sku)
    assert body["total_available"] == 17
    assert [(lv["warehouse_id"], lv["available"]) for lv in body["levels"]] == [
        (str(wh), 10),
        (other, 7),
    ]


def test_stock_of_a_sku_never_stocked(client: TestClient, world: World):
    sku = new_sku(client, world, "NEW")
    assert stock(client, world.seller_a, sku["id"]) == {
        "sku_id": sku["id"],
        "total_available": 0,
        "total_committed": 0,
        "low_stock": False,
        "levels": [],
    }


def test_stock_foreign_unknown_bad(client: TestClient, world: World):
    h = world.seller_a.headers
    refused(client.get(f"{API}/skus/{world.shop_b.sku_id}/stock", headers=h), 404, "not_found")
    refused(client.get(f"{API}/skus/123456789/stock", headers=h), 404, "not_found")
    invalid_request(client.get(f"{API}/skus/abc/stock", headers=h), "path.sku_id")


# --- PUT /skus/{id}/stock/{warehouse_id} ------------------------------------------------


def test_set_stock_records_a_movement(client: TestClient, db: Database, world: World):
    sku, wh = world.shop_a.sku_id, world.shop_a.warehouse_id
    body = ok(set_stock(client, world.seller_a, sku, wh, available=25, note=" stock take "))
    row = movement_row(db, body["id"])
    assert body == {
        "id": str(row.id),
        "sku_id": str(sku),
        "warehouse_id": str(wh),
        "delta_available": 15,
        "delta_committed": 0,
        "available_after": 25,
        "committed_after": 0,
        "reason": "SET",
        "note": "stock take",
        "actor_user_id": str(world.seller_a.id),
        "created_at": ts(row.created_at),
    }
    assert stock(client, world.seller_a, sku)["total_available"] == 25


def test_set_stock_to_same_value_records_zero_delta(client: TestClient, world: World):
    sku, wh = world.shop_a.sku_id, world.shop_a.warehouse_id
    body = ok(set_stock(client, world.seller_a, sku, wh, available=10))
    assert (body["delta_available"], body["available_after"]) == (0, 10)


def test_set_stock_in_a_new_warehouse_creates_the_level(client: TestClient, world: World):
    other = second_warehouse(client, world)
    body = ok(set_stock(client, world.seller_a, world.shop_a.sku_id, other, available=3))
    assert (body["warehouse_id"], body["delta_available"], body["available_after"]) == (
        other,
        3,
        3,
    )
    assert stock(client, world.seller_a, world.shop_a.sku_id)["total_available"] == 13


def test_set_stock_compare_and_swap(client: TestClient, db: Database, world: World):
    sku, wh = world.shop_a.sku_id, world.shop_a.warehouse_id
    body = ok(set_stock(client, world.seller_a, sku, wh, available=4, expected_available=10))
    assert (body["delta_available"], body["available_after"]) == (-6, 4)
    before = snapshot(db, *STOCK)
    # a second client that still believes there are 10
    response = set_stock(client, world.seller_a, sku, wh, available=12, expected_available=10)
    problem = refused(response, 409, "stock_mismatch")
    assert problem["available"] == 4
    assert problem["title"] == "Stock changed"
    assert snapshot(db, *STOCK) == before
    assert stock(client, world.seller_a, sku)["total_available"] == 4


def test_set_stock_compare_and_swap_on_a_missing_level_expects_zero(
    client: TestClient, db: Database, world: World
):
    other = second_warehouse(client, world)
    sku = world.shop_a.sku_id
    before = snapshot(db, *STOCK)
    problem = refused(
        set_stock(client, world.seller_a, sku, other, available=5, expected_available=2),
        409,
        "stock_mismatch",
    )
    assert problem["available"] == 0
    assert snapshot(db, *STOCK) == before  # not even an empty level row is left behind
    ok(set_stock(client, world.seller_a, sku, other, available=5, expected_available=0))


@pytest.mark.parametrize(
    ("body", "field", "error_type"),
    [
        ({"available": -1}, "available", None),
        ({"available": 10_000_001}, "available", None),
        ({"available": "ten"}, "available", None),
        ({"available": 1.5}, "available", None),
        ({}, "available", "missing"),
        ({"available": 1, "expected_available": -1}, "expected_available", None),
        ({"available": 1, "committed": 0}, "committed", "extra_forbidden"),
        ({"available": 1, "reason": "SET"}, "reason", "extra_forbidden"),
        ({"available": 1, "note": "x" * 501}, "note", None),
    ],
)
def test_set_stock_bad_input_is_422(
    client: TestClient,
    db: Database,
    world: World,
    body: dict[str, Any],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, *STOCK)
    response = set_stock(
        client, world.seller_a, world.shop_a.sku_id, world.shop_a.warehouse_id, **body
    )
    invalid_request(response, field, error_type)
    assert snapshot(db, *STOCK) == before


def test_set_stock_foreign_or_bad_ids(client: TestClient, db: Database, world: World):
    a, b = world.shop_a, world.shop_b
    before = snapshot(db, *STOCK)
    seller = world.seller_a
    # own SKU, foreign warehouse; foreign SKU, own warehouse; foreign both; unknown warehouse
    for sku, wh in [
        (a.sku_id, b.warehouse_id),
        (b.sku_id, a.warehouse_id),
        (b.sku_id, b.warehouse_id),
    ]:
        refused(set_stock(client, seller, sku, wh, available=99), 404, "not_found")
        refused(adjust(client, seller, sku, wh, delta=1), 404, "not_found")
    body = refused(set_stock(client, seller, a.sku_id, 123456789, available=1), 404, "not_found")
    assert body["detail"] == "warehouse not found"
    invalid_request(set_stock(client, seller, "abc", a.warehouse_id, available=1), "path.sku_id")
    invalid_request(set_stock(client, seller, a.sku_id, "x1", available=1), "path.warehouse_id")
    invalid_request(adjust(client, seller, a.sku_id, 0, delta=1), "path.warehouse_id")
    assert snapshot(db, *STOCK) == before
    assert stock(client, world.seller_b, b.sku_id)["total_available"] == 10


# --- POST .../adjust ---------------------------------------------------------------------


def test_adjust_down_and_up(client: TestClient, db: Database, world: World):
    sku, wh = world.shop_a.sku_id, world.shop_a.warehouse_id
    down = ok(adjust(client, world.seller_a, sku, wh, delta=-3, reason="DAMAGED", note="wet box"))
    row = movement_row(db, down["id"])
    assert down == {
        "id": str(row.id),
        "sku_id": str(sku),
        "warehouse_id": str(wh),
        "delta_available": -3,
        "delta_committed": 0,
        "available_after": 7,
        "committed_after": 0,
        "reason": "DAMAGED",
        "note": "wet box",
        "actor_user_id": str(world.seller_a.id),
        "created_at": ts(row.created_at),
    }
    up = ok(adjust(client, world.seller_a, sku, wh, delta=5))
    assert (up["delta_available"], up["available_after"], up["reason"], up["note"]) == (
        5,
        12,
        "ADJUST",
        "",
    )
    assert stock(client, world.seller_a, sku)["total_available"] == 12


def test_adjust_to_exactly_zero_is_allowed(client: TestClient, world: World):
    sku, wh = world.shop_a.sku_id, world.shop_a.warehouse_id
    body = ok(adjust(client, world.seller_a, sku, wh, delta=-10, reason="STOCK_TAKE"))
    assert body["available_after"] == 0
    assert stock(client, world.seller_a, sku)["levels"][0]["available"] == 0


def test_adjust_below_zero_is_409_and_changes_nothing(
    client: TestClient, db: Database, world: World
):
    sku, wh = world.shop_a.sku_id, world.shop_a.warehouse_id
    before = snapshot(db, *STOCK)
    stock_before = stock(client, world.seller_a, sku)
    problem = refused(adjust(client, world.seller_a, sku, wh, delta=-11), 409, "insufficient_stock")
    assert problem["available"] == 10
    assert problem["sku_id"] == str(sku)
    assert problem["instance"] == f"/api/v1/skus/{sku}/stock/{wh}/adjust"
    assert stock(client, world.seller_a, sku) == stock_before
    assert snapshot(db, *STOCK) == before


def test_adjust_below_zero_in_an_unstocked_warehouse_leaves_no_row(
    client: TestClient, db: Database, world: World
):
    other = second_warehouse(client, world)
    before = snapshot(db, *STOCK)
    problem = refused(
        adjust(client, world.seller_a, world.shop_a.sku_id, other, delta=-1),
        409,
        "insufficient_stock",
    )
    assert problem["available"] == 0
    assert snapshot(db, *STOCK) == before


def test_adjust_in_an_unstocked_warehouse_creates_the_level(client: TestClient, world: World):
    other = second_warehouse(client, world)
    body = ok(
        adjust(client, world.seller_a, world.shop_a.sku_id, other, delta=4, reason="RECEIVED")
    )
    assert (body["delta_available"], body["available_after"]) == (4, 4)
    assert stock(client, world.seller_a, world.shop_a.sku_id)["total_available"] == 14


@pytest.mark.parametrize(
    ("body", "field", "error_type"),
    [
        ({"delta": 0}, "delta", None),
        ({"delta": 10_000_001}, "delta", None),
        ({"delta": -10_000_001}, "delta", None),
        ({"delta": "one"}, "delta", None),
        ({}, "delta", "missing"),
        ({"delta": 1, "reason": "STOLEN"}, "reason", None),
        ({"delta": 1, "reason": "SET"}, "reason", None),
        ({"delta": 1, "reason": "ORDER_HOLD"}, "reason", None),
        ({"delta": 1, "available": 5}, "available", "extra_forbidden"),
        ({"delta": 1, "note": "x" * 501}, "note", None),
    ],
)
def test_adjust_bad_input_is_422(
    client: TestClient,
    db: Database,
    world: World,
    body: dict[str, Any],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, *STOCK)
    response = adjust(
        client, world.seller_a, world.shop_a.sku_id, world.shop_a.warehouse_id, **body
    )
    invalid_request(response, field, error_type)
    assert snapshot(db, *STOCK) == before


# --- GET /skus/{id}/movements ------------------------------------------------------------


def test_ledger_sums_to_the_level_and_pages_once(client: TestClient, db: Database, world: World):
    sku, wh = world.shop_a.sku_id, world.shop_a.warehouse_id
    other = second_warehouse(client, world)
    seller = world.seller_a
    made = [
        ok(adjust(client, seller, sku, wh, delta=-2, reason="DAMAGED")),
        ok(set_stock(client, seller, sku, other, available=6)),
        ok(adjust(client, seller, sku, wh, delta=15, reason="RECEIVED")),
        ok(adjust(client, seller, sku, other, delta=-6)),
        ok(set_stock(client, seller, sku, wh, available=20, expected_available=23)),
        ok(adjust(client, seller, sku, other, delta=1, reason="RETURNED")),
    ]
    refused(adjust(client, seller, sku, other, delta=-2), 409, "insufficient_stock")
    refused(
        set_stock(client, seller, sku, wh, available=1, expected_available=3), 409, "stock_mismatch"
    )
    with db.unit_of_work(write=False) as session:
        fixture_set = session.scalar(
            select(InventoryMovement.id).where(InventoryMovement.sku_id == sku)
        )
    chunks = pages(client, f"/skus/{sku}/movements", seller, limit=3)
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert_paged_once(chunks, {m["id"] for m in made} | {str(fixture_set)})
    ledger = [m for c in chunks for m in c]
    # newest first: exactly the successful changes in reverse, then the fixture's initial SET
    assert ledger[:6] == list(reversed(made))
    assert ledger[6] == movement_body(movement_row(db, fixture_set))
    assert (ledger[6]["reason"], ledger[6]["delta_available"]) == ("SET", 10)
    levels = {lv["warehouse_id"]: lv["available"] for lv in stock(client, seller, sku)["levels"]}
    assert levels == {str(wh): 20, other: 1}
    for warehouse_id, level in levels.items():
        mine = [m for m in ledger if m["warehouse_id"] == warehouse_id]
        assert sum(m["delta_available"] for m in mine) == level
        assert mine[0]["available_after"] == level  # the newest movement shows the level
        running = 0
        for m in reversed(mine):
            running += m["delta_available"]
            assert m["available_after"] == running
    # the ledger of shop B's SKU is untouched
    other_ledger = ok(
        client.get(f"{API}/skus/{world.shop_b.sku_id}/movements", headers=world.seller_b.headers)
    )
    assert len(other_ledger["items"]) == 1


def test_movements_bad_paging_foreign_and_bad_id(client: TestClient, world: World):
    h = world.seller_a.headers
    path = f"{API}/skus/{world.shop_a.sku_id}/movements"
    invalid_request(client.get(path, params={"limit": 101}, headers=h), "query.limit")
    invalid_request(client.get(path, params={"limit": 0}, headers=h), "query.limit")
    refused(client.get(path, params={"cursor": BAD_CURSOR}, headers=h), 422, "invalid_cursor")
    refused(client.get(path, params={"cursor": "e30"}, headers=h), 422, "invalid_cursor")  # {}
    refused(client.get(f"{API}/skus/{world.shop_b.sku_id}/movements", headers=h), 404, "not_found")
    invalid_request(client.get(f"{API}/skus/1e5/movements", headers=h), "path.sku_id")


def test_movements_limit_one_and_max(client: TestClient, world: World):
    sku, wh = world.shop_a.sku_id, world.shop_a.warehouse_id
    for _ in range(2):
        ok(adjust(client, world.seller_a, sku, wh, delta=1))
    one = ok(
        client.get(
            f"{API}/skus/{sku}/movements", params={"limit": 1}, headers=world.seller_a.headers
        )
    )
    assert len(one["items"]) == 1 and one["next_cursor"] is not None
    assert one["items"][0]["available_after"] == 12
    full = ok(
        client.get(
            f"{API}/skus/{sku}/movements", params={"limit": 100}, headers=world.seller_a.headers
        )
    )
    assert len(full["items"]) == 3 and full["next_cursor"] is None


# --- low stock and auto-delisting --------------------------------------------------------


def sku_flags(client: TestClient, actor: Actor, sku_id: str) -> tuple[bool, bool, bool]:
    sku = ok(client.get(f"{API}/skus/{sku_id}", headers=actor.headers))
    low = stock(client, actor, sku_id)["low_stock"]
    return low, sku["delisted_low_stock"], sku["sellable"]


def low_list(client: TestClient, world: World, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        client.get(
            f"{API}/shops/{world.shop_a.id}/low-stock",
            params=params,
            headers=world.seller_a.headers,
        )
    )
    return body


def test_auto_delist_when_below_threshold_and_back(client: TestClient, world: World):
    seller, wh = world.seller_a, world.shop_a.warehouse_id
    sku = new_sku(client, world, "FLASH", low_stock_threshold=5, auto_delist=True)["id"]
    ok(set_stock(client, seller, sku, wh, available=10))
    assert sku_flags(client, seller, sku) == (False, False, True)
    assert low_list(client, world) == {"items": [], "next_cursor": None}

    ok(adjust(client, seller, sku, wh, delta=-6))  # 4 < 5
    assert sku_flags(client, seller, sku) == (True, True, False)
    body = low_list(client, world)
    sku_body = ok(client.get(f"{API}/skus/{sku}", headers=seller.headers))
    assert body == {
        "items": [{"sku": sku_body, "total_available": 4, "low_stock_threshold": 5}],
        "next_cursor": None,
    }
    product = ok(client.get(f"{API}/products/{world.shop_a.product_id}", headers=seller.headers))
    assert next(s for s in product["skus"] if s["id"] == sku)["delisted_low_stock"] is True

    ok(adjust(client, seller, sku, wh, delta=1, reason="RECEIVED"))  # 5: at the threshold
    assert sku_flags(client, seller, sku) == (False, False, True)
    assert low_list(client, world)["items"] == []


def test_threshold_counts_stock_over_all_warehouses(client: TestClient, world: World):
    seller, wh = world.seller_a, world.shop_a.warehouse_id
    other = second_warehouse(client, world)
    sku = new_sku(client, world, "SPLIT", low_stock_threshold=5, auto_delist=True)["id"]
    ok(set_stock(client, seller, sku, wh, available=3))
    assert sku_flags(client, seller, sku) == (True, True, False)
    ok(set_stock(client, seller, sku, other, available=3))  # 6 in total
    assert sku_flags(client, seller, sku) == (False, False, True)


def test_low_without_auto_delist_stays_sellable(client: TestClient, world: World):
    seller, wh = world.seller_a, world.shop_a.warehouse_id
    sku = new_sku(client, world, "PLAIN", low_stock_threshold=5)["id"]
    ok(set_stock(client, seller, sku, wh, available=2))
    assert sku_flags(client, seller, sku) == (True, False, True)
    items = low_list(client, world)["items"]
    assert [(i["sku"]["id"], i["total_available"]) for i in items] == [(sku, 2)]


def test_sku_update_re_evaluates_delisting(client: TestClient, world: World):
    seller, sku = world.seller_a, str(world.shop_a.sku_id)  # 10 in stock, no threshold
    path = f"{API}/skus/{sku}"
    body = ok(
        client.patch(
            path, json={"low_stock_threshold": 20, "auto_delist": True}, headers=seller.headers
        )
    )
    assert (body["delisted_low_stock"], body["sellable"]) == (True, False)
    body = ok(client.patch(path, json={"auto_delist": False}, headers=seller.headers))
    assert (body["delisted_low_stock"], body["sellable"]) == (False, True)
    body = ok(
        client.patch(
            path, json={"auto_delist": True, "low_stock_threshold": 10}, headers=seller.headers
        )
    )
    assert (body["delisted_low_stock"], body["sellable"]) == (False, True)  # 10 is not below 10
    body = ok(client.patch(path, json={"low_stock_threshold": 11}, headers=seller.headers))
    assert body["delisted_low_stock"] is True
    body = ok(client.patch(path, json={"low_stock_threshold": None}, headers=seller.headers))
    assert (body["low_stock_threshold"], body["delisted_low_stock"], body["sellable"]) == (
        None,
        False,
        True,
    )


def test_low_stock_list_pages_every_low_sku_once(client: TestClient, world: World):
    seller, wh = world.seller_a, world.shop_a.warehouse_id
    low: dict[str, int] = {}
    for i in range(5):
        sku = new_sku(client, world, f"LOW{i}", low_stock_threshold=3)["id"]
        ok(set_stock(client, seller, sku, wh, available=i % 3))  # 0, 1, 2, 0, 1: all below 3
        low[sku] = i % 3
    fine = new_sku(client, world, "FINE", low_stock_threshold=3)["id"]
    ok(set_stock(client, seller, fine, wh, available=3))
    new_sku(client, world, "NO-THRESHOLD")  # no stock but no threshold: never low
    chunks = pages(client, f"/shops/{world.shop_a.id}/low-stock", seller, limit=2)
    assert [len(c) for c in chunks] == [2, 2, 1]
    ids = [item["sku"]["id"] for c in chunks for item in c]
    assert len(ids) == len(set(ids)) and set(ids) == set(low)
    assert ids == sorted(ids, key=int, reverse=True)
    for item in (i for c in chunks for i in c):
        assert item["low_stock_threshold"] == 3
        assert item["total_available"] == low[item["sku"]["id"]]
        assert item["sku"]["delisted_low_stock"] is False  # no auto_delist
    # shop B's low stock is not in shop A's list and vice versa
    assert ok(
        client.get(f"{API}/shops/{world.shop_b.id}/low-stock", headers=world.seller_b.headers)
    ) == {"items": [], "next_cursor": None}


def test_low_stock_sku_without_any_stock_row(client: TestClient, world: World):
    sku = new_sku(client, world, "EMPTY", low_stock_threshold=1)["id"]
    items = low_list(client, world)["items"]
    assert [(i["sku"]["id"], i["total_available"], i["low_stock_threshold"]) for i in items] == [
        (sku, 0, 1)
    ]


def test_low_stock_bad_paging_foreign_and_bad_id(client: TestClient, world: World):
    h = world.seller_a.headers
    path = f"{API}/shops/{world.shop_a.id}/low-stock"
    invalid_request(client.get(path, params={"limit": 101}, headers=h), "query.limit")
    refused(client.get(path, params={"cursor": BAD_CURSOR}, headers=h), 422, "invalid_cursor")
    refused(client.get(f"{API}/shops/{world.shop_b.id}/low-stock", headers=h), 404, "not_found")
    invalid_request(client.get(f"{API}/shops/low/low-stock", headers=h), "path.shop_id")
