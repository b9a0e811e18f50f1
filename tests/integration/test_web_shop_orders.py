"""The buyer's order pages over plain HTTP, on both databases: history, an order with its
tracking and deadlines spelled out, cancel and cancellation request, a return with a photo
(and a refused file that creates nothing), a buyer-protection claim, a new address, and
another buyer's order (404)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import Dispute, Return, StoredFile
from tests.conftest import World, make_actor
from tests.fulfillment_support import paid_orders
from tests.integration.checkout_api import ADDRESS, count, get_order
from tests.integration.deadline_support import H, Week, move_to
from tests.integration.fulfillment_files_api import (
    JPEG,
    PNG,
    fclient_fixture,  # noqa: F401  (fixture "fclient": file storage in a temporary dir)
    files_dir_fixture,  # noqa: F401  (fixture "files_dir")
)
from tests.integration.returns_support import delivered
from tests.integration.test_web_shop import buyer_signs_in
from tests.web_support import PASSWORD, page_code, sign_in


def test_history_and_an_order_with_its_deadlines(
    client: TestClient, web: World, week: Week
) -> None:
    (order,) = paid_orders(client, web.buyer, {web.shop_a.sku_id: 1})
    buyer_signs_in(client)
    history = client.get("/shop/orders")
    assert f'href="/shop/orders/{order["id"]}"' in history.text and "ON_HOLD" in history.text
    detail = client.get(f"/shop/orders/{order['id']}")
    assert detail.status_code == 200
    assert "cancel without the seller&#39;s approval by " in detail.text
    assert " left</li>" in detail.text
    assert "Cancel the order" in detail.text and "Change the address" in detail.text


def test_cancel_in_the_remorse_window_and_a_request_after_it(
    client: TestClient, web: World, week: Week
) -> None:
    first, second = (
        paid_orders(client, web.buyer, {sku: 1})[0]
        for sku in (web.shop_a.sku_id, web.shop_b.sku_id)
    )
    token = buyer_signs_in(client)
    refused = client.post(f"/shop/orders/{first['id']}/cancel", data={**token, "reason": " "})
    assert (refused.status_code, page_code(refused)) == (422, "invalid_reason")
    done = client.post(
        f"/shop/orders/{first['id']}/cancel",
        data={**token, "reason": "found it cheaper"},
        follow_redirects=False,
    )
    assert (done.status_code, done.headers["location"]) == (303, f"/shop/orders/{first['id']}")
    assert get_order(client, web.buyer, first["id"])["status"] == "CANCELLED"
    move_to(client, web, week.monday + H)  # the remorse window is over
    page = client.get(f"/shop/orders/{second['id']}").text
    assert "Ask the seller to cancel" in page and "seller ships by " in page
    client.post(f"/shop/orders/{second['id']}/cancel", data={**token, "reason": "too slow"})
    after = client.get(f"/shop/orders/{second['id']}").text
    assert "Ask the seller to cancel" not in after  # a request is pending
    assert get_order(client, web.buyer, second["id"])["status"] == "AWAITING_SHIPMENT"


def test_a_return_with_a_photo_and_a_refused_file(
    db: Database, fclient: TestClient, files_dir: Path, web: World, week: Week
) -> None:
    order, _ = delivered(fclient, web, week)
    token = buyer_signs_in(fclient)
    page = fclient.get(f"/shop/orders/{order['id']}").text
    assert "return by " in page and "claim buyer protection by " in page
    line = order["line_items"][0]["id"]
    body = {**token, "return_type": "REFUND", "reason": "DAMAGED", "line_item_ids": line}
    bad = fclient.post(
        f"/shop/orders/{order['id']}/returns",
        data={**body, "description": "cracked"},
        files={"files": ("notes.txt", b"just text", "text/plain")},
    )
    assert (bad.status_code, page_code(bad)) == (422, "unsupported_file_type")
    assert ">cracked</textarea>" in bad.text  # what was typed stays
    assert count(db, Return) == 0 and count(db, StoredFile) == 0
    sent = fclient.post(
        f"/shop/orders/{order['id']}/returns",
        data=body,
        files=[
            ("files", ("crack.png", PNG, "image/png")),
            ("files", ("box.jpg", JPEG, "image/jpeg")),
        ],
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert count(db, Return) == 1 and count(db, StoredFile) == 2
    assert "RETURN_OR_REFUND_REQUEST_PENDING" in fclient.get(sent.headers["location"]).text


def test_buyer_protection_claim_and_address_change(
    client: TestClient, web: World, week: Week
) -> None:
    order, _ = delivered(client, web, week)
    token = buyer_signs_in(client)
    line = order["line_items"][0]["id"]
    claim = client.post(
        f"/shop/orders/{order['id']}/disputes",
        data={
            **token,
            "kind": "BUYER_PROTECTION",
            "reason": "NOT_AS_DESCRIBED",
            "line_item_ids": line,
            "description": "wrong colour",
        },
        follow_redirects=False,
    )
    assert claim.status_code == 303, claim.text
    assert count(client.app.state.db, Dispute) == 1  # type: ignore[attr-defined]
    (fresh,) = paid_orders(client, web.buyer, {web.shop_b.sku_id: 1})
    moved = client.post(
        f"/shop/orders/{fresh['id']}/address",
        data={**token, **ADDRESS, "address_line1": "9 Oak Ave"},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    assert (
        get_order(client, web.buyer, fresh["id"])["recipient_address"]["address_line1"]
        == "9 Oak Ave"
    )
    bad = client.post(
        f"/shop/orders/{fresh['id']}/address", data={**token, **ADDRESS, "phone": "x"}
    )
    assert (bad.status_code, page_code(bad)) == (422, "invalid_address")


def test_another_buyers_order_is_not_found(client: TestClient, web: World, db: Database) -> None:
    (order,) = paid_orders(client, web.buyer, {web.shop_a.sku_id: 1})
    make_actor(db, Role.BUYER, "other@test.dev", password=PASSWORD)
    assert sign_in(client, "other@test.dev").status_code == 303
    answer = client.get(f"/shop/orders/{order['id']}")
    assert (answer.status_code, page_code(answer)) == (404, "not_found")
    assert f"/shop/orders/{order['id']}" not in client.get("/shop/orders").text
