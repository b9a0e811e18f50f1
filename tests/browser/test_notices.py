"""The notification and account pages in Chromium at 375 px: a buyer sees an unread
notification, marks it read, changes the e-mail (a taken one is refused with its reason),
the language and the marketing opt-out; axe-core finds no serious or critical violation."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from clipshop.models import NotificationPreference, User
from clipshop.notifications import consumer
from tests.browser.conftest import Site
from tests.browser.support import aside, fits, phone_page, sign_in
from tests.browser.test_accessibility import AXE, SERIOUS
from tests.conftest import make_world
from tests.integration.matrix_notifications import resolved_case
from tests.web_support import PASSWORD


def _no_violations(page: Page) -> None:
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate(SERIOUS)
    assert found == [], page.url


def _world(site: Site) -> int:
    world = make_world(site.db, password=PASSWORD)
    with site.db.unit_of_work() as session:
        consumer.store(session, resolved_case(world.buyer.id))
    return world.buyer.id


def test_a_buyer_reads_notifications_and_sets_the_account(browser: Browser, site: Site) -> None:
    buyer_id = aside(lambda: _world(site))
    page = phone_page(browser, site)
    sign_in(page, "buyer@test.dev")
    expect(page.get_by_role("heading", name="Shops")).to_be_visible()
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_text("1 unread")).to_be_visible()
    expect(page.get_by_role("link", name="Your case SC-MATRIX is resolved")).to_be_visible()
    fits(page)
    _no_violations(page)
    page.get_by_role("button", name="Mark Your case SC-MATRIX is resolved read").click()
    expect(page.get_by_text("0 unread")).to_be_visible()
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Account")).to_be_visible()
    _no_violations(page)
    page.get_by_label("E-mail (also your sign-in)").fill("seller.a@test.dev")
    page.get_by_role("button", name="Change e-mail").click()
    expect(page.get_by_role("alert")).to_contain_text("email_taken")
    page.get_by_label("E-mail (also your sign-in)").fill("moved@test.dev")
    page.get_by_role("button", name="Change e-mail").click()
    expect(page.get_by_role("status")).to_have_text("Your e-mail is changed.")
    page.get_by_label("Language").select_option("es")
    page.get_by_label("E-mail me when a shop I bought from goes live").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status")).to_have_text("Your preferences are saved.")
    fits(page)

    def stored() -> tuple[str, str, bool]:
        with site.db.unit_of_work(write=False) as session:
            email = session.scalars(select(User.email).where(User.id == buyer_id)).one()
            prefs = session.get_one(NotificationPreference, buyer_id)
            return email, prefs.language, prefs.marketing_opt_out

    assert aside(stored) == ("moved@test.dev", "es", True)
