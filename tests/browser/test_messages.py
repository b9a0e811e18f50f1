"""The conversation pages in Chromium at 375 px: a buyer writes to the seller from the order
page and sends a photo, the seller sees the unread badge in the shared inbox and replies, the
buyer sees the reply and that the seller read; axe-core finds no serious or critical
violation on the pages on the way."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.browser.conftest import Site
from tests.browser.support import aside, fits, phone_page, sign_in
from tests.browser.test_accessibility import AXE, SERIOUS
from tests.conftest import make_world
from tests.fulfillment_support import ready_order
from tests.integration.fulfillment_files_api import PNG
from tests.web_support import PASSWORD


@pytest.fixture(scope="module", autouse=True)
def _files_elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The served app keeps uploads under ./clipshop-files: here, a temporary directory."""
    before = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("message-files"))
    yield
    os.chdir(before)


def _order(site: Site) -> dict[str, Any]:
    world = make_world(site.db, password=PASSWORD)
    with httpx.Client(base_url=site.url, timeout=60) as api:
        return ready_order(api, world.buyer, world.admin, {world.shop_a.sku_id: 1})  # type: ignore[arg-type]


def _no_violations(page: Page) -> None:
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate(SERIOUS)
    assert found == [], page.url


def test_buyer_and_seller_talk_about_an_order(browser: Browser, site: Site) -> None:
    order = aside(lambda: _order(site))
    buyer = phone_page(browser, site)
    sign_in(buyer, "buyer@test.dev")
    buyer.wait_for_url("**/shop")
    buyer.goto(f"/shop/orders/{order['id']}")
    buyer.get_by_role("button", name="Send to the seller").click()  # nothing typed
    expect(buyer.locator("#contact-text-error")).to_contain_text("write a message first")
    _no_violations(buyer)
    buyer.get_by_label("Message about this order").fill("Can you gift-wrap it?")
    buyer.get_by_role("button", name="Send to the seller").click()
    buyer.wait_for_url("**/shop/messages/*")
    expect(buyer.locator(".msg.mine .msg-text")).to_have_text("Can you gift-wrap it?")
    expect(buyer.get_by_role("link", name=str(order["id"]))).to_be_visible()  # the order card
    photo: FilePayload = {"name": "wrap.png", "mimeType": "image/png", "buffer": PNG}
    buyer.get_by_label("Image (JPEG, PNG or WebP").set_input_files(photo)
    buyer.get_by_role("button", name="Send the image").click()
    expect(buyer.get_by_role("img", name="Image from You")).to_be_visible()
    expect(buyer.get_by_text("read", exact=True)).to_have_count(0)
    fits(buyer)
    _no_violations(buyer)

    seller = phone_page(browser, site)
    sign_in(seller, "seller.a@test.dev")
    seller.wait_for_url("**/center")
    seller.goto("/center/messages")
    expect(seller.locator("h1 .unread")).to_have_text("3 unread")
    fits(seller)
    _no_violations(seller)
    seller.get_by_role("link", name="Buyer", exact=False).first.click()
    seller.wait_for_url("**/center/messages/*")
    expect(seller.get_by_role("link", name=str(order["id"]))).to_have_attribute(
        "href", f"/center/orders/{order['id']}"
    )
    seller.get_by_label("Message", exact=True).fill("Yes, wrapped in red.")
    seller.get_by_role("button", name="Send", exact=True).click()
    expect(seller.locator(".msg.mine .msg-text")).to_have_text("Yes, wrapped in red.")
    fits(seller)
    _no_violations(seller)
    seller.goto("/center/messages")
    expect(seller.locator("h1 .unread")).to_have_count(0)
    expect(seller.locator("[data-rate]")).to_have_text("100%")
    seller.goto("/center/messages/quick-replies")
    _no_violations(seller)

    buyer.goto("/shop/messages")
    expect(buyer.locator(".conversations .unread")).to_have_text("1 unread")
    _no_violations(buyer)
    buyer.get_by_role("link", name="ShopA").click()
    expect(buyer.get_by_text("Yes, wrapped in red.")).to_be_visible()
    expect(buyer.locator("[data-read]")).to_have_count(3)  # the card, the text, the photo
    fits(buyer)
