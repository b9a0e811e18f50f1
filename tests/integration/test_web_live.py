"""Live sessions and flash deals on the pages over plain HTTP, on both databases: a seller
starts a live, pins, moves to the top, unpins (htmx partials) and ends it; the buyer's live
page lists the pins in order and checks out with the live as the source; the product page
shows a flash deal's price, units left and countdown; another shop's live is 404."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import LivePin, LiveSession, Order
from tests.conftest import World
from tests.integration.checkout_api import ADDRESS, OK_CARD
from tests.integration.promotion_support import flash
from tests.integration.social_support import add_product
from tests.web_support import page_code, session_token, sign_in

HX = {"HX-Request": "true"}


def _post(client: TestClient, path: str, headers: dict[str, str] | None = None, **form: Any) -> Any:
    body = {"csrf_token": session_token(client), **form}
    return client.post(path, data=body, headers=headers or {}, follow_redirects=False)


def _pins(db: Database, live_id: int) -> list[int]:
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(
            select(LivePin.product_id).where(LivePin.live_id == live_id).order_by(LivePin.position)
        )
        return list(rows)


def _listed(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<li (?:class="product" )?data-product="(\d+)"', html)]


def _start(client: TestClient, web: World) -> int:
    started = _post(client, "/center/lives", title="Friday drop", shop_id=web.shop_a.id)
    assert started.status_code == 303
    return int(started.headers["location"].rsplit("/", 1)[1])


def test_a_seller_runs_a_live_and_buyers_see_its_pins_in_order(
    client: TestClient, web: World, db: Database
) -> None:
    a, b, c = web.shop_a.product_id, add_product(db, web, "B"), add_product(db, web, "C")
    sign_in(client, "seller.a@test.dev")
    live = _start(client, web)
    path = f"/center/lives/{live}"
    assert _post(client, f"{path}/pins", product_id=a).status_code == 303
    partial = _post(client, f"{path}/pins", HX, product_id=b)
    assert partial.status_code == 200 and partial.text.lstrip().startswith('<div id="pins">')
    assert "<html" not in partial.text and _listed(partial.text) == [a, b]
    _post(client, f"{path}/pins", HX, product_id=c)
    top = _post(client, f"{path}/pins/{c}/top", HX)
    assert _listed(top.text) == [c, a, b] == _pins(db, live)
    unpinned = _post(client, f"{path}/pins/{a}/unpin", HX)
    assert _listed(unpinned.text) == [c, b] == _pins(db, live)
    seller_page = client.get(path)
    assert seller_page.status_code == 200 and 'data-status="LIVE"' in seller_page.text
    assert "data-orders>0<" in seller_page.text and 'class="chart"' in seller_page.text

    client.post("/signout", data={"csrf_token": session_token(client)})
    sign_in(client, "buyer@test.dev")
    public = client.get(f"/shop/lives/{live}")
    assert public.status_code == 200 and _listed(public.text) == [c, b]
    unpinned_sku = _post(client, f"/shop/lives/{live}/cart/{web.shop_a.sku_id}", quantity="1")
    assert (unpinned_sku.status_code, page_code(unpinned_sku)) == (404, "not_pinned")
    assert "Your cart is empty" in client.get("/shop/cart").text


def test_checkout_from_a_live_records_its_source(
    client: TestClient, web: World, db: Database
) -> None:
    sign_in(client, "seller.a@test.dev")
    live = _start(client, web)
    _post(client, f"/center/lives/{live}/pins", product_id=web.shop_a.product_id)
    client.post("/signout", data={"csrf_token": session_token(client)})
    sign_in(client, "buyer@test.dev")
    added = _post(client, f"/shop/lives/{live}/cart/{web.shop_a.sku_id}", quantity="2")
    assert (added.status_code, added.headers["location"]) == (
        303,
        f"/shop/checkout?source_type=LIVE&source_id={live}",
    )
    quoted = client.get(
        "/shop/checkout", params={**ADDRESS, "source_type": "LIVE", "source_id": live}
    )
    assert f'data-source="LIVE-{live}"' in quoted.text
    assert f'name="source_id" value="{live}"' in quoted.text
    card = {"method": "new", "card_number": OK_CARD, "exp_month": "12", "exp_year": "2099"}
    placed = _post(
        client, "/shop/checkout", **ADDRESS, **card, cvc="123", source_type="LIVE",
        source_id=str(live),
    )  # fmt: skip
    assert placed.status_code == 303, placed.text
    with db.unit_of_work(write=False) as session:
        order = session.scalars(select(Order).where(Order.buyer_id == web.buyer.id)).one()
        assert (order.source_type, order.source_id) == ("LIVE", live)
    bad = _post(client, "/shop/checkout", **ADDRESS, **card, cvc="1", source_type="PARTY")
    assert (bad.status_code, page_code(bad)) == (422, "invalid_source")
    client.post("/signout", data={"csrf_token": session_token(client)})
    sign_in(client, "seller.a@test.dev")
    report = client.get(f"/center/lives/{live}")
    assert "data-orders>1<" in report.text and "data-units>2<" in report.text
    assert "data-gmv>20.00 USD<" in report.text


def test_ending_a_live_stops_pin_changes(client: TestClient, web: World, db: Database) -> None:
    sign_in(client, "seller.a@test.dev")
    live = _start(client, web)
    path = f"/center/lives/{live}"
    _post(client, f"{path}/pins", product_id=web.shop_a.product_id)
    assert _post(client, f"{path}/end").status_code == 303
    ended = client.get(path)
    assert 'data-status="ENDED"' in ended.text and "End the live" not in ended.text
    late = _post(client, f"{path}/pins/{web.shop_a.product_id}/unpin", HX)
    assert (late.status_code, page_code(late)) == (409, "live_ended")
    again = _post(client, f"{path}/end")
    assert (again.status_code, page_code(again)) == (409, "live_ended")
    assert _pins(db, live) == [web.shop_a.product_id]


def test_another_shops_live_is_not_found(client: TestClient, web: World, db: Database) -> None:
    sign_in(client, "seller.a@test.dev")
    live = _start(client, web)
    client.post("/signout", data={"csrf_token": session_token(client)})
    sign_in(client, "seller.b@test.dev")
    assert page_code(client.get(f"/center/lives/{live}")) == "live_not_found"
    refused = _post(client, f"/center/lives/{live}/pins", product_id=web.shop_a.product_id)
    assert refused.status_code == 404
    assert _post(client, f"/center/lives/{live}/end").status_code == 404
    assert _pins(db, live) == []
    with db.unit_of_work(write=False) as session:
        assert session.get_one(LiveSession, live).status == "LIVE"


def test_the_product_page_shows_a_flash_deal(client: TestClient, web: World) -> None:
    flash(client, web, quantity=40, price=450, per_buyer_limit=2)
    sign_in(client, "buyer@test.dev")
    shop = client.get(f"/shop/shops/{web.shop_a.id}")
    found = re.search(
        rf'<span class="deal" data-deal="{web.shop_a.sku_id}">(.*?)</span>\s*·', shop.text, re.S
    )
    assert found, shop.text
    deal = found.group(1)
    assert "<strong>4.50 USD</strong>" in deal and "10.00 USD" in deal
    assert "40 left" in deal and "at most 2 each" in deal
    assert re.search(
        r"data-countdown>29 days 23 h left</time>|data-countdown>30 days left</time>", deal
    )
