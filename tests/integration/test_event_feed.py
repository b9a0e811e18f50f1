"""GET /api/v1/events, the outbox's first consumer, on both databases: a seller sees its
shops' events, staff every shop's, a buyer none (403); oldest first, resumed with a cursor
that never skips an event; only what the relay has delivered."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.worker.relay import relay
from tests.conftest import Actor, World, problem_code
from tests.integration.outbox_support import paid_order


def feed(client: TestClient, actor: Actor, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/events", headers=actor.headers, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def moves(*pages: dict[str, Any]) -> dict[str, list[str]]:
    """{order id: the statuses its events moved it to, in feed order}."""
    out: dict[str, list[str]] = {}
    for page in pages:
        for event in page["items"]:
            if event["type"] == "order.status_changed":
                out.setdefault(event["order_id"], []).append(event["data"]["to_status"])
    return out


def held(*pages: dict[str, Any]) -> list[str]:
    """The SKUs of the ``stock.changed`` events of held units, in feed order (one per
    checkout here)."""
    return [
        e["data"]["sku_id"]
        for p in pages
        for e in p["items"]
        if e["type"] == "stock.changed" and e["data"]["reason"] == "ORDER_HOLD"
    ]


def placed_and_paid(*orders: Any) -> dict[str, list[str]]:
    return {str(o.id): ["UNPAID", "ON_HOLD"] for o in orders}


def test_each_caller_sees_its_shops_events(client: TestClient, db: Database, world: World) -> None:
    a1 = paid_order(db, world.buyer, world.shop_a)
    b1 = paid_order(db, world.buyer, world.shop_b)
    a2 = paid_order(db, world.buyer, world.shop_a)
    assert feed(client, world.seller_a)["items"] == []  # not yet relayed
    relay(db)

    page = feed(client, world.seller_a)
    assert moves(page) == placed_and_paid(a1, a2)
    assert held(page) == [str(world.shop_a.sku_id)] * 2  # each checkout's unit held
    first = page["items"][-1]
    assert (first["type"], first["shop_id"]) == ("order.status_changed", str(world.shop_a.id))
    assert (first["data"]["from_status"], first["data"]["to_status"]) == ("UNPAID", "ON_HOLD")
    assert page["has_more"] is False
    assert moves(feed(client, world.seller_b)) == placed_and_paid(b1)
    everything = placed_and_paid(a1, b1, a2)
    for staff in (world.admin, world.agent, world.supervisor):
        assert moves(feed(client, staff)) == everything
    assert moves(feed(client, world.admin, shop_id=world.shop_b.id)) == placed_and_paid(b1)
    assert feed(client, world.seller_a, shop_id=world.shop_b.id)["items"] == []

    refused = client.get("/api/v1/events", headers=world.buyer.headers)
    assert refused.status_code == 403
    assert problem_code(refused) == "forbidden"


def test_the_cursor_resumes_after_the_last_event_seen(
    client: TestClient, db: Database, world: World
) -> None:
    orders = [paid_order(db, world.buyer, world.shop_a) for _ in range(3)]
    relay(db)  # the world's stock set, then each checkout's: placed, its stock held, paid
    first = feed(client, world.seller_a, limit=4)
    assert (len(first["items"]), first["has_more"]) == (4, True)
    second = feed(client, world.seller_a, limit=4, after=first["next_cursor"])
    assert (len(second["items"]), second["has_more"]) == (4, True)
    page = feed(client, world.seller_a, limit=4, after=second["next_cursor"])
    assert (len(page["items"]), page["has_more"]) == (2, False)
    assert moves(first, second, page) == placed_and_paid(*orders)
    assert len(held(first, second, page)) == 3
    ids = [e["id"] for e in first["items"] + second["items"] + page["items"]]
    assert len(set(ids)) == 10  # no event twice, none skipped

    idle = feed(client, world.seller_a, after=page["next_cursor"])
    assert (idle["items"], idle["next_cursor"]) == ([], page["next_cursor"])
    late = paid_order(db, world.buyer, world.shop_a)
    relay(db)
    assert moves(feed(client, world.seller_a, after=idle["next_cursor"])) == placed_and_paid(late)


def test_a_cursor_not_of_this_feed_is_refused(client: TestClient, world: World) -> None:
    for bad in ("nope", "eyJiZWZvcmUiOiIxIn0", "eyJhZnRlciI6Ii0xIn0"):
        response = client.get(
            "/api/v1/events", headers=world.seller_a.headers, params={"after": bad}
        )
        assert response.status_code == 422, bad
        assert problem_code(response) == "invalid_cursor"
