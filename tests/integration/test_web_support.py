"""The support-case pages over plain HTTP, on both databases: a buyer opens a case from the
order page and gets a number, an agent takes and answers it on the desk (and notes what the
buyer never sees), the buyer replies, the agent resolves, the buyer reopens; a seller's
force-majeure request approved on the desk moves the order's ready-to-ship deadline; a
supervisor reassigns; another user's case is 404; refused input says why and loses
nothing."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import StoredFile, SupportCase, SupportMessage
from tests.conftest import World, make_actor
from tests.fulfillment_support import paid_orders, ready_order
from tests.integration.checkout_api import count, get_order
from tests.integration.fulfillment_files_api import (
    PNG,
    fclient_fixture,  # noqa: F401  (fixture "fclient": file storage in a temporary dir)
    files_dir_fixture,  # noqa: F401  (fixture "files_dir")
)
from tests.integration.test_web_shop import csrf
from tests.web_support import PASSWORD, page_code, sign_in

CASE = re.compile(r"/(?:shop|center)/help/(\d+)$")
NUMBER = re.compile(r"Case (CS-[A-Z2-7]{13})")


def _as(client: TestClient, email: str) -> dict[str, str]:
    client.cookies.clear()
    assert sign_in(client, email).status_code == 303
    return csrf(client)


def _post(client: TestClient, url: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, data={**csrf(client), **data}, follow_redirects=False, **extra)


def _buyer_case(client: TestClient, web: World) -> tuple[int, int]:
    """The buyer follows "Get help with this order" and opens a case with a photo."""
    (order,) = paid_orders(client, web.buyer, {web.shop_a.sku_id: 1})
    _as(client, "buyer@test.dev")
    link = f'href="/shop/help?order_id={order["id"]}#open-case"'
    assert link in client.get(f"/shop/orders/{order['id']}").text
    form = client.get("/shop/help", params={"order_id": order["id"]}).text
    assert f'<option value="{order["id"]}" selected>' in form
    body = {"category": "ORDER_ISSUE", "order_id": order["id"], "description": "Wrong colour"}
    files = {"files": ("p.png", PNG, "image/png")}
    opened = _post(client, "/shop/help", body, files=files)
    assert opened.status_code == 303, opened.text
    found = CASE.search(opened.headers["location"])
    assert found
    return order["id"], int(found.group(1))


def test_buyer_and_agent_round_trip(db: Database, fclient: TestClient, web: World) -> None:
    order_id, case_id = _buyer_case(fclient, web)
    page = fclient.get(f"/shop/help/{case_id}").text
    number = NUMBER.search(page)
    assert number and "Wrong colour" in page and 'data-status="OPEN"' in page
    assert f'href="/shop/orders/{order_id}"' in page
    src = re.search(r'<img src="(/shop/help/files/\d+)"', page)
    assert src and fclient.get(src.group(1)).content == PNG
    assert number.group(1) in fclient.get("/shop/help").text

    _as(fclient, "agent@test.dev")
    queue = fclient.get("/desk/cases").text
    assert f'href="/desk/cases/{case_id}"' in queue and number.group(1) in queue
    desk = fclient.get(f"/desk/cases/{case_id}").text
    assert f'href="/desk/orders/{order_id}"' in desk and "Take the case" in desk
    assert _post(fclient, f"/desk/cases/{case_id}/take", {}).status_code == 303
    assert f'href="/desk/cases/{case_id}"' in fclient.get("/desk/cases?view=mine").text
    assert f'href="/desk/cases/{case_id}"' not in fclient.get("/desk/cases").text
    note = {"body": "buyer seems upset", "internal": "true"}
    assert _post(fclient, f"/desk/cases/{case_id}/reply", note).status_code == 303
    answer = {"body": "We are sorry: a new one is on its way"}
    assert _post(fclient, f"/desk/cases/{case_id}/reply", answer).status_code == 303
    desk = fclient.get(f"/desk/cases/{case_id}").text
    assert "buyer seems upset" in desk and "internal note" in desk

    _as(fclient, "buyer@test.dev")
    page = fclient.get(f"/shop/help/{case_id}").text
    assert "a new one is on its way" in page and "buyer seems upset" not in page
    assert 'data-status="PENDING_USER"' in page
    assert _post(fclient, f"/shop/help/{case_id}/reply", {"body": "Thanks!"}).status_code == 303
    assert 'data-status="PENDING_AGENT"' in fclient.get(f"/shop/help/{case_id}").text

    _as(fclient, "agent@test.dev")
    done = _post(fclient, f"/desk/cases/{case_id}/resolve", {"resolution": "replacement sent"})
    assert done.status_code == 303

    _as(fclient, "buyer@test.dev")
    page = fclient.get(f"/shop/help/{case_id}").text
    assert "replacement sent" in page and "reopen by" in page
    again = _post(fclient, f"/shop/help/{case_id}/reopen", {"reason": "it never came"})
    assert again.status_code == 303
    page = fclient.get(f"/shop/help/{case_id}").text
    assert 'data-status="PENDING_AGENT"' in page and "reopened: it never came" in page
    with db.unit_of_work(write=False) as session:
        case = session.scalar(select(SupportCase).where(SupportCase.id == case_id))
        assert case is not None and case.status == "PENDING_AGENT"


def test_resolve_then_close(fclient: TestClient, web: World) -> None:
    _, case_id = _buyer_case(fclient, web)
    _as(fclient, "agent@test.dev")
    _post(fclient, f"/desk/cases/{case_id}/resolve", {"resolution": "answered by mail"})
    _as(fclient, "buyer@test.dev")
    assert _post(fclient, f"/shop/help/{case_id}/close", {}).status_code == 303
    page = fclient.get(f"/shop/help/{case_id}").text
    assert 'data-status="CLOSED"' in page and "Reopen the case" not in page
    refused = _post(fclient, f"/shop/help/{case_id}/reopen", {"reason": "again"})
    assert (refused.status_code, page_code(refused)) == (409, "case_not_active")


def test_force_majeure_approved_moves_the_ready_to_ship_deadline(
    fclient: TestClient, web: World
) -> None:
    order = ready_order(fclient, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    before = order["rts_sla_time"]
    _as(fclient, "seller.a@test.dev")
    link = f'href="/center/help?order_id={order["id"]}#force-majeure"'
    assert link in fclient.get(f"/center/orders/{order['id']}").text
    body = {
        "fm_order_id": order["id"],
        "fm_amount": "2",
        "fm_unit": "days",
        "fm_reason": "The road to the warehouse is flooded",
    }
    asked = _post(fclient, "/center/help/force-majeure", body, files={"fm_files": ("f.png", PNG)})
    assert asked.status_code == 303, asked.text
    case_id = int(asked.headers["location"].rsplit("/", 1)[1])
    assert "48 hours" in fclient.get(f"/center/help/{case_id}").text

    _as(fclient, "agent@test.dev")
    path = f"/desk/cases/{case_id}/force-majeure"
    too_long = _post(fclient, path, {"decision": "APPROVE", "hours": "49", "note": "storm"})
    assert (too_long.status_code, page_code(too_long)) == (422, "extension_too_long")
    assert 'id="hours-error"' in too_long.text and 'value="49"' in too_long.text
    assert get_order(fclient, web.buyer, order["id"])["rts_sla_time"] == before
    approved = _post(fclient, path, {"decision": "APPROVE", "hours": "24", "note": "storm"})
    assert approved.status_code == 303, approved.text
    after = get_order(fclient, web.buyer, order["id"])
    assert after["deadline_extension_hours"] == 24 and after["rts_sla_time"] != before

    _as(fclient, "seller.a@test.dev")
    center = fclient.get(f"/center/orders/{order['id']}").text
    assert 'data-extension="24"' in center
    assert "24 hours granted" in fclient.get(f"/center/help/{case_id}").text


def test_a_supervisor_reassigns_and_sees_escalations(fclient: TestClient, web: World) -> None:
    _, case_id = _buyer_case(fclient, web)
    _as(fclient, "agent@test.dev")
    assert 'action="/desk/cases/' + str(case_id) + '/reassign"' not in (
        fclient.get(f"/desk/cases/{case_id}").text
    )
    refused = fclient.get("/desk/cases?view=escalated")
    assert (refused.status_code, page_code(refused)) == (403, "forbidden")
    blank = _post(fclient, f"/desk/cases/{case_id}/escalate", {"reason": " "})
    assert (blank.status_code, 'id="reason-error"' in blank.text) == (422, True)
    up = _post(fclient, f"/desk/cases/{case_id}/escalate", {"reason": "refund over limit"})
    assert up.status_code == 303

    _as(fclient, "supervisor@test.dev")
    assert f'href="/desk/cases/{case_id}"' in fclient.get("/desk/cases?view=escalated").text
    desk = fclient.get(f"/desk/cases/{case_id}").text
    assert f'<option value="{web.agent.id}"' in desk
    buyer = _post(fclient, f"/desk/cases/{case_id}/reassign", {"agent_id": web.buyer.id})
    assert (buyer.status_code, page_code(buyer)) == (422, "not_an_agent")
    assert 'id="agent_id-error"' in buyer.text
    moved = _post(fclient, f"/desk/cases/{case_id}/reassign", {"agent_id": web.agent.id})
    assert moved.status_code == 303

    _as(fclient, "agent@test.dev")
    assert f'href="/desk/cases/{case_id}"' in fclient.get("/desk/cases?view=mine").text


def test_another_users_case_is_not_found(db: Database, fclient: TestClient, web: World) -> None:
    _, case_id = _buyer_case(fclient, web)
    make_actor(db, Role.BUYER, "other@test.dev", password=PASSWORD)
    _as(fclient, "other@test.dev")
    assert fclient.get(f"/shop/help/{case_id}").status_code == 404
    assert f'href="/shop/help/{case_id}"' not in fclient.get("/shop/help").text
    refused = _post(fclient, f"/shop/help/{case_id}/reply", {"body": "hi"})
    assert (refused.status_code, page_code(refused)) == (404, "case_not_found")
    _as(fclient, "seller.a@test.dev")  # the order's shop: the buyer's case is not its
    assert fclient.get(f"/center/help/{case_id}").status_code == 404
    refused = _post(fclient, f"/center/help/{case_id}/reply", {"body": "hi"})
    assert (refused.status_code, page_code(refused)) == (404, "case_not_found")
    _as(fclient, "seller.b@test.dev")
    assert fclient.get(f"/center/help/{case_id}").status_code == 404
    assert fclient.get("/desk/cases").status_code == 403
    _as(fclient, "buyer@test.dev")
    refused = fclient.get("/desk/cases/" + str(case_id))
    assert (refused.status_code, page_code(refused)) == (403, "forbidden")


def test_bad_input_says_why_and_keeps_what_was_typed(
    db: Database, fclient: TestClient, web: World
) -> None:
    (order,) = paid_orders(fclient, web.buyer, {web.shop_b.sku_id: 1})
    _as(fclient, "buyer@test.dev")
    blank = _post(fclient, "/shop/help", {"category": "PAYMENT", "description": "  "})
    assert (blank.status_code, page_code(blank)) == (422, "invalid_input")
    assert 'id="description-error"' in blank.text
    assert '<option value="PAYMENT" selected>' in blank.text
    text = "Charged twice for one order"
    files = {"files": ("notes.png", b"just text", "image/png")}
    bad_file = _post(
        fclient,
        "/shop/help",
        {"category": "PAYMENT", "order_id": order["id"], "description": text},
        files=files,
    )
    assert (bad_file.status_code, page_code(bad_file)) == (422, "unsupported_file_type")
    assert 'id="files-error"' in bad_file.text and f">{text}</textarea>" in bad_file.text
    foreign = _post(
        fclient, "/shop/help", {"category": "PAYMENT", "order_id": "1234", "description": text}
    )
    assert (foreign.status_code, 'id="order_id-error"' in foreign.text) == (404, True)
    long = "x" * 4001
    too_long = _post(fclient, "/shop/help", {"category": "OTHER", "description": long})
    assert too_long.status_code == 422 and f">{long}</textarea>" in too_long.text
    assert count(db, SupportCase) == 0 and count(db, StoredFile) == 0

    _as(fclient, "seller.a@test.dev")
    fm = {"fm_order_id": "", "fm_amount": "x", "fm_unit": "days", "fm_reason": "a storm"}
    refused = _post(fclient, "/center/help/force-majeure", fm)
    assert refused.status_code == 422 and 'id="fm_order_id-error"' in refused.text
    assert ">a storm</textarea>" in refused.text
    ready = ready_order(fclient, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    _as(fclient, "seller.a@test.dev")
    fm |= {"fm_order_id": ready["id"], "fm_amount": "400"}
    refused = _post(fclient, "/center/help/force-majeure", fm)
    assert (refused.status_code, page_code(refused)) == (422, "invalid_case")
    assert 'id="fm_amount-error"' in refused.text and 'value="400"' in refused.text
    assert count(db, SupportCase) == 0 and count(db, SupportMessage) == 0
