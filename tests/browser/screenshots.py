"""Screenshots of the main pages for docs/web.md: ``python -m tests.browser.screenshots``.

Starts ``clipshop serve --demo --tiktok`` (SQLite, a scratch directory, a free port), signs in as
the demo users and saves every page (or only those named on the command line) at 1280 and
375 px wide into docs/screenshots/, as ``<page>-<width>.png``. Debian's Chromium
(/usr/bin/chromium) through Playwright; nothing is downloaded. Pages that do not exist yet are
skipped with a note."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from clipshop.demo.seed import DOMAIN, SHOPS
from tests.browser.conftest import ARGS, CHROMIUM
from tests.browser.support import sign_in
from tests.servers import demo_server

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = (1280, 375)
PASSWORD = "demo-password"  # the demo users' (clipshop.demo.seed)
Step = Callable[[Page], str | None]  # opens a page; returns its path, or None to skip it


def _go(path: str) -> Step:
    return lambda page: path


def _first_link(list_path: str, css: str) -> Step:
    """The first link matching ``css`` on ``list_path`` (an order, a shop, a dispute)."""

    def step(page: Page) -> str | None:
        page.goto(list_path)
        link = page.locator(css).first
        return link.get_attribute("href") if link.count() else None

    return step


STAGED: dict[str, str] = {}  # what _stage made: the live's path


def _staged(key: str) -> Step:
    return lambda page: STAGED.get(key)


VISITS: list[tuple[str | None, list[tuple[str, Step]]]] = [
    (None, [("home", _go("/")), ("signin", _go("/signin"))]),
    (
        "seller.local",
        [
            ("seller-dashboard", _go("/center")),
            ("seller-orders", _go("/center/orders")),
            ("seller-order", _first_link("/center/orders", "table a[href^='/center/orders/']")),
            ("seller-stock", _go("/center/stock")),
            ("seller-settings", _go("/center/settings")),
            ("seller-promotions", _go("/center/promotions")),
            ("seller-live", _first_link("/center/lives", "ul.lives a[href^='/center/lives/']")),
            ("seller-affiliate", _go("/center/affiliate")),
            ("seller-messages", _go("/center/messages")),
            ("seller-thread", _first_link("/center/messages", ".conversations a")),
            ("seller-quick-replies", _go("/center/messages/quick-replies")),
            ("seller-help", _go("/center/help")),
            ("seller-case", _first_link("/center/help", "table.cases a[href^='/center/help/']")),
        ],
    ),
    (
        "buyer",
        [
            ("buyer-shop", _go("/shop")),
            ("buyer-shop-page", _first_link("/shop", "a[href^='/shop/shops/']")),
            ("buyer-orders", _go("/shop/orders")),
            ("buyer-deal", _staged("buyer_deal")),
            ("buyer-live", _staged("buyer_live")),
            ("buyer-messages", _go("/shop/messages")),
            ("buyer-thread", _first_link("/shop/messages", ".conversations a")),
        ],
    ),
    (
        "tiktok.buyer",  # demo/desk_world.py opens its support case
        [
            ("buyer-help", _go("/shop/help")),
            ("buyer-case", _first_link("/shop/help", "table.cases a[href^='/shop/help/']")),
        ],
    ),
    ("creator", [("creator", _go("/center/creator"))]),
    (
        "supervisor",
        [
            ("desk", _go("/desk")),
            ("desk-disputes", _go("/desk/disputes?status=")),
            ("desk-dispute", _first_link("/desk/disputes?status=", "a[href^='/desk/disputes/']")),
            ("desk-cases", _go("/desk/cases?view=all")),
            ("desk-case", _first_link("/desk/cases?view=all", "a[href^='/desk/cases/']")),
        ],
    ),
]


def _sign_in(page: Page, who: str) -> None:
    sign_in(page, f"{who}@{DOMAIN}", PASSWORD)
    page.wait_for_load_state("load")


def _stage(browser: Browser, base_url: str) -> None:
    """Through the seller's pages: a flash deal on the first SKU (for the product page and the
    promotions list) and a live with it pinned (for the live pages)."""
    context = browser.new_context(base_url=base_url, timezone_id="UTC")
    page = context.new_page()
    _sign_in(page, "seller.local")
    page.goto("/center/promotions")
    form = page.get_by_role("form", name="New product discount or flash deal")
    form.get_by_label("Title").fill("Noon flash deal")
    form.get_by_label("Deal price").fill("9.90")
    form.get_by_label("Deal units (flash deals)").fill("50")
    form.get_by_label("Per-buyer limit (flash deals, optional)").fill("2")
    # the window: the form's own defaults, now (the platform clock) to a day later
    STAGED["buyer_deal"] = f"/shop/shops/{form.locator('input[name=shop_id]').input_value()}"
    form.get_by_role("button", name="Create").click()
    page.wait_for_load_state("load")
    page.goto("/center/lives")
    page.get_by_label("Title").fill("Friday night live")
    page.get_by_role("button", name="Go live").click()
    page.wait_for_url("**/center/lives/*")
    page.get_by_role("button", name="Pin at the end").click()
    page.wait_for_load_state("networkidle")
    STAGED["buyer_live"] = page.url.replace("/center/lives/", "/shop/lives/")
    page.goto("/center/messages/quick-replies")
    page.get_by_label("Question").last.fill("When do you ship?")
    page.get_by_label("Answer").last.fill("Within two business days of your order.")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state("load")
    context.close()
    _stage_message(browser, base_url)


def _stage_message(browser: Browser, base_url: str) -> None:
    """The buyer asks the local seller's shop a question from its page (for the messages
    pages)."""
    context = browser.new_context(base_url=base_url, timezone_id="UTC")
    page = context.new_page()
    _sign_in(page, "buyer")
    page.goto("/shop")
    page.get_by_role("link", name=SHOPS[0]["name"]).click()
    page.get_by_role("link", name="Ask the seller").click()
    page.get_by_label("Message", exact=True).fill("Hi! Could you gift-wrap my order?")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url("**/shop/messages/*")
    context.close()


def shoot(base_url: str, out: Path, only: set[str] | None = None) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    saved: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        _stage(browser, base_url)
        for width in WIDTHS:
            for who, pages in VISITS:
                viewport = {"width": width, "height": 900}
                context = browser.new_context(
                    base_url=base_url, viewport=viewport, timezone_id="America/New_York"
                )
                page = context.new_page()
                page.goto("/")  # app.js stores the zone's cookie, then the pages use it
                page.wait_for_function("document.cookie.indexOf('tz=') >= 0")
                if who:
                    _sign_in(page, who)
                for name, step in pages:
                    if only and name not in only:
                        continue
                    path = step(page)
                    answer = page.goto(path) if path else None
                    if answer is None or answer.status != 200:
                        print(f"skipped {name} ({path}: {answer.status if answer else 'none'})")
                        continue
                    page.wait_for_load_state("networkidle")
                    target = out / f"{name}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target.name)
                context.close()
        browser.close()
    return saved


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        options = ("--tiktok", "--jobs-interval", "0")
        with demo_server("sqlite", Path(scratch), *options) as demo:
            saved = shoot(f"http://127.0.0.1:{demo.port}", OUT, set(sys.argv[1:]) or None)
    print(f"{len(saved)} screenshots in {OUT}")
    return 0 if saved else 1


if __name__ == "__main__":
    sys.exit(main())
