"""The seller's own return, ``POST /return_refund/202309/returns``, over HTTP on both
databases: made and approved at once through the after-sales context (a REFUND refunded, a
RETURN_AND_REFUND waiting for the buyer's parcel, a partial refund), ``idempotency_key``
replays answering the first answer, and bad or impossible requests refused with the
envelope's codes and nothing kept. Answers are validated by our models of the reference."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.partner import returns_schemas as api
from clipshop.partner import scopes
from tests.conftest import World
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import get_order, ok
from tests.integration.partner_returns_support import (
    RR,
    delivered_orders,
    records_of,
    refunds,
    returns_page,
)
from tests.integration.returns_support import act, calculate, line_ids, return_rows
from tests.partner_support import answer, connect, refused

CREATE = f"{RR}/returns"


def quoted(client: TestClient, world: World, order: dict[str, Any], reason: str) -> str:
    """What the buyer's own REFUND of every line would refund (the native quote)."""
    native = ok(calculate(client, world.buyer, order["id"], line_ids(order), "REFUND", reason))
    total: str = native["order_refund_amount"]["refund_total"]["amount"]
    return total


def test_a_seller_refund_is_refunded_at_once_and_replays(
    client: TestClient, db: Database, world: World
) -> None:
    order, other = delivered_orders(client, world, 2)
    partner = connect(client, db, [world.shop_a.id], [scopes.RETURN_REFUND])
    expected = quoted(client, world, order, "DAMAGED")

    body = {"order_id": order["id"], "return_type": "REFUND", "return_reason": "DAMAGED"}
    key = {"idempotency_key": "seller-refund-1"}
    made = answer(partner.post(CREATE, body, key), api.CreateReturnData)
    assert made.return_status == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert refunds(db, order["id"]) == ["SUCCEEDED"]
    assert records_of(db, "RETURN", made.return_id) == ["REQUESTED", "APPROVED", "REFUNDED"]
    assert get_order(client, world.buyer, order["id"])["status"] == "COMPLETED"  # all refunded

    # a replay answers the first answer and does nothing; the key with another body is refused
    assert answer(partner.post(CREATE, body, key), api.CreateReturnData) == made
    assert refunds(db, order["id"]) == ["SUCCEEDED"]
    other_body = body | {"return_reason": "WRONG_ITEM"}
    assert "idempotency_key" in refused(partner.post(CREATE, other_body, key), 400, 36009004)
    refused(partner.post(CREATE, body), 409, 36009006)  # without a key: nothing left to return

    # search and records show the seller's request as such
    (shown,) = returns_page(partner, {"return_ids": [made.return_id]}).return_orders
    assert (shown.role, shown.return_type, shown.return_reason) == ("SELLER", "REFUND", "DAMAGED")
    assert shown.refund_amount.refund_total == expected
    assert not shown.seller_next_action_response
    recs = answer(partner.get(f"{RR}/returns/{made.return_id}/records"), api.RecordsData)
    assert [r.role for r in recs.records] == ["SELLER", "SELLER", "SELLER"]

    # a partial refund (goodwill): the lines keep the rest, which can be refunded later
    part = body | {"order_id": other["id"], "refund_total": "1.00", "currency": "USD"}
    first = answer(partner.post(CREATE, part), api.CreateReturnData)
    (shown,) = returns_page(partner, {"return_ids": [first.return_id]}).return_orders
    assert shown.refund_amount.refund_total == "1.00"
    rest = answer(partner.post(CREATE, body | {"order_id": other["id"]}), api.CreateReturnData)
    assert rest.return_status == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert refunds(db, other["id"]) == ["SUCCEEDED", "SUCCEEDED"]
    assert get_order(client, world.buyer, other["id"])["status"] == "COMPLETED"


def test_a_seller_return_by_skus_waits_for_the_buyers_parcel(
    client: TestClient, db: Database, world: World
) -> None:
    (order,) = delivered_orders(client, world, 1, units=3, tag="SK")
    partner = connect(client, db, [world.shop_a.id], [scopes.RETURN_REFUND])
    sku = str(world.shop_a.sku_id)
    body = {"order_id": order["id"], "return_type": "RETURN_AND_REFUND"}
    body |= {"return_reason": "WRONG_ITEM", "skus": [{"sku_id": sku, "quantity": 2}]}
    body |= {"handover_method": "DROP_OFF", "shipment_type": "PLATFORM"}
    made = answer(partner.post(CREATE, body), api.CreateReturnData)
    assert made.return_status == "AWAITING_BUYER_SHIP"
    assert refunds(db, order["id"]) == []
    (shown,) = returns_page(partner, {"return_ids": [made.return_id]}).return_orders
    assert [x.order_line_item_id for x in shown.return_line_items] == line_ids(order)[:2]

    # then the usual flow: the buyer ships with the platform label, the seller confirms
    ok(act(client, world.buyer, made.return_id, "ship"))
    path = f"{RR}/returns/{made.return_id}/approve"
    done = partner.post(path, {"decision": "APPROVE_RECEIVED_PACKAGE"})
    assert done.status_code == 200 and done.json()["code"] == 0, done.text
    assert refunds(db, order["id"]) == ["SUCCEEDED"]
    (shown,) = returns_page(partner, {"return_ids": [made.return_id]}).return_orders
    assert shown.return_status == "RETURN_OR_REFUND_REQUEST_COMPLETE" and shown.role == "SELLER"

    # the third unit is all that is left to return by SKU
    more = body | {"skus": [{"sku_id": sku, "quantity": 2}]}
    assert f"SKU {sku}" in refused(partner.post(CREATE, more), 422, 36009004)


def test_bad_or_impossible_seller_returns_are_refused_and_keep_nothing(
    client: TestClient, db: Database, world: World
) -> None:
    (order,) = delivered_orders(client, world, 1, units=2, tag="BD")
    (waiting,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})
    (theirs,) = paid_orders(client, world.buyer, {world.shop_b.sku_id: 1})
    partner = connect(client, db, [world.shop_a.id], [scopes.RETURN_REFUND])
    good = {"order_id": order["id"], "return_type": "REFUND", "return_reason": "DAMAGED"}
    before = return_rows(db)

    # 400: refused by the partner API's checks; 422: by the after-sales context's (the same code)
    invalid: list[tuple[dict[str, Any], str, int]] = [
        (good | {"return_type": "REPLACEMENT"}, "return_type", 400),
        (good | {"return_reason": "BORED"}, "return_reason", 400),
        ({"order_id": order["id"], "return_type": "REFUND"}, "return_reason", 400),
        (good | {"order_id": "12ab"}, "order_id", 400),
        (good | {"handover_method": "TELEPORT"}, "handover_method", 400),
        (good | {"shipment_type": "DRONE"}, "shipment_type", 400),
        (good | {"currency": "EUR"}, "currency", 400),
        (good | {"refund_total": "1.005"}, "refund_total", 400),
        (good | {"refund_total": "0"}, "refund_total", 422),
        (good | {"refund_total": "99999.00"}, "refund_total", 422),
        (good | {"return_type": "RETURN_AND_REFUND", "refund_total": "1.00"}, "refund_total", 422),
        (
            good | {"order_line_item_ids": [line_ids(order)[0]], "skus": [{"sku_id": "1"}]},
            "skus",
            400,
        ),
        (good | {"skus": [{"sku_id": str(world.shop_a.sku_id), "quantity": 3}]}, "SKU", 422),
        (good | {"order_line_item_ids": [waiting["line_items"][0]["id"]]}, "not lines of", 422),
    ]
    for body, named, status in invalid:
        message = refused(partner.post(CREATE, body), status, 36009004)
        assert named in message, (body, message)
    late = good | {"order_id": waiting["id"]}
    assert "not been delivered" in refused(partner.post(CREATE, late), 409, 36009006)
    refused(partner.post(CREATE, good | {"order_id": theirs["id"]}), 404, 36009005)
    refused(partner.post(CREATE, good | {"order_id": "42"}), 404, 36009005)
    orders_only = connect(client, db, [world.shop_a.id], [scopes.ORDER_INFO])
    refused(orders_only.post(CREATE, good), 403, 105005)
    assert return_rows(db) == before
    assert refunds(db, order["id"]) == []
