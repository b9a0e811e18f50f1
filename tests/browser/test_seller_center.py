"""The seller center in Chromium: sign in as a seller, the dashboard's deadlines, an order's
page and timeline, another shop's order (404), a CSRF-less post (403), the wrong password's
message, sign out; at 375 px wide, in the viewer's time zone."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from clipshop.api.web import times
from clipshop.core.clock import clock
from tests.browser.conftest import Site
from tests.browser.support import PHONE, fits, sign_in
from tests.conftest import World, make_world
from tests.fulfillment_support import ready_order
from tests.web_support import PASSWORD

ZONE = "America/New_York"


def _build(site: Site) -> tuple[World, dict[str, Any], dict[str, Any]]:
    world = make_world(site.db, password=PASSWORD)
    with httpx.Client(base_url=site.url) as api:
        own = ready_order(api, world.buyer, world.admin, {world.shop_a.sku_id: 1})  # type: ignore[arg-type]
        foreign = ready_order(api, world.buyer, world.admin, {world.shop_b.sku_id: 1})  # type: ignore[arg-type]
    return world, own, foreign


@pytest.fixture(scope="module")
def shop_world(site: Site) -> tuple[World, dict[str, Any], dict[str, Any]]:
    """Sellers with passwords, and an order awaiting shipment in each of the two shops; built
    in a thread of its own (Playwright's sync API keeps an event loop in this one, where the
    SQLite writer refuses to wait)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_build, site).result()


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    context = browser.new_context(base_url=site.url, viewport=PHONE, timezone_id=ZONE)
    page = context.new_page()
    page.goto("/signin")
    page.wait_for_function("document.cookie.indexOf('tz=') >= 0")  # set by app.js
    yield page
    context.close()


def test_seller_signs_in_sees_the_deadline_and_opens_the_order(
    page: Page, shop_world: tuple[World, dict[str, Any], dict[str, Any]]
) -> None:
    _, own, foreign = shop_world
    due = datetime.fromisoformat(own["rts_sla_time"])
    clock.freeze(due - timedelta(days=1, hours=4))  # the server shares this process's clock
    sign_in(page, "seller.a@test.dev")
    expect(page).to_have_url(f"{page.url.split('/center')[0]}/center")
    expect(page.get_by_role("heading", name="Seller center")).to_be_visible()
    local = due.astimezone(ZoneInfo(ZONE))
    spelled = f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"
    expect(page.locator(".deadline").first).to_have_text(f"ship by {spelled} — 1 day 4 h left")
    assert foreign["id"] not in page.content()
    drawn = "() => !!window.Chart && !!Chart.getChart(document.querySelector('canvas.chart'))"
    page.wait_for_function(drawn)  # the vendored Chart.js drew the performance chart
    fits(page)
    page.get_by_role("link", name=f"Order {own['id']}").click()
    expect(page.get_by_role("heading", name=f"Order {own['id']}")).to_be_visible()
    expect(page.locator(".timeline li").first).to_contain_text("ORDER_PLACED")
    placed = datetime.fromisoformat(own["created_at"])
    expect(page.locator(".facts dd").first).to_have_text(times.when(placed, ZoneInfo(ZONE)))
    fits(page)


def test_another_shops_order_is_not_found(
    page: Page, shop_world: tuple[World, dict[str, Any], dict[str, Any]]
) -> None:
    _, _, foreign = shop_world
    sign_in(page, "seller.a@test.dev")
    answer = page.goto(f"/center/orders/{foreign['id']}")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("alert")).to_have_text("order not found")


def test_a_post_without_the_csrf_token_is_refused(
    page: Page, shop_world: tuple[World, dict[str, Any], dict[str, Any]]
) -> None:
    sign_in(page, "seller.a@test.dev")
    refused = page.request.post("/signout", form={"reason": "no token"}, max_redirects=0)
    assert refused.status == 403
    assert 'data-code="csrf_failed"' in refused.text()
    answer = page.goto("/center")
    assert answer is not None and answer.status == 200  # still signed in


def test_wrong_password_shows_a_message_then_sign_out(
    page: Page, shop_world: tuple[World, dict[str, Any], dict[str, Any]]
) -> None:
    sign_in(page, "seller.b@test.dev", "not the password")
    expect(page.get_by_role("alert")).to_have_text("wrong e-mail or password")
    expect(page.get_by_label("E-mail")).to_have_value("seller.b@test.dev")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Seller center")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.goto("/center")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_orders_filter_swaps_the_table_with_htmx(
    page: Page, shop_world: tuple[World, dict[str, Any], dict[str, Any]]
) -> None:
    _, own, _ = shop_world
    sign_in(page, "seller.a@test.dev")
    page.goto("/center/orders")
    expect(page.get_by_role("link", name=own["id"])).to_be_visible()
    page.get_by_label("Status").select_option("CANCELLED")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No order matches.")).to_be_visible()
    assert "status=CANCELLED" in page.url  # hx-push-url
    fits(page)
