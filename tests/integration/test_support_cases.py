"""Support cases through the API on SQLite and PostgreSQL: opening, the status flow with
replies, internal notes, the agent queue (order, overdue), taking, escalation and
reassignment permissions, who sees which case, attachments."""

from __future__ import annotations

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from tests.conftest import World, make_actor, problem_code
from tests.integration.checkout_api import advance
from tests.integration.dispute_support import PNG
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


def test_a_case_moves_between_the_user_and_the_agents(
    client: TestClient, db: Database, world: World
) -> None:
    case = opened(client, world.buyer, "ACCOUNT")
    cid = case["id"]
    assert case["status"] == "OPEN" and case["number"].startswith("CS-")
    assert len(case["number"]) == 16 and case["shop_id"] is None
    assert [m["body"] for m in case["messages"]] == ["help me"]
    # the user adds more before any agent answered: still OPEN
    done(client, world.buyer, cid, "messages", {"body": "more details"})
    assert read(client, world.buyer, cid)["status"] == "OPEN"
    done(client, world.agent, cid, "messages", {"body": "looking into it"})
    after_agent = read(client, world.buyer, cid)
    assert after_agent["status"] == "PENDING_USER"
    assert after_agent["first_response_at"] is not None
    done(client, world.agent, cid, "messages", {"body": "secret", "internal": True})
    done(client, world.buyer, cid, "messages", {"body": "thanks, here it is"})
    assert read(client, world.buyer, cid)["status"] == "PENDING_AGENT"
    # the buyer never sees the internal note; the agent does
    assert "secret" not in [m["body"] for m in read(client, world.buyer, cid)["messages"]]
    assert "secret" in [m["body"] for m in read(client, world.agent, cid)["messages"]]
    resolved = done(client, world.agent, cid, "resolve", {"resolution": "password reset"})
    assert resolved["status"] == "RESOLVED" and resolved["resolution"] == "password reset"
    refused = act(client, world.buyer, cid, "messages", {"body": "one more"})
    assert refused.status_code == 409 and problem_code(refused) == "case_not_active"
    reopened = done(client, world.buyer, cid, "reopen", {"reason": "still broken"})
    assert reopened["status"] == "PENDING_AGENT" and reopened["resolution"] is None
    done(client, world.agent, cid, "resolve", {"resolution": "fixed for real"})
    closed = done(client, world.buyer, cid, "close")
    assert closed["status"] == "CLOSED" and closed["closed_at"] is not None
    again = act(client, world.buyer, cid, "reopen")
    assert again.status_code == 409 and problem_code(again) == "case_not_active"
    assert case_actions(db, cid) == [
        (None, "OPEN", "OPENED"),
        ("OPEN", "OPEN", "REPLIED"),
        ("OPEN", "PENDING_USER", "REPLIED"),
        ("PENDING_USER", "PENDING_USER", "NOTED"),
        ("PENDING_USER", "PENDING_AGENT", "REPLIED"),
        ("PENDING_AGENT", "RESOLVED", "RESOLVED"),
        ("RESOLVED", "PENDING_AGENT", "REOPENED"),
        ("PENDING_AGENT", "RESOLVED", "RESOLVED"),
        ("RESOLVED", "CLOSED", "CLOSED"),
    ]


def test_users_see_only_their_own_cases(client: TestClient, db: Database, world: World) -> None:
    other = make_actor(db, Role.BUYER, "other@test.dev")
    mine = opened(client, world.buyer)
    seller_case = opened(client, world.seller_a, "PAYMENT")
    assert seller_case["shop_id"] == str(world.shop_a.id)
    for actor, case in (
        (other, mine),
        (world.seller_a, mine),
        (world.seller_b, seller_case),
        (world.buyer, seller_case),
    ):
        response = client.get(f"{CASES}/{case['id']}", headers=actor.headers)
        assert response.status_code == 404 and problem_code(response) == "case_not_found"
        refused = act(client, actor, case["id"], "messages", {"body": "hi"})
        assert refused.status_code == 404
    listed = client.get(CASES, headers=world.buyer.headers).json()["items"]
    assert [c["id"] for c in listed] == [mine["id"]]
    assert client.get(CASES, headers=other.headers).json()["items"] == []
    staff = client.get(CASES, headers=world.agent.headers).json()["items"]
    assert {c["id"] for c in staff} == {mine["id"], seller_case["id"]}


def test_an_order_of_someone_else_is_not_found(client: TestClient, world: World) -> None:
    response = open_case(client, world.seller_a, "ORDER_ISSUE", order_id="12345")
    assert response.status_code == 404
    response = open_case(client, world.seller_a, "OTHER", shop_id=str(world.shop_b.id))
    assert response.status_code == 404
    response = open_case(client, world.buyer, "DISPUTE")
    assert response.status_code == 422
    response = open_case(client, world.buyer, "OTHER", status="RESOLVED")
    assert response.status_code == 422
    assert client.get(CASES, headers=world.buyer.headers).json()["items"] == []


def test_the_queue_is_ordered_by_first_response_due_and_flags_overdue(
    client: TestClient, db: Database, world: World
) -> None:
    first = opened(client, world.buyer, "ACCOUNT")
    advance(client, world.admin, hours=2)
    second = opened(client, world.seller_a, "PAYMENT")
    advance(client, world.admin, hours=2)
    third = opened(client, world.buyer, "OTHER")
    items = queue(client, world.agent, "unassigned")
    assert [i["id"] for i in items] == [first["id"], second["id"], third["id"]]
    assert [i["overdue"] for i in items] == [False, False, False]
    advance(client, world.admin, hours=21)  # the first is 25 h old, the second 23 h
    done(client, world.agent, third["id"], "messages", {"body": "on it"})
    items = queue(client, world.agent, "unassigned")
    assert [(i["id"], i["overdue"]) for i in items] == [
        (first["id"], True),
        (second["id"], False),
        (third["id"], False),
    ]
    advance(client, world.admin, hours=20)  # everyone past 24 h; the third was answered
    flags = [i["overdue"] for i in queue(client, world.agent, "all")]
    assert flags == [True, True, False]
    for role in (world.buyer, world.seller_a):
        refused = client.get(f"{CASES[:-6]}/queue", headers=role.headers)
        assert refused.status_code == 403


def test_take_escalate_and_reassign(client: TestClient, db: Database, world: World) -> None:
    other_agent = make_actor(db, Role.AGENT, "agent2@test.dev")
    case = opened(client, world.buyer, "RETURN_REFUND")
    cid = case["id"]
    assert act(client, world.buyer, cid, "take").status_code == 403
    taken = done(client, world.agent, cid, "take")
    assert taken["assignee_id"] == str(world.agent.id)
    assert [i["id"] for i in queue(client, world.agent, "mine")] == [cid]
    assert queue(client, world.agent, "unassigned") == []
    refused = act(client, other_agent, cid, "take")
    assert refused.status_code == 409 and problem_code(refused) == "case_already_assigned"
    assert act(client, world.buyer, cid, "escalate", {"reason": "x"}).status_code == 403
    escalated = done(client, world.agent, cid, "escalate", {"reason": "refund above my limit"})
    assert escalated["escalated_at"] is not None
    assert escalated["escalation_reason"] == "refund above my limit"
    assert (
        client.get(
            f"{CASES[:-6]}/queue", params={"view": "escalated"}, headers=world.agent.headers
        ).status_code
        == 403
    )
    assert [i["id"] for i in queue(client, world.supervisor, "escalated")] == [cid]
    body = {"agent_id": str(other_agent.id)}
    refused = act(client, world.agent, cid, "reassign", body)
    assert refused.status_code == 403
    assert read(client, world.agent, cid)["assignee_id"] == str(world.agent.id)
    not_agent = act(client, world.supervisor, cid, "reassign", {"agent_id": str(world.buyer.id)})
    assert not_agent.status_code == 422 and problem_code(not_agent) == "not_an_agent"
    moved = done(client, world.supervisor, cid, "reassign", body)
    assert moved["assignee_id"] == str(other_agent.id)
    assert [i["id"] for i in queue(client, other_agent, "mine")] == [cid]
    actions = [a for _, _, a in case_actions(db, cid)]
    assert actions == ["OPENED", "TAKEN", "ESCALATED", "REASSIGNED"]


def test_attachments_are_checked_and_kept(client: TestClient, world: World) -> None:
    case = opened(client, world.buyer)
    url = f"{CASES}/{case['id']}/attachments"
    bad = client.post(
        url, content=b"not an image", headers={**world.buyer.headers, "Content-Type": "image/png"}
    )
    assert bad.status_code == 422
    ok = client.post(url, content=PNG, headers={**world.buyer.headers, "Content-Type": "image/png"})
    assert ok.status_code == 201, ok.text
    shown = read(client, world.agent, case["id"])["attachments"]
    assert [a["content_type"] for a in shown] == ["image/png"]
    download = client.get(shown[0]["download_url"], headers=world.buyer.headers)
    assert download.status_code == 200 and download.content == PNG
    foreign = client.get(shown[0]["download_url"], headers=world.seller_a.headers)
    assert foreign.status_code == 404
