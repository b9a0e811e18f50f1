"""Returns announce their status changes (``return.status_changed``): requested, approved,
shipped back, completed; each in the outbox with the change, in the owning shop's feed once
relayed, and none when the change rolls back. Both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.aftersales import return_decisions
from clipshop.core.db import Database
from clipshop.models import OutboxEvent
from clipshop.worker.relay import relay
from tests.conftest import World
from tests.integration.checkout_api import API, ok
from tests.integration.deadline_support import D, Week, move_to
from tests.integration.outbox_support import outbox
from tests.integration.returns_support import act, decide, delivered, request_return

RETURN = "return.status_changed"
PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"


class Boom(Exception):
    pass


def return_moves(db: Database, shop_id: int) -> list[tuple[str, str, str, str | None, str]]:
    return [
        (p["return_id"], str(key), p["return_type"], p["from_status"], p["to_status"])
        for kind, shop, key, p in outbox(db)
        if kind == RETURN and shop == shop_id
    ]


def test_a_return_announces_each_status_change(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    move_to(client, world, at + D)
    ret = request_return(client, world.buyer, order, "RETURN_AND_REFUND", "CHANGED_MIND")
    rid, oid, kind = ret["return_id"], order["id"], "RETURN_AND_REFUND"
    decide(client, world.seller_a, rid, "APPROVE_RETURN")
    ok(act(client, world.buyer, rid, "ship"))
    decide(client, world.seller_a, rid, "APPROVE_RECEIVED_PACKAGE")

    assert return_moves(db, world.shop_a.id) == [
        (rid, oid, kind, None, PENDING),
        (rid, oid, kind, PENDING, "AWAITING_BUYER_SHIP"),
        (rid, oid, kind, "AWAITING_BUYER_SHIP", "BUYER_SHIPPED_ITEM"),
        (rid, oid, kind, "BUYER_SHIPPED_ITEM", COMPLETE),
    ]

    relay(db)
    seen = client.get(f"{API}/events", headers=world.seller_a.headers, params={"limit": 100})
    feed = [e for e in ok(seen)["items"] if e["type"] == RETURN]
    assert [(e["order_id"], e["data"]["to_status"]) for e in feed] == [
        (oid, PENDING),
        (oid, "AWAITING_BUYER_SHIP"),
        (oid, "BUYER_SHIPPED_ITEM"),
        (oid, COMPLETE),
    ]
    other = client.get(f"{API}/events", headers=world.seller_b.headers)
    assert ok(other)["items"] == []


def test_a_rolled_back_decision_announces_nothing(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    move_to(client, world, at + D)
    ret = request_return(client, world.buyer, order, "RETURN_AND_REFUND", "CHANGED_MIND")
    before = outbox(db)
    with pytest.raises(Boom), db.unit_of_work() as session:
        return_decisions.reject(session, world.seller_a.principal, int(ret["return_id"]), "no")
        written = session.scalars(select(OutboxEvent.payload).where(OutboxEvent.type == RETURN))
        assert [p["to_status"] for p in written][-1] == "REFUND_OR_RETURN_REQUEST_REJECT"
        raise Boom
    assert outbox(db) == before
    assert return_moves(db, world.shop_a.id)[-1][-1] == PENDING
