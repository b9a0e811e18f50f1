"""The buyer pages in Chromium, at 375 px in the viewer's zone: a buyer checks out two
shops' items and pays after a declined card; a buyer requests a return of a delivered order
with a photo (delivered through the API: shipped, then the sandbox clock moves on and the
simulated carrier delivers)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.browser.conftest import Site
from tests.browser.support import PHONE, sign_in
from tests.conftest import World, make_world
from tests.fulfillment_support import ready_order, ship, tracking_number
from tests.integration.checkout_api import (
    ADDRESS,
    API,
    DECLINED_CARD,
    OK_CARD,
    add_card,
    advance,
    get_order,
    get_payment,
)
from tests.integration.fulfillment_files_api import PNG
from tests.web_support import PASSWORD

ZONE = "America/New_York"
T = TypeVar("T")


@pytest.fixture(scope="module", autouse=True)
def _files_elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The served app keeps uploads under ./clipshop-files: here, a temporary directory."""
    before = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("buyer-files"))
    yield
    os.chdir(before)


def _aside(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own (Playwright's sync API keeps an event loop in
    this one, where the SQLite writer refuses to wait)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


@pytest.fixture(scope="module")
def world(site: Site) -> World:
    return _aside(lambda: make_world(site.db, password=PASSWORD))


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    context = browser.new_context(base_url=site.url, viewport=PHONE, timezone_id=ZONE)
    page = context.new_page()
    yield page
    context.close()


def _sign_in(page: Page) -> None:
    sign_in(page, "buyer@test.dev")
    expect(page.get_by_role("heading", name="Shops")).to_be_visible()


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 375)"
        ".map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)"
    )  # what sticks out, to say in the failure
    assert width <= PHONE["width"], f"the page is {width} px wide: {wide}"


def _new_card(page: Page, number: str) -> None:
    page.get_by_label("A new card").check()
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year").fill("2099")
    page.get_by_label("CVC").fill("123")


def test_buyer_checks_out_two_shops_and_pays_after_a_declined_card(
    page: Page, site: Site, world: World
) -> None:
    _sign_in(page)
    for shop in ("ShopA", "ShopB"):
        page.goto("/shop")
        page.get_by_role("link", name=shop).click()
        expect(page.get_by_text("in stock (10)")).to_be_visible()
        _fits(page)
        page.get_by_role("button", name=f"Add {shop} tee Tee to cart").click()
        expect(page.get_by_role("heading", name="Cart")).to_be_visible()
    expect(page.locator(".cart-line")).to_have_count(2)
    _fits(page)
    page.get_by_role("link", name="Check out").click()
    labels = {"name": "Full name", "phone": "Phone", "address_line1": "Address"}
    labels |= {"city": "City", "state": "State", "postal_code": "Postal code"}
    for field, label in labels.items():
        page.get_by_label(label, exact=True).fill(ADDRESS[field])
    page.get_by_label("Country (2 letters)").fill(ADDRESS["country"])
    page.get_by_role("button", name="See the price").click()
    expect(page.locator(".waterfall")).to_have_count(2)
    expect(page.locator("[data-total]")).to_contain_text("USD")
    _fits(page)
    _new_card(page, DECLINED_CARD)
    page.get_by_role("button", name="Place order and pay").click()
    alert = page.locator('[role="alert"][data-code="card_declined"]')
    expect(alert).to_contain_text("The card was declined")
    _fits(page)
    _new_card(page, OK_CARD)
    page.get_by_role("button", name="Pay again").click()
    expect(page.get_by_text("Paid. Thank you!")).to_be_visible()
    expect(page.locator('a[href^="/shop/orders/"]')).to_have_count(2)
    payment_id = page.url.rsplit("/", 1)[1]
    with httpx.Client(base_url=site.url) as api:
        paid = get_payment(api, world.buyer, payment_id)  # type: ignore[arg-type]
    assert paid["payment"]["status"] == "CAPTURED"
    assert {o["shop_id"] for o in paid["orders"]} == {str(world.shop_a.id), str(world.shop_b.id)}


def _delivered(site: Site, world: World) -> dict[str, Any]:
    with httpx.Client(base_url=site.url) as api:
        add_card(api, world.buyer, OK_CARD, make_default=True)  # type: ignore[arg-type]
        order = ready_order(api, world.buyer, world.admin, {world.shop_a.sku_id: 1})  # type: ignore[arg-type]
        tracking = tracking_number("SX", "7100000001")
        ship(api, world.seller_a, [order["id"]], tracking, scenario="on_time")  # type: ignore[arg-type]
        advance(api, world.admin, days=8)  # type: ignore[arg-type]
        fresh = get_order(api, world.buyer, order["id"])  # type: ignore[arg-type]
    assert fresh["status"] == "DELIVERED", fresh["status"]
    return fresh


def test_buyer_requests_a_return_with_a_photo(page: Page, site: Site, world: World) -> None:
    order = _aside(lambda: _delivered(site, world))
    _sign_in(page)
    page.goto("/shop/orders")
    page.get_by_role("link", name=f"Order {order['id']}").click()
    expect(page.locator('[data-action="REFUND"]')).to_contain_text("ask for a refund by ")
    _fits(page)
    page.get_by_label("Reason").first.select_option("DAMAGED")
    page.get_by_label("Describe the problem").fill("The tee arrived torn.")
    photo: FilePayload = {"name": "torn.png", "mimeType": "image/png", "buffer": PNG}
    page.get_by_label("Photos or videos").set_input_files([photo])
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".request")).to_contain_text("RETURN_OR_REFUND_REQUEST_PENDING")
    with httpx.Client(base_url=site.url) as api:
        (ret,) = api.get(f"{API}/returns", headers=world.buyer.headers).json()["items"]
        files = api.get(f"{API}/returns/{ret['return_id']}/evidence", headers=world.buyer.headers)
    assert ret["return_reason"] == "DAMAGED" and len(files.json()) == 1
