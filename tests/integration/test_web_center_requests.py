"""The seller center's returns, cancellations and disputes queues over plain HTTP, on both
databases: the queue with the seller's deadline, approve / reject / partial offer through the
returns services, the evidence viewer through the API's file access, scoping and CSRF."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from tests.conftest import Actor, World
from tests.integration.checkout_api import API, ok
from tests.integration.deadline_support import Week, awaiting_shipment, refunds
from tests.integration.dispute_support import PNG, claim, evidence
from tests.integration.returns_support import delivered, request_return
from tests.web_support import page_code, sign_in

FIELD = re.compile(r'<input type="hidden" name="(csrf\w*)" value="([^"]+)"')


def _post(client: TestClient, path: str, **form: str) -> Any:
    """POST the form with the CSRF field the layout's forms carry."""
    found = FIELD.search(client.get("/").text)
    assert found
    body = {found.group(1): found.group(2), **form}
    return client.post(path, data=body, follow_redirects=False)


def _pending(client: TestClient, web: World, week: Week) -> dict[str, Any]:
    order, _ = delivered(client, web, week)
    return request_return(client, web.buyer, order, reason="DAMAGED")


def _pending_for_seller_a(client: TestClient, web: World, week: Week) -> dict[str, Any]:
    """A pending return request, then seller A signed in to the web pages."""
    ret = _pending(client, web, week)
    sign_in(client, "seller.a@test.dev")
    return ret


def _return(client: TestClient, actor: Actor, rid: str) -> dict[str, Any]:
    """The return request as the API shows it to the actor."""
    return ok(client.get(f"{API}/returns/{rid}", headers=actor.headers))


def _status(client: TestClient, web: World, rid: str) -> str:
    return str(_return(client, web.seller_a, rid)["return_status"])


def test_the_queue_lists_pending_requests_first_with_the_answer_deadline(
    client: TestClient, web: World, week: Week
) -> None:
    ret = _pending_for_seller_a(client, web, week)
    answer = client.get("/center/returns")
    assert answer.status_code == 200
    waiting = answer.text.split("All requests")[0]
    assert f"/center/returns/{ret['return_id']}" in waiting
    assert re.search(r"answer by \w{3} \d+ \w{3}, \d\d:\d\d — 2 days left", waiting), waiting
    detail = client.get(f"/center/returns/{ret['return_id']}")
    assert detail.status_code == 200 and "DAMAGED" in detail.text
    assert 'action="/center/returns/{}/approve"'.format(ret["return_id"]) in detail.text


def test_the_seller_approves_a_refund_and_the_buyer_is_refunded(
    db: Database, client: TestClient, web: World, week: Week
) -> None:
    ret = _pending_for_seller_a(client, web, week)
    path = f"/center/returns/{ret['return_id']}"
    answer = _post(client, f"{path}/approve", decision="APPROVE_REFUND")
    assert (answer.status_code, answer.headers["location"]) == (303, path)
    assert _status(client, web, ret["return_id"]) == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert refunds(db, ret["order_id"]) == [(ret["refund_amount"]["minor_units"], "SUCCEEDED")]
    again = _post(client, f"{path}/approve", decision="APPROVE_REFUND")
    assert (again.status_code, page_code(again)) == (409, "invalid_return_status")
    assert len(refunds(db, ret["order_id"])) == 1


def test_a_rejection_needs_a_reason_and_keeps_it(
    client: TestClient, web: World, week: Week
) -> None:
    ret = _pending_for_seller_a(client, web, week)
    path = f"/center/returns/{ret['return_id']}"
    blank = _post(client, f"{path}/reject", reason="  ")
    assert (blank.status_code, page_code(blank)) == (422, "invalid_request")
    assert _status(client, web, ret["return_id"]) == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert _post(client, f"{path}/reject", reason="item used").status_code == 303
    found = _return(client, web.buyer, ret["return_id"])
    assert (found["return_status"], found["reject_reason"]) == (
        "REFUND_OR_RETURN_REQUEST_REJECT",
        "item used",
    )


def test_a_partial_offer_checks_the_amount_and_keeps_what_was_typed(
    client: TestClient, web: World, week: Week
) -> None:
    ret = _pending_for_seller_a(client, web, week)
    path = f"/center/returns/{ret['return_id']}/approve"
    bad = _post(client, path, decision="OFFER_PARTIAL_REFUND", amount="1.2.3")
    assert (bad.status_code, page_code(bad)) == (422, "invalid_amount")
    assert 'value="1.2.3"' in bad.text
    huge = _post(client, path, decision="OFFER_PARTIAL_REFUND", amount="99999")
    assert (huge.status_code, page_code(huge)) == (409, "partial_refund_exceeds_refundable")
    assert 'value="99999"' in huge.text
    unknown = _post(client, path, decision="KEEP_THE_MONEY")
    assert (unknown.status_code, page_code(unknown)) == (422, "invalid_request")
    assert _status(client, web, ret["return_id"]) == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert _post(client, path, decision="OFFER_PARTIAL_REFUND", amount="1.50").status_code == 303
    found = _return(client, web.buyer, ret["return_id"])
    assert found["return_status"] == "AWAITING_BUYER_RESPONSE"
    assert found["partial_refund"]["minor_units"] == 150


def test_the_evidence_viewer_serves_the_buyers_photo_to_the_shop_only(
    client: TestClient, web: World, week: Week
) -> None:
    ret = _pending(client, web, week)
    rid = ret["return_id"]
    headers = {**web.buyer.headers, "Content-Type": "image/png"}
    photo = ok(client.post(f"{API}/returns/{rid}/evidence", content=PNG, headers=headers), 201)
    sign_in(client, "seller.a@test.dev")
    assert f'src="/center/files/{photo["id"]}"' in client.get(f"/center/returns/{rid}").text
    served = client.get(f"/center/files/{photo['id']}")
    assert served.status_code == 200
    assert (served.headers["content-type"], served.content) == ("image/png", PNG)
    client.cookies.clear()
    sign_in(client, "seller.b@test.dev")
    assert page_code(client.get(f"/center/files/{photo['id']}")) == "not_found"
    other = client.get(f"/center/returns/{rid}")
    assert (other.status_code, page_code(other)) == (404, "not_found")
    refused = _post(client, f"/center/returns/{rid}/approve", decision="APPROVE_REFUND")
    assert (refused.status_code, page_code(refused)) == (404, "not_found")
    assert _status(client, web, rid) == "RETURN_OR_REFUND_REQUEST_PENDING"


def test_a_post_without_the_csrf_token_changes_nothing(
    client: TestClient, web: World, week: Week
) -> None:
    ret = _pending_for_seller_a(client, web, week)
    path = f"/center/returns/{ret['return_id']}/approve"
    answer = client.post(path, data={"decision": "APPROVE_REFUND"}, follow_redirects=False)
    assert (answer.status_code, page_code(answer)) == (403, "csrf_failed")
    assert _status(client, web, ret["return_id"]) == "RETURN_OR_REFUND_REQUEST_PENDING"


def test_a_buyer_may_not_open_the_queues(client: TestClient, web: World) -> None:
    sign_in(client, "buyer@test.dev")
    for path in ("/center/returns", "/center/cancellations", "/center/disputes"):
        answer = client.get(path)
        assert (answer.status_code, page_code(answer)) == (403, "forbidden"), path


def test_the_seller_answers_cancellation_requests(
    client: TestClient, web: World, week: Week
) -> None:
    order = awaiting_shipment(client, web, week)
    body = {"reason": "changed my mind"}
    path = f"{API}/orders/{order['id']}/cancellations"
    asked = ok(client.post(path, json=body, headers=web.buyer.headers), 201)
    cid = asked["cancel_id"]
    sign_in(client, "seller.a@test.dev")
    queue = client.get("/center/cancellations").text.split("All requests")[0]
    assert f"/center/cancellations/{cid}" in queue and "answer by" in queue
    blank = _post(client, f"/center/cancellations/{cid}/reject", reason="")
    assert (blank.status_code, page_code(blank)) == (422, "invalid_request")
    assert _post(client, f"/center/cancellations/{cid}/approve").status_code == 303
    found = ok(client.get(f"{API}/cancellations/{cid}", headers=web.buyer.headers))
    assert found["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    late = _post(client, f"/center/cancellations/{cid}/reject", reason="too late")
    assert late.status_code == 409 and "CANCELLATION_REQUEST_COMPLETE" in late.text


def test_the_seller_sees_its_disputes_with_the_buyers_evidence(
    client: TestClient, web: World, week: Week
) -> None:
    order, _ = delivered(client, web, week)
    lines = [line["id"] for line in order["line_items"]]
    opened = ok(claim(client, web.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", lines), 201)
    photo = ok(evidence(client, web.buyer, opened["id"], PNG, "image/png"), 201)
    sign_in(client, "seller.a@test.dev")
    assert f"/center/disputes/{opened['id']}" in client.get("/center/disputes").text
    dashboard = client.get("/center").text.split('id="req-h"')[1].split("</section>")[0]
    assert f'<a href="/center/disputes/{opened["id"]}">Dispute {opened["id"]}</a>' in dashboard
    detail = client.get(f"/center/disputes/{opened['id']}")
    assert detail.status_code == 200 and f'src="/center/files/{photo["id"]}"' in detail.text
    assert client.get(f"/center/files/{photo['id']}").content == PNG
    client.cookies.clear()
    sign_in(client, "seller.b@test.dev")
    assert client.get(f"/center/disputes/{opened['id']}").status_code == 404
    assert f"Dispute {opened['id']}" not in client.get("/center").text
