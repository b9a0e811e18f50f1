"""The seller approves a buyer's return request in Chromium (issue 16): the request is made
through the API (a delivered order, a refund request with a photo), the seller finds it first
in the returns queue with its answer deadline, sees the photo and approves; at 375 px."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from clipshop.api.app import create_app
from tests.browser.conftest import Site
from tests.browser.support import aside, fits, phone_page, sign_in
from tests.conftest import World, make_world
from tests.integration import deadline_support
from tests.integration.checkout_api import API, ok
from tests.integration.deadline_support import Week
from tests.integration.dispute_support import PNG
from tests.integration.returns_support import delivered, request_return
from tests.web_support import PASSWORD

week = deadline_support.week  # the fixture: a frozen Monday, the US policy in UTC


def _requested(site: Site, week: Week) -> tuple[World, dict[str, Any]]:
    world = make_world(site.db, password=PASSWORD)
    # the carrier's signed webhook needs the app's secret: an in-process client of the same app
    with TestClient(create_app(site.db.settings, site.db)) as api:
        order, _ = delivered(api, world, week)
        ret = request_return(api, world.buyer, order, reason="DAMAGED")
        headers = {**world.buyer.headers, "Content-Type": "image/png"}
        path = f"{API}/returns/{ret['return_id']}/evidence"
        ok(api.post(path, content=PNG, headers=headers), 201)
    return world, ret


def test_the_seller_approves_a_buyers_return(browser: Browser, site: Site, week: Week) -> None:
    world, ret = aside(lambda: _requested(site, week))
    page = phone_page(browser, site)
    sign_in(page, "seller.a@test.dev")
    expect(page.get_by_role("heading", name="Seller center")).to_be_visible()
    page.goto("/center/returns")
    waiting = page.locator("ul.queue li").first
    expect(waiting).to_contain_text("— 2 days left")
    waiting.get_by_role("link", name=f"Return {ret['return_id']}").click()
    expect(page.get_by_role("heading", name=f"Return {ret['return_id']}")).to_be_visible()
    photo = page.get_by_role("img", name="Photo 1 from the buyer")
    expect(photo).to_be_visible()
    served = page.request.get(str(photo.get_attribute("src")))
    assert (served.status, served.headers["content-type"], served.body()) == (200, "image/png", PNG)
    page.get_by_label("Decision").select_option("APPROVE_REFUND")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".status")).to_have_text("RETURN_OR_REFUND_REQUEST_COMPLETE")
    expect(page.locator(".timeline")).to_contain_text("APPROVED")
    fits(page)
    with httpx.Client(base_url=site.url) as api:
        done = api.get(f"{API}/returns/{ret['return_id']}", headers=world.buyer.headers).json()
    assert done["refund_status"] == "SUCCEEDED"
    page.context.close()
