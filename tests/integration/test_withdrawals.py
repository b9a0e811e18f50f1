"""The buyer withdraws, on SQLite and PostgreSQL: a pending cancellation request
(CANCELLATION_REQUEST_CANCEL, record WITHDRAWN), a return request before the seller decides
or before the item is shipped back (RETURN_OR_REFUND_REQUEST_CANCEL), and an open dispute
before an agent decides (CLOSED). Each one's timers are disarmed, so moving the clock past
its deadlines changes nothing; a withdrawn request can be asked again; a second withdrawal
or one after the decision is refused and changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import AftersaleRecord, Cancellation, Dispute, Order, Return, Timer
from tests.conftest import World, make_actor
from tests.integration.checkout_api import API, get_order, ok
from tests.integration.deadline_support import D, H, Week, awaiting_shipment, move_to, timers_of
from tests.integration.dispute_support import claim, decide
from tests.integration.native_api import refused, snapshot
from tests.integration.returns_support import (
    act,
    decide_raw,
    delivered,
    record_events,
    request_return,
)
from tests.integration.returns_support import get_return as read_return

TABLES = (Cancellation, Return, Dispute, AftersaleRecord, Order, Timer)


def withdraw_cancellation(client: TestClient, actor: Any, cancel_id: str, **body: Any) -> Response:
    response: Response = client.post(
        f"{API}/cancellations/{cancel_id}/withdraw", json=body or None, headers=actor.headers
    )
    return response


def withdraw_dispute(client: TestClient, actor: Any, dispute_id: str, **body: Any) -> Response:
    response: Response = client.post(
        f"{API}/disputes/{dispute_id}/withdraw", json=body or None, headers=actor.headers
    )
    return response


def test_buyer_withdraws_a_pending_cancellation_request(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    asked = client.post(
        f"{API}/orders/{order['id']}/cancellations",
        json={"reason": "changed my mind"},
        headers=world.buyer.headers,
    )
    cancel_id = ok(asked, 201)["cancel_id"]
    assert set(timers_of(db, cancel_id)) == {"CANCEL_AUTO_APPROVE"}

    before = snapshot(db, *TABLES)
    for actor in (world.seller_a, world.agent, world.admin):
        refused(withdraw_cancellation(client, actor, cancel_id), 403, "forbidden")
    other = make_actor(db, Role.BUYER, "other.buyer@test.dev")
    refused(withdraw_cancellation(client, other, cancel_id), 404, "not_found")
    assert snapshot(db, *TABLES) == before

    done = ok(withdraw_cancellation(client, world.buyer, cancel_id, reason="found it cheaper"))
    assert (done["cancel_status"], done["reject_reason"]) == ("CANCELLATION_REQUEST_CANCEL", None)
    assert [(r["event"], r["actor_role"]) for r in done["records"]][-1] == ("WITHDRAWN", "BUYER")
    assert done["records"][-1]["note"] == "found it cheaper"
    assert timers_of(db, cancel_id) == {}
    timeline = get_order(client, world.buyer, order["id"])["timeline"]
    assert timeline[-1]["kind"] == "CANCELLATION_WITHDRAWN"

    before = snapshot(db, *TABLES)
    again = withdraw_cancellation(client, world.buyer, cancel_id)
    refused(again, 409, "cancellation_not_pending")
    refused(
        client.post(f"{API}/cancellations/{cancel_id}/approve", headers=world.seller_a.headers),
        409,
        "cancellation_not_pending",
    )
    assert snapshot(db, *TABLES) == before
    move_to(client, world, week.monday + H + 49 * H)  # past the 48 h auto-approval
    assert get_order(client, world.buyer, order["id"])["status"] == "AWAITING_SHIPMENT"
    # The buyer may ask again while nothing has shipped.
    asked = client.post(
        f"{API}/orders/{order['id']}/cancellations",
        json={"reason": "changed my mind after all"},
        headers=world.buyer.headers,
    )
    assert ok(asked, 201)["cancel_status"] == "CANCELLATION_REQUEST_PENDING"


def test_buyer_withdraws_a_return_before_the_decision_or_the_shipment(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week, units=3)
    first, second, third = (line["id"] for line in order["line_items"])
    pending = request_return(client, world.buyer, order, "REFUND", lines=[first])["return_id"]
    approved = request_return(client, world.buyer, order, "RETURN_AND_REFUND", lines=[second])
    ok(decide_raw(client, world.seller_a, approved["return_id"], "APPROVE_RETURN"))
    shipped = request_return(client, world.buyer, order, "RETURN_AND_REFUND", lines=[third])
    ok(decide_raw(client, world.seller_a, shipped["return_id"], "APPROVE_RETURN"))
    ok(act(client, world.buyer, shipped["return_id"], "ship"))
    assert set(timers_of(db, pending)) == {"RETURN_AUTO_APPROVE"}
    assert set(timers_of(db, approved["return_id"])) == {"RETURN_BUYER_SHIP"}

    for return_id in (pending, approved["return_id"]):
        done = ok(act(client, world.buyer, return_id, "cancel", reason="kept it"))
        assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_CANCEL"
        assert record_events(client, world.buyer, return_id)[-1] == (
            "CANCELLED",
            "BUYER",
            "RETURN_OR_REFUND_REQUEST_CANCEL",
        )
        assert timers_of(db, return_id) == {}
    before = snapshot(db, *TABLES)
    late = act(client, world.buyer, shipped["return_id"], "cancel")  # the item is on its way
    refused(late, 409, "invalid_return_status")
    refused(act(client, world.buyer, pending, "cancel"), 409, "invalid_return_status")
    assert snapshot(db, *TABLES) == before

    move_to(client, world, at + 8 * D)  # past the 48 h approval and the 7 day shipping
    for return_id in (pending, approved["return_id"]):
        found = read_return(client, world.buyer, return_id)
        assert (found["return_status"], found["refund_txn_id"]) == (
            "RETURN_OR_REFUND_REQUEST_CANCEL",
            None,
        )
    again = request_return(client, world.buyer, order, "REFUND", lines=[first])  # may ask again
    assert again["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"


def test_buyer_withdraws_an_open_dispute_before_the_decision(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, _ = delivered(client, world, week, units=2)
    first, second = (line["id"] for line in order["line_items"])
    opened = ok(claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", [first]), 201)
    other = ok(claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", [second]), 201)

    before = snapshot(db, *TABLES)
    for actor in (world.seller_a, world.agent, world.admin):
        refused(withdraw_dispute(client, actor, opened["id"]), 403, "forbidden")
    stranger = make_actor(db, Role.BUYER, "stranger@test.dev")
    refused(withdraw_dispute(client, stranger, opened["id"]), 404, "not_found")
    assert snapshot(db, *TABLES) == before

    done = ok(withdraw_dispute(client, world.buyer, opened["id"], reason="the seller fixed it"))
    assert (done["status"], done["refund_amount"]["minor_units"]) == ("CLOSED", 0)
    assert [r["event"] for r in done["records"]] == ["DISPUTE_OPENED", "DISPUTE_WITHDRAWN"]
    timeline = get_order(client, world.buyer, order["id"])["timeline"]
    assert timeline[-1]["kind"] == "DISPUTE_WITHDRAWN"

    before = snapshot(db, *TABLES)
    refused(withdraw_dispute(client, world.buyer, opened["id"]), 409, "dispute_already_decided")
    refused(
        decide(client, world.agent, opened["id"], "SUPPORT_SELLER"), 409, "dispute_already_decided"
    )
    ok(decide(client, world.agent, other["id"], "SUPPORT_SELLER"))
    refused(withdraw_dispute(client, world.buyer, other["id"]), 409, "dispute_already_decided")
    # The withdrawn claim's line is free again: the buyer may claim it anew.
    ok(claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", [first]), 201)
    closed = ok(
        client.get(f"{API}/disputes", params={"status": "CLOSED"}, headers=world.agent.headers)
    )
    assert [d["id"] for d in closed["items"]] == [opened["id"]]
    assert before != snapshot(db, *TABLES)
