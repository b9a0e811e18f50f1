"""An agent decides a dispute in Chromium (issue 16): the buyer's damage claim with a photo is
made through the API on a delivered order; the agent finds it in the desk's dispute queue, sees
the photo, supports the buyer with a note, and the buyer is refunded; at 375 px."""

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
from tests.integration.dispute_support import PNG, claim, delivered, evidence
from tests.web_support import PASSWORD

week = deadline_support.week  # the fixture: a frozen Monday, the US policy in UTC


def _claimed(site: Site, week: Week) -> tuple[World, dict[str, Any]]:
    world = make_world(site.db, password=PASSWORD)
    # the carrier's signed webhook needs the app's secret: an in-process client of the same app
    with TestClient(create_app(site.db.settings, site.db)) as api:
        order, _ = delivered(api, world, week)
        lines = [line["id"] for line in order["line_items"]]
        opened = ok(claim(api, world.buyer, order["id"], "DAMAGE_CLAIM", "DAMAGED", lines), 201)
        ok(evidence(api, world.buyer, opened["id"], PNG, "image/png"), 201)
    return world, opened


def test_an_agent_decides_a_dispute(browser: Browser, site: Site, week: Week) -> None:
    world, opened = aside(lambda: _claimed(site, week))
    page = phone_page(browser, site)
    sign_in(page, "agent@test.dev")
    expect(page.get_by_role("heading", name="Agent desk")).to_be_visible()
    page.get_by_role("link", name="Dispute queue").click()
    page.get_by_role("link", name=str(opened["id"])).click()
    expect(page.get_by_role("heading", name=f"Dispute {opened['id']}")).to_be_visible()
    photo = page.get_by_role("img", name="Photo 1 from the buyer")
    expect(photo).to_be_visible()
    served = page.request.get(str(photo.get_attribute("src")))
    assert (served.status, served.body()) == (200, PNG)
    page.get_by_label("Note").fill("the photo shows the damage")
    page.get_by_role("button", name="Support the buyer (refund)").click()
    expect(page.locator(".status")).to_have_text("SUPPORT_BUYER")
    expect(page.locator(".facts")).to_contain_text("the photo shows the damage")
    expect(page.get_by_role("button", name="Support the seller")).to_have_count(0)
    fits(page)
    with httpx.Client(base_url=site.url) as api:
        done = api.get(f"{API}/disputes/{opened['id']}", headers=world.buyer.headers).json()
    assert done["status"] == "SUPPORT_BUYER" and done["refund_amount"] is not None
    page.context.close()
