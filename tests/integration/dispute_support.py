"""Helpers for the dispute and eligibility tests: delivered orders (shipped by seller, scanned
and delivered through the signed carrier webhook on the ``week`` clock), claims, decisions,
evidence, and after-sales request rows written as the other flows would leave them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.ids import new_id
from clipshop.models import Cancellation, Return, ReturnLine
from tests.conftest import Actor, World
from tests.fulfillment_support import carrier_event, ship, tracking_number
from tests.integration.checkout_api import API, get_order, ok
from tests.integration.deadline_support import D, H, Week, awaiting_shipment, scan

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


def delivered(
    client: TestClient, world: World, week: Week, units: int = 2, digits: str = "2000000001"
) -> tuple[dict[str, Any], datetime]:
    """An order of ``units`` lines picked up Monday 13:00 and delivered Tuesday 13:00."""
    order = awaiting_shipment(client, world, week, units)
    tracking = tracking_number("SX", digits)
    ship(client, world.seller_a, [order["id"]], tracking)
    scan(client, world, carrier_event(f"{digits}p", tracking, "PICKED_UP", week.monday + 3 * H))
    at = week.monday + D + 3 * H
    scan(client, world, carrier_event(f"{digits}d", tracking, "DELIVERED", at))
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "DELIVERED"
    return fresh, at


def claim(
    client: TestClient,
    actor: Actor,
    order_id: str,
    kind: str,
    reason: str,
    lines: list[str],
    **extra: Any,
) -> Response:
    body = {"kind": kind, "reason": reason, "line_item_ids": lines, **extra}
    response: Response = client.post(
        f"{API}/orders/{order_id}/disputes", json=body, headers=actor.headers
    )
    return response


def decide(
    client: TestClient, actor: Actor, dispute_id: str, decision: str, **extra: Any
) -> Response:
    body = {"decision": decision, "note": "checked the evidence", **extra}
    response: Response = client.post(
        f"{API}/disputes/{dispute_id}/decide", json=body, headers=actor.headers
    )
    return response


def evidence(client: TestClient, actor: Actor, dispute_id: str, data: bytes, kind: str) -> Response:
    headers = {**actor.headers, "Content-Type": kind}
    response: Response = client.post(
        f"{API}/disputes/{dispute_id}/evidence", content=data, headers=headers
    )
    return response


def dispute(client: TestClient, actor: Actor, dispute_id: str) -> dict[str, Any]:
    result: dict[str, Any] = ok(client.get(f"{API}/disputes/{dispute_id}", headers=actor.headers))
    return result


def a_return(
    db: Database, order: dict[str, Any], lines: list[str], status: str, at: datetime | None = None
) -> int:
    """A return request row as the returns flow leaves it (requested ``at``, default now)."""
    with db.unit_of_work() as session:
        ret = Return(
            id=new_id(),
            order_id=int(order["id"]),
            shop_id=int(order["shop_id"]),
            buyer_id=int(order["buyer_id"]),
            return_type="REFUND",
            status=status,
            reason="NOT_AS_DESCRIBED",
            created_at=at or utcnow(),
        )
        session.add(ret)
        session.flush()
        session.add_all(
            ReturnLine(id=new_id(), return_id=ret.id, line_item_id=int(i), refund_amount=0)
            for i in lines
        )
        return ret.id


def a_cancellation_request(db: Database, order: dict[str, Any], lines: list[str]) -> int:
    with db.unit_of_work() as session:
        row = Cancellation(
            id=new_id(),
            order_id=int(order["id"]),
            shop_id=int(order["shop_id"]),
            buyer_id=int(order["buyer_id"]),
            cancel_type="BUYER_CANCEL",
            role="BUYER",
            status="CANCELLATION_REQUEST_PENDING",
            reason="changed my mind",
            line_item_ids=lines,
        )
        session.add(row)
        return row.id
