"""The seller center's inventory page over plain HTTP, on both databases: stock per warehouse,
adjusting with a reason (bad input kept and refused), the low-stock list, and shipping orders
from a CSV of tracking numbers with each row's result; scoping and CSRF."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from clipshop.core.db import Database
from clipshop.models import Sku
from tests.conftest import World
from tests.fulfillment_support import ready_order, tracking_number
from tests.integration.checkout_api import API, get_order, stock
from tests.web_support import page_code, sign_in

FIELD = re.compile(r'<input type="hidden" name="(csrf\w*)" value="([^"]+)"')


def _token(client: TestClient) -> dict[str, str]:
    found = FIELD.search(client.get("/").text)
    assert found
    return {found.group(1): found.group(2)}


def _adjust(client: TestClient, web: World, **form: Any) -> Any:
    shop = web.shop_a
    body = {"shop_id": shop.id, "sku_id": shop.sku_id, "warehouse_id": shop.warehouse_id}
    body.update({**form, **_token(client)})
    return client.post("/center/stock/adjust", data=body, follow_redirects=False)


def test_stock_per_warehouse_and_an_adjustment_with_a_reason(
    client: TestClient, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    listed = client.get("/center/stock")
    assert listed.status_code == 200
    row = re.search(rf'<tr id="sku-{web.shop_a.sku_id}">(.*?)</tr>', listed.text, re.S)
    assert row and "<td>10</td>" in row.group(1)
    done = _adjust(client, web, delta="-3", reason="DAMAGED", note="water damage")
    assert (done.status_code, done.headers["location"]) == (
        303,
        f"/center/stock?shop_id={web.shop_a.id}",
    )
    assert stock(client, web.seller_a, web.shop_a.sku_id)[0] == 7
    moves = client.get(f"{API}/skus/{web.shop_a.sku_id}/movements", headers=web.seller_a.headers)
    latest = moves.json()["items"][0]
    assert (latest["delta_available"], latest["reason"], latest["note"]) == (
        -3,
        "DAMAGED",
        "water damage",
    )


def test_bad_adjustments_are_refused_and_keep_what_was_typed(
    client: TestClient, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    zero = _adjust(client, web, delta="0", note="typo")
    assert (zero.status_code, page_code(zero)) == (422, "invalid_delta")
    assert 'value="typo"' in zero.text
    words = _adjust(client, web, delta="ten")
    assert (words.status_code, page_code(words)) == (422, "invalid_delta")
    below = _adjust(client, web, delta="-11", note="too many")
    assert below.status_code == 409 and 'value="-11"' in below.text
    assert stock(client, web.seller_a, web.shop_a.sku_id)[0] == 10


def test_another_shops_stock_is_not_found(client: TestClient, web: World) -> None:
    sign_in(client, "seller.b@test.dev")
    other = client.get(f"/center/stock?shop_id={web.shop_a.id}")
    assert (other.status_code, page_code(other)) == (404, "not_found")
    refused = _adjust(client, web, delta="5")
    assert refused.status_code == 404
    assert stock(client, web.seller_a, web.shop_a.sku_id)[0] == 10


def test_an_adjustment_without_the_csrf_token_changes_nothing(
    client: TestClient, web: World
) -> None:
    sign_in(client, "seller.a@test.dev")
    shop = web.shop_a
    body = {"shop_id": shop.id, "sku_id": shop.sku_id, "warehouse_id": shop.warehouse_id}
    answer = client.post("/center/stock/adjust", data={**body, "delta": "5"})
    assert (answer.status_code, page_code(answer)) == (403, "csrf_failed")
    assert stock(client, web.seller_a, web.shop_a.sku_id)[0] == 10


def test_the_low_stock_list(db: Database, client: TestClient, web: World) -> None:
    with db.unit_of_work() as session:
        session.execute(
            update(Sku).where(Sku.id == web.shop_a.sku_id).values(low_stock_threshold=12)
        )
    sign_in(client, "seller.a@test.dev")
    low = client.get("/center/stock").text.split("Stock per warehouse")[0]
    assert "10 left (threshold 12)" in low


def test_a_tracking_csv_ships_the_good_rows_and_shows_each_rows_error(
    client: TestClient, web: World
) -> None:
    order = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    good = tracking_number("SX", "3000000001")
    text = (
        "order_id,provider_code,tracking_number\n"
        f"{order['id']},SIMEX,{good}\n"
        f"999999,SIMEX,{tracking_number('SX', '3000000002')}\n"
    )
    sign_in(client, "seller.a@test.dev")
    files = {"file": ("tracking.csv", text.encode(), "text/csv")}
    data = {"shop_id": str(web.shop_a.id), **_token(client)}
    answer = client.post("/center/stock/tracking", data=data, files=files)
    assert answer.status_code == 200
    assert "1 of 2 rows shipped" in answer.text
    assert 'data-code="not_found"' in answer.text and "order 999999 not found" in answer.text
    assert get_order(client, web.buyer, order["id"])["status"] == "AWAITING_COLLECTION"
    bad = client.post(
        "/center/stock/tracking",
        data=data,
        files={"file": ("x.csv", b"nope,columns\n1,2\n", "text/csv")},
    )
    assert (bad.status_code, page_code(bad)) == (422, "invalid_csv_header")
