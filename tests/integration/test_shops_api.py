"""Shops, members and warehouses over HTTP: exact bodies, refusals, foreign shops are 404."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import Shop, ShopMember, Warehouse
from tests.conftest import Actor, World, make_actor
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

SHOP_TABLES = (Shop, ShopMember, Warehouse)

WAREHOUSE: dict[str, Any] = {
    "name": "Newark DC",
    "address_line1": "45 Port St",
    "address_line2": "Dock 3",
    "city": "Newark",
    "state": "NJ",
    "postal_code": "07114",
    "country": "US",
}


def shop_row(db: Database, shop_id: int | str) -> Shop:
    with db.unit_of_work(write=False) as session:
        return session.get_one(Shop, int(shop_id))


def warehouse_row(db: Database, warehouse_id: int | str) -> Warehouse:
    with db.unit_of_work(write=False) as session:
        return session.get_one(Warehouse, int(warehouse_id))


def shop_body(shop: Shop) -> dict[str, object]:
    return {
        "id": str(shop.id),
        "name": shop.name,
        "region": shop.region,
        "currency": shop.currency,
        "shop_type": shop.shop_type,
        "verified": shop.verified,
        "created_at": ts(shop.created_at),
    }


def warehouse_body(w: Warehouse) -> dict[str, object]:
    return {
        "id": str(w.id),
        "shop_id": str(w.shop_id),
        "name": w.name,
        "address_line1": w.address_line1,
        "address_line2": w.address_line2,
        "city": w.city,
        "state": w.state,
        "postal_code": w.postal_code,
        "country": w.country,
        "is_default": w.is_default,
        "created_at": ts(w.created_at),
    }


def create_shop(client: TestClient, actor: Actor, **fields: Any) -> dict[str, Any]:
    payload = {"name": "Corner Shop", "region": "US", "currency": "USD", **fields}
    body: dict[str, Any] = ok(client.post(f"{API}/shops", json=payload, headers=actor.headers), 201)
    return body


# --- POST /shops -------------------------------------------------------------------------


def test_seller_creates_a_shop_and_owns_it(client: TestClient, db: Database, world: World):
    body = create_shop(
        client, world.seller_a, name="  Harbor Gadgets ", region="SG", currency="SGD",
        shop_type="CROSS_BORDER",
    )  # fmt: skip
    row = shop_row(db, body["id"])
    assert body == {
        "id": str(row.id),
        "name": "Harbor Gadgets",
        "region": "SG",
        "currency": "SGD",
        "shop_type": "CROSS_BORDER",
        "verified": False,
        "created_at": ts(row.created_at),
    }
    members = ok(client.get(f"{API}/shops/{body['id']}/members", headers=world.seller_a.headers))
    assert [(m["user_id"], m["role"]) for m in members] == [(str(world.seller_a.id), "OWNER")]
    me = ok(client.get(f"{API}/me", headers=world.seller_a.headers))
    assert body["id"] in me["owned_shop_ids"] and body["id"] in me["shop_ids"]


def test_shop_type_defaults_to_local(client: TestClient, world: World):
    assert create_shop(client, world.seller_b)["shop_type"] == "LOCAL"


def test_admin_creates_a_shop_for_a_seller(client: TestClient, world: World):
    body = create_shop(client, world.admin, owner_user_id=str(world.seller_b.id), currency="JPY")
    members = ok(client.get(f"{API}/shops/{body['id']}/members", headers=world.admin.headers))
    assert [(m["user_id"], m["role"]) for m in members] == [(str(world.seller_b.id), "OWNER")]
    assert ok(client.get(f"{API}/shops/{body['id']}", headers=world.seller_b.headers)) == body


@pytest.mark.parametrize(
    ("owner", "status", "code"),
    [
        (None, 422, "owner_required"),
        ("buyer", 409, "owner_must_be_seller"),
        ("admin", 409, "owner_must_be_seller"),
        ("123456789", 404, "user_not_found"),
    ],
    ids=["no-owner", "buyer-owner", "admin-owner", "unknown-owner"],
)
def test_admin_shop_owner_must_be_a_seller(
    client: TestClient, db: Database, world: World, owner: str | None, status: int, code: str
):
    before = snapshot(db, *SHOP_TABLES)
    payload: dict[str, Any] = {"name": "Nobody's", "region": "US", "currency": "USD"}
    if owner is not None:
        actor = getattr(world, owner, None)
        payload["owner_user_id"] = str(actor.id) if actor else owner
    response = client.post(f"{API}/shops", json=payload, headers=world.admin.headers)
    refused(response, status, code)
    assert snapshot(db, *SHOP_TABLES) == before


@pytest.mark.parametrize(
    ("changes", "field", "error_type"),
    [
        ({"currency": "XYZ"}, "currency", None),
        ({"currency": "usd"}, "currency", None),
        ({"region": "usa"}, "region", None),
        ({"region": "us"}, "region", None),
        ({"shop_type": "GLOBAL"}, "shop_type", None),
        ({"name": ""}, "name", None),
        ({"name": "x" * 201}, "name", None),
        ({"verified": True}, "verified", "extra_forbidden"),
        ({"owner_user_id": "abc"}, "owner_user_id", None),
    ],
)
def test_create_shop_bad_input_is_422(
    client: TestClient,
    db: Database,
    world: World,
    changes: dict[str, Any],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, *SHOP_TABLES)
    payload = {"name": "Bad", "region": "US", "currency": "USD", **changes}
    response = client.post(f"{API}/shops", json=payload, headers=world.seller_a.headers)
    invalid_request(response, field, error_type)
    assert snapshot(db, *SHOP_TABLES) == before


# --- GET /shops, /shops/{id} -------------------------------------------------------------


def test_list_shops_seller_sees_only_its_own(client: TestClient, world: World):
    extra = create_shop(client, world.seller_a, name="Second")
    body = ok(client.get(f"{API}/shops", headers=world.seller_a.headers))
    assert [s["id"] for s in body["items"]] == [extra["id"], str(world.shop_a.id)]
    assert body["next_cursor"] is None


def test_list_shops_every_shop_once_over_pages(client: TestClient, db: Database, world: World):
    made = {create_shop(client, world.seller_b, name=f"B{i}")["id"] for i in range(3)}
    expected = made | {str(world.shop_a.id), str(world.shop_b.id)}
    chunks = pages(client, "/shops", world.admin, limit=2)
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert_paged_once(chunks, expected)
    for item in (i for c in chunks for i in c):
        assert item == shop_body(shop_row(db, item["id"]))
    # seller B sees its four shops, never shop A
    assert_paged_once(
        pages(client, "/shops", world.seller_b, limit=3), made | {str(world.shop_b.id)}
    )


def test_list_shops_bad_paging(client: TestClient, world: World):
    h = world.admin.headers
    invalid_request(client.get(f"{API}/shops", params={"limit": 101}, headers=h), "query.limit")
    refused(
        client.get(f"{API}/shops", params={"cursor": BAD_CURSOR}, headers=h), 422, "invalid_cursor"
    )


def test_get_shop(client: TestClient, db: Database, world: World):
    body = ok(client.get(f"{API}/shops/{world.shop_a.id}", headers=world.seller_a.headers))
    assert body == shop_body(shop_row(db, world.shop_a.id))
    assert body["name"] == "ShopA" and body["currency"] == "USD" and body["verified"] is False


@pytest.mark.parametrize(
    ("shop_id", "status"),
    [("foreign", 404), ("123456789", 404), ("abc", 422), ("0", 422), (str(2**63), 422)],
)
def test_get_shop_foreign_unknown_or_bad_id(
    client: TestClient, world: World, shop_id: str, status: int
):
    path_id = str(world.shop_b.id) if shop_id == "foreign" else shop_id
    response = client.get(f"{API}/shops/{path_id}", headers=world.seller_a.headers)
    if status == 404:
        body = refused(response, 404, "not_found")
        assert body["detail"] == "shop not found"
    else:
        invalid_request(response, "path.shop_id")


# --- PATCH /shops/{id} -------------------------------------------------------------------


def test_owner_renames_shop(client: TestClient, db: Database, world: World):
    body = ok(
        client.patch(
            f"{API}/shops/{world.shop_a.id}",
            json={"name": "Shop A Renamed"},
            headers=world.seller_a.headers,
        )
    )
    row = shop_row(db, world.shop_a.id)
    assert row.name == "Shop A Renamed"
    assert body == shop_body(row)


def test_admin_verifies_and_unverifies_shop(client: TestClient, db: Database, world: World):
    path = f"{API}/shops/{world.shop_b.id}"
    body = ok(client.patch(path, json={"verified": True}, headers=world.admin.headers))
    assert body["verified"] is True and body["name"] == "ShopB"
    assert shop_row(db, world.shop_b.id).verified is True
    body = ok(client.patch(path, json={"verified": False}, headers=world.admin.headers))
    assert body["verified"] is False


def test_seller_cannot_verify_its_own_shop(client: TestClient, db: Database, world: World):
    before = snapshot(db, Shop)
    response = client.patch(
        f"{API}/shops/{world.shop_a.id}",
        json={"name": "Sneaky", "verified": True},
        headers=world.seller_a.headers,
    )
    refused(response, 403, "forbidden")
    assert snapshot(db, Shop) == before


def test_empty_patch_changes_nothing(client: TestClient, db: Database, world: World):
    before = snapshot(db, Shop)
    body = ok(
        client.patch(f"{API}/shops/{world.shop_a.id}", json={}, headers=world.seller_a.headers)
    )
    assert body == shop_body(shop_row(db, world.shop_a.id))
    assert snapshot(db, Shop) == before


def test_patch_foreign_shop_is_404_and_unchanged(client: TestClient, db: Database, world: World):
    before = snapshot(db, Shop)
    response = client.patch(
        f"{API}/shops/{world.shop_b.id}", json={"name": "Mine now"}, headers=world.seller_a.headers
    )
    refused(response, 404, "not_found")
    assert snapshot(db, Shop) == before


@pytest.mark.parametrize(
    ("payload", "field", "error_type"),
    [
        ({"currency": "EUR"}, "currency", "extra_forbidden"),
        ({"shop_type": "CROSS_BORDER"}, "shop_type", "extra_forbidden"),
        ({"name": ""}, "name", None),
        ({"verified": "maybe"}, "verified", None),
    ],
)
def test_patch_shop_bad_input_is_422(
    client: TestClient,
    db: Database,
    world: World,
    payload: dict[str, Any],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, Shop)
    response = client.patch(
        f"{API}/shops/{world.shop_a.id}", json=payload, headers=world.admin.headers
    )
    invalid_request(response, field, error_type)
    assert snapshot(db, Shop) == before


# --- members -----------------------------------------------------------------------------


def test_owner_adds_staff_member(client: TestClient, db: Database, world: World):
    staff = make_actor(db, Role.SELLER, "staff@test.dev")
    path = f"{API}/shops/{world.shop_a.id}/members"
    added = ok(
        client.post(path, json={"user_id": str(staff.id)}, headers=world.seller_a.headers), 201
    )
    with db.unit_of_work(write=False) as session:
        row = session.get_one(ShopMember, (world.shop_a.id, staff.id))
    assert added == {
        "shop_id": str(world.shop_a.id),
        "user_id": str(staff.id),
        "role": "STAFF",
        "created_at": ts(row.created_at),
    }
    members = ok(client.get(path, headers=world.seller_a.headers))
    assert [(m["user_id"], m["role"]) for m in members] == [
        (str(world.seller_a.id), "OWNER"),
        (str(staff.id), "STAFF"),
    ]
    assert members[1] == added
    # the new member reads the shop and its catalog
    assert (
        ok(client.get(f"{API}/shops/{world.shop_a.id}", headers=staff.headers))["name"] == "ShopA"
    )


def test_admin_adds_second_owner(client: TestClient, db: Database, world: World):
    co = make_actor(db, Role.SELLER, "co@test.dev")
    added = ok(
        client.post(
            f"{API}/shops/{world.shop_b.id}/members",
            json={"user_id": str(co.id), "role": "OWNER"},
            headers=world.admin.headers,
        ),
        201,
    )
    assert added["role"] == "OWNER"
    me = ok(client.get(f"{API}/me", headers=co.headers))
    assert me["owned_shop_ids"] == [str(world.shop_b.id)]


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("seller_a", 409, "already_member"),
        ("buyer", 409, "owner_must_be_seller"),
        ("agent", 409, "owner_must_be_seller"),
        ("unknown", 404, "user_not_found"),
    ],
)
def test_add_member_refusals_change_nothing(
    client: TestClient, db: Database, world: World, who: str, status: int, code: str
):
    user_id = "123456789" if who == "unknown" else str(getattr(world, who).id)
    before = snapshot(db, ShopMember)
    response = client.post(
        f"{API}/shops/{world.shop_a.id}/members",
        json={"user_id": user_id},
        headers=world.seller_a.headers,
    )
    refused(response, status, code)
    assert snapshot(db, ShopMember) == before


@pytest.mark.parametrize(
    ("payload", "field", "error_type"),
    [
        ({"role": "MANAGER"}, "role", None),
        ({"user_id": "x"}, "user_id", None),
        ({"shop_id": "1"}, "shop_id", "extra_forbidden"),
        ({"user_id": None}, "user_id", None),
    ],
)
def test_add_member_bad_input_is_422(
    client: TestClient,
    db: Database,
    world: World,
    payload: dict[str, Any],
    field: str,
    error_type: str | None,
):
    staff = make_actor(db, Role.SELLER, "staff@test.dev")
    before = snapshot(db, ShopMember)
    response = client.post(
        f"{API}/shops/{world.shop_a.id}/members",
        json={"user_id": str(staff.id), **payload},
        headers=world.seller_a.headers,
    )
    invalid_request(response, field, error_type)
    assert snapshot(db, ShopMember) == before


def test_foreign_shop_members_are_404(client: TestClient, db: Database, world: World):
    staff = make_actor(db, Role.SELLER, "staff@test.dev")
    before = snapshot(db, ShopMember)
    path = f"{API}/shops/{world.shop_b.id}/members"
    refused(client.get(path, headers=world.seller_a.headers), 404, "not_found")
    refused(
        client.post(path, json={"user_id": str(staff.id)}, headers=world.seller_a.headers),
        404,
        "not_found",
    )
    # seller A cannot add itself to shop B either
    refused(
        client.post(path, json={"user_id": str(world.seller_a.id)}, headers=world.seller_a.headers),
        404,
        "not_found",
    )
    assert snapshot(db, ShopMember) == before


# --- warehouses --------------------------------------------------------------------------


def test_first_warehouse_is_default_even_if_not_asked(
    client: TestClient, db: Database, world: World
):
    shop = create_shop(client, world.seller_a, name="Fresh")
    path = f"{API}/shops/{shop['id']}/warehouses"
    first = ok(
        client.post(path, json={**WAREHOUSE, "is_default": False}, headers=world.seller_a.headers),
        201,
    )
    row = warehouse_row(db, first["id"])
    assert first == {
        "id": str(row.id),
        "shop_id": shop["id"],
        "name": "Newark DC",
        "address_line1": "45 Port St",
        "address_line2": "Dock 3",
        "city": "Newark",
        "state": "NJ",
        "postal_code": "07114",
        "country": "US",
        "is_default": True,
        "created_at": ts(row.created_at),
    }
    second = ok(
        client.post(path, json={**WAREHOUSE, "name": "West"}, headers=world.seller_a.headers), 201
    )
    assert second["is_default"] is False
    assert warehouse_row(db, first["id"]).is_default is True


def test_new_default_warehouse_takes_over(client: TestClient, db: Database, world: World):
    path = f"{API}/shops/{world.shop_a.id}/warehouses"
    minimal = {k: WAREHOUSE[k] for k in ("name", "address_line1", "city", "postal_code", "country")}
    body = ok(
        client.post(path, json={**minimal, "is_default": True}, headers=world.seller_a.headers), 201
    )
    assert body["is_default"] is True
    assert body["address_line2"] is None and body["state"] is None
    old = ok(
        client.get(f"{API}/warehouses/{world.shop_a.warehouse_id}", headers=world.seller_a.headers)
    )
    assert old["is_default"] is False
    listed = ok(client.get(path, headers=world.seller_a.headers))["items"]
    assert [(w["id"], w["is_default"]) for w in listed] == [
        (body["id"], True),
        (str(world.shop_a.warehouse_id), False),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "error_type"),
    [
        ({"country": "usa"}, "country", None),
        ({"country": None}, "country", None),
        ({"city": ""}, "city", None),
        ({"postal_code": "1" * 21}, "postal_code", None),
        ({"shop_id": "1"}, "shop_id", "extra_forbidden"),
        ({"is_default": "sometimes"}, "is_default", None),
    ],
)
def test_create_warehouse_bad_input_is_422(
    client: TestClient,
    db: Database,
    world: World,
    changes: dict[str, Any],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, Warehouse)
    response = client.post(
        f"{API}/shops/{world.shop_a.id}/warehouses",
        json={**WAREHOUSE, **changes},
        headers=world.seller_a.headers,
    )
    invalid_request(response, field, error_type)
    assert snapshot(db, Warehouse) == before


def test_create_warehouse_missing_field_is_422(client: TestClient, world: World):
    payload = {k: v for k, v in WAREHOUSE.items() if k != "city"}
    response = client.post(
        f"{API}/shops/{world.shop_a.id}/warehouses", json=payload, headers=world.seller_a.headers
    )
    invalid_request(response, "city", "missing")


def test_foreign_shop_warehouses_are_404(client: TestClient, db: Database, world: World):
    before = snapshot(db, Warehouse)
    path = f"{API}/shops/{world.shop_b.id}/warehouses"
    refused(client.post(path, json=WAREHOUSE, headers=world.seller_a.headers), 404, "not_found")
    refused(client.get(path, headers=world.seller_a.headers), 404, "not_found")
    refused(
        client.get(f"{API}/warehouses/{world.shop_b.warehouse_id}", headers=world.seller_a.headers),
        404,
        "not_found",
    )
    refused(
        client.patch(
            f"{API}/warehouses/{world.shop_b.warehouse_id}",
            json={"name": "Mine"},
            headers=world.seller_a.headers,
        ),
        404,
        "not_found",
    )
    assert snapshot(db, Warehouse) == before


def test_list_warehouses_every_one_once_over_pages(client: TestClient, db: Database, world: World):
    path = f"{API}/shops/{world.shop_a.id}/warehouses"
    made = {
        ok(
            client.post(path, json={**WAREHOUSE, "name": f"W{i}"}, headers=world.seller_a.headers),
            201,
        )["id"]
        for i in range(4)
    }
    chunks = pages(client, f"/shops/{world.shop_a.id}/warehouses", world.seller_a, limit=2)
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert_paged_once(chunks, made | {str(world.shop_a.warehouse_id)})
    for item in (i for c in chunks for i in c):
        assert item == warehouse_body(warehouse_row(db, item["id"]))
    h = world.seller_a.headers
    invalid_request(client.get(path, params={"limit": 101}, headers=h), "query.limit")
    refused(client.get(path, params={"cursor": BAD_CURSOR}, headers=h), 422, "invalid_cursor")


def test_get_warehouse(client: TestClient, db: Database, world: World):
    body = ok(
        client.get(f"{API}/warehouses/{world.shop_a.warehouse_id}", headers=world.seller_a.headers)
    )
    assert body == warehouse_body(warehouse_row(db, world.shop_a.warehouse_id))
    assert body["name"] == "ShopA DC" and body["is_default"] is True
    refused(
        client.get(f"{API}/warehouses/123456789", headers=world.seller_a.headers), 404, "not_found"
    )
    invalid_request(
        client.get(f"{API}/warehouses/abc", headers=world.seller_a.headers), "path.warehouse_id"
    )


def test_patch_warehouse_fields_and_clear_optional(client: TestClient, db: Database, world: World):
    path = f"{API}/warehouses/{world.shop_a.warehouse_id}"
    body = ok(
        client.patch(
            path,
            json={"name": "Springfield Hub", "city": "Shelbyville", "state": None},
            headers=world.seller_a.headers,
        )
    )
    row = warehouse_row(db, world.shop_a.warehouse_id)
    assert body == warehouse_body(row)
    assert (row.name, row.city, row.state) == ("Springfield Hub", "Shelbyville", None)
    assert (row.address_line1, row.postal_code, row.country) == ("1 Main St", "62701", "US")
    assert row.is_default is True


def test_patch_warehouse_make_default(client: TestClient, db: Database, world: World):
    other = ok(
        client.post(
            f"{API}/shops/{world.shop_a.id}/warehouses",
            json=WAREHOUSE,
            headers=world.seller_a.headers,
        ),
        201,
    )
    assert other["is_default"] is False
    body = ok(
        client.patch(
            f"{API}/warehouses/{other['id']}",
            json={"is_default": True},
            headers=world.seller_a.headers,
        )
    )
    assert body["is_default"] is True
    assert warehouse_row(db, world.shop_a.warehouse_id).is_default is False
    # the other shop's default is untouched
    assert warehouse_row(db, world.shop_b.warehouse_id).is_default is True


@pytest.mark.parametrize(
    ("payload", "field", "error_type"),
    [
        ({"is_default": False}, "is_default", None),
        ({"name": None}, "name", None),
        ({"country": "United States"}, "country", None),
        ({"shop_id": str(1)}, "shop_id", "extra_forbidden"),
    ],
)
def test_patch_warehouse_bad_input_is_422(
    client: TestClient,
    db: Database,
    world: World,
    payload: dict[str, Any],
    field: str,
    error_type: str | None,
):
    before = snapshot(db, Warehouse)
    response = client.patch(
        f"{API}/warehouses/{world.shop_a.warehouse_id}",
        json=payload,
        headers=world.seller_a.headers,
    )
    body = refused(response, 422, "invalid_request")
    if "errors" in body:
        invalid_request(response, field, error_type)
    else:  # refused by the service (a required field set to null)
        assert field in body["detail"]
    assert snapshot(db, Warehouse) == before
