"""Live sessions over the native API: lifecycle, the ordered pins, refusals after the end and
across shops, the public read and the report's numbers (paid orders only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clipshop.core.clock import clock
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import LivePin, Order
from tests.conftest import Actor, World, make_actor, problem_code
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import API, add_card, checkout, ok
from tests.integration.social_support import add_product, pinned, start_live


def _pins(db: Database, live_id: str) -> list[tuple[int, int]]:
    with db.unit_of_work(write=False) as session:
        rows = session.execute(
            select(LivePin.product_id, LivePin.position)
            .where(LivePin.live_id == int(live_id))
            .order_by(LivePin.position)
        )
        return [(product_id, position) for product_id, position in rows]


def test_live_lifecycle_and_pin_order(client: TestClient, db: Database, world: World) -> None:
    seller = world.seller_a
    a, b, c = world.shop_a.product_id, add_product(db, world, "B"), add_product(db, world, "C")
    live = start_live(client, seller, "Spring drop", world.shop_a.id)
    assert live["status"] == "LIVE" and live["pinned"] == []
    path = f"{API}/lives/{live['id']}"
    ok(client.post(f"{path}/pins", json={"product_id": str(a)}, headers=seller.headers))
    ok(
        client.post(
            f"{path}/pins", json={"product_id": str(b), "position": 0}, headers=seller.headers
        )
    )
    out = ok(client.post(f"{path}/pins", json={"product_id": str(c)}, headers=seller.headers))
    assert pinned(out) == [b, a, c]
    out = ok(client.post(f"{path}/pins/{c}/top", headers=seller.headers))
    assert pinned(out) == [c, b, a]
    body = {"product_id": str(c), "position": 2}  # move a pinned product down
    assert pinned(ok(client.post(f"{path}/pins", json=body, headers=seller.headers))) == [b, a, c]
    out = ok(client.delete(f"{path}/pins/{b}", headers=seller.headers))
    assert pinned(out) == [a, c]
    assert [p["position"] for p in out["pinned"]] == [0, 1]
    public = ok(client.get(f"{API}/public/lives/{live['id']}"))  # no sign-in
    assert pinned(public) == [a, c] and public["title"] == "Spring drop"
    ended = ok(client.post(f"{path}/end", headers=seller.headers))
    assert ended["status"] == "ENDED" and ended["ended_at"] is not None
    again = client.post(f"{path}/end", headers=seller.headers)
    assert again.status_code == 409 and problem_code(again) == "live_ended"
    assert ok(client.get(path, headers=seller.headers))["ended_at"] == ended["ended_at"]


def test_pins_refused_after_the_end(client: TestClient, db: Database, world: World) -> None:
    seller = world.seller_a
    b = add_product(db, world, "B")
    live = start_live(client, seller, "Short", world.shop_a.id)
    path = f"{API}/lives/{live['id']}"
    body = {"product_id": str(world.shop_a.product_id)}
    ok(client.post(f"{path}/pins", json=body, headers=seller.headers))
    ok(client.post(f"{path}/end", headers=seller.headers))
    before = _pins(db, live["id"])
    for response in (
        client.post(f"{path}/pins", json={"product_id": str(b)}, headers=seller.headers),
        client.post(f"{path}/pins/{world.shop_a.product_id}/top", headers=seller.headers),
        client.delete(f"{path}/pins/{world.shop_a.product_id}", headers=seller.headers),
    ):
        assert response.status_code == 409 and problem_code(response) == "live_ended"
    assert _pins(db, live["id"]) == before == [(world.shop_a.product_id, 0)]


def test_another_shop_cannot_touch_a_live(client: TestClient, db: Database, world: World) -> None:
    live = start_live(client, world.seller_a, "A's live", world.shop_a.id)
    path = f"{API}/lives/{live['id']}"
    ok(
        client.post(
            f"{path}/pins",
            json={"product_id": str(world.shop_a.product_id)},
            headers=world.seller_a.headers,
        )
    )
    other = world.seller_b.headers
    for response in (
        client.post(
            f"{path}/pins", json={"product_id": str(world.shop_b.product_id)}, headers=other
        ),
        client.delete(f"{path}/pins/{world.shop_a.product_id}", headers=other),
        client.post(f"{path}/end", headers=other),
        client.get(path, headers=other),
        client.get(f"{path}/report", headers=other),
    ):
        assert response.status_code == 404 and problem_code(response) == "live_not_found"
    # a seller pins only its own shop's products on its live
    foreign = client.post(
        f"{path}/pins",
        json={"product_id": str(world.shop_b.product_id)},
        headers=world.seller_a.headers,
    )
    assert foreign.status_code == 404 and problem_code(foreign) == "product_not_found"
    assert _pins(db, live["id"]) == [(world.shop_a.product_id, 0)]
    assert ok(client.get(path, headers=world.seller_a.headers))["status"] == "LIVE"
    mine = ok(client.get(f"{API}/lives", headers=world.seller_b.headers))
    assert mine["items"] == []


def test_a_creator_pins_only_products_open_to_it(
    client: TestClient, db: Database, world: World
) -> None:
    creator = make_actor(db, Role.CREATOR, "creator@test.dev")
    live = start_live(client, creator, "Creator live", None)
    assert live["shop_id"] is None and live["host_user_id"] == str(creator.id)
    body = {"product_id": str(world.shop_a.product_id)}
    refused = client.post(f"{API}/lives/{live['id']}/pins", json=body, headers=creator.headers)
    assert refused.status_code == 409 and problem_code(refused) == "product_not_open"
    assert _pins(db, live["id"]) == []
    offer = f"{API}/shops/{world.shop_a.id}/affiliate/offers/{world.shop_a.product_id}"
    ok(client.put(offer, json={"rate_bps": 1000}, headers=world.seller_a.headers))
    out = ok(client.post(f"{API}/lives/{live['id']}/pins", json=body, headers=creator.headers))
    assert pinned(out) == [world.shop_a.product_id]
    # the seller of the product is not the live's host: it cannot end the creator's live
    assert (
        client.post(f"{API}/lives/{live['id']}/end", headers=world.seller_a.headers).status_code
        == 404
    )
    # a seller's live needs a shop of its own, a creator cannot start one for a shop
    body = {"title": "x", "shop_id": str(world.shop_a.id)}
    assert client.post(f"{API}/lives", json=body, headers=creator.headers).status_code == 403


def _order_at(
    client: TestClient, buyer: Actor, sku: int, units: int, source: dict[str, Any] | None
) -> dict[str, Any]:
    extra = {"source": source} if source else {}
    (order,) = paid_orders(client, buyer, {sku: units}, **extra)
    return order


def test_report_counts_paid_orders_of_the_live(
    client: TestClient, db: Database, world: World
) -> None:
    seller, buyer = world.seller_a, world.buyer
    live = start_live(client, seller, "Report", world.shop_a.id)
    other = start_live(client, seller, "Other", world.shop_a.id)
    source = {"type": "LIVE", "id": live["id"]}
    sku = world.shop_a.sku_id
    first = _order_at(client, buyer, sku, 2, source)  # minute 0
    clock.advance(timedelta(minutes=3))
    second = _order_at(client, buyer, sku, 1, source)  # minute 3
    _order_at(client, buyer, sku, 1, {"type": "LIVE", "id": other["id"]})  # another live
    _order_at(client, buyer, sku, 1, None)  # no source
    # an order of the live whose payment was declined is not counted
    add_card(client, buyer, "4000000000000002", make_default=True)
    declined = checkout(client, buyer, {sku: 1}, source=source)
    assert declined["payment"]["status"] != "CAPTURED"
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).where(Order.source_id == int(live["id"]))) == 3
    report = ok(client.get(f"{API}/lives/{live['id']}/report", headers=seller.headers))
    assert report["counted"] == "paid orders"
    assert (report["orders"], report["units"]) == (2, 3)
    gmv = sum(
        int(line["sale_price"]["minor_units"]) for o in (first, second) for line in o["line_items"]
    )
    assert gmv == 3000
    assert report["gmv"] == [{"amount": "30.00", "currency": "USD", "minor_units": 3000}]
    (top,) = report["top_products"]
    assert (top["product_id"], top["units"], top["gmv"]["minor_units"]) == (
        str(world.shop_a.product_id),
        3,
        3000,
    )
    assert report["orders_per_minute"] == {"0": 1, "3": 1}
