"""Helpers for the seller API's return_refund tests: delivered orders and pending cancel
requests made through the native API, the searches as a client calls them (answers validated
by our models of the reference's shapes), and the rows the actions leave."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.models import AftersaleRecord, PaymentTransaction
from clipshop.partner import returns_schemas as api
from tests.conftest import World
from tests.fulfillment_support import carrier_event, paid_orders, send, ship
from tests.integration.checkout_api import API, advance, get_order, ok
from tests.partner_support import PartnerClient, answer

RR = "/return_refund/202309"
RELEASE = {"minutes": 61}


def delivered_orders(
    client: TestClient, world: World, count: int, units: int = 1, tag: str = "RR"
) -> list[dict[str, Any]]:
    """``count`` orders of ``units`` units of shop A's SKU (a line each), shipped and
    delivered now (``tag``: tells apart the tracking numbers of several calls in a test)."""
    items = {world.shop_a.sku_id: units}
    placed = [paid_orders(client, world.buyer, items)[0] for _ in range(count)]
    advance(client, world.admin, **RELEASE)
    for i, order in enumerate(placed):
        tracking = f"OTH-{tag}-{i:04d}"
        ship(client, world.seller_a, [order["id"]], tracking, "OTHER")
        now = utcnow()
        send(client, "OTHER", carrier_event(f"p{tag}{i}", tracking, "PICKED_UP", now))
        send(client, "OTHER", carrier_event(f"d{tag}{i}", tracking, "DELIVERED", now))
    return [get_order(client, world.buyer, o["id"]) for o in placed]


def asked_to_cancel(client: TestClient, world: World, count: int) -> list[dict[str, Any]]:
    """``count`` orders awaiting shipment, each with the buyer's pending cancel request."""
    placed = [paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})[0] for _ in range(count)]
    advance(client, world.admin, **RELEASE)
    made = []
    for order in placed:
        path = f"{API}/orders/{order['id']}/cancellations"
        body = {"reason": "changed my mind"}
        made.append(ok(client.post(path, json=body, headers=world.buyer.headers), 201))
    return made


def refunds(db: Database, order_id: str) -> list[str]:
    """The order's refunds' statuses (SUCCEEDED: sent to the gateway after the commit)."""
    with db.unit_of_work(write=False) as session:
        stmt = select(PaymentTransaction.status).where(
            PaymentTransaction.order_id == int(order_id), PaymentTransaction.kind == "REFUND"
        )
        return list(session.scalars(stmt))


def records_of(db: Database, kind: str, subject_id: str) -> list[str]:
    with db.unit_of_work(write=False) as session:
        stmt = (
            select(AftersaleRecord.event)
            .where(AftersaleRecord.subject_kind == kind)
            .where(AftersaleRecord.subject_id == int(subject_id))
            .order_by(AftersaleRecord.id)
        )
        return list(session.scalars(stmt))


def empty(response: Any) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 0 and body["request_id"] and body["data"] == {}, body


def search_page(
    partner: PartnerClient, what: str, body: dict[str, Any], version: str, query: dict[str, Any]
) -> Any:
    """One page of ``what`` (``returns`` or ``cancellations``) search at ``version``."""
    model = api.ReturnsSearchData if what == "returns" else api.CancellationsSearchData
    path = f"/return_refund/{version}/{what}/search"
    return answer(partner.post(path, body, {"page_size": 100} | query), model)


def returns_page(
    partner: PartnerClient, body: dict[str, Any], version: str = "202309", **query: Any
) -> Any:
    return search_page(partner, "returns", body, version, query)


def cancels_page(
    partner: PartnerClient, body: dict[str, Any], version: str = "202309", **query: Any
) -> Any:
    return search_page(partner, "cancellations", body, version, query)
