"""Support-case deadlines and the cases other contexts drive, on SQLite and PostgreSQL, by
moving the sandbox clock (the sweeper runs what falls due): the reopen window and the
auto-close, a dispute's 72-hour decision deadline, force-majeure approval moving the order's
shipping deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from tests.conftest import World, problem_code
from tests.integration.checkout_api import advance, get_order, ok
from tests.integration.deadline_support import D, H, Week, at, awaiting_shipment, move_to, timers_of
from tests.integration.dispute_support import claim, decide, delivered
from tests.integration.support_api import (
    CASES,
    act,
    case_actions,
    done,
    open_case,
    opened,
    queue,
    read,
)


def _at(body: dict[str, Any], field: str) -> datetime:
    found = at(body, field)
    assert found is not None, field
    return found


def test_a_resolved_case_reopens_within_its_window_then_closes_by_the_timer(
    client: TestClient, db: Database, world: World
) -> None:
    case = opened(client, world.buyer, "ACCOUNT")  # about no shop: its timer has none either
    cid = case["id"]
    resolved = done(client, world.agent, cid, "resolve", {"resolution": "done"})
    assert timers_of(db, cid) == {"CASE_AUTO_CLOSE": _at(resolved, "resolved_at") + 7 * D}
    advance(client, world.admin, days=6, hours=23)
    assert read(client, world.buyer, cid)["status"] == "RESOLVED"
    done(client, world.buyer, cid, "reopen", {"reason": "it broke again"})
    assert timers_of(db, cid) == {}
    resolved = done(client, world.agent, cid, "resolve", {"resolution": "done again"})
    advance(client, world.admin, days=6)
    assert read(client, world.buyer, cid)["status"] == "RESOLVED"
    advance(client, world.admin, days=1)
    closed = read(client, world.buyer, cid)
    assert closed["status"] == "CLOSED"  # by the sweeper, once the window was over
    assert _at(closed, "closed_at") >= _at(resolved, "resolved_at") + 7 * D
    assert timers_of(db, cid) == {}
    late = act(client, world.buyer, cid, "reopen", {"reason": "too late"})
    assert late.status_code == 409
    assert case_actions(db, cid)[-1] == ("RESOLVED", "CLOSED", "CLOSED")


def _dispute(client: TestClient, world: World, week: Week) -> tuple[str, dict[str, str]]:
    order, _ = delivered(client, world, week)
    lines = [line["id"] for line in order["line_items"]]
    dispute = ok(claim(client, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", lines), 201)
    (case,) = [c for c in queue(client, world.agent, "all") if c["dispute_id"] == dispute["id"]]
    return dispute["id"], case


def test_an_undecided_dispute_escalates_to_the_supervisors_after_72_hours(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    dispute_id, case = _dispute(client, world, week)
    opened_at = _at(case, "created_at")
    assert (case["category"], case["status"], case["opened_by_role"]) == (
        "DISPUTE",
        "OPEN",
        "system",
    )
    assert _at(case, "decide_by") == opened_at + 72 * H
    assert timers_of(db, case["id"]) == {"CASE_DISPUTE_DUE": opened_at + 72 * H}
    # the buyer follows the dispute, not the agents' case
    assert client.get(f"{CASES}/{case['id']}", headers=world.buyer.headers).status_code == 404
    move_to(client, world, opened_at + 72 * H - 1 * H)
    assert read(client, world.agent, case["id"])["escalated_at"] is None
    assert queue(client, world.supervisor, "escalated") == []
    move_to(client, world, opened_at + 72 * H)
    escalated = read(client, world.supervisor, case["id"])
    assert escalated["escalation_reason"] == "dispute not decided within 72 hours"
    assert [c["id"] for c in queue(client, world.supervisor, "escalated")] == [case["id"]]
    assert timers_of(db, case["id"]) == {}
    ok(decide(client, world.supervisor, dispute_id, "SUPPORT_SELLER"))
    resolved = read(client, world.supervisor, case["id"])
    assert resolved["status"] == "RESOLVED"
    assert resolved["resolution"] == f"dispute {dispute_id}: SUPPORT_SELLER"
    assert [a for _, _, a in case_actions(db, case["id"])] == ["OPENED", "ESCALATED", "RESOLVED"]


def test_a_dispute_decided_in_time_resolves_its_case_and_never_escalates(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    dispute_id, case = _dispute(client, world, week)
    refused = act(client, world.agent, case["id"], "resolve", {"resolution": "by hand"})
    assert refused.status_code == 409 and problem_code(refused) == "case_resolved_elsewhere"
    ok(decide(client, world.agent, dispute_id, "SUPPORT_SELLER"))
    assert read(client, world.agent, case["id"])["status"] == "RESOLVED"
    assert "CASE_DISPUTE_DUE" not in timers_of(db, case["id"])
    move_to(client, world, _at(case, "decide_by") + H)
    assert read(client, world.agent, case["id"])["escalated_at"] is None


def test_force_majeure_approval_moves_the_orders_deadlines(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    rts, due = _at(order, "rts_sla_time"), _at(order, "shipping_due_time")
    buyer_try = open_case(
        client, world.buyer, "FORCE_MAJEURE", order_id=order["id"], extension_hours=5
    )
    assert buyer_try.status_code == 422
    too_long = open_case(
        client, world.seller_a, "FORCE_MAJEURE", order_id=order["id"], extension_days=31
    )
    assert too_long.status_code == 422 and problem_code(too_long) == "invalid_case"
    foreign = open_case(
        client, world.seller_b, "FORCE_MAJEURE", order_id=order["id"], extension_days=2
    )
    assert foreign.status_code == 404
    case = opened(client, world.seller_a, "FORCE_MAJEURE", order_id=order["id"], extension_days=2)
    assert case["extension_requested_hours"] == 48 and case["shop_id"] == str(world.shop_a.id)
    cid = case["id"]
    url = "force-majeure/approve"
    assert act(client, world.seller_a, cid, url, {"approved_hours": 36}).status_code == 403
    over = act(client, world.agent, cid, url, {"approved_hours": 49})
    assert over.status_code == 422 and problem_code(over) == "extension_too_long"
    approved = done(client, world.agent, cid, url, {"approved_hours": 36, "note": "flood"})
    assert (approved["status"], approved["extension_decision"]) == ("RESOLVED", "APPROVED")
    assert approved["extension_approved_hours"] == 36
    fresh = get_order(client, world.seller_a, order["id"])
    assert (_at(fresh, "rts_sla_time"), _at(fresh, "shipping_due_time")) == (
        rts + 36 * H,
        due + 36 * H,
    )
    twice = act(client, world.agent, cid, "force-majeure/reject", {"note": "no"})
    assert twice.status_code == 409 and problem_code(twice) == "force_majeure_decided"
    assert (
        read(client, world.seller_a, cid)["resolution"] == "extension of 36 hours approved: flood"
    )


def test_a_rejected_or_refused_extension_leaves_the_order_alone(
    client: TestClient, db: Database, world: World, week: Week
) -> None:
    order = awaiting_shipment(client, world, week)
    before = get_order(client, world.seller_a, order["id"])
    case = opened(client, world.seller_a, "FORCE_MAJEURE", order_id=order["id"], extension_hours=24)
    refused = act(client, world.agent, case["id"], "resolve", {"resolution": "no"})
    assert refused.status_code == 409
    rejected = done(
        client, world.agent, case["id"], "force-majeure/reject", {"note": "not covered"}
    )
    assert (rejected["status"], rejected["extension_decision"]) == ("RESOLVED", "REJECTED")
    after = get_order(client, world.seller_a, order["id"])
    assert after["rts_sla_time"] == before["rts_sla_time"]
    assert after["deadline_extension_hours"] == before["deadline_extension_hours"]
