"""A premature escalation's 409 quotes the seller's real answer deadline (the request's
``respond_by``, request + 48 h with the built-in policy) and, separately, when an
escalation for no answer opens (request + 72 h); it never presents the 72 h as the
seller's deadline."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from tests.conftest import World, problem_code
from tests.integration.checkout_api import API, ok, parse_time
from tests.integration.deadline_support import D, H, Week, awaiting_shipment, move_to
from tests.integration.dispute_support import claim, delivered


def refused_early(response: Any) -> dict[str, Any]:
    assert (response.status_code, problem_code(response)) == (409, "escalation_too_early")
    body: dict[str, Any] = response.json()
    return body


def test_an_early_escalation_of_a_return_quotes_the_sellers_deadline(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    first = order["line_items"][0]["id"]
    move_to(client, world, at + D)
    ret = ok(
        client.post(
            f"{API}/orders/{order['id']}/returns",
            json={"return_type": "REFUND", "reason": "WRONG_ITEM", "line_item_ids": [first]},
            headers=world.buyer.headers,
        ),
        201,
    )
    requested = parse_time(ret["create_time"])
    respond_by = parse_time(ret["seller_respond_by"])
    assert respond_by == requested + 48 * H
    move_to(client, world, requested + 47 * H)
    body = refused_early(
        claim(
            client,
            world.buyer,
            order["id"],
            "ESCALATION",
            "NO_SELLER_RESPONSE",
            [],
            return_id=ret["return_id"],
        )
    )
    assert parse_time(body["respond_by"]) == respond_by
    assert parse_time(body["opens_at"]) == requested + 72 * H
    assert body["detail"] == (
        f"the seller has until {respond_by.isoformat()} to answer the request, after which "
        "it is approved automatically; a request the seller has not answered can be "
        f"escalated from {(requested + 72 * H).isoformat()}"
    )


def test_an_early_escalation_of_a_cancellation_request_quotes_its_respond_by(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    request = ok(
        client.post(
            f"{API}/orders/{order['id']}/cancellations",
            json={"reason": "changed my mind"},
            headers=world.buyer.headers,
        ),
        201,
    )
    assert request["cancel_status"] == "CANCELLATION_REQUEST_PENDING"
    respond_by = parse_time(request["respond_by"])
    body = refused_early(
        claim(client, world.buyer, order["id"], "ESCALATION", "NO_SELLER_RESPONSE", [])
    )
    assert parse_time(body["respond_by"]) == respond_by
    assert f"the seller has until {respond_by.isoformat()} to answer" in body["detail"]
    opens = parse_time(body["opens_at"])
    assert opens == parse_time(request["create_time"]) + 72 * H
    assert f"escalated from {opens.isoformat()}" in body["detail"]
