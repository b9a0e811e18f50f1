"""The seller API's return_refund module over HTTP, signed as a client signs, on both
databases: returns and cancellations search (filters, paging), return records, reject
reasons, and the seller's approve / reject with ``idempotency_key`` (a replay answers code 0
and acts once), each acting exactly as the native API does. Answers are validated by our
models of the reference's shapes (unknown fields refused) and carry no null."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.partner import returns_schemas as api
from clipshop.partner import scopes
from tests.conftest import World
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import advance, get_order, ok
from tests.integration.partner_returns_support import (
    RELEASE,
    RR,
    asked_to_cancel,
    cancels_page,
    delivered_orders,
    empty,
    records_of,
    refunds,
    returns_page,
)
from tests.integration.returns_support import calculate, request_return
from tests.partner_support import answer, connect, refused


def test_returns_search_records_approve_and_reject(
    client: TestClient, db: Database, world: World
) -> None:
    orders = delivered_orders(client, world, 3)
    partner = connect(client, db, [world.shop_a.id], [scopes.RETURN_REFUND])

    # calculate: what the native quote gives; nothing is created
    lines = [line["id"] for line in orders[0]["line_items"]]
    native = ok(calculate(client, world.buyer, orders[0]["id"], lines, "REFUND", "DAMAGED"))
    body = {"order_id": orders[0]["id"], "order_line_item_ids": lines}
    body |= {"request_type": "REFUND", "reason_name": "DAMAGED"}
    quoted = answer(partner.post(f"{RR}/refunds/calculate", body), api.CalculateData)
    expected = native["order_refund_amount"]
    assert quoted.order_refund_amount.refund_total == expected["refund_total"]["amount"]
    assert quoted.order_refund_amount.refund_tax == expected["refund_tax"]["amount"]
    assert returns_page(partner, {}).total_count == 0

    made = [request_return(client, world.buyer, o) for o in orders]
    ids = [r["return_id"] for r in made]
    again = partner.post(f"{RR}/refunds/calculate", body)  # the line is in an open request
    assert "open request" in refused(again, 409, 36009006)

    # search: every return, three pages of one, oldest first by default, filters
    first = returns_page(partner, {}, page_size=1)
    assert first.total_count == 3 and len(first.return_orders) == 1
    seen = [first.return_orders[0].return_id]
    token = first.next_page_token
    while token:
        page = returns_page(partner, {}, page_size=1, page_token=token)
        seen += [r.return_id for r in page.return_orders]
        token = page.next_page_token
    assert seen == ids
    unsized = partner.post(f"{RR}/returns/search", {})  # page_size is optional here (10)
    assert [r.return_id for r in answer(unsized, api.ReturnsSearchData).return_orders] == ids
    newest = returns_page(partner, {}, sort_order="DESC")
    assert [r.return_id for r in newest.return_orders] == ids[::-1]
    one = returns_page(partner, {"order_ids": [orders[1]["id"]]}).return_orders
    assert [r.return_id for r in one] == [ids[1]]
    shaped = one[0]
    assert shaped.return_status == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert shaped.return_type == "REFUND" and shaped.role == "BUYER"
    assert shaped.refund_amount.refund_total == made[1]["refund_amount"]["amount"]
    assert [x.order_line_item_id for x in shaped.return_line_items] == [
        line["id"] for line in orders[1]["line_items"]
    ]
    assert shaped.seller_next_action_response[0].action == "SELLER_RESPOND_REFUND"
    bad = partner.post(f"{RR}/returns/search", {"return_status": ["NOPE"]}, {"page_size": 10})
    assert "return_status" in refused(bad, 400, 36009004)

    # records: the request, as the native records hold it
    recs = answer(partner.get(f"{RR}/returns/{ids[0]}/records"), api.RecordsData).records
    assert [(r.event, r.role) for r in recs] == [("ORDER_RETURN", "BUYER")]

    # approve with an idempotency key: refunded once, a replay answers 0 and does nothing
    path = f"{RR}/returns/{ids[0]}/approve"
    key = {"idempotency_key": "k-approve-1"}
    empty(partner.post(path, {"decision": "APPROVE_REFUND"}, key))
    assert refunds(db, orders[0]["id"]) == ["SUCCEEDED"]
    empty(partner.post(path, {"decision": "APPROVE_REFUND"}, key))
    assert refunds(db, orders[0]["id"]) == ["SUCCEEDED"]
    again = partner.post(path, {"decision": "APPROVE_RETURN"}, key)
    assert "idempotency_key" in refused(again, 400, 36009004)
    refused(partner.post(path, {"decision": "APPROVE_REFUND"}), 409, 36009006)  # no key
    done = returns_page(partner, {"return_ids": [ids[0]]}).return_orders[0]
    assert done.return_status == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert not done.seller_next_action_response

    # reject: the reasons the API lists, and only those
    reasons = answer(
        partner.get(f"{RR}/reject_reasons", {"return_or_cancel_id": ids[1]}), api.ReasonsData
    ).reasons
    reject = f"{RR}/returns/{ids[1]}/reject"
    bad = partner.post(reject, {"decision": "REJECT_REFUND", "reject_reason": "whatever"})
    assert "reject_reason" in refused(bad, 400, 36009004)
    body = {"decision": "REJECT_REFUND", "reject_reason": reasons[0].name, "comment": "as sold"}
    empty(partner.post(reject, body, {"idempotency_key": "k-reject-1"}))
    empty(partner.post(reject, body, {"idempotency_key": "k-reject-1"}))
    status = ["REFUND_OR_RETURN_REQUEST_REJECT"]
    rejected = returns_page(partner, {"return_status": status}).return_orders
    assert [r.return_id for r in rejected] == [ids[1]]
    assert records_of(db, "RETURN", ids[1]).count("REJECTED") == 1

    # another shop's app sees none of them
    other = connect(client, db, [world.shop_b.id], [scopes.RETURN_REFUND])
    assert returns_page(other, {}).total_count == 0
    refused(
        other.post(f"{RR}/returns/{ids[2]}/approve", {"decision": "APPROVE_REFUND"}), 404, 36009005
    )
    refused(other.get(f"{RR}/returns/{ids[2]}/records"), 404, 36009005)
    refused(other.get(f"{RR}/reject_reasons", {"return_or_cancel_id": ids[2]}), 404, 36009005)


def test_cancellations_search_approve_and_reject(
    client: TestClient, db: Database, world: World
) -> None:
    made = asked_to_cancel(client, world, 3)
    ids = [c["cancel_id"] for c in made]
    partner = connect(client, db, [world.shop_a.id], [scopes.RETURN_REFUND])

    pending = cancels_page(partner, {"cancel_status": ["CANCELLATION_REQUEST_PENDING"]})
    assert [c.cancel_id for c in pending.cancellations] == ids and pending.total_count == 3
    shaped = pending.cancellations[0]
    assert shaped.cancel_type == "BUYER_CANCEL" and shaped.role == "BUYER"
    assert shaped.seller_next_action_response[0].action == "SELLER_RESPOND_CANCEL"
    assert shaped.refund_amount.refund_total == made[0]["refund_amount"]["refund_total"]["amount"]
    paged = cancels_page(partner, {}, page_size=2)
    assert len(paged.cancellations) == 2 and paged.next_page_token
    rest = cancels_page(partner, {}, page_size=2, page_token=paged.next_page_token)
    assert [c.cancel_id for c in rest.cancellations] == ids[2:] and rest.next_page_token == ""
    unsized = partner.post(f"{RR}/cancellations/search", {})  # page_size is optional here (10)
    assert [c.cancel_id for c in answer(unsized, api.CancellationsSearchData).cancellations] == ids
    wrong = partner.post(f"{RR}/cancellations/search", {"cancel_types": ["X"]}, {"page_size": 5})
    refused(wrong, 400, 36009004)

    # approve, replayed: the order cancelled and refunded once, like the native approve
    order_id = made[0]["order_id"]
    path = f"{RR}/cancellations/{ids[0]}/approve"
    empty(partner.post(path, None, {"idempotency_key": "c-1"}))
    empty(partner.post(path, None, {"idempotency_key": "c-1"}))
    assert get_order(client, world.buyer, order_id)["status"] == "CANCELLED"
    assert refunds(db, order_id) == ["SUCCEEDED"]
    assert records_of(db, "CANCELLATION", ids[0]) == ["REQUESTED", "APPROVED"]
    refused(partner.post(path), 409, 36009006)

    # reject with a listed reason: the request is over, the order goes on
    reasons = answer(
        partner.get(f"{RR}/reject_reasons", {"return_or_cancel_id": ids[1]}), api.ReasonsData
    ).reasons
    reject = f"{RR}/cancellations/{ids[1]}/reject"
    body = {"reject_reason": reasons[0].name, "comment": "packed already"}
    empty(partner.post(reject, body, {"idempotency_key": "c-2"}))
    empty(partner.post(reject, body, {"idempotency_key": "c-2"}))
    assert records_of(db, "CANCELLATION", ids[1]) == ["REQUESTED", "REJECTED"]
    assert get_order(client, world.buyer, made[1]["order_id"])["status"] == "AWAITING_SHIPMENT"
    status = cancels_page(partner, {"cancel_ids": ids[:2]}).cancellations
    assert [c.cancel_status for c in status] == [
        "CANCELLATION_REQUEST_COMPLETE",
        "CANCELLATION_REQUEST_CANCEL",
    ]

    # another shop's app: not found, nothing changed
    other = connect(client, db, [world.shop_b.id], [scopes.RETURN_REFUND])
    assert cancels_page(other, {}).total_count == 0
    refused(other.post(f"{RR}/cancellations/{ids[2]}/approve"), 404, 36009005)
    refused(other.post(f"{RR}/cancellations/{ids[2]}/reject", body), 404, 36009005)
    assert records_of(db, "CANCELLATION", ids[2]) == ["REQUESTED"]

    # a grant without the return_refund scope: refused before anything is read or done
    orders_only = connect(client, db, [world.shop_a.id], [scopes.ORDER_INFO])
    refused(orders_only.post(f"{RR}/cancellations/{ids[2]}/approve"), 403, 105005)
    refused(orders_only.post(f"{RR}/returns/search", {}, {"page_size": 10}), 403, 105005)
    assert records_of(db, "CANCELLATION", ids[2]) == ["REQUESTED"]


def test_seller_cancels_an_order(client: TestClient, db: Database, world: World) -> None:
    placed = [paid_orders(client, world.buyer, {world.shop_a.sku_id: 1})[0] for _ in range(2)]
    (theirs,) = paid_orders(client, world.buyer, {world.shop_b.sku_id: 1})
    advance(client, world.admin, **RELEASE)
    partner = connect(client, db, [world.shop_a.id], [scopes.RETURN_REFUND])
    path = f"{RR}/cancellations"

    bad = partner.post(path, {"order_id": placed[0]["id"], "cancel_reason": "BORED"})
    assert "cancel_reason" in refused(bad, 400, 36009004)
    foreign = {"order_id": theirs["id"], "cancel_reason": "PRICING_ERROR"}
    refused(partner.post(path, foreign), 404, 36009005)

    lines = [line["id"] for line in placed[0]["line_items"]]
    whole = {"order_id": placed[0]["id"], "order_line_item_ids": lines, "request_type": "CANCEL"}
    quoted = answer(partner.post(f"{RR}/refunds/calculate", whole), api.CalculateData)
    total = get_order(client, world.buyer, placed[0]["id"])["payment"]["total_amount"]["amount"]
    assert quoted.order_refund_amount.refund_total == total

    body = {"order_id": placed[0]["id"], "cancel_reason": "BUYER_REQUESTED"}
    made = answer(partner.post(path, body), api.CancelOrderData)
    assert made.cancel_status == "CANCELLATION_REQUEST_COMPLETE"
    order = get_order(client, world.buyer, placed[0]["id"])
    assert order["status"] == "CANCELLED"
    assert refunds(db, placed[0]["id"]) == ["SUCCEEDED"]
    assert records_of(db, "CANCELLATION", made.cancel_id) == ["CANCELLED"]
    refused(partner.post(path, body), 409, 36009006)  # as the native seller cancel answers
    listed = cancels_page(partner, {"cancel_ids": [made.cancel_id]}).cancellations
    assert [(c.cancel_type, c.role) for c in listed] == [("CANCEL", "SELLER")]
    assert listed[0].refund_amount.refund_total == quoted.order_refund_amount.refund_total
    late = partner.post(f"{RR}/refunds/calculate", whole)
    assert "already cancelled" in refused(late, 409, 36009006)
    assert get_order(client, world.buyer, theirs["id"])["status"] == "AWAITING_SHIPMENT"

    # eligibility: the after-sales context's verdicts, for the seller (default) or the buyer
    def verdicts(order_id: str, **query: str) -> dict[str, tuple[bool, int | None]]:
        where = f"{RR}/orders/{order_id}/aftersale_eligibility"
        data = answer(partner.get(where, query), api.EligibilityData)
        (sku,) = data.sku_eligibility
        assert sku.sku_id == str(world.shop_a.sku_id)
        return {e.request_type: (e.eligible, e.ineligible_code) for e in sku.line_item_eligibility}

    waiting = placed[1]["id"]
    seller_view = verdicts(waiting)
    assert seller_view["CANCEL"] == (True, None)
    assert seller_view["REFUND"] == (False, 36012009)  # the seller's return: not delivered
    assert seller_view["REPLACEMENT"] == (False, 36012001)  # only buyers ask for those
    buyer_view = verdicts(waiting, initiate_aftersale_user="BUYER")
    assert buyer_view["CANCEL"] == (True, None)  # a request the seller answers
    assert buyer_view["REFUND"] == (False, 36012009)  # not delivered
    assert verdicts(placed[0]["id"])["CANCEL"] == (False, 36012002)  # cancelled above
    refused(partner.get(f"{RR}/orders/{theirs['id']}/aftersale_eligibility"), 404, 36009005)
