"""The seller bulk-ships and prints labels in Chromium (issue 16): check orders on the orders
list, create their packages, print the labels and read the downloaded PDF: a 4x6 inch page
per label, each with its package's tracking number."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from clipshop.models import Package
from tests.browser.conftest import Site
from tests.browser.support import fits, sign_in
from tests.browser.test_seller_center import page  # noqa: F401 (fixture)
from tests.conftest import World, make_world
from tests.fulfillment_support import ready_order
from tests.pdf_reading import page_size, reader
from tests.web_support import PASSWORD

LABEL = (288.0, 432.0)  # 4 x 6 inch


def _build(site: Site) -> tuple[World, list[dict[str, Any]]]:
    world = make_world(site.db, password=PASSWORD)
    with httpx.Client(base_url=site.url) as api:
        orders = [
            ready_order(api, world.buyer, world.admin, {world.shop_a.sku_id: 1})  # type: ignore[arg-type]
            for _ in range(3)
        ]
    return world, orders


@pytest.fixture(scope="module")
def orders_world(site: Site) -> tuple[World, list[dict[str, Any]]]:
    """Three orders awaiting shipment in seller A's shop, built in a thread of its own (as
    test_seller_center's world)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_build, site).result()


def test_seller_bulk_ships_and_prints_labels(
    page: Page,  # noqa: F811
    site: Site,
    orders_world: tuple[World, list[dict[str, Any]]],
) -> None:
    _, orders = orders_world
    chosen = [o["id"] for o in orders[:2]]
    sign_in(page, "seller.a@test.dev")
    page.goto("/center/orders")
    for order_id in chosen:
        page.get_by_label(f"Select order {order_id}").check()
    page.get_by_label("Carrier for new packages").select_option("SIMEX")
    fits(page)
    page.get_by_role("button", name="Create packages").click()
    expect(page.get_by_role("status")).to_have_text("2 packages created.")
    fits(page)
    with site.db.unit_of_work(write=False) as session:
        numbers = [p.tracking_number for p in session.scalars(select(Package).order_by(Package.id))]
    assert len(numbers) == 2 and all(n and n.startswith("SX") for n in numbers)
    for number in numbers:
        expect(page.get_by_text(str(number), exact=True)).to_be_visible()
    page.get_by_label("Documents").select_option("LABEL")
    with page.expect_download() as download:
        page.get_by_role("button", name="Print (one PDF)").click()
    assert download.value.suggested_filename == "labels.pdf"
    pdf = reader(Path(download.value.path()).read_bytes())
    assert [page_size(p) for p in pdf.pages] == [LABEL, LABEL]
    texts = [p.extract_text() or "" for p in pdf.pages]
    assert [number in text for number, text in zip(numbers, texts, strict=True)] == [True, True]
    page.goto("/center/orders?status=AWAITING_SHIPMENT")
    expect(page.get_by_label(f"Select order {orders[2]['id']}")).to_be_visible()
    expect(page.get_by_label(f"Select order {chosen[0]}")).to_have_count(0)
