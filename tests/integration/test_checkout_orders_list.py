"""Listing orders after checkouts: scoped to the caller, filtered, paginated by cursor."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from tests.conftest import Actor, World, make_actor, problem_code
from tests.integration.checkout_api import API, OK_CARD, add_card, cancel, checkout, ok


def list_ids(client: TestClient, actor: Actor, **params: Any) -> list[str]:
    body = ok(client.get(f"{API}/orders", params=params, headers=actor.headers))
    return [o["id"] for o in body["items"]]


def all_pages(client: TestClient, actor: Actor, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = ok(client.get(f"{API}/orders", params=query, headers=actor.headers))
        pages.append([o["id"] for o in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "pagination does not end"


@pytest.fixture
def history(client: TestClient, db: Database, world: World) -> dict[str, Any]:
    """Buyer 1: A at t0, B at t0+10 min, A+B at t0+20 min; buyer 2: A at t0+30 min.
    Then at t0+40 min buyer 1 cancels its first order."""
    other = make_actor(db, Role.BUYER, "other@test.dev")
    a, b = world.shop_a.sku_id, world.shop_b.sku_id
    add_card(client, world.buyer, OK_CARD)
    add_card(client, other, OK_CARD)
    marks = {"t0": utcnow()}
    first = checkout(client, world.buyer, {a: 1})["orders"][0]
    clock.advance(timedelta(minutes=10))
    marks["t10"] = utcnow()
    second = checkout(client, world.buyer, {b: 1})["orders"][0]
    clock.advance(timedelta(minutes=10))
    both = checkout(client, world.buyer, {a: 1, b: 1})["orders"]
    third_a = next(o for o in both if o["shop_id"] == str(world.shop_a.id))
    third_b = next(o for o in both if o["shop_id"] == str(world.shop_b.id))
    clock.advance(timedelta(minutes=10))
    foreign = checkout(client, other, {a: 1})["orders"][0]
    clock.advance(timedelta(minutes=10))
    marks["t40"] = utcnow()
    ok(cancel(client, world.buyer, first["id"]))
    return {
        "other": other,
        "marks": marks,
        "first": first["id"],
        "second": second["id"],
        "third_a": third_a["id"],
        "third_b": third_b["id"],
        "foreign": foreign["id"],
    }


def newest_first(ids: list[str]) -> list[str]:
    return sorted(ids, key=int, reverse=True)


def test_buyer_sees_only_own_orders(
    client: TestClient, world: World, history: dict[str, Any]
) -> None:
    h = history
    mine = [h["first"], h["second"], h["third_a"], h["third_b"]]
    assert list_ids(client, world.buyer) == newest_first(mine)
    assert list_ids(client, h["other"]) == [h["foreign"]]
    # A buyer cannot widen the scope with filters.
    assert list_ids(client, h["other"], buyer_id=str(world.buyer.id)) == []
    assert list_ids(client, h["other"], shop_id=str(world.shop_b.id)) == []


def test_seller_sees_only_its_shops_orders(
    client: TestClient, world: World, history: dict[str, Any]
) -> None:
    h = history
    shop_a = [h["first"], h["third_a"], h["foreign"]]
    shop_b = [h["second"], h["third_b"]]
    assert list_ids(client, world.seller_a) == newest_first(shop_a)
    assert list_ids(client, world.seller_b) == newest_first(shop_b)
    assert list_ids(client, world.seller_a, shop_id=str(world.shop_b.id)) == []
    # Staff see every shop.
    assert set(list_ids(client, world.agent)) == set(shop_a + shop_b)


def test_filters_status_create_and_update_time(
    client: TestClient, world: World, history: dict[str, Any]
) -> None:
    h, seller = history, world.seller_a
    assert list_ids(client, seller, status="CANCELLED") == [h["first"]]
    assert list_ids(client, seller, status="ON_HOLD") == newest_first([h["third_a"], h["foreign"]])
    assert list_ids(client, seller, status="AWAITING_SHIPMENT") == []
    bad = client.get(f"{API}/orders", params={"status": "SHIPPED"}, headers=seller.headers)
    assert bad.status_code == 422

    t10, t40 = h["marks"]["t10"].isoformat(), h["marks"]["t40"].isoformat()
    assert list_ids(client, seller, create_time_ge=t10) == newest_first(
        [h["third_a"], h["foreign"]]
    )
    assert list_ids(client, seller, create_time_lt=t10) == [h["first"]]
    assert list_ids(client, world.buyer, create_time_ge=t10, status="ON_HOLD") == newest_first(
        [h["second"], h["third_a"], h["third_b"]]
    )
    # Only the cancelled order changed after t0+40 min.
    assert list_ids(client, seller, update_time_ge=t40) == [h["first"]]
    assert list_ids(client, seller, update_time_lt=t40) == newest_first(
        [h["third_a"], h["foreign"]]
    )
    # A time in another zone means the same instant.
    t10_tokyo = h["marks"]["t10"].astimezone(timezone(timedelta(hours=9)))
    assert list_ids(client, seller, create_time_ge=t10_tokyo.isoformat()) == newest_first(
        [h["third_a"], h["foreign"]]
    )


def test_cursor_pagination_over_several_pages(
    client: TestClient, world: World, history: dict[str, Any]
) -> None:
    h = history
    mine = newest_first([h["first"], h["second"], h["third_a"], h["third_b"]])
    assert all_pages(client, world.buyer, limit=1) == [[i] for i in mine]
    assert all_pages(client, world.buyer, limit=3) == [mine[:3], mine[3:]]
    assert all_pages(client, world.buyer, limit=4) == [mine]
    # Filters apply on every page.
    on_hold_a = newest_first([h["third_a"], h["foreign"]])
    assert all_pages(client, world.seller_a, limit=1, status="ON_HOLD") == [
        [on_hold_a[0]],
        [on_hold_a[1]],
    ]
    for bad in ({"limit": 0}, {"limit": 101}, {"cursor": "not-a-cursor"}):
        response = client.get(f"{API}/orders", params=bad, headers=world.buyer.headers)
        assert response.status_code == 422, bad


def test_naive_time_filter_is_refused(
    client: TestClient, world: World, history: dict[str, Any]
) -> None:
    """A time without a zone is ambiguous: 422, not a guess (and not a server error)."""
    response = client.get(
        f"{API}/orders",
        params={"create_time_ge": "2020-01-01T00:00:00"},
        headers=world.buyer.headers,
    )
    assert response.status_code == 422, response.text
    assert problem_code(response) == "invalid_request"
    assert response.json()["errors"][0]["field"] == "query.create_time_ge"


@pytest.mark.parametrize("field", ["create_time", "update_time"])
def test_a_time_range_that_holds_nothing_is_422(
    client: TestClient, world: World, field: str
) -> None:
    t = utcnow().isoformat()
    later = (utcnow() + timedelta(minutes=1)).isoformat()
    for ge, lt in ((t, t), (later, t)):
        params = {f"{field}_ge": ge, f"{field}_lt": lt}
        answer = client.get(f"{API}/orders", params=params, headers=world.seller_a.headers)
        assert answer.status_code == 422, answer.text
        assert problem_code(answer) == "invalid_time_range"
        assert f"{field}_ge must be earlier than {field}_lt" in answer.json()["detail"]
    ok_range = {f"{field}_ge": t, f"{field}_lt": later}
    assert client.get(f"{API}/orders", params=ok_range, headers=world.seller_a.headers).is_success
