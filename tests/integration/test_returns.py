"""Returns and refunds end to end on SQLite and PostgreSQL: refund-only, return and refund,
a rejected package, the money (exact refunds, tax and shipping by rule, caps), the window,
calculate = what approval refunds, and refusals that change nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from tests.conftest import World, problem_code
from tests.integration.checkout_api import get_order, minor
from tests.integration.deadline_support import D, Week, move_to, refunds
from tests.integration.returns_support import (
    act,
    calculate,
    decide,
    delivered,
    get_return,
    line_ids,
    post_return,
    record_events,
    request_return,
    return_rows,
)
from tests.integration.returns_support import minor as units


def test_refund_only_request_approved_refunds_line_tax_and_shipping(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, _ = delivered(client, world, week)
    total = minor(order, "total_amount")
    quoted = calculate(client, world.buyer, order["id"], line_ids(order)).json()
    ret = request_return(client, world.buyer, order)
    assert ret["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert units(ret["refund_amount"]) == units(quoted["order_refund_amount"]["refund_total"])
    approved = decide(client, world.seller_a, ret["return_id"], "APPROVE_REFUND")
    assert approved["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert approved["refund_status"] == "SUCCEEDED"
    assert units(approved["refund_amount"]) == total
    assert refunds(db, order["id"]) == [(total, "SUCCEEDED")]
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "COMPLETED"
    assert record_events(client, world.buyer, ret["return_id"]) == [
        ("REQUESTED", "BUYER", "RETURN_OR_REFUND_REQUEST_PENDING"),
        ("APPROVED", "SELLER", "RETURN_OR_REFUND_REQUEST_PENDING"),
        ("REFUNDED", "SELLER", "RETURN_OR_REFUND_REQUEST_COMPLETE"),
    ]
