"""What the browser tests share: the phone's viewport and a page at its width, work done in a
thread aside, signing in through the form, and the check that a page fits the phone's width."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from playwright.sync_api import Browser, Page, ViewportSize

from tests.browser.conftest import Site
from tests.web_support import PASSWORD

PHONE: ViewportSize = {"width": 375, "height": 800}
T = TypeVar("T")


def aside(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own (Playwright's sync API keeps a loop in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


def phone_page(browser: Browser, site: Site, zone: str = "UTC") -> Page:
    """A new page at the phone's width, in the given time zone."""
    context = browser.new_context(base_url=site.url, viewport=PHONE, timezone_id=zone)
    return context.new_page()


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill the sign-in form and send it (the caller waits for the page it expects)."""
    page.goto("/signin")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def fits(page: Page) -> None:
    """The page is no wider than the phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"
