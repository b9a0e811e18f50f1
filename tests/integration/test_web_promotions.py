"""The seller center's promotions page over plain HTTP, on both databases: each kind created
through its form and listed with its status, deactivation, a restricted shop's refusal, bad
input kept, another shop's promotion 404, CSRF."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.models import Bundle, FreeShippingPromotion, Promotion, Shop, ShopCoupon
from tests.conftest import World
from tests.integration.checkout_api import ADDRESS
from tests.integration.promotion_support import flash
from tests.web_support import page_code, session_token, sign_in

UTC_FORMAT = "%Y-%m-%dT%H:%M"


def _window(days: int = 7) -> dict[str, str]:
    now = utcnow()  # no tz cookie: the page reads times typed as UTC
    return {
        "starts_at": (now - timedelta(hours=1)).strftime(UTC_FORMAT),
        "ends_at": (now + timedelta(days=days)).strftime(UTC_FORMAT),
    }


def _post(client: TestClient, path: str, shop_id: int, **form: Any) -> Any:
    body = {"shop_id": shop_id, "csrf_token": session_token(client), **_window(), **form}
    return client.post(f"/center/promotions/{path}", data=body, follow_redirects=False)


def _row(html: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert found, html
    return found.group(1)


def _count(db: Database, model: Any) -> int:
    with db.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _latest(db: Database, model: Any) -> int:
    with db.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.max(model.id))) or 0)


def test_each_kind_is_created_through_its_form_and_listed(
    client: TestClient, web: World, db: Database
) -> None:
    shop = web.shop_a
    sign_in(client, "seller.a@test.dev")
    done = _post(
        client, "deal", shop.id, kind="FLASH_DEAL", sku_id=shop.sku_id, title="Noon rush",
        deal_price="4.50", quantity="100", per_buyer_limit="2",
    )  # fmt: skip
    assert (done.status_code, done.headers["location"]) == (
        303,
        f"/center/promotions?shop_id={shop.id}",
    )
    deal = _latest(db, Promotion)
    assert (
        _post(
            client, "deal", shop.id, kind="PRODUCT_DISCOUNT", sku_id=shop.sku_id, percent_off="15"
        ).status_code
        == 303
    )
    discount = _latest(db, Promotion)
    assert _post(
        client, "coupon", shop.id, kind="PERCENT", code="SPRING10", title="Spring",
        percent_off="10", max_discount="3.00", min_spend="20", total_limit="50",
    ).status_code == 303  # fmt: skip
    assert _post(
        client, "bundle", shop.id, kind="TIERS", title="Two for less",
        product_ids=[str(shop.product_id)], tiers="2:10, 3:15",
    ).status_code == 303  # fmt: skip
    assert _post(client, "free-shipping", shop.id, threshold="30.00").status_code == 303
    listed = client.get("/center/promotions")
    assert listed.status_code == 200
    flash_row = _row(listed.text, f"deal-{deal}")
    assert "Noon rush" in flash_row and "4.50 USD" in flash_row
    assert "0 / 100 sold" in flash_row and ">active<" in flash_row
    assert "15 % off" in _row(listed.text, f"deal-{discount}")
    coupon = _row(listed.text, f"coupon-{_latest(db, ShopCoupon)}")
    assert "SPRING10" in coupon and "at most 3.00 USD" in coupon and "0 / 50" in coupon
    assert "2+: 10 %, 3+: 15 %" in _row(listed.text, f"bundle-{_latest(db, Bundle)}")
    shipping = _row(listed.text, f"free-shipping-{_latest(db, FreeShippingPromotion)}")
    assert "from 30.00 USD" in shipping
    with db.unit_of_work(write=False) as session:
        saved = session.get_one(Promotion, deal)
        assert (saved.deal_price, saved.quantity, saved.per_buyer_limit) == (450, 100, 2)


def test_a_scheduled_deal_and_a_deactivated_one(
    client: TestClient, web: World, db: Database
) -> None:
    shop = web.shop_a
    sign_in(client, "seller.a@test.dev")
    later = {
        "starts_at": (utcnow() + timedelta(days=2)).strftime(UTC_FORMAT),
        "ends_at": (utcnow() + timedelta(days=3)).strftime(UTC_FORMAT),
    }
    _post(client, "deal", shop.id, kind="PRODUCT_DISCOUNT", sku_id=shop.sku_id,
          deal_price="8", **later)  # fmt: skip
    scheduled = _latest(db, Promotion)
    assert ">scheduled<" in _row(client.get("/center/promotions").text, f"deal-{scheduled}")
    body = {"shop_id": shop.id, "csrf_token": session_token(client)}
    stopped = client.post(
        f"/center/promotions/deal/{scheduled}/deactivate", data=body, follow_redirects=False
    )
    assert stopped.status_code == 303
    row = _row(client.get("/center/promotions").text, f"deal-{scheduled}")
    assert ">deactivated<" in row and "Deactivate" not in row
    with db.unit_of_work(write=False) as session:
        assert session.get_one(Promotion, scheduled).active is False


def test_bad_input_is_refused_with_its_code_and_kept(
    client: TestClient, web: World, db: Database
) -> None:
    shop = web.shop_a
    sign_in(client, "seller.a@test.dev")
    above = _post(client, "deal", shop.id, kind="FLASH_DEAL", sku_id=shop.sku_id,
                  title="Too dear", deal_price="12.00", quantity="5")  # fmt: skip
    assert (above.status_code, page_code(above)) == (422, "invalid_promotion")
    assert 'value="Too dear"' in above.text and 'value="12.00"' in above.text
    money = _post(client, "free-shipping", shop.id, threshold="lots")
    assert (money.status_code, page_code(money)) == (422, "invalid_amount")
    no_window = _post(client, "coupon", shop.id, kind="AMOUNT", code="X1", title="x",
                      amount_off="1", total_limit="5", starts_at="soon")  # fmt: skip
    assert (no_window.status_code, page_code(no_window)) == (422, "invalid_date")
    assert _count(db, Promotion) == 0
    assert _count(db, FreeShippingPromotion) == 0
    assert _count(db, ShopCoupon) == 0


def test_a_restricted_shop_sees_the_refusal(client: TestClient, web: World, db: Database) -> None:
    shop = web.shop_a
    with db.unit_of_work() as session:
        session.execute(update(Shop).where(Shop.id == shop.id).values(standing="RESTRICTED"))
    sign_in(client, "seller.a@test.dev")
    listed = client.get("/center/promotions")
    assert 'data-standing="RESTRICTED"' in listed.text
    refused = _post(client, "coupon", shop.id, kind="AMOUNT", code="NOPE", title="x",
                    amount_off="1", total_limit="5")  # fmt: skip
    assert (refused.status_code, page_code(refused)) == (409, "shop_restricted")
    assert "cannot create promotions" in refused.text
    assert _count(db, ShopCoupon) == 0


def test_another_shops_promotions_are_not_found(
    client: TestClient, web: World, db: Database
) -> None:
    deal = flash(client, web, quantity=10)
    sign_in(client, "seller.b@test.dev")
    other = client.get(f"/center/promotions?shop_id={web.shop_a.id}")
    assert (other.status_code, page_code(other)) == (404, "not_found")
    body = {"shop_id": web.shop_b.id, "csrf_token": session_token(client)}
    foreign = client.post(f"/center/promotions/deal/{deal}/deactivate", data=body)
    assert (foreign.status_code, page_code(foreign)) == (404, "promotion_not_found")
    as_a = {"shop_id": web.shop_a.id, "csrf_token": session_token(client)}
    assert client.post(f"/center/promotions/deal/{deal}/deactivate", data=as_a).status_code == 404
    created = _post(client, "free-shipping", web.shop_a.id, threshold="1")
    assert created.status_code == 404
    no_csrf = client.post(
        f"/center/promotions/deal/{deal}/deactivate", data={"shop_id": web.shop_b.id}
    )
    assert (no_csrf.status_code, page_code(no_csrf)) == (403, "csrf_failed")
    with db.unit_of_work(write=False) as session:
        assert session.get_one(Promotion, deal).active is True
    assert _count(db, FreeShippingPromotion) == 0


def test_a_shop_coupon_typed_at_checkout(client: TestClient, web: World, db: Database) -> None:
    shop = web.shop_a
    sign_in(client, "seller.a@test.dev")
    _post(client, "coupon", shop.id, kind="AMOUNT", code="SAVE5", title="Five off",
          amount_off="5.00", min_spend="20.00", total_limit="10")  # fmt: skip
    client.post("/signout", data={"csrf_token": session_token(client)})
    sign_in(client, "buyer@test.dev")
    client.post(
        f"/shop/cart/{shop.sku_id}", data={"quantity": "3", "csrf_token": session_token(client)}
    )
    plain = client.get("/shop/checkout", params=ADDRESS)
    assert f'name="coupon_{shop.id}"' in plain.text
    assert "<dt>Seller discount</dt><dd>\u22120.00 USD</dd>" in plain.text
    field = {f"coupon_{shop.id}": "SAVE5"}
    quoted = client.get("/shop/checkout", params={**ADDRESS, **field})
    assert "<dt>Seller discount</dt><dd>\u22125.00 USD</dd>" in quoted.text
    assert f'name="coupon_{shop.id}" value="SAVE5"' in quoted.text
    unknown = client.get("/shop/checkout", params={**ADDRESS, f"coupon_{shop.id}": "NOPE"})
    assert unknown.status_code == 409 and page_code(unknown) == "unknown_coupon"
    with db.unit_of_work(write=False) as session:
        assert session.scalars(select(ShopCoupon)).one().uses == 0  # a quote takes nothing
