"""Products and SKUs over HTTP: exact bodies, money per currency, refusals change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.clock import clock
from clipshop.core.db import Database
from clipshop.core.money import Money
from clipshop.identity.principal import Role
from clipshop.models import Product, Sku
from tests.conftest import World, make_actor, make_shop
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

CATALOG = (Product, Sku)


def sku_spec(seller_sku: str = "MUG-RED", **changes: Any) -> dict[str, Any]:
    return {"seller_sku": seller_sku, "name": "Mug red", "price": "12.50", **changes}


def product_row(db: Database, product_id: int | str) -> Product:
    with db.unit_of_work(write=False) as session:
        return session.get_one(Product, int(product_id))


def sku_row(db: Database, sku_id: int | str) -> Sku:
    with db.unit_of_work(write=False) as session:
        return session.get_one(Sku, int(sku_id))


def money(amount: str, currency: str, minor: int) -> dict[str, Any]:
    return {"amount": amount, "currency": currency, "minor_units": minor}


def sku_body(sku: Sku, delisted: bool = False) -> dict[str, Any]:
    return {
        "id": str(sku.id),
        "shop_id": str(sku.shop_id),
        "product_id": str(sku.product_id),
        "seller_sku": sku.seller_sku,
        "name": sku.name,
        "attributes": sku.attributes,
        "price": {
            "amount": Money(sku.price, sku.currency).to_decimal_string(),
            "currency": sku.currency,
            "minor_units": sku.price,
        },
        "weight_grams": sku.weight_grams,
        "active": sku.active,
        "low_stock_threshold": sku.low_stock_threshold,
        "auto_delist": sku.auto_delist,
        "delisted_low_stock": delisted,
        "sellable": sku.active and not delisted,
    }


def product_body(product: Product, skus: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": str(product.id),
        "shop_id": str(product.shop_id),
        "title": product.title,
        "description": product.description,
        "status": product.status,
        "created_at": ts(product.created_at),
        "updated_at": ts(product.updated_at),
        "skus": skus,
    }


def create_product(
    client: TestClient, world: World, shop_id: int | None = None, **fields: Any
) -> dict[str, Any]:
    payload = {"title": "Mug", "skus": [sku_spec()], **fields}
    path = f"{API}/shops/{shop_id or world.shop_a.id}/products"
    body: dict[str, Any] = ok(client.post(path, json=payload, headers=world.seller_a.headers), 201)
    return body


# --- POST /shops/{id}/products -----------------------------------------------------------


def test_create_product_with_skus(client: TestClient, db: Database, world: World):
    body = create_product(
        client,
        world,
        title=" Enamel Mug ",
        description="Camp mug, 350 ml.",
        skus=[
            sku_spec("MUG-RED", attributes={"colour": "red"}, weight_grams=320),
            sku_spec(
                "MUG-BLUE",
                name="Mug blue",
                price="13",
                active=False,
                low_stock_threshold=5,
                auto_delist=True,
            ),
        ],
    )
    product = product_row(db, body["id"])
    with db.unit_of_work(write=False) as session:
        rows = list(
            session.scalars(select(Sku).where(Sku.product_id == product.id).order_by(Sku.id))
        )
    assert [s.seller_sku for s in rows] == ["MUG-RED", "MUG-BLUE"]
    red, blue = rows
    assert body == {
        "id": str(product.id),
        "shop_id": str(world.shop_a.id),
        "title": "Enamel Mug",
        "description": "Camp mug, 350 ml.",
        "status": "ACTIVE",
        "created_at": ts(product.created_at),
        "updated_at": ts(product.updated_at),
        "skus": [
            {
                "id": str(red.id),
                "shop_id": str(world.shop_a.id),
                "product_id": str(product.id),
                "seller_sku": "MUG-RED",
                "name": "Mug red",
                "attributes": {"colour": "red"},
                "price": money("12.50", "USD", 1250),
                "weight_grams": 320,
                "active": True,
                "low_stock_threshold": None,
                "auto_delist": False,
                "delisted_low_stock": False,
                "sellable": True,
            },
            {
                "id": str(blue.id),
                "shop_id": str(world.shop_a.id),
                "product_id": str(product.id),
                "seller_sku": "MUG-BLUE",
                "name": "Mug blue",
                "attributes": {},
                "price": money("13.00", "USD", 1300),
                "weight_grams": 0,
                "active": False,
                "low_stock_threshold": 5,
                "auto_delist": True,
                # no stock (0 < 5) and auto_delist: delisted from the start
                "delisted_low_stock": True,
                "sellable": False,
            },
        ],
    }
    assert (red.price, red.currency, blue.price) == (1250, "USD", 1300)
    assert ok(client.get(f"{API}/products/{body['id']}", headers=world.seller_a.headers)) == body


@pytest.mark.parametrize(
    ("currency", "price", "amount", "minor"),
    [
        ("USD", "19.9", "19.90", 1990),
        ("USD", "0.01", "0.01", 1),
        ("USD", "1000000.00", "1000000.00", 100_000_000),  # the platform maximum
        ("JPY", "1000", "1000", 1000),
        ("JPY", "1", "1", 1),
        ("KWD", "1.234", "1.234", 1234),
        ("KWD", "1.2", "1.200", 1200),
        ("KWD", "0.005", "0.005", 5),
    ],
)
def test_prices_render_in_the_shops_currency(
    client: TestClient,
    db: Database,
    world: World,
    currency: str,
    price: str,
    amount: str,
    minor: int,
):
    shop = (
        world.shop_a
        if currency == "USD"
        else make_shop(db, world.seller_a, world.admin, currency, currency)
    )
    body = create_product(client, world, shop.id, skus=[sku_spec("P", price=price)])
    sku = body["skus"][0]
    assert sku["price"] == money(amount, currency, minor)
    assert sku_row(db, sku["id"]).price == minor
    assert sku_row(db, sku["id"]).currency == currency
    assert ok(client.get(f"{API}/skus/{sku['id']}", headers=world.seller_a.headers))["price"] == (
        money(amount, currency, minor)
    )


@pytest.mark.parametrize(
    ("currency", "price", "code"),
    [
        ("USD", "1.999", "invalid_price"),
        ("USD", "9.990", "invalid_price"),
        ("JPY", "100.5", "invalid_price"),
        ("JPY", "100.0", "invalid_price"),
        ("KWD", "1.2345", "invalid_request"),  # no currency has 4 decimals: the pattern refuses
    ],
)
def test_too_precise_price_is_refused(
    client: TestClient, db: Database, world: World, currency: str, price: str, code: str
):
    shop_id = (
        world.shop_a.id
        if currency == "USD"
        else make_shop(db, world.seller_a, world.admin, currency, currency).id
    )
    before = snapshot(db, *CATALOG)
    response = client.post(
        f"{API}/shops/{shop_id}/products",
        json={"title": "Mug", "skus": [sku_spec(price=price)]},
        headers=world.seller_a.headers,
    )
    body = refused(response, 422, code)
    if code == "invalid_price":
        assert currency in body["detail"]
    assert snapshot(db, *CATALOG) == before


@pytest.mark.parametrize(
    ("changes", "field", "error_type"),
    [
        ({"price": "-1"}, "skus.0.price", None),
        ({"price": "1e3"}, "skus.0.price", None),
        ({"price": ""}, "skus.0.price", None),
        ({"price": "1,50"}, "skus.0.price", None),
        ({"price": "1234567890123"}, "skus.0.price", None),
        ({"price": 12.5}, "skus.0.price", None),
        ({"currency": "EUR"}, "skus.0.currency", "extra_forbidden"),
        ({"delisted_low_stock": False}, "skus.0.delisted_low_stock", "extra_forbidden"),
        ({"weight_grams": -1}, "skus.0.weight_grams", None),
        ({"low_stock_threshold": -1}, "skus.0.low_stock_threshold", None),
        ({"seller_sku": ""}, "skus.0.seller_sku", None),
        ({"attributes": {"size": 1}}, "skus.0.attributes.size", None),
    ],
)
def test_create_product_bad_sku_is_422(
    client: TestClient,
    db: Database,
    world: World,
    changes: dict[str, Any],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, *CATALOG)
    response = client.post(
        f"{API}/shops/{world.shop_a.id}/products",
        json={"title": "Mug", "skus": [sku_spec(**changes)]},
        headers=world.seller_a.headers,
    )
    invalid_request(response, field, error_type)
    assert snapshot(db, *CATALOG) == before


@pytest.mark.parametrize(
    ("payload", "field", "error_type"),
    [
        ({"skus": []}, "skus", None),
        ({"skus": [sku_spec(f"S{i}") for i in range(101)]}, "skus", None),
        ({"status": "DELETED"}, "status", None),
        ({"title": ""}, "title", None),
        ({"shop_id": "1"}, "shop_id", "extra_forbidden"),
        ({"skus": None}, "skus", None),
    ],
)
def test_create_product_bad_product_is_422(
    client: TestClient,
    db: Database,
    world: World,
    payload: dict[str, Any],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, *CATALOG)
    response = client.post(
        f"{API}/shops/{world.shop_a.id}/products",
        json={"title": "Mug", "skus": [sku_spec()], **payload},
        headers=world.seller_a.headers,
    )
    invalid_request(response, field, error_type)
    assert snapshot(db, *CATALOG) == before


def test_duplicate_seller_sku_is_409_and_nothing_created(
    client: TestClient, db: Database, world: World
):
    before = snapshot(db, *CATALOG)
    path = f"{API}/shops/{world.shop_a.id}/products"
    twice = {"title": "Mug", "skus": [sku_spec("X"), sku_spec("X")]}
    refused(client.post(path, json=twice, headers=world.seller_a.headers), 409, "seller_sku_taken")
    existing = {"title": "Tee again", "skus": [sku_spec("NEW"), sku_spec("ShopA-TEE")]}
    refused(
        client.post(path, json=existing, headers=world.seller_a.headers), 409, "seller_sku_taken"
    )
    assert snapshot(db, *CATALOG) == before
    # the same code in another shop is fine
    body = ok(
        client.post(
            f"{API}/shops/{world.shop_b.id}/products",
            json={"title": "Tee", "skus": [sku_spec("ShopA-TEE")]},
            headers=world.seller_b.headers,
        ),
        201,
    )
    assert body["skus"][0]["seller_sku"] == "ShopA-TEE"


def test_create_product_in_foreign_shop_is_404(client: TestClient, db: Database, world: World):
    before = snapshot(db, *CATALOG)
    response = client.post(
        f"{API}/shops/{world.shop_b.id}/products",
        json={"title": "Mug", "skus": [sku_spec()]},
        headers=world.seller_a.headers,
    )
    refused(response, 404, "not_found")
    assert snapshot(db, *CATALOG) == before


# --- GET products ------------------------------------------------------------------------


def test_list_products_every_product_once_with_skus(client: TestClient, db: Database, world: World):
    made = {
        create_product(
            client, world, title=f"P{i}", skus=[sku_spec(f"P{i}-A"), sku_spec(f"P{i}-B")]
        )["id"]
        for i in range(4)
    }
    expected = made | {str(world.shop_a.product_id)}
    chunks = pages(client, f"/shops/{world.shop_a.id}/products", world.seller_a, limit=2)
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert_paged_once(chunks, expected)
    for item in (i for c in chunks for i in c):
        product = product_row(db, item["id"])
        expected_skus = 1 if item["id"] == str(world.shop_a.product_id) else 2
        assert len(item["skus"]) == expected_skus
        assert {k: v for k, v in item.items() if k != "skus"} == {
            k: v for k, v in product_body(product, []).items() if k != "skus"
        }
    tee = next(i for c in chunks for i in c if i["id"] == str(world.shop_a.product_id))
    assert tee["skus"][0]["id"] == str(world.shop_a.sku_id)
    assert tee["skus"][0]["price"] == money("10.00", "USD", 1000)


def test_list_products_by_status(client: TestClient, world: World):
    inactive = create_product(client, world, title="Hidden", status="INACTIVE")
    path = f"{API}/shops/{world.shop_a.id}/products"
    h = world.seller_a.headers
    body = ok(client.get(path, params={"status": "INACTIVE"}, headers=h))
    assert [p["id"] for p in body["items"]] == [inactive["id"]]
    body = ok(client.get(path, params={"status": "ACTIVE"}, headers=h))
    assert [p["id"] for p in body["items"]] == [str(world.shop_a.product_id)]
    invalid_request(client.get(path, params={"status": "GONE"}, headers=h), "query.status")


def test_list_products_bad_paging_and_foreign(client: TestClient, world: World):
    h = world.seller_a.headers
    path = f"{API}/shops/{world.shop_a.id}/products"
    invalid_request(client.get(path, params={"limit": 101}, headers=h), "query.limit")
    refused(client.get(path, params={"cursor": BAD_CURSOR}, headers=h), 422, "invalid_cursor")
    refused(client.get(f"{API}/shops/{world.shop_b.id}/products", headers=h), 404, "not_found")
    invalid_request(client.get(f"{API}/shops/abc/products", headers=h), "path.shop_id")


def test_get_product_foreign_unknown_bad(client: TestClient, world: World):
    h = world.seller_a.headers
    body = refused(
        client.get(f"{API}/products/{world.shop_b.product_id}", headers=h), 404, "not_found"
    )
    assert body["detail"] == "product not found"
    refused(client.get(f"{API}/products/123456789", headers=h), 404, "not_found")
    invalid_request(client.get(f"{API}/products/12ab", headers=h), "path.product_id")
    invalid_request(client.get(f"{API}/products/{2**63}", headers=h), "path.product_id")


# --- PATCH /products/{id} ----------------------------------------------------------------


def test_patch_product(client: TestClient, db: Database, world: World):
    before = product_row(db, world.shop_a.product_id)
    clock.advance(timedelta(minutes=5))
    body = ok(
        client.patch(
            f"{API}/products/{world.shop_a.product_id}",
            json={"title": "Tee v2", "status": "INACTIVE"},
            headers=world.seller_a.headers,
        )
    )
    after = product_row(db, world.shop_a.product_id)
    assert (after.title, after.status, after.description) == ("Tee v2", "INACTIVE", "")
    assert after.updated_at >= before.updated_at + timedelta(minutes=5)
    assert after.created_at == before.created_at
    assert body == product_body(after, [sku_body(sku_row(db, world.shop_a.sku_id))])


def test_patch_product_null_fields_are_left_alone(client: TestClient, db: Database, world: World):
    ok(
        client.patch(
            f"{API}/products/{world.shop_a.product_id}",
            json={"description": "Soft cotton."},
            headers=world.seller_a.headers,
        )
    )
    body = ok(
        client.patch(
            f"{API}/products/{world.shop_a.product_id}",
            json={"description": None, "title": None},
            headers=world.seller_a.headers,
        )
    )
    assert (body["title"], body["description"]) == ("ShopA tee", "Soft cotton.")


@pytest.mark.parametrize(
    ("payload", "field", "error_type"),
    [
        ({"status": "DELETED"}, "status", None),
        ({"shop_id": str(1)}, "shop_id", "extra_forbidden"),
        ({"skus": []}, "skus", "extra_forbidden"),
        ({"title": ""}, "title", None),
        ({"description": "x" * 10_001}, "description", None),
    ],
)
def test_patch_product_bad_input_is_422(
    client: TestClient,
    db: Database,
    world: World,
    payload: dict[str, Any],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, *CATALOG)
    response = client.patch(
        f"{API}/products/{world.shop_a.product_id}", json=payload, headers=world.seller_a.headers
    )
    invalid_request(response, field, error_type)
    assert snapshot(db, *CATALOG) == before


def test_patch_foreign_product_is_404_and_unchanged(client: TestClient, db: Database, world: World):
    before = snapshot(db, *CATALOG)
    response = client.patch(
        f"{API}/products/{world.shop_b.product_id}",
        json={"title": "Hijacked"},
        headers=world.seller_a.headers,
    )
    refused(response, 404, "not_found")
    assert snapshot(db, *CATALOG) == before


# --- POST /products/{id}/skus ------------------------------------------------------------


def test_add_sku(client: TestClient, db: Database, world: World):
    body = ok(
        client.post(
            f"{API}/products/{world.shop_a.product_id}/skus",
            json=sku_spec("TEE-XL", name="Tee XL", attributes={"size": "XL"}, price="11"),
            headers=world.seller_a.headers,
        ),
        201,
    )
    row = sku_row(db, body["id"])
    assert body == {
        "id": str(row.id),
        "shop_id": str(world.shop_a.id),
        "product_id": str(world.shop_a.product_id),
        "seller_sku": "TEE-XL",
        "name": "Tee XL",
        "attributes": {"size": "XL"},
        "price": money("11.00", "USD", 1100),
        "weight_grams": 0,
        "active": True,
        "low_stock_threshold": None,
        "auto_delist": False,
        "delisted_low_stock": False,
        "sellable": True,
    }
    product = ok(
        client.get(f"{API}/products/{world.shop_a.product_id}", headers=world.seller_a.headers)
    )
    assert [s["id"] for s in product["skus"]] == [str(world.shop_a.sku_id), body["id"]]


def test_add_sku_refusals_change_nothing(client: TestClient, db: Database, world: World):
    before = snapshot(db, *CATALOG)
    h = world.seller_a.headers
    path = f"{API}/products/{world.shop_a.product_id}/skus"
    refused(client.post(path, json=sku_spec("ShopA-TEE"), headers=h), 409, "seller_sku_taken")
    refused(client.post(path, json=sku_spec(price="1.999"), headers=h), 422, "invalid_price")
    invalid_request(
        client.post(path, json=sku_spec(shop_id="1"), headers=h), "shop_id", "extra_forbidden"
    )
    refused(
        client.post(f"{API}/products/{world.shop_b.product_id}/skus", json=sku_spec(), headers=h),
        404,
        "not_found",
    )
    refused(
        client.post(f"{API}/products/123456789/skus", json=sku_spec(), headers=h), 404, "not_found"
    )
    invalid_request(
        client.post(f"{API}/products/x/skus", json=sku_spec(), headers=h), "path.product_id"
    )
    assert snapshot(db, *CATALOG) == before


def test_add_sku_to_jpy_product_uses_yen(client: TestClient, db: Database, world: World):
    yen = make_shop(db, world.seller_a, world.admin, "Yen", currency="JPY")
    body = ok(
        client.post(
            f"{API}/products/{yen.product_id}/skus",
            json=sku_spec("YEN-2", price="2500"),
            headers=world.seller_a.headers,
        ),
        201,
    )
    assert body["price"] == money("2500", "JPY", 2500)
    fixture_sku = ok(client.get(f"{API}/skus/{yen.sku_id}", headers=world.seller_a.headers))
    assert fixture_sku["price"] == money("1000", "JPY", 1000)


# --- GET/PATCH /skus/{id} ----------------------------------------------------------------


def test_get_sku(client: TestClient, db: Database, world: World):
    body = ok(client.get(f"{API}/skus/{world.shop_a.sku_id}", headers=world.seller_a.headers))
    assert body == sku_body(sku_row(db, world.shop_a.sku_id))
    assert body["seller_sku"] == "ShopA-TEE"
    h = world.seller_a.headers
    refused(client.get(f"{API}/skus/{world.shop_b.sku_id}", headers=h), 404, "not_found")
    refused(client.get(f"{API}/skus/123456789", headers=h), 404, "not_found")
    invalid_request(client.get(f"{API}/skus/-3", headers=h), "path.sku_id")


def test_patch_sku_changes_only_what_is_sent(client: TestClient, db: Database, world: World):
    path = f"{API}/skus/{world.shop_a.sku_id}"
    h = world.seller_a.headers
    body = ok(
        client.patch(
            path,
            json={
                "price": "12.5",
                "attributes": {"size": "M"},
                "weight_grams": 200,
                "low_stock_threshold": 3,
                "name": None,
            },
            headers=h,
        )
    )
    row = sku_row(db, world.shop_a.sku_id)
    assert (row.price, row.name, row.attributes, row.weight_grams) == (
        1250,
        "Tee",
        {"size": "M"},
        200,
    )
    assert row.low_stock_threshold == 3 and row.seller_sku == "ShopA-TEE"
    assert body == sku_body(row)
    assert body["price"] == money("12.50", "USD", 1250)
    # null removes the threshold; other omitted fields stay
    body = ok(client.patch(path, json={"low_stock_threshold": None}, headers=h))
    assert body["low_stock_threshold"] is None
    assert body["price"] == money("12.50", "USD", 1250) and body["weight_grams"] == 200


def test_patch_sku_active_switch(client: TestClient, world: World):
    path = f"{API}/skus/{world.shop_a.sku_id}"
    h = world.seller_a.headers
    body = ok(client.patch(path, json={"active": False}, headers=h))
    assert (body["active"], body["sellable"], body["delisted_low_stock"]) == (False, False, False)
    body = ok(client.patch(path, json={"active": True}, headers=h))
    assert (body["active"], body["sellable"]) == (True, True)


@pytest.mark.parametrize(
    ("payload", "status", "code", "field"),
    [
        ({"price": "1.999"}, 422, "invalid_price", None),
        ({"price": "abc"}, 422, "invalid_request", "price"),
        ({"seller_sku": "NEW"}, 422, "invalid_request", "seller_sku"),
        ({"currency": "EUR"}, 422, "invalid_request", "currency"),
        ({"shop_id": "1"}, 422, "invalid_request", "shop_id"),
        ({"delisted_low_stock": False}, 422, "invalid_request", "delisted_low_stock"),
        ({"low_stock_threshold": -1}, 422, "invalid_request", "low_stock_threshold"),
        ({"weight_grams": 1_000_001}, 422, "invalid_request", "weight_grams"),
    ],
)
def test_patch_sku_bad_input_changes_nothing(
    client: TestClient,
    db: Database,
    world: World,
    payload: dict[str, Any],
    status: int,
    code: str,
    field: str | None,
):
    before = snapshot(db, *CATALOG)
    response = client.patch(
        f"{API}/skus/{world.shop_a.sku_id}", json=payload, headers=world.seller_a.headers
    )
    refused(response, status, code)
    if field:
        invalid_request(response, field)
    assert snapshot(db, *CATALOG) == before


def test_patch_jpy_sku_price(client: TestClient, db: Database, world: World):
    yen = make_shop(db, world.seller_a, world.admin, "Yen", currency="JPY")
    path = f"{API}/skus/{yen.sku_id}"
    body = ok(client.patch(path, json={"price": "1200"}, headers=world.seller_a.headers))
    assert body["price"] == money("1200", "JPY", 1200)
    before = snapshot(db, *CATALOG)
    refused(
        client.patch(path, json={"price": "1200.5"}, headers=world.seller_a.headers),
        422,
        "invalid_price",
    )
    assert snapshot(db, *CATALOG) == before


def test_patch_foreign_sku_is_404_and_unchanged(client: TestClient, db: Database, world: World):
    before = snapshot(db, *CATALOG)
    response = client.patch(
        f"{API}/skus/{world.shop_b.sku_id}", json={"price": "0.01"}, headers=world.seller_a.headers
    )
    refused(response, 404, "not_found")
    assert snapshot(db, *CATALOG) == before


def test_staff_member_can_edit_catalog(client: TestClient, db: Database, world: World):
    staff = make_actor(db, Role.SELLER, "staff@test.dev")
    ok(
        client.post(
            f"{API}/shops/{world.shop_a.id}/members",
            json={"user_id": str(staff.id)},
            headers=world.seller_a.headers,
        ),
        201,
    )
    body = ok(
        client.patch(
            f"{API}/skus/{world.shop_a.sku_id}", json={"name": "Tee S"}, headers=staff.headers
        )
    )
    assert body["name"] == "Tee S"
