"""GET /orders/{id}/aftersale-eligibility on SQLite and PostgreSQL: per line, each action the
caller may take now with its deadline, or the reason code why not, as the order moves from
ON_HOLD through delivery, the damage window, completion and the end of buyer protection."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from tests.conftest import Actor, World, make_actor
from tests.fulfillment_support import paid_orders, ship, tracking_number
from tests.integration.checkout_api import API, ok, parse_time
from tests.integration.deadline_support import D, H, Week, awaiting_shipment, move_to
from tests.integration.dispute_support import a_cancellation_request, a_return, claim, delivered

Row = tuple[bool, datetime | None, str | None]


def eligibility(client: TestClient, actor: Actor, order_id: str) -> dict[str, dict[str, Row]]:
    """line id -> action -> (eligible, deadline, ineligible_code)."""
    body = ok(client.get(f"{API}/orders/{order_id}/aftersale-eligibility", headers=actor.headers))
    return {
        line["line_item_id"]: {
            a["request_type"]: (
                a["eligible"],
                parse_time(a["deadline"]) if a["deadline"] else None,
                a["ineligible_code"],
            )
            for a in line["actions"]
        }
        for line in body["line_item_eligibility"]
    }


def only(table: dict[str, dict[str, Row]]) -> dict[str, Row]:
    (line,) = table.values()
    return line


def open_actions(row: dict[str, Row]) -> dict[str, datetime | None]:
    return {action: deadline for action, (ok_, deadline, _) in row.items() if ok_}


def test_before_shipment(client: TestClient, db: Database, world: World, week: Week) -> None:
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    row = only(eligibility(client, world.buyer, order["id"]))
    assert open_actions(row) == {"CANCEL": week.monday + H}  # the remorse window
    assert row["REQUEST_CANCELLATION"] == (False, None, "invalid_order_status")
    assert row["REFUND"] == (False, None, "order_not_delivered")
    assert row["ESCALATE"] == (False, None, "nothing_to_escalate")

    fresh = awaiting_shipment(client, world, week)
    due = parse_time(fresh["shipping_due_time"])
    row = only(eligibility(client, world.buyer, fresh["id"]))
    assert open_actions(row) == {"REQUEST_CANCELLATION": due}
    seller = only(eligibility(client, world.seller_a, fresh["id"]))
    assert open_actions(seller) == {"CANCEL": due}
    assert seller["REFUND"] == (False, None, "role_not_allowed")
    assert open_actions(only(eligibility(client, world.agent, fresh["id"]))) == {"CANCEL": due}
    a_cancellation_request(db, fresh, [fresh["line_items"][0]["id"]])
    row = only(eligibility(client, world.buyer, fresh["id"]))
    assert row["REQUEST_CANCELLATION"] == (False, None, "cancellation_pending")
    assert row["ESCALATE"] == (False, None, "escalation_too_early")


def test_after_delivery_each_window_closes_in_turn(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    first, second = (line["id"] for line in order["line_items"])
    returns_close, damage_closes, protection_ends = at + 30 * D, at + 7 * D, at + 90 * D
    table = eligibility(client, world.buyer, order["id"])
    expected = {
        "REFUND": returns_close,
        "RETURN_AND_REFUND": returns_close,
        "REPLACEMENT": returns_close,
        "DAMAGE_CLAIM": damage_closes,
        "BUYER_PROTECTION": protection_ends,
    }
    assert open_actions(table[first]) == open_actions(table[second]) == expected
    assert table[first]["CANCEL"] == (False, None, "already_shipped")
    body = ok(
        client.get(f"{API}/orders/{order['id']}/aftersale-eligibility", headers=world.buyer.headers)
    )
    protection = body["line_item_eligibility"][0]["actions"][6]
    assert parse_time(protection["opens_at"]) == at + 48 * H  # when NOT_RECEIVED opens

    a_return(db, order, [second], "RETURN_OR_REFUND_REQUEST_PENDING")
    ok(claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", [first]), 201)
    table = eligibility(client, world.buyer, order["id"])
    assert table[first]["DAMAGE_CLAIM"] == (False, damage_closes, "dispute_already_open")
    assert table[first]["ESCALATE"] == (False, None, "nothing_to_escalate")
    assert table[second]["REFUND"] == (False, returns_close, "return_already_open")
    assert table[second]["ESCALATE"][2] == "escalation_too_early"

    move_to(client, world, at + 7 * D + H)
    table = eligibility(client, world.buyer, order["id"])
    assert table[second]["DAMAGE_CLAIM"] == (False, damage_closes, "damage_claim_window_closed")
    assert table[second]["ESCALATE"][0] is True  # unanswered for more than 72 h
    move_to(client, world, at + 31 * D)
    table = eligibility(client, world.buyer, order["id"])
    assert table[second]["REFUND"] == (False, returns_close, "return_window_closed")
    assert open_actions(table[second]) == {"BUYER_PROTECTION": protection_ends, "ESCALATE": None}
    move_to(client, world, at + 91 * D)
    table = eligibility(client, world.buyer, order["id"])
    assert table[second]["BUYER_PROTECTION"] == (False, protection_ends, "protection_window_closed")


def test_only_those_who_see_the_order_read_its_eligibility(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    other = make_actor(db, Role.BUYER, "other.buyer@test.dev")
    url = f"{API}/orders/{order['id']}/aftersale-eligibility"
    for actor in (other, world.seller_b):
        assert client.get(url, headers=actor.headers).status_code == 404
    assert client.get(url).status_code == 401


def test_partly_shipped_order_agrees_with_the_cancellation_routes(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    """What eligibility offers on a PARTIALLY_SHIPPING order is what the cancellation
    routes then accept: the unshipped line may be requested, the shipped one not."""
    order = awaiting_shipment(client, world, week, units=2)
    shipped, unshipped = (line["id"] for line in order["line_items"])
    ship(
        client,
        world.seller_a,
        [order["id"]],
        tracking_number("SX", "3000000001"),
        line_item_ids=[shipped],
    )
    table = eligibility(client, world.buyer, order["id"])
    due = parse_time(order["shipping_due_time"])
    assert table[unshipped]["REQUEST_CANCELLATION"] == (True, due, None)
    assert table[shipped]["REQUEST_CANCELLATION"] == (False, None, "already_shipped")
    seller = eligibility(client, world.seller_a, order["id"])
    assert seller[unshipped]["CANCEL"] == (True, due, None)
    assert seller[shipped]["CANCEL"] == (False, None, "already_shipped")
    refused = client.post(
        f"{API}/orders/{order['id']}/cancellations",
        json={"reason": "changed my mind", "line_item_ids": [shipped]},
        headers=world.buyer.headers,
    )
    assert refused.status_code == 409, refused.text
    accepted = client.post(
        f"{API}/orders/{order['id']}/cancellations",
        json={"reason": "changed my mind", "line_item_ids": [unshipped]},
        headers=world.buyer.headers,
    )
    assert accepted.status_code == 201, accepted.text
    table = eligibility(client, world.buyer, order["id"])
    assert table[unshipped]["REQUEST_CANCELLATION"] == (
        False,
        None,
        "cancellation_pending",
    )
