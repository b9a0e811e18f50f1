"""Helpers for the returns tests: delivered orders, requests and decisions through the API,
and the rows they leave (returns, records, refunds) read back from the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from clipshop.core.db import Database
from clipshop.models import AftersaleRecord, Order, OrderLineItem, Return, ReturnLine, StoredFile
from tests.conftest import Actor, World
from tests.fulfillment_support import carrier_event, ship, tracking_number
from tests.integration.checkout_api import API, get_order, ok
from tests.integration.deadline_support import D, H, Week, awaiting_shipment, scan
from tests.integration.native_api import snapshot

RETURN_TABLES = (Return, ReturnLine, AftersaleRecord, StoredFile, Order, OrderLineItem)


def delivered(
    client: TestClient, world: World, week: Week, units: int = 1, n: int = 1
) -> tuple[dict[str, Any], datetime]:
    """A paid order of ``units`` units, shipped Monday 12:00, delivered Tuesday 12:00 (the
    ``n``-th of the test: its own tracking number). The order and its delivery time."""
    order = awaiting_shipment(client, world, week, units)
    tracking = tracking_number("SX", f"{7000000000 + n}")
    ship(client, world.seller_a, [order["id"]], tracking)
    picked = week.monday + 2 * H
    scan(client, world, carrier_event(f"p{n}", tracking, "PICKED_UP", picked))
    at = picked + D
    scan(client, world, carrier_event(f"d{n}", tracking, "DELIVERED", at))
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "DELIVERED", fresh["status"]
    return fresh, at


def line_ids(order: dict[str, Any]) -> list[str]:
    return [line["id"] for line in order["line_items"]]


def post_return(
    client: TestClient,
    buyer: Actor,
    order_id: str,
    lines: list[str],
    return_type: str = "REFUND",
    reason: str = "DAMAGED",
) -> Response:
    body = {"return_type": return_type, "reason": reason, "line_item_ids": lines}
    response: Response = client.post(
        f"{API}/orders/{order_id}/returns", json=body, headers=buyer.headers
    )
    return response


def request_return(
    client: TestClient,
    buyer: Actor,
    order: dict[str, Any],
    return_type: str = "REFUND",
    reason: str = "DAMAGED",
    lines: list[str] | None = None,
) -> dict[str, Any]:
    response = post_return(
        client, buyer, order["id"], lines or line_ids(order), return_type, reason
    )
    created: dict[str, Any] = ok(response, 201)
    return created


def act(client: TestClient, actor: Actor, return_id: str, path: str, **body: Any) -> Response:
    response: Response = client.post(
        f"{API}/returns/{return_id}/{path}", json=body, headers=actor.headers
    )
    return response


def decide_raw(
    client: TestClient, seller: Actor, return_id: str, decision: str, **extra: Any
) -> Response:
    return act(client, seller, return_id, "approve", decision=decision, **extra)


def decide(client: TestClient, seller: Actor, return_id: str, decision: str, **extra: Any) -> Any:
    return ok(decide_raw(client, seller, return_id, decision, **extra))


def get_return(client: TestClient, actor: Actor, return_id: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(client.get(f"{API}/returns/{return_id}", headers=actor.headers))
    return found


def record_events(client: TestClient, actor: Actor, return_id: str) -> list[tuple[str, str, Any]]:
    rows = ok(client.get(f"{API}/returns/{return_id}/records", headers=actor.headers))
    return [(r["event"], r["role"], r["status_after"]) for r in rows]


def calculate(
    client: TestClient,
    buyer: Actor,
    order_id: str,
    lines: list[str],
    request_type: str = "REFUND",
    reason: str = "DAMAGED",
) -> Response:
    body = {
        "order_id": order_id,
        "line_item_ids": lines,
        "request_type": request_type,
        "reason": reason,
    }
    response: Response = client.post(f"{API}/returns/calculate", json=body, headers=buyer.headers)
    return response


def minor(money: dict[str, Any]) -> int:
    value: int = money["minor_units"]
    return value


def return_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return snapshot(db, *RETURN_TABLES)
