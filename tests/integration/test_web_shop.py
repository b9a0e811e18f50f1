"""The buyer pages at /shop over plain HTTP, on both databases: browse, cart."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.models import Shop
from tests.conftest import World
from tests.integration.checkout_api import API
from tests.web_support import page_code, sign_in

HIDDEN = re.compile(
    r'<form method="post" action="/signout"[^>]*>\s*'
    r'<input type="hidden" name="([^"]+)" value="([^"]+)"'
)


def csrf(client: TestClient) -> dict[str, str]:
    """The CSRF field (name and value) of the signed-in pages' forms, read from the layout's
    sign-out form, whatever the CSRF implementation names it."""
    found = HIDDEN.search(client.get("/").text)
    assert found
    return {found.group(1): found.group(2)}


def buyer_signs_in(client: TestClient) -> dict[str, str]:
    assert sign_in(client, "buyer@test.dev").status_code == 303
    return csrf(client)


def test_buyer_browses_shops_and_active_products_with_price_and_stock(
    client: TestClient, web: World
) -> None:
    buyer_signs_in(client)
    shops = client.get("/shop")
    assert shops.status_code == 200
    assert f'href="/shop/shops/{web.shop_a.id}"' in shops.text and "ShopB" in shops.text
    products = client.get(f"/shop/shops/{web.shop_a.id}")
    assert "ShopA tee" in products.text and "10.00 USD" in products.text
    assert "in stock (10)" in products.text
    assert f'action="/shop/cart/{web.shop_a.sku_id}"' in products.text
    assert page_code(client.get("/shop/shops/999999")) == "not_found"


def test_cart_add_change_remove_with_csrf_and_redirect(client: TestClient, web: World) -> None:
    token = buyer_signs_in(client)
    sku = web.shop_a.sku_id
    added = client.post(
        f"/shop/cart/{sku}", data={**token, "quantity": "2"}, follow_redirects=False
    )
    assert added.status_code == 303, added.text[-1500:]
    assert added.headers["location"] == "/shop/cart"
    cart = client.get("/shop/cart").text
    assert 'value="2"' in cart and "20.00 USD" in cart
    changed = client.post(f"/shop/cart/{sku}", data={**token, "quantity": "3"})
    assert "30.00 USD" in changed.text
    bad = client.post(f"/shop/cart/{sku}", data={**token, "quantity": "100"})
    assert (bad.status_code, page_code(bad)) == (422, "invalid_input")
    assert "30.00 USD" in bad.text  # nothing lost
    refused = client.post(f"/shop/cart/{sku}", data={"quantity": "1"})
    assert (refused.status_code, page_code(refused)) == (403, "csrf_failed")
    removed = client.post(f"/shop/cart/{sku}", data={**token, "remove": "1"})
    assert "Your cart is empty" in removed.text


def test_sellers_may_not_shop(client: TestClient, web: World) -> None:
    sign_in(client, "seller.a@test.dev")
    answer = client.get("/shop/cart")
    assert (answer.status_code, page_code(answer)) == (403, "forbidden")


def test_inactive_products_and_suspended_shops_are_not_offered(
    db: Database, client: TestClient, web: World
) -> None:
    off = client.patch(
        f"{API}/products/{web.shop_a.product_id}",
        json={"status": "INACTIVE"},
        headers=web.seller_a.headers,
    )
    assert off.status_code == 200, off.text
    with db.unit_of_work() as session:
        session.get_one(Shop, web.shop_b.id).standing = "SUSPENDED"
    buyer_signs_in(client)
    assert "ShopA tee" not in client.get(f"/shop/shops/{web.shop_a.id}").text
    assert "No products for sale." in client.get(f"/shop/shops/{web.shop_a.id}").text
    assert f"/shop/shops/{web.shop_b.id}" not in client.get("/shop").text
    hidden = client.get(f"/shop/shops/{web.shop_b.id}")
    assert (hidden.status_code, page_code(hidden)) == (404, "not_found")
