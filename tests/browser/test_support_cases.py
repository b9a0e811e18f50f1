"""The support-case pages in Chromium at 375 px: a buyer opens a case from the order page
(with a photo; a blank description is refused in place first), gets its number, an agent
takes and answers it on the desk, the buyer reads the answer and replies; axe-core finds no
serious or critical violation on the pages on the way."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.browser.conftest import Site
from tests.browser.support import aside, fits, phone_page, sign_in
from tests.browser.test_accessibility import _violations
from tests.browser.test_messages import _files_elsewhere  # noqa: F401  (autouse: uploads)
from tests.conftest import make_world
from tests.fulfillment_support import paid_orders
from tests.integration.fulfillment_files_api import PNG
from tests.web_support import PASSWORD


def _order(site: Site) -> dict[str, Any]:
    world = make_world(site.db, password=PASSWORD)
    with httpx.Client(base_url=site.url, timeout=60) as api:
        (order,) = paid_orders(api, world.buyer, {world.shop_a.sku_id: 1})  # type: ignore[arg-type]
    return order


def _clean(page: Page) -> None:
    fits(page)
    assert _violations(page) == [], page.url


def test_a_buyer_asks_for_help_and_an_agent_answers(browser: Browser, site: Site) -> None:
    order = aside(lambda: _order(site))
    buyer = phone_page(browser, site)
    sign_in(buyer, "buyer@test.dev")
    buyer.wait_for_url("**/shop")
    buyer.goto(f"/shop/orders/{order['id']}")
    buyer.get_by_role("link", name="Get help with this order").click()
    buyer.wait_for_url("**/shop/help?order_id=*")
    expect(buyer.get_by_label("Order (optional)")).to_have_value(str(order["id"]))
    buyer.get_by_role("button", name="Open the case").click()  # nothing described
    expect(buyer.locator("#description-error")).to_contain_text("enter a description")
    expect(buyer.get_by_label("Order (optional)")).to_have_value(str(order["id"]))
    _clean(buyer)
    buyer.get_by_label("Describe the problem").fill("The box came open and a part is missing.")
    photo: FilePayload = {"name": "box.png", "mimeType": "image/png", "buffer": PNG}
    buyer.get_by_label("Photos or videos").set_input_files(photo)
    buyer.get_by_role("button", name="Open the case").click()
    buyer.wait_for_url(re.compile(r"/shop/help/\d+$"))
    number = buyer.get_by_role("heading", level=1).inner_text().removeprefix("Case ")
    assert re.fullmatch(r"CS-[A-Z2-7]{13}", number), number
    expect(buyer.get_by_role("img", name="Attachment 1")).to_be_visible()
    _clean(buyer)
    case_path = buyer.url.removeprefix(site.url)

    agent = phone_page(browser, site)
    sign_in(agent, "agent@test.dev")
    agent.wait_for_url("**/desk")
    agent.goto("/desk/cases")
    _clean(agent)
    agent.get_by_role("link", name=number).click()
    agent.wait_for_url("**/desk/cases/*")
    expect(agent.get_by_role("link", name=f"Order {order['id']}")).to_have_attribute(
        "href", f"/desk/orders/{order['id']}"
    )
    agent.get_by_role("button", name="Take the case").click()
    expect(agent.get_by_text("me", exact=True)).to_be_visible()
    agent.get_by_label("Message").fill("Sorry! The missing part ships today.")
    agent.get_by_role("button", name="Send", exact=True).click()
    expect(agent.get_by_text("The missing part ships today.")).to_be_visible()
    _clean(agent)

    buyer.goto(case_path)
    expect(buyer.get_by_text("The missing part ships today.")).to_be_visible()
    expect(buyer.locator(".status")).to_have_text("PENDING_USER")
    buyer.get_by_label("Your reply").fill("Thank you!")
    buyer.get_by_role("button", name="Send the reply").click()
    expect(buyer.locator(".status")).to_have_text("PENDING_AGENT")
    _clean(buyer)
    buyer.goto("/shop/help")
    expect(buyer.get_by_role("link", name=number)).to_be_visible()
    _clean(buyer)
