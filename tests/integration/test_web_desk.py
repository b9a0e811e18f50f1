"""The agent desk over plain HTTP, on both databases: the fraud-review queue (release, cancel),
disputes (evidence, decisions), operator cancel, standing overrides, escalations, the API's roles
and CSRF."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.checkout_api import (
    API,
    OK_CARD,
    add_card,
    address,
    checkout,
    get_order,
    ok,
)
from tests.integration.deadline_support import Week, awaiting_shipment
from tests.integration.dispute_support import PNG, claim, delivered, dispute, evidence
from tests.web_support import page_code, session_token, sign_in

ELSEWHERE = address(address_line1="9 Oak Ave", postal_code="60601", city="Chicago")


def _post(client: TestClient, path: str, **form: Any) -> Any:
    body = {"csrf_token": session_token(client), **form}
    return client.post(path, data=body, follow_redirects=False)


def _held(client: TestClient, web: World) -> dict[str, Any]:
    """An order held for fraud review (billing address far from the shipping address)."""
    add_card(client, web.buyer, OK_CARD)
    placed = checkout(client, web.buyer, {web.shop_a.sku_id: 1}, billing_address=ELSEWHERE)
    (order,) = placed["orders"]
    assert order["review_hold"] is True
    return dict(order)


def _opened(client: TestClient, web: World, week: Week) -> tuple[dict[str, Any], dict[str, Any]]:
    order, _ = delivered(client, web, week)
    lines = [line["id"] for line in order["line_items"]]
    opened = ok(claim(client, web.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", lines), 201)
    photo = ok(evidence(client, web.buyer, opened["id"], PNG, "image/png"), 201)
    return opened, photo


def test_only_staff_open_the_desk(client: TestClient, web: World) -> None:
    for email in ("buyer@test.dev", "seller.a@test.dev"):
        client.cookies.clear()
        sign_in(client, email)
        refused = client.get("/desk")
        assert (refused.status_code, page_code(refused)) == (403, "forbidden")
    for email in ("agent@test.dev", "supervisor@test.dev", "admin@test.dev"):
        client.cookies.clear()
        sign_in(client, email)
        assert client.get("/desk").status_code == 200


def test_an_agent_releases_an_order_held_for_review(client: TestClient, web: World) -> None:
    held = _held(client, web)
    sign_in(client, "agent@test.dev")
    assert f'action="/desk/orders/{held["id"]}/review"' in client.get("/desk").text
    blank = _post(client, f"/desk/orders/{held['id']}/review", decision="CLEAR", note=" ")
    assert (blank.status_code, page_code(blank)) == (422, "invalid_input")
    assert get_order(client, web.buyer, held["id"])["review_hold"] is True
    done = _post(client, f"/desk/orders/{held['id']}/review", decision="CLEAR", note="called")
    assert (done.status_code, done.headers["location"]) == (303, f"/desk/orders/{held['id']}")
    fresh = get_order(client, web.buyer, held["id"])
    assert (fresh["status"], fresh["review_hold"]) == ("ON_HOLD", False)
    assert f"/desk/orders/{held['id']}/review" not in client.get("/desk").text
    again = _post(client, f"/desk/orders/{held['id']}/review", decision="CLEAR", note="again")
    assert (again.status_code, page_code(again)) == (409, "not_on_review")


def test_cancelling_on_review_cancels_and_refunds(client: TestClient, web: World) -> None:
    held = _held(client, web)
    sign_in(client, "supervisor@test.dev")
    _post(client, f"/desk/orders/{held['id']}/review", decision="CANCEL", note="stolen card")
    fresh = get_order(client, web.buyer, held["id"])
    assert (fresh["status"], fresh["cancel_reason"]) == ("CANCELLED", "fraud review: stolen card")


def test_an_agent_decides_a_dispute_after_seeing_its_evidence(
    client: TestClient, web: World, week: Week
) -> None:
    opened, photo = _opened(client, web, week)
    sign_in(client, "agent@test.dev")
    assert f'href="/desk/disputes/{opened["id"]}"' in client.get("/desk/disputes").text
    detail = client.get(f"/desk/disputes/{opened['id']}")
    assert f'src="/desk/files/{photo["id"]}"' in detail.text
    assert client.get(f"/desk/files/{photo['id']}").content == PNG
    path = f"/desk/disputes/{opened['id']}/decide"
    bad = _post(client, path, decision="SUPPORT_BUYER", note="photo shows damage", amount="1,2")
    assert (bad.status_code, page_code(bad)) == (422, "invalid_amount")
    assert "photo shows damage" in bad.text and 'value="1,2"' in bad.text
    assert dispute(client, web.agent, opened["id"])["status"] == "IN_PROGRESS"
    done = _post(client, path, decision="SUPPORT_BUYER", note="photo shows damage")
    assert done.status_code == 303
    decided = dispute(client, web.agent, opened["id"])
    assert (decided["status"], decided["decision_note"]) == ("SUPPORT_BUYER", "photo shows damage")
    assert decided["refund_amount"] is not None
    assert f'href="/desk/disputes/{opened["id"]}"' not in client.get("/desk/disputes").text
    anyone = client.get("/desk/disputes", params={"status": "", "kind": ""})
    assert f'href="/desk/disputes/{opened["id"]}"' in anyone.text  # the filter's "any"
    twice = _post(client, path, decision="SUPPORT_SELLER", note="changed my mind")
    assert page_code(twice) == "dispute_already_decided"


def test_a_post_without_the_csrf_token_changes_nothing(
    client: TestClient, web: World, week: Week
) -> None:
    opened, _ = _opened(client, web, week)
    sign_in(client, "agent@test.dev")
    body = {"decision": "SUPPORT_SELLER", "note": "forged"}
    answer = client.post(f"/desk/disputes/{opened['id']}/decide", data=body)
    assert (answer.status_code, page_code(answer)) == (403, "csrf_failed")
    assert dispute(client, web.agent, opened["id"])["status"] == "IN_PROGRESS"


def test_the_operator_cancels_an_order(client: TestClient, web: World, week: Week) -> None:
    order = awaiting_shipment(client, web, week)
    sign_in(client, "agent@test.dev")
    page = client.get(f"/desk/orders/{order['id']}")
    assert 'aria-label="Operator cancel"' in page.text
    blank = _post(client, f"/desk/orders/{order['id']}/cancel", reason="")
    assert (blank.status_code, page_code(blank)) == (422, "invalid_input")
    done = _post(client, f"/desk/orders/{order['id']}/cancel", reason="seller unreachable")
    assert done.status_code == 303
    assert get_order(client, web.buyer, order["id"])["status"] == "CANCELLED"


def test_only_admins_override_a_shops_standing(client: TestClient, web: World) -> None:
    shop = f"/desk/shops/{web.shop_a.id}"
    sign_in(client, "agent@test.dev")
    assert "Standing override" not in client.get(shop).text
    refused = _post(client, f"{shop}/standing", to="RESTRICTED", note="too many late orders")
    assert (refused.status_code, page_code(refused)) == (403, "forbidden")
    client.cookies.clear()
    sign_in(client, "admin@test.dev")
    assert "Standing override" in client.get(shop).text
    done = _post(client, f"{shop}/standing", to="RESTRICTED", note="too many late orders")
    assert done.status_code == 303
    found = ok(client.get(f"{API}/shops/{web.shop_a.id}/performance", headers=web.admin.headers))
    assert (found["standing"], found["history"][0]["note"]) == (
        "RESTRICTED",
        "too many late orders",
    )


def test_supervisors_see_escalations_agents_do_not(client: TestClient, web: World) -> None:
    sign_in(client, "agent@test.dev")
    assert "/desk/escalations" not in client.get("/desk").text
    assert page_code(client.get("/desk/escalations")) == "forbidden"
    client.cookies.clear()
    sign_in(client, "supervisor@test.dev")
    assert "/desk/escalations" in client.get("/desk").text
    answer = client.get("/desk/escalations")
    assert answer.status_code == 200 and "<h1>Escalations</h1>" in answer.text
