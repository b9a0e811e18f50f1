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


def order_ids(page: dict[str, Any]) -> list[str]:
    return [event["order_id"] for event in page["items"]]


def test_each_caller_sees_its_shops_events(client: TestClient, db: Database, world: World) -> None:
    a1 = paid_order(db, world.buyer, world.shop_a)
    b1 = paid_order(db, world.buyer, world.shop_b)
    a2 = paid_order(db, world.buyer, world.shop_a)
    assert feed(client, world.seller_a)["items"] == []  # not yet relayed
    relay(db)

    page = feed(client, world.seller_a)
    assert order_ids(page) == [str(a1.id), str(a2.id)]
    first = page["items"][0]
    assert (first["type"], first["shop_id"]) == ("order.status_changed", str(world.shop_a.id))
    assert (first["data"]["from_status"], first["data"]["to_status"]) == ("UNPAID", "ON_HOLD")
    assert page["has_more"] is False
    assert order_ids(feed(client, world.seller_b)) == [str(b1.id)]
    everything = [str(a1.id), str(b1.id), str(a2.id)]
    for staff in (world.admin, world.agent, world.supervisor):
        assert order_ids(feed(client, staff)) == everything
    assert order_ids(feed(client, world.admin, shop_id=world.shop_b.id)) == [str(b1.id)]
    assert feed(client, world.seller_a, shop_id=world.shop_b.id)["items"] == []

    refused = client.get("/api/v1/events", headers=world.buyer.headers)
    assert refused.status_code == 403
    assert problem_code(refused) == "forbidden"


def test_the_cursor_resumes_after_the_last_event_seen(
    client: TestClient, db: Database, world: World
) -> None:
    orders = [paid_order(db, world.buyer, world.shop_a) for _ in range(3)]
    relay(db)
    seen: list[str] = []
    page = feed(client, world.seller_a, limit=2)
    assert page["has_more"] is True
    seen += order_ids(page)
    page = feed(client, world.seller_a, limit=2, after=page["next_cursor"])
    assert page["has_more"] is False
    seen += order_ids(page)
    assert seen == [str(o.id) for o in orders]

    idle = feed(client, world.seller_a, after=page["next_cursor"])
    assert (idle["items"], idle["next_cursor"]) == ([], page["next_cursor"])
    late = paid_order(db, world.buyer, world.shop_a)
    relay(db)
    assert order_ids(feed(client, world.seller_a, after=idle["next_cursor"])) == [str(late.id)]


def test_a_cursor_not_of_this_feed_is_refused(client: TestClient, world: World) -> None:
    for bad in ("nope", "eyJiZWZvcmUiOiIxIn0", "eyJhZnRlciI6Ii0xIn0"):
        response = client.get(
            "/api/v1/events", headers=world.seller_a.headers, params={"after": bad}
        )
        assert response.status_code == 422, bad
        assert problem_code(response) == "invalid_cursor"
