"""Returns on SQLite and PostgreSQL: partial refund offers (accepted, declined), replacements
(a linked order at no cost, its stock held), the deadlines by moving the clock (the seller's
48 h, the buyer's shipment, the seller's receipt), and evidence uploads."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import StoredFile
from tests.conftest import Actor, World, problem_code
from tests.integration.checkout_api import (
    API,
    get_order,
    minor,
    ok,
    parse_time,
    set_stock,
    stock,
)
from tests.integration.deadline_support import D, H, Week, move_to, refunds, timers_of
from tests.integration.fulfillment_files_api import (
    JPEG,
    fclient_fixture,  # noqa: F401  (fixture "fclient": file storage in a temporary dir)
    files_dir_fixture,  # noqa: F401  (fixture "files_dir")
)
from tests.integration.returns_support import (
    act,
    calculate,
    decide,
    decide_raw,
    delivered,
    get_return,
    line_ids,
    post_return,
    record_events,
    request_return,
    return_rows,
)
from tests.integration.returns_support import minor as units

SECOND = timedelta(seconds=1)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)


def test_partial_refund_offer_accepted_refunds_the_offer_over_the_lines(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, _ = delivered(client, world, week, units=2)
    ret = request_return(client, world.buyer, order, "RETURN_AND_REFUND", "NOT_AS_DESCRIBED")
    rid = ret["return_id"]
    too_much = decide_raw(
        client, world.seller_a, rid, "OFFER_PARTIAL_REFUND", partial_refund={"amount": 2001}
    )
    assert (too_much.status_code, problem_code(too_much)) == (
        409,
        "partial_refund_exceeds_refundable",
    )
    offered = decide(
        client, world.seller_a, rid, "OFFER_PARTIAL_REFUND", partial_refund={"amount": 701}
    )
    assert offered["return_status"] == "AWAITING_BUYER_RESPONSE"  # the reference's status
    assert offered["partial_refund_status"] == "OFFERED"
    assert units(offered["partial_refund"]) == 701
    due = parse_time(offered["buyer_respond_by"])
    assert timers_of(db, rid) == {"RETURN_OFFER_EXPIRE": due}  # the buyer decides by then
    rejected = act(client, world.seller_a, rid, "reject", reject_reason="changed my mind")
    assert (rejected.status_code, problem_code(rejected)) == (409, "awaiting_buyer_response")
    busy = decide_raw(client, world.seller_a, rid, "APPROVE_RETURN")
    assert (busy.status_code, problem_code(busy)) == (409, "awaiting_buyer_response")
    accepted = ok(act(client, world.buyer, rid, "partial-refund/accept"))
    assert accepted["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert accepted["partial_refund_status"] == "ACCEPTED"
    assert [units(x["refund_amount"]) for x in accepted["return_line_items"]] == [351, 350]
    assert units(accepted["refund_shipping_fee"]) == 0
    assert refunds(db, order["id"]) == [(701, "SUCCEEDED")]
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "DELIVERED"
    assert [units(x["refunded_amount"]) for x in fresh["line_items"]] == [351, 350]
    # Accepting settled the lines: no new request for what is left of them (a silent seller
    # would otherwise have it auto-approved and undo the settlement), and calculate agrees.
    before = return_rows(db)
    for kind in ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT"):
        for refused in (
            post_return(client, world.buyer, order["id"], line_ids(order), kind, "DAMAGED"),
            calculate(client, world.buyer, order["id"], line_ids(order), kind),
        ):
            assert (refused.status_code, problem_code(refused)) == (409, "line_settled")
            assert refused.json()["return_id"] == rid
            assert refused.json()["request_type"] == kind
    assert return_rows(db) == before  # nothing created
    where = f"{API}/orders/{order['id']}/aftersale-eligibility"
    shown = ok(client.get(where, headers=world.buyer.headers))
    for line in shown["line_item_eligibility"]:
        by_type = {a["request_type"]: a for a in line["actions"]}
        for kind in ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT"):
            assert (by_type[kind]["eligible"], by_type[kind]["ineligible_code"]) == (
                False,
                "line_settled",
            )
        assert by_type["BUYER_PROTECTION"]["eligible"]  # disputes keep their own rules
    assert refunds(db, order["id"]) == [(701, "SUCCEEDED")]


def test_partial_refund_offer_declined_goes_back_to_the_seller_for_48_hours(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    ret = request_return(client, world.buyer, order, "REFUND", "DAMAGED")
    rid = ret["return_id"]
    decide(client, world.seller_a, rid, "OFFER_PARTIAL_REFUND", partial_refund={"amount": 300})
    move_to(client, world, at + 5 * H)
    declined = ok(act(client, world.buyer, rid, "partial-refund/decline"))
    assert declined["partial_refund_status"] == "DECLINED"
    assert declined["return_status"] == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert timers_of(db, rid) == {"RETURN_AUTO_APPROVE": at + 53 * H}
    again = act(client, world.buyer, rid, "partial-refund/accept")
    assert (again.status_code, problem_code(again)) == (409, "no_partial_refund_offer")
    assert refunds(db, order["id"]) == []
    move_to(client, world, at + 53 * H)  # the seller stays silent: approved as asked
    done = get_return(client, world.buyer, rid)
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert refunds(db, order["id"]) == [(minor(order, "total_amount"), "SUCCEEDED")]


def test_an_unanswered_offer_lapses_and_the_seller_decides_again(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    """partial_refund_response_hours (48) after the offer it lapses: EXPIRED, the request is
    PENDING again with the seller's 48 h, then auto-approved as asked (a full refund)."""
    order, at = delivered(client, world, week)
    rid = request_return(client, world.buyer, order, "REFUND", "DAMAGED")["return_id"]
    move_to(client, world, at + H)
    offered = decide(
        client, world.seller_a, rid, "OFFER_PARTIAL_REFUND", partial_refund={"amount": 300}
    )
    assert parse_time(offered["buyer_respond_by"]) == at + 49 * H
    move_to(client, world, at + 49 * H - SECOND)
    assert get_return(client, world.buyer, rid)["return_status"] == "AWAITING_BUYER_RESPONSE"
    move_to(client, world, at + 49 * H)
    lapsed = get_return(client, world.buyer, rid)
    assert (lapsed["return_status"], lapsed["partial_refund_status"]) == (
        "RETURN_OR_REFUND_REQUEST_PENDING",
        "EXPIRED",
    )
    assert lapsed["buyer_respond_by"] is None
    assert parse_time(lapsed["seller_respond_by"]) == at + 97 * H
    assert timers_of(db, rid) == {"RETURN_AUTO_APPROVE": at + 97 * H}
    assert record_events(client, world.buyer, rid)[-1] == (
        "PARTIAL_REFUND_EXPIRED",
        "SYSTEM",
        "RETURN_OR_REFUND_REQUEST_PENDING",
    )
    late = act(client, world.buyer, rid, "partial-refund/accept")
    assert (late.status_code, problem_code(late)) == (409, "no_partial_refund_offer")
    assert refunds(db, order["id"]) == []
    move_to(client, world, at + 97 * H)
    assert get_return(client, world.buyer, rid)["return_status"] == (
        "RETURN_OR_REFUND_REQUEST_COMPLETE"
    )
    assert refunds(db, order["id"]) == [(minor(order, "total_amount"), "SUCCEEDED")]


def test_the_buyer_may_withdraw_while_an_offer_waits(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    rid = request_return(client, world.buyer, order, "REFUND", "DAMAGED")["return_id"]
    decide(client, world.seller_a, rid, "OFFER_PARTIAL_REFUND", partial_refund={"amount": 300})
    done = ok(act(client, world.buyer, rid, "cancel"))
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_CANCEL"
    assert timers_of(db, rid) == {}
    move_to(client, world, at + 100 * H)
    assert get_return(client, world.buyer, rid)["return_status"] == (
        "RETURN_OR_REFUND_REQUEST_CANCEL"
    )
    assert refunds(db, order["id"]) == []


def test_replacement_creates_a_linked_order_at_no_cost_with_its_stock_held(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, _ = delivered(client, world, week, units=2)
    sku = world.shop_a.sku_id
    available, committed = stock(client, world.seller_a, sku)
    ret = request_return(client, world.buyer, order, "REPLACEMENT", "WRONG_ITEM")
    assert units(ret["refund_amount"]) == 0
    done = decide(client, world.seller_a, ret["return_id"], "APPROVE_REPLACEMENT")
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_SUCCESS"
    replacement = get_order(client, world.seller_a, done["replacement_order_id"])
    assert replacement["status"] == "AWAITING_SHIPMENT"
    assert [x["sku_id"] for x in replacement["line_items"]] == [str(sku), str(sku)]
    assert minor(replacement, "total_amount") == 0
    assert minor(replacement, "seller_discount") == 2000
    assert replacement["recipient_address"] == order["recipient_address"]
    assert stock(client, world.seller_a, sku) == (available - 2, committed + 2)
    assert set(timers_of(db, replacement["id"])) == {"LATE_DISPATCH", "SHIP_DUE"}
    assert refunds(db, order["id"]) == []
    assert [e for e, _, _ in record_events(client, world.buyer, ret["return_id"])] == [
        "REQUESTED",
        "APPROVED",
        "REPLACEMENT_CREATED",
    ]


def test_seller_silent_for_48_hours_approves_a_refund(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    ret = request_return(client, world.buyer, order)
    rid = ret["return_id"]
    assert timers_of(db, rid) == {"RETURN_AUTO_APPROVE": at + 48 * H}
    move_to(client, world, at + 48 * H - H)
    assert get_return(client, world.buyer, rid)["return_status"] == ret["return_status"]
    move_to(client, world, at + 48 * H)
    done = get_return(client, world.buyer, rid)
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert refunds(db, order["id"]) == [(minor(order, "total_amount"), "SUCCEEDED")]
    assert record_events(client, world.buyer, rid)[1:] == [
        ("AUTO_APPROVED", "SYSTEM", "RETURN_OR_REFUND_REQUEST_PENDING"),
        ("REFUNDED", "SYSTEM", "RETURN_OR_REFUND_REQUEST_COMPLETE"),
    ]
    assert timers_of(db, rid) == {}


def test_auto_approved_return_closes_when_the_buyer_never_ships(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    ret = request_return(client, world.buyer, order, "RETURN_AND_REFUND", "CHANGED_MIND")
    rid = ret["return_id"]
    move_to(client, world, at + 48 * H)
    approved = get_return(client, world.buyer, rid)
    assert approved["return_status"] == "AWAITING_BUYER_SHIP"
    ship_by = at + 48 * H + 7 * D
    assert timers_of(db, rid) == {"RETURN_BUYER_SHIP": ship_by}
    move_to(client, world, ship_by)
    closed = get_return(client, world.buyer, rid)
    assert closed["return_status"] == "RETURN_OR_REFUND_REQUEST_CANCEL"
    assert record_events(client, world.buyer, rid)[-1] == (
        "CLOSED",
        "SYSTEM",
        "RETURN_OR_REFUND_REQUEST_CANCEL",
    )
    assert refunds(db, order["id"]) == []
    assert timers_of(db, rid) == {}


def test_a_shipped_return_the_seller_never_confirms_is_refunded_after_10_days(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    ret = request_return(client, world.buyer, order, "RETURN_AND_REFUND", "CHANGED_MIND")
    rid = ret["return_id"]
    decide(client, world.seller_a, rid, "APPROVE_RETURN")
    ok(act(client, world.buyer, rid, "ship"))
    assert timers_of(db, rid) == {"RETURN_RECEIVE": at + 10 * D}
    move_to(client, world, at + 10 * D)
    done = get_return(client, world.buyer, rid)
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    line_total = 1000  # changed mind: the line only, never the shipping fee
    assert refunds(db, order["id"]) == [(line_total, "SUCCEEDED")]
    assert get_order(client, world.buyer, order["id"])["status"] == "COMPLETED"


def test_buyer_withdraws_a_request(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, _ = delivered(client, world, week)
    ret = request_return(client, world.buyer, order)
    withdrawn = ok(act(client, world.buyer, ret["return_id"], "cancel", reason="found it"))
    assert withdrawn["return_status"] == "RETURN_OR_REFUND_REQUEST_CANCEL"
    assert timers_of(db, ret["return_id"]) == {}
    late = decide_raw(client, world.seller_a, ret["return_id"], "APPROVE_REFUND")
    assert (late.status_code, problem_code(late)) == (409, "invalid_return_status")
    request_return(client, world.buyer, order)  # the line is free again


def _upload(client: TestClient, actor: Actor, rid: str, data: bytes, kind: str) -> Response:
    response: Response = client.post(
        f"{API}/returns/{rid}/evidence",
        content=data,
        headers={**actor.headers, "Content-Type": kind},
    )
    return response


def test_evidence_photos_and_videos_are_kept_and_wrong_or_large_files_refused(
    fclient: TestClient, db: Database, world: World, week: Week
) -> None:
    client = fclient
    order, _ = delivered(client, world, week)
    rid = request_return(client, world.buyer, order)["return_id"]
    photo = ok(_upload(client, world.buyer, rid, JPEG, "image/jpeg"), 201)
    video = ok(_upload(client, world.buyer, rid, MP4, "video/mp4"), 201)
    assert (photo["content_type"], video["content_type"]) == ("image/jpeg", "video/mp4")
    seen = client.get(photo["download_url"], headers=world.seller_a.headers)
    assert seen.status_code == 200 and seen.content == JPEG
    assert client.get(video["download_url"], headers=world.seller_b.headers).status_code == 404
    before = return_rows(db)
    text = _upload(client, world.buyer, rid, b"%PDF-1.4 not evidence", "image/jpeg")
    assert (text.status_code, problem_code(text)) == (422, "unsupported_file_type")
    big = _upload(client, world.buyer, rid, JPEG + bytes(5 * 1024 * 1024), "image/jpeg")
    assert (big.status_code, problem_code(big)) == (413, "file_too_large")
    by_seller = _upload(client, world.seller_a, rid, JPEG, "image/jpeg")
    assert by_seller.status_code == 403
    assert return_rows(db) == before
    with db.unit_of_work(write=False) as session:
        kept = session.scalars(select(StoredFile.id).where(StoredFile.owner_id == int(rid)))
        assert sorted(map(str, kept)) == sorted([photo["id"], video["id"]])


def test_a_replacement_out_of_stock_is_refused_then_refunded_when_the_seller_is_silent(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    set_stock(client, world.shop_a, world.shop_a.sku_id, 0)
    ret = request_return(client, world.buyer, order, "REPLACEMENT", "WRONG_ITEM")
    before = return_rows(db)
    refused = decide_raw(client, world.seller_a, ret["return_id"], "APPROVE_REPLACEMENT")
    assert (refused.status_code, problem_code(refused)) == (409, "sold_out")
    assert return_rows(db) == before
    move_to(client, world, at + 48 * H)
    done = get_return(client, world.buyer, ret["return_id"])
    assert done["return_status"] == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert done["replacement_order_id"] is None
    assert refunds(db, order["id"]) == [(minor(order, "total_amount"), "SUCCEEDED")]
    assert record_events(client, world.buyer, ret["return_id"])[1][0] == "AUTO_APPROVED"
