"""Disputes end to end on SQLite and PostgreSQL, the clock moved to each window's edge:
damage claims (7 days, evidence required), buyer protection (90 days, even after COMPLETED),
"not received" only 48 h after the carrier's delivered event, escalations of rejected and
unanswered requests (72 h), agent decisions with exact refunds through the gateway, and the
refusals (409 / 403 / 404 / 422) with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.deadlines import policies
from clipshop.identity.principal import Role
from clipshop.models import AftersaleRecord, OrderEvent, StoredFile
from tests.conftest import World, make_actor, problem_code
from tests.integration.checkout_api import API, get_order, ok, parse_time
from tests.integration.deadline_support import D, H, Week, awaiting_shipment, move_to, refunds
from tests.integration.dispute_support import (
    MP4,
    PNG,
    a_cancellation_request,
    a_return,
    claim,
    decide,
    delivered,
    dispute,
    evidence,
)
from tests.integration.native_api import snapshot
from tests.refund_support import assert_balanced, read_books

S = D / 86400


def line_ids(order: dict[str, Any]) -> list[str]:
    return [line["id"] for line in order["line_items"]]


def line_total(order: dict[str, Any], index: int) -> int:
    line = order["line_items"][index]
    return int(line["sale_price"]["minor_units"]) + int(line["tax"]["minor_units"])


def dispute_events(order: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in order["timeline"] if e["kind"].startswith("DISPUTE")]


def test_damage_claim_within_seven_days_needs_evidence_and_refunds_the_line(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    first, second = line_ids(order)
    move_to(client, world, at + 7 * D)  # the last moment of the window
    opened = ok(claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", [first]), 201)
    assert (opened["status"], opened["line_item_ids"]) == ("IN_PROGRESS", [first])
    move_to(client, world, at + 7 * D + S)
    late = claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", [second])
    assert (late.status_code, problem_code(late)) == (409, "damage_claim_window_closed")
    assert parse_time(late.json()["closed_at"]) == at + 7 * D

    # No evidence yet: the agent cannot uphold it.
    early = decide(client, world.agent, opened["id"], "SUPPORT_BUYER")
    assert (early.status_code, problem_code(early)) == (409, "evidence_required")
    before = snapshot(db, StoredFile, AftersaleRecord, OrderEvent)
    bad = evidence(client, world.buyer, opened["id"], b"%PDF-1.4 not a photo", "image/png")
    assert (bad.status_code, problem_code(bad)) == (422, "unsupported_file_type")
    big = evidence(
        client, world.buyer, opened["id"], PNG + b"\x00" * (5 * 1024 * 1024), "image/png"
    )
    assert (big.status_code, problem_code(big)) == (413, "file_too_large")
    seller = evidence(client, world.seller_a, opened["id"], PNG, "image/png")
    assert seller.status_code == 403
    assert snapshot(db, StoredFile, AftersaleRecord, OrderEvent) == before  # nothing kept
    photo = ok(evidence(client, world.buyer, opened["id"], PNG, "image/png"), 201)
    video = ok(evidence(client, world.buyer, opened["id"], MP4, "video/mp4"), 201)
    assert (photo["content_type"], video["content_type"]) == ("image/png", "video/mp4")
    download = client.get(photo["download_url"], headers=world.agent.headers)
    assert download.content == PNG
    assert client.get(photo["download_url"], headers=world.seller_b.headers).status_code == 404
    assert dispute(client, world.buyer, opened["id"])["status"] == "IN_PROGRESS"
    assert refunds(db, order["id"]) == []

    decided = ok(decide(client, world.agent, opened["id"], "SUPPORT_BUYER"))
    price = line_total(order, 0)
    assert decided["status"] == "SUPPORT_BUYER"
    assert decided["refund_amount"]["minor_units"] == price
    # Every step is a record and an order timeline event: the two uploads too.
    steps = ["DISPUTE_OPENED", *["DISPUTE_EVIDENCE_ADDED"] * 2, "DISPUTE_DECIDED"]
    assert [r["event"] for r in decided["records"]] == steps
    assert [r["note"] for r in decided["records"][1:3]] == [
        f"file {photo['id']} (image/png)",
        f"file {video['id']} (video/mp4)",
    ]
    assert [r["actor_role"] for r in decided["records"]] == [
        "BUYER",
        "BUYER",
        "BUYER",
        "OPERATOR",
    ]
    assert len(decided["evidence"]) == 2
    assert refunds(db, order["id"]) == [(price, "SUCCEEDED")]
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "DELIVERED"  # one line of two: not refunded in full
    assert [line["refunded_amount"]["minor_units"] for line in fresh["line_items"]] == [price, 0]
    assert dispute_events(fresh) == steps
    assert_balanced(read_books(db, int(order["id"])))

    again = decide(client, world.agent, opened["id"], "SUPPORT_SELLER")
    assert (again.status_code, problem_code(again)) == (409, "dispute_already_decided")
    after = evidence(client, world.buyer, opened["id"], PNG, "image/png")
    assert (after.status_code, problem_code(after)) == (409, "dispute_already_decided")


def test_not_received_opens_48_hours_after_the_delivered_event_and_refunds_everything(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    lines = line_ids(order)
    move_to(client, world, at + 48 * H - S)
    early = claim(client, world.buyer, order["id"], "BUYER_PROTECTION", "NOT_RECEIVED", lines)
    assert (early.status_code, problem_code(early)) == (409, "not_received_claim_too_early")
    assert parse_time(early.json()["opens_at"]) == at + 48 * H
    assert ok(client.get(f"{API}/disputes", headers=world.buyer.headers))["items"] == []
    move_to(client, world, at + 48 * H)
    opened = ok(
        claim(client, world.buyer, order["id"], "BUYER_PROTECTION", "NOT_RECEIVED", lines), 201
    )
    twice = claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", lines[:1])
    assert (twice.status_code, problem_code(twice)) == (409, "dispute_already_open")
    assert twice.json()["dispute_id"] == opened["id"]

    decided = ok(decide(client, world.supervisor, opened["id"], "SUPPORT_BUYER"))
    books = read_books(db, int(order["id"]))
    assert decided["refund_amount"]["minor_units"] == books.total  # lines and shipping
    assert refunds(db, order["id"]) == [(books.total, "SUCCEEDED")]
    assert_balanced(books)
    fresh = get_order(client, world.buyer, order["id"])
    assert fresh["status"] == "COMPLETED"  # refunded in full
    assert fresh["timeline"][-1]["reason"] == f"refunded in full by dispute {opened['id']}"


def test_buyer_protection_lasts_90_days_even_after_the_order_completed(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    first, second = line_ids(order)
    move_to(client, world, at + 31 * D)
    assert get_order(client, world.buyer, order["id"])["status"] == "COMPLETED"
    move_to(client, world, at + 90 * D)
    opened = ok(
        claim(client, world.buyer, order["id"], "BUYER_PROTECTION", "WRONG_ITEM", [first]), 201
    )
    bad_reason = claim(
        client, world.buyer, order["id"], "BUYER_PROTECTION", "CHANGED_MIND", [second]
    )
    assert (bad_reason.status_code, problem_code(bad_reason)) == (422, "invalid_reason")
    move_to(client, world, at + 90 * D + S)
    late = claim(client, world.buyer, order["id"], "BUYER_PROTECTION", "NOT_AS_DESCRIBED", [second])
    assert (late.status_code, problem_code(late)) == (409, "protection_window_closed")

    partial = decide(client, world.agent, opened["id"], "SUPPORT_BUYER", refund_amount=250)
    decided = ok(partial)
    assert decided["refund_amount"]["minor_units"] == 250
    assert refunds(db, order["id"]) == [(250, "SUCCEEDED")]
    assert_balanced(read_books(db, int(order["id"])))


def test_the_agent_may_support_the_seller_and_never_refund_beyond_the_claim(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    first, second = line_ids(order)
    move_to(client, world, at + 3 * D)
    one = ok(claim(client, world.buyer, order["id"], "BUYER_PROTECTION", "DAMAGED", [first]), 201)
    two = ok(claim(client, world.buyer, order["id"], "BUYER_PROTECTION", "DAMAGED", [second]), 201)
    before = read_books(db, int(order["id"]))
    too_much = decide(
        client, world.agent, one["id"], "SUPPORT_BUYER", refund_amount=line_total(order, 0) + 1
    )
    assert (too_much.status_code, problem_code(too_much)) == (409, "refund_exceeds_capture")
    assert dispute(client, world.agent, one["id"])["status"] == "IN_PROGRESS"
    assert read_books(db, int(order["id"])) == before
    for actor in (world.buyer, world.seller_a):
        refused = decide(client, actor, one["id"], "SUPPORT_BUYER")
        assert refused.status_code == 403
    seller = ok(decide(client, world.admin, two["id"], "SUPPORT_SELLER"))
    assert (seller["status"], seller["refund_amount"]["minor_units"]) == ("SUPPORT_SELLER", 0)
    assert read_books(db, int(order["id"])) == before
    assert get_order(client, world.buyer, order["id"])["status"] == "DELIVERED"


def test_escalations_of_rejected_and_unanswered_requests(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    first, second = line_ids(order)
    move_to(client, world, at + 2 * D)
    rejected = a_return(db, order, [first], "REFUND_OR_RETURN_REQUEST_REJECT")
    pending = a_return(db, order, [second], "RETURN_OR_REFUND_REQUEST_PENDING")
    ok_body = {"return_id": str(rejected)}
    wrong_line = claim(
        client, world.buyer, order["id"], "ESCALATION", "REQUEST_REJECTED", [second], **ok_body
    )
    assert (wrong_line.status_code, problem_code(wrong_line)) == (422, "line_not_in_order")
    escalated = ok(
        claim(client, world.buyer, order["id"], "ESCALATION", "REQUEST_REJECTED", [], **ok_body),
        201,
    )
    assert (escalated["line_item_ids"], escalated["return_id"]) == ([first], str(rejected))

    body = {"return_id": str(pending)}
    move_to(client, world, at + 2 * D + 72 * H - S)
    early = claim(client, world.buyer, order["id"], "ESCALATION", "NO_SELLER_RESPONSE", [], **body)
    assert (early.status_code, problem_code(early)) == (409, "escalation_too_early")
    assert parse_time(early.json()["opens_at"]) == at + 2 * D + 72 * H
    move_to(client, world, at + 2 * D + 72 * H)
    late = ok(
        claim(client, world.buyer, order["id"], "ESCALATION", "NO_SELLER_RESPONSE", [], **body), 201
    )
    assert late["line_item_ids"] == [second]

    nothing = claim(client, world.buyer, order["id"], "ESCALATION", "NO_SELLER_RESPONSE", [])
    assert (nothing.status_code, problem_code(nothing)) == (409, "nothing_to_escalate")
    a_cancellation_request(db, order, [first, second])
    busy = claim(client, world.buyer, order["id"], "ESCALATION", "NO_SELLER_RESPONSE", [])
    assert problem_code(busy) == "escalation_too_early"
    decided = ok(decide(client, world.agent, escalated["id"], "SUPPORT_BUYER"))
    assert decided["refund_amount"]["minor_units"] == line_total(order, 0)


def test_who_may_open_read_and_list_disputes(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order, at = delivered(client, world, week)
    first, second = line_ids(order)
    move_to(client, world, at + D)
    other = make_actor(db, Role.BUYER, "other.buyer@test.dev")
    for actor, status in ((world.seller_a, 403), (world.agent, 403), (other, 404)):
        refused = claim(client, actor, order["id"], "DAMAGE_CLAIM", "DAMAGED", [first])
        assert refused.status_code == status, refused.text
    unknown = claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", ["123"])
    assert (unknown.status_code, problem_code(unknown)) == (422, "line_not_in_order")
    extra = client.post(
        f"{API}/orders/{order['id']}/disputes",
        json={
            "kind": "DAMAGE_CLAIM",
            "reason": "DAMAGED",
            "line_item_ids": [first],
            "status": "SUPPORT_BUYER",
        },
        headers=world.buyer.headers,
    )
    assert extra.status_code == 422
    assert ok(client.get(f"{API}/disputes", headers=world.agent.headers))["items"] == []

    one = ok(claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", [first]), 201)
    two = ok(
        claim(client, world.buyer, order["id"], "BUYER_PROTECTION", "WRONG_ITEM", [second]), 201
    )
    ok(decide(client, world.agent, two["id"], "SUPPORT_SELLER"))

    def listed(actor: Any, query: str = "") -> list[str]:
        body = ok(client.get(f"{API}/disputes{query}", headers=actor.headers))
        return [d["id"] for d in body["items"]]

    assert listed(world.agent) == [one["id"], two["id"]]  # oldest first
    assert listed(world.agent, "?status=IN_PROGRESS") == [one["id"]]
    assert listed(world.supervisor, "?kind=BUYER_PROTECTION") == [two["id"]]
    assert listed(world.agent, "?limit=1") == [one["id"]]
    assert listed(world.buyer) == [one["id"], two["id"]]
    assert listed(world.seller_a) == [one["id"], two["id"]]
    assert listed(world.seller_b) == listed(other) == []
    for actor in (world.seller_b, other):
        assert client.get(f"{API}/disputes/{one['id']}", headers=actor.headers).status_code == 404
    assert dispute(client, world.seller_a, one["id"])["records"][0]["event"] == "DISPUTE_OPENED"
    paged = ok(client.get(f"{API}/disputes?limit=1", headers=world.agent.headers))
    rest = ok(
        client.get(
            f"{API}/disputes?limit=1&cursor={paged['next_cursor']}", headers=world.agent.headers
        )
    )
    assert [d["id"] for d in rest["items"]] == [two["id"]]


def test_claims_before_delivery_are_refused(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    for kind, reason in (("DAMAGE_CLAIM", "DAMAGED"), ("BUYER_PROTECTION", "NOT_RECEIVED")):
        refused = claim(client, world.buyer, order["id"], kind, reason, line_ids(order))
        assert (refused.status_code, problem_code(refused)) == (409, "order_not_delivered")
    assert ok(client.get(f"{API}/disputes", headers=world.agent.headers))["items"] == []


def test_escalations_end_to_end_through_the_returns_api(
    client: TestClient, db: Database, world: World, week: Week, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No rows written by hand: a return the seller rejects through the API is escalated at
    once and the agent's SUPPORT_BUYER refunds it; a request the seller leaves unanswered
    can be escalated at request + 72 h. (With the built-in 48 h auto-approval a request is
    never unanswered that long, so this region gives the seller 96 h to answer.)"""
    base = policies.current()
    longer = base.for_region("US").model_copy(update={"seller_response_hours": 96})
    patched = base.model_copy(update={"regions": {**base.regions, "US": longer}})
    monkeypatch.setattr(policies, "current", lambda: patched)
    order, at = delivered(client, world, week)
    first, second = line_ids(order)
    move_to(client, world, at + D)
    r1 = ok(
        client.post(
            f"{API}/orders/{order['id']}/returns",
            json={"return_type": "REFUND", "reason": "NOT_AS_DESCRIBED", "line_item_ids": [first]},
            headers=world.buyer.headers,
        ),
        201,
    )
    r2 = ok(
        client.post(
            f"{API}/orders/{order['id']}/returns",
            json={"return_type": "REFUND", "reason": "WRONG_ITEM", "line_item_ids": [second]},
            headers=world.buyer.headers,
        ),
        201,
    )
    requested = parse_time(r2["create_time"])
    assert parse_time(r2["seller_respond_by"]) == requested + 96 * H
    ok(
        client.post(
            f"{API}/returns/{r1['return_id']}/reject",
            json={"reject_reason": "item as described"},
            headers=world.seller_a.headers,
        )
    )
    escalated = ok(
        claim(
            client,
            world.buyer,
            order["id"],
            "ESCALATION",
            "REQUEST_REJECTED",
            [],
            return_id=r1["return_id"],
        ),
        201,
    )
    assert escalated["line_item_ids"] == [first]
    decided = ok(decide(client, world.agent, escalated["id"], "SUPPORT_BUYER"))
    assert (decided["status"], decided["decision_note"]) == (
        "SUPPORT_BUYER",
        "checked the evidence",
    )
    assert refunds(db, order["id"]) == [(line_total(order, 0), "SUCCEEDED")]

    body = {"return_id": r2["return_id"]}
    move_to(client, world, requested + 72 * H - S)
    early = claim(client, world.buyer, order["id"], "ESCALATION", "NO_SELLER_RESPONSE", [], **body)
    assert (early.status_code, problem_code(early)) == (409, "escalation_too_early")
    assert parse_time(early.json()["opens_at"]) == requested + 72 * H
    move_to(client, world, requested + 72 * H)
    late = ok(
        claim(client, world.buyer, order["id"], "ESCALATION", "NO_SELLER_RESPONSE", [], **body), 201
    )
    assert late["line_item_ids"] == [second]
    sided = ok(decide(client, world.agent, late["id"], "SUPPORT_SELLER"))
    assert (sided["status"], sided["refund_amount"]["minor_units"]) == ("SUPPORT_SELLER", 0)
    assert len(refunds(db, order["id"])) == 1
    kinds = [e["kind"] for e in get_order(client, world.buyer, order["id"])["timeline"]]
    steps = [k for k in kinds if k.startswith(("RETURN_", "DISPUTE_"))]
    assert steps == [
        "RETURN_REQUESTED",
        "RETURN_REQUESTED",
        "RETURN_REJECTED",
        "DISPUTE_OPENED",
        "DISPUTE_DECIDED",
        "DISPUTE_OPENED",
        "DISPUTE_DECIDED",
    ]
