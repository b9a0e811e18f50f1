"""A seller creates a flash deal on the Promotions page in Chromium, at 375 px in New York's
zone (the window typed in that zone); the buyer's product page shows the deal price, the units
left and the countdown; the seller pins the product on a live and the buyer's live page
lists it."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, expect

from clipshop.core.clock import utcnow
from tests.browser.conftest import Site
from tests.browser.support import aside, fits, phone_page, sign_in
from tests.conftest import make_world
from tests.web_support import PASSWORD

ZONE = "America/New_York"


def test_a_flash_deal_reaches_the_buyers_product_page(browser: Browser, site: Site) -> None:
    world = aside(lambda: make_world(site.db, password=PASSWORD))
    seller = phone_page(browser, site, ZONE)
    sign_in(seller, "seller.a@test.dev")
    expect(seller.get_by_role("heading", name="Seller center")).to_be_visible()
    seller.goto("/center/promotions")
    local = utcnow().astimezone(ZoneInfo(ZONE))
    form = seller.get_by_role("form", name="New product discount or flash deal")
    form.get_by_label("Kind").select_option("FLASH_DEAL")
    form.get_by_label("Title").fill("Lunch rush")
    form.get_by_label("Deal price").fill("4.50")
    form.get_by_label("Deal units (flash deals)").fill("25")
    form.get_by_label("Starts (your time)").fill(
        (local - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    )
    form.get_by_label("Ends (your time)").fill(
        (local + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    )
    form.get_by_role("button", name="Create").click()
    row = seller.locator("table.promotions tr", has_text="Lunch rush")
    expect(row).to_contain_text("0 / 25 sold")
    expect(row).to_contain_text("active")
    fits(seller)

    seller.goto("/center/lives")
    seller.get_by_label("Title").fill("Lunch live")
    seller.get_by_role("button", name="Go live").click()
    expect(seller.get_by_role("heading", name="Lunch live")).to_be_visible()
    seller.get_by_role("button", name="Pin at the end").click()  # htmx swaps the pin list
    expect(seller.locator("ol.pins li").first).to_contain_text("Unpin")
    live_path = seller.url.split(site.url, 1)[1]

    buyer = phone_page(browser, site, ZONE)
    sign_in(buyer, "buyer@test.dev")
    expect(buyer.get_by_role("heading", name="Shops")).to_be_visible()
    buyer.goto(f"/shop/shops/{world.shop_a.id}")
    deal = buyer.locator(f'[data-deal="{world.shop_a.sku_id}"]')
    expect(deal).to_contain_text("4.50 USD")
    expect(deal).to_contain_text("25 left")
    expect(deal.locator("time[data-countdown]")).to_have_text(re.compile(r"^2 h 5\d min left$"))
    fits(buyer)
    buyer.goto(live_path.replace("/center/lives/", "/shop/lives/"))
    expect(buyer.locator("ol.pins li.product")).to_have_count(1)
    expect(buyer.locator("ol.pins")).to_contain_text("4.50 USD")
    fits(buyer)
