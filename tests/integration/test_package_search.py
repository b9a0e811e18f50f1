"""GET /api/v1/packages: filters (status, order, tracking number, creation time), cursor
paging, and who sees which packages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from tests.conftest import Actor, World, make_actor
from tests.integration.checkout_api import API, advance, ok
from tests.integration.fulfillment_files_api import carrier_post, place, release, ship, with_card
from tests.integration.native_api import (
    assert_paged_once,
    invalid_request,
    pages,
    refused,
)


def search(client: TestClient, actor: Actor, **params: Any) -> set[str]:
    body = ok(client.get(f"{API}/packages", params=params, headers=actor.headers))
    assert body["next_cursor"] is None
    return {p["id"] for p in body["items"]}


def test_filters_paging_and_scope(client: TestClient, db: Database, world: World) -> None:
    a, b = world.seller_a, world.seller_b
    with_card(client, world.buyer)
    orders = [place(client, world.buyer, world.shop_a) for _ in range(4)]
    split = place(client, world.buyer, world.shop_a, units=2)
    foreign = place(client, world.buyer, world.shop_b)
    release(client, world.admin)

    early = [ship(client, a, [o["id"]], f"OTH-E{i}", "OTHER") for i, o in enumerate(orders[:2])]
    first_line, second_line = (li["id"] for li in split["line_items"])
    split_1 = ship(client, a, [split["id"]], "OTH-S1", "OTHER", [first_line])
    boundary = advance(client, world.admin, hours=1)["now"]
    split_2 = ship(client, a, [split["id"]], "OTH-S2", "OTHER", [second_line])
    late = [ship(client, a, [o["id"]], f"OTH-L{i}", "OTHER") for i, o in enumerate(orders[2:])]
    theirs = ship(client, b, [foreign["id"]], "OTH-B1", "OTHER")
    mine = [*early, split_1, split_2, *late]
    ids = {p["id"] for p in mine}

    # The carrier moves one package along and delivers another.
    at = utcnow()
    events = [
        {
            "event_id": "x1",
            "tracking_number": "oth-e0",
            "kind": "PICKED_UP",
            "occurred_at": at.isoformat(),
        },
        {
            "event_id": "x2",
            "tracking_number": "OTH-L0",
            "kind": "PICKED_UP",
            "occurred_at": at.isoformat(),
        },
        {
            "event_id": "x3",
            "tracking_number": "OTH-L0",
            "kind": "DELIVERED",
            "occurred_at": (at + timedelta(hours=1)).isoformat(),
        },
    ]
    ok(carrier_post(client, db, events, carrier="OTHER"), 202)

    assert search(client, a) == ids
    assert search(client, a, status="PROCESSING") == ids - {early[0]["id"], late[0]["id"]}
    assert search(client, a, status="FULFILLING") == {early[0]["id"]}
    assert search(client, a, status="COMPLETED") == {late[0]["id"]}
    assert search(client, a, status="CANCELLED") == set()
    assert search(client, a, order_id=split["id"]) == {split_1["id"], split_2["id"]}
    assert search(client, a, order_id=orders[3]["id"]) == {late[1]["id"]}
    assert search(client, a, tracking_number=" oth-s2 ") == {split_2["id"]}
    assert search(client, a, tracking_number="OTH-NONE") == set()
    assert search(client, a, create_time_lt=boundary) == {p["id"] for p in (*early, split_1)}
    assert search(client, a, create_time_ge=boundary) == {p["id"] for p in (split_2, *late)}
    assert search(
        client, a, create_time_ge=boundary, status="PROCESSING", order_id=split["id"]
    ) == {split_2["id"]}
    empty = {"create_time_ge": boundary, "create_time_lt": boundary}
    refused = client.get(f"{API}/packages", params=empty, headers=a.headers)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_time_range")

    # Another shop's packages are invisible to seller A, even by exact filter.
    assert search(client, a, order_id=foreign["id"]) == set()
    assert search(client, a, tracking_number="OTH-B1") == set()
    assert search(client, b) == {theirs["id"]}
    # The buyer sees their packages of both shops; staff see all; another buyer none.
    everything = ids | {theirs["id"]}
    assert search(client, world.buyer) == everything
    assert search(client, world.agent) == everything
    assert search(client, world.admin, status="COMPLETED") == {late[0]["id"]}
    stranger = make_actor(db, Role.BUYER, "stranger@test.dev")
    assert search(client, stranger) == set()

    # Cursor paging: every package once, newest first, over pages of two.
    chunks = pages(client, "/packages", a, limit=2)
    assert [len(c) for c in chunks] == [2, 2, 2]
    assert_paged_once(chunks, ids)
    filtered = pages(client, "/packages", a, limit=1, status="PROCESSING")
    assert_paged_once(filtered, ids - {early[0]["id"], late[0]["id"]})

    # List items are the package as GET /packages/{id} shows it, without the events.
    body = ok(client.get(f"{API}/packages", params={"order_id": split["id"]}, headers=a.headers))
    item = body["items"][0]
    assert item["id"] == split_2["id"]
    assert item["events"] is None
    full = ok(client.get(f"{API}/packages/{split_2['id']}", headers=a.headers))
    assert item == {**full, "events": None}
    assert (item["order_ids"], item["line_item_ids"]) == ([split["id"]], [second_line])


def test_bad_search_parameters(client: TestClient, db: Database, world: World) -> None:
    seller = world.seller_a
    get = client.get
    invalid_request(
        get(f"{API}/packages", params={"status": "SHIPPED"}, headers=seller.headers), "query.status"
    )
    invalid_request(
        get(f"{API}/packages", params={"order_id": "0"}, headers=seller.headers), "query.order_id"
    )
    invalid_request(
        get(
            f"{API}/packages",
            params={"create_time_ge": "2026-01-01T00:00:00"},
            headers=seller.headers,
        ),
        "query.create_time_ge",
    )
    invalid_request(
        get(f"{API}/packages", params={"limit": 101}, headers=seller.headers), "query.limit"
    )
    refused(
        get(f"{API}/packages", params={"cursor": "not-a-cursor"}, headers=seller.headers),
        422,
        "invalid_cursor",
    )
    refused(get(f"{API}/packages"), 401, "missing_token")


def test_a_create_time_range_that_holds_nothing_is_422(client: TestClient, world: World) -> None:
    t, later = utcnow(), utcnow() + timedelta(minutes=1)
    for ge, lt in ((t, t), (later, t)):
        params = {"create_time_ge": ge.isoformat(), "create_time_lt": lt.isoformat()}
        answer = client.get(f"{API}/packages", params=params, headers=world.seller_a.headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "invalid_time_range"
    params = {"create_time_ge": t.isoformat(), "create_time_lt": later.isoformat()}
    assert search(client, world.seller_a, **params) == set()
