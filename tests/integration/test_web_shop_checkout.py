"""The buyer's checkout pages over plain HTTP, on both databases: the price waterfall per shop,
paying with a new card, a declined card shown with its code and paid again with another card,
bad input kept in the form, another buyer's payment 404."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from clipshop.core.db import Database
from clipshop.identity.principal import Role
from tests.conftest import World, make_actor
from tests.integration.checkout_api import ADDRESS, DECLINED_CARD, OK_CARD, get_payment
from tests.integration.test_web_shop import buyer_signs_in
from tests.web_support import PASSWORD, page_code, sign_in

PAYMENT = re.compile(r"/shop/payments/(\d+)$")


def _cart_of_two_shops(client: TestClient, web: World) -> dict[str, str]:
    token = buyer_signs_in(client)
    for sku in (web.shop_a.sku_id, web.shop_b.sku_id):
        client.post(f"/shop/cart/{sku}", data={**token, "quantity": "2"})
    return token


def _card(number: str) -> dict[str, str]:
    return {
        "method": "new",
        "card_number": number,
        "exp_month": "12",
        "exp_year": "2099",
        "cvc": "123",
    }


def _pay(client: TestClient, token: dict[str, str], **fields: str) -> Any:
    body = {**token, **ADDRESS, **fields}
    return client.post("/shop/checkout", data=body, follow_redirects=False)


def test_checkout_shows_each_shops_waterfall_and_the_total(client: TestClient, web: World) -> None:
    _cart_of_two_shops(client, web)
    blank = client.get("/shop/checkout")
    assert blank.status_code == 200 and "See the price" in blank.text
    quoted = client.get("/shop/checkout", params=ADDRESS)
    assert quoted.status_code == 200
    sections = re.findall(r'<section class="waterfall" data-shop="(\d+)">', quoted.text)
    assert sections == sorted([str(web.shop_a.id), str(web.shop_b.id)], key=sections.index)
    assert set(sections) == {str(web.shop_a.id), str(web.shop_b.id)}
    assert quoted.text.count("<dt>Subtotal</dt><dd>20.00 USD</dd>") == 2
    assert 'value="Ada Buyer"' in quoted.text  # the typed address stays in the form


def test_a_declined_card_is_shown_and_another_card_pays(client: TestClient, web: World) -> None:
    token = _cart_of_two_shops(client, web)
    placed = _pay(client, token, **_card(DECLINED_CARD))
    assert placed.status_code == 303
    found = PAYMENT.search(placed.headers["location"])
    assert found
    payment_id = found.group(1)
    failed = client.get(placed.headers["location"])
    assert 'data-code="card_declined"' in failed.text and "declined" in failed.text
    assert get_payment(client, web.buyer, payment_id)["payment"]["status"] == "FAILED"
    bad = client.post(f"/shop/payments/{payment_id}/retry", data={**token, **_card("1234")})
    assert (bad.status_code, page_code(bad)) == (422, "invalid_card")
    retried = client.post(
        f"/shop/payments/{payment_id}/retry",
        data={**token, **_card(OK_CARD)},
        follow_redirects=False,
    )
    assert (retried.status_code, retried.headers["location"]) == (
        303,
        f"/shop/payments/{payment_id}",
    )
    paid = get_payment(client, web.buyer, payment_id)
    assert paid["payment"]["status"] == "CAPTURED"
    assert len(paid["orders"]) == 2
    assert "Paid." in client.get(f"/shop/payments/{payment_id}").text
    assert "Your cart is empty" in client.get("/shop/cart").text


def test_bad_address_keeps_the_form_and_places_nothing(client: TestClient, web: World) -> None:
    token = _cart_of_two_shops(client, web)
    answer = _pay(client, token, **{**_card(OK_CARD), "country": "usa"})
    assert (answer.status_code, page_code(answer)) == (422, "invalid_address")
    assert "country" in answer.text and 'value="2 Elm St"' in answer.text
    assert OK_CARD not in answer.text  # card numbers are never written back
    assert "Subtotal" not in client.get("/shop/cart").text
    assert client.get("/shop/cart").text.count('class="cart-line"') == 2


def test_another_buyers_payment_is_not_found(client: TestClient, web: World, db: Database) -> None:
    token = _cart_of_two_shops(client, web)
    placed = _pay(client, token, **_card(OK_CARD))
    location = placed.headers["location"]
    client.post("/signout", data=token)
    make_actor(db, Role.BUYER, "other@test.dev", password=PASSWORD)
    assert sign_in(client, "other@test.dev").status_code == 303
    answer = client.get(location)
    assert (answer.status_code, page_code(answer)) == (404, "not_found")
