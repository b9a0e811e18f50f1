"""axe-core (tests/browser/vendor, injected into the page) finds no serious or critical
accessibility violation on the pages built so far, at 375 px and on a desktop width."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from clipshop.identity.principal import Role
from tests.browser.conftest import Site
from tests.browser.support import sign_in
from tests.conftest import World, make_actor, make_world
from tests.fulfillment_support import ready_order
from tests.integration.checkout_api import API
from tests.integration.promotion_support import post_promotion, promotion_body
from tests.integration.social_support import start_live
from tests.web_support import PASSWORD

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = """async () => {
  const result = await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "best-practice"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""


def _build(site: Site) -> dict[str, Any]:
    world: World = make_world(site.db, password=PASSWORD)
    make_actor(site.db, Role.CREATOR, "creator@test.dev", password=PASSWORD)
    with httpx.Client(base_url=site.url) as api:
        order = ready_order(api, world.buyer, world.admin, {world.shop_a.sku_id: 1})  # type: ignore[arg-type]
        body = promotion_body(world.shop_a.sku_id, "FLASH_DEAL", deal_price=500, quantity=20)
        post_promotion(api, world.seller_a, world.shop_a.id, **body)  # type: ignore[arg-type]
        live = start_live(api, world.seller_a, "Axe live", world.shop_a.id)  # type: ignore[arg-type]
        pin = {"product_id": str(world.shop_a.product_id)}
        api.post(f"{API}/lives/{live['id']}/pins", json=pin, headers=world.seller_a.headers)
    return {**order, "live_id": live["id"]}


@pytest.fixture(scope="module")
def order(site: Site) -> dict[str, Any]:
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps a loop in this thread
        return pool.submit(_build, site).result()


@pytest.fixture(params=[375, 1280], ids=["phone", "desktop"])
def page(request: pytest.FixtureRequest, browser: Browser, site: Site) -> Iterator[Page]:
    size = {"width": request.param, "height": 900}
    context = browser.new_context(base_url=site.url, viewport=size)
    yield context.new_page()
    context.close()


def _violations(page: Page, path: str | None = None) -> list[str]:
    """Serious and critical findings on ``path`` (None: the page as it stands)."""
    if path is not None:
        page.goto(path)
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate(SERIOUS)
    return found


def test_main_pages_have_no_serious_violations(page: Page, order: dict[str, Any]) -> None:
    assert _violations(page, "/") == []
    assert _violations(page, "/signin") == []
    page.get_by_label("E-mail").fill("seller.a@test.dev")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    assert _violations(page) == []  # the form again, with its error message
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/center")
    for path in ("/center", "/center/orders", f"/center/orders/{order['id']}"):
        assert _violations(page, path) == [], path
    for path in ("/center/returns", "/center/cancellations", "/center/stock", "/center/settings"):
        assert _violations(page, path) == [], path


def test_promotion_live_and_creator_pages_have_no_serious_violations(
    page: Page, order: dict[str, Any]
) -> None:
    sign_in(page, "seller.a@test.dev")
    page.wait_for_url("**/center")
    live = f"/center/lives/{order['live_id']}"
    for path in ("/center/promotions", "/center/lives", live, "/center/affiliate"):
        assert _violations(page, path) == [], path
    page.goto("/center/promotions?shop_id=1")  # a refusal page (another shop)
    assert _violations(page) == []
    page.context.clear_cookies()
    sign_in(page, "buyer@test.dev")
    page.wait_for_url("**/shop")
    for path in (f"/shop/shops/{order['shop_id']}", f"/shop/lives/{order['live_id']}"):
        assert _violations(page, path) == [], path
    page.context.clear_cookies()
    sign_in(page, "creator@test.dev")
    page.wait_for_url("**/center/creator")
    for path in ("/center/creator", "/center/lives"):
        assert _violations(page, path) == [], path


def test_buyer_pages_have_no_serious_violations(page: Page, order: dict[str, Any]) -> None:
    sign_in(page, "buyer@test.dev")
    page.wait_for_url("**/shop")
    assert _violations(page, f"/shop/shops/{order['shop_id']}") == []
    page.get_by_role("button", name="Add ShopA tee Tee to cart").click()
    page.wait_for_url("**/shop/cart")
    assert _violations(page) == []  # the cart with its line
    address = "name=Ada&phone=5550100&address_line1=2+Elm+St&city=X&postal_code=62702&country=US"
    for path in ("/shop", f"/shop/checkout?{address}", "/shop/orders"):
        assert _violations(page, path) == [], path
    assert _violations(page, f"/shop/orders/{order['id']}") == []


def test_desk_pages_have_no_serious_violations(page: Page, order: dict[str, Any]) -> None:
    sign_in(page, "admin@test.dev")
    page.wait_for_url("**/")
    desk = ("/desk", "/desk/disputes", "/desk/escalations", f"/desk/orders/{order['id']}")
    for path in (*desk, f"/desk/shops/{order['shop_id']}"):
        assert _violations(page, path) == [], path
