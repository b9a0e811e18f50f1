"""The seller center's orders over plain HTTP, on both databases: search, bulk packages,
labels and packing slips in one PDF, CSV export, and an order's ship / split / combine /
cancel actions, with CSRF, scoping and the API's problem codes."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clipshop.core.db import Database
from clipshop.models import OrderLineItem, Package
from tests.conftest import World
from tests.fulfillment_support import ready_order, ship, tracking_number
from tests.integration.checkout_api import API, get_order
from tests.pdf_reading import page_size, reader
from tests.web_support import page_code, session_token, sign_in

LABEL = (288.0, 432.0)  # 4 x 6 inch


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    """A signed-in page's form post, carrying the session's CSRF token as htmx does."""
    token = session_token(client)
    return client.post(url, data=data, headers={"X-CSRF-Token": token}, follow_redirects=False)


def _packages(db: Database) -> list[Package]:
    with db.unit_of_work(write=False) as session:
        return list(session.scalars(select(Package).order_by(Package.id)))


def _lines(db: Database, order_id: str) -> list[OrderLineItem]:
    with db.unit_of_work(write=False) as session:
        stmt = select(OrderLineItem).where(OrderLineItem.order_id == int(order_id))
        return list(session.scalars(stmt.order_by(OrderLineItem.id)))


def _rows(client: TestClient, order_ids: list[str]) -> list[str]:
    return [i for i in order_ids if f'value="{i}"' in client.get("/center/orders").text]


def test_search_finds_orders_by_id_buyer_and_tracking_number(
    client: TestClient, web: World
) -> None:
    first = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    second = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    foreign = ready_order(client, web.buyer, web.admin, {web.shop_b.sku_id: 1})
    number = tracking_number("SX", "1234567890")
    ship(client, web.seller_a, [second["id"]], number)
    sign_in(client, "seller.a@test.dev")

    def found(q: str) -> set[str]:
        page = client.get("/center/orders", params={"q": q})
        assert page.status_code == 200, page.text
        return {i for i in (first["id"], second["id"], foreign["id"]) if f">{i}</a>" in page.text}

    assert found(first["id"]) == {first["id"]}
    assert found(number.lower()) == {second["id"]}
    assert found(str(web.buyer.id)) == {first["id"], second["id"]}
    assert found(foreign["id"]) == set()  # another shop's order id finds nothing
    assert found("SX00000000000") == set()
    bad = client.get("/center/orders", params={"q": "drop table;"})
    assert (bad.status_code, page_code(bad)) == (422, "invalid_search")


def test_bulk_packages_then_labels_and_slips_in_one_pdf(
    db: Database, client: TestClient, web: World
) -> None:
    orders = [ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1}) for _ in "ab"]
    foreign = ready_order(client, web.buyer, web.admin, {web.shop_b.sku_id: 1})
    ids = [o["id"] for o in orders]
    sign_in(client, "seller.a@test.dev")
    made = _post(
        client,
        "/center/orders/packages",
        {"order_id": [*ids, foreign["id"]], "provider_code": "SIMEX"},
    )
    assert made.status_code == 200, made.text
    assert "2 packages created." in made.text
    assert page_code(made) == "not_found"  # the other shop's order, refused on its own
    boxes = _packages(db)
    assert len(boxes) == 2 and {b.shipping_type for b in boxes} == {"PLATFORM"}
    assert all(b.tracking_number and b.tracking_number in made.text for b in boxes)
    assert {get_order(client, web.buyer, i)["status"] for i in ids} == {"AWAITING_COLLECTION"}

    labels = _post(client, "/center/orders/documents", {"order_id": ids, "kind": "LABEL"})
    assert labels.status_code == 200, labels.text
    assert labels.headers["content-type"] == "application/pdf"
    assert labels.headers["content-disposition"] == 'attachment; filename="labels.pdf"'
    pages = reader(labels.content).pages
    assert [page_size(p) for p in pages] == [LABEL, LABEL]
    texts = [p.extract_text() for p in pages]
    assert [b.tracking_number in t for b, t in zip(boxes, texts, strict=True)] == [True, True]

    both = _post(client, "/center/orders/documents", {"order_id": ids})  # the default kind
    pages = reader(both.content).pages
    assert len(pages) == 4
    assert [page_size(p) == LABEL for p in pages] == [True, True, False, False]
    assert "Packing slip" in (pages[2].extract_text() or "")

    again = _post(client, "/center/orders/packages", {"order_id": ids, "provider_code": "SIMEX"})
    assert (again.status_code, page_code(again)) == (409, "order_not_shippable")
    assert len(_packages(db)) == 2


def test_printing_needs_packages_of_own_orders(client: TestClient, web: World) -> None:
    own = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    foreign = ready_order(client, web.buyer, web.admin, {web.shop_b.sku_id: 1})
    ship(client, web.seller_b, [foreign["id"]], tracking_number("SX", "1234567890"))
    sign_in(client, "seller.a@test.dev")
    none = _post(client, "/center/orders/documents", {"order_id": [own["id"]]})
    assert (none.status_code, page_code(none)) == (409, "no_package")
    other = _post(client, "/center/orders/documents", {"order_id": [foreign["id"]]})
    assert (other.status_code, page_code(other)) == (404, "not_found")
    empty = _post(client, "/center/orders/documents", {"kind": "LABEL"})
    assert (empty.status_code, page_code(empty)) == (422, "nothing_selected")
    odd = _post(client, "/center/orders/documents", {"order_id": [own["id"]], "kind": "X"})
    assert (odd.status_code, page_code(odd)) == (422, "invalid_request")


def test_bulk_posts_without_the_csrf_token_change_nothing(
    db: Database, client: TestClient, web: World
) -> None:
    own = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    sign_in(client, "seller.a@test.dev")
    body = {"order_id": [own["id"]], "provider_code": "SIMEX"}
    refused = client.post("/center/orders/packages", data=body)
    assert (refused.status_code, page_code(refused)) == (403, "csrf_failed")
    shipped = client.post(f"/center/orders/{own['id']}/ship", data=body)
    assert shipped.status_code == 403
    assert _packages(db) == []


def test_export_csv_of_checked_and_of_matching_orders(client: TestClient, web: World) -> None:
    first = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    second = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 2})
    ready_order(client, web.buyer, web.admin, {web.shop_b.sku_id: 1})
    number = tracking_number("SP", "5550001112")
    ship(client, web.seller_a, [second["id"]], number, provider="SIMPOST")
    sign_in(client, "seller.a@test.dev")
    checked = _post(client, "/center/orders/export", {"order_id": [second["id"]]})
    assert checked.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(checked.text)))
    assert [(r["order_id"], r["items"], r["tracking_numbers"]) for r in rows] == [
        (second["id"], "2", number)
    ]
    assert rows[0]["status"] == "AWAITING_COLLECTION" and rows[0]["ship_to_city"] == "Springfield"
    matching = client.get("/center/orders.csv", params={"status": "AWAITING_SHIPMENT"})
    assert [r["order_id"] for r in csv.DictReader(io.StringIO(matching.text))] == [first["id"]]
    every = client.get("/center/orders.csv")
    assert sorted(r["order_id"] for r in csv.DictReader(io.StringIO(every.text))) == sorted(
        [first["id"], second["id"]]
    )


def test_ship_by_seller_keeps_the_form_on_a_bad_tracking_number(
    db: Database, client: TestClient, web: World
) -> None:
    own = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    line = str(_lines(db, own["id"])[0].id)
    sign_in(client, "seller.a@test.dev")
    page = client.get(f"/center/orders/{own['id']}").text
    assert 'id="ship"' in page and "only the buyer can change the address" in page
    typed = {"provider_code": "SIMEX", "tracking_number": "SX123", "line_item_id": [line]}
    bad = _post(client, f"/center/orders/{own['id']}/ship", typed)
    assert (bad.status_code, page_code(bad)) == (422, "invalid_tracking_number")
    assert 'value="SX123"' in bad.text and _packages(db) == []
    typed["tracking_number"] = tracking_number("SX", "4444444444")
    done = _post(client, f"/center/orders/{own['id']}/ship", typed)
    assert (done.status_code, done.headers["location"]) == (
        303,
        f"/center/orders/{own['id']}?done=shipped",
    )
    (box,) = _packages(db)
    assert (box.shipping_type, box.tracking_number) == ("SELLER", typed["tracking_number"])
    after = client.get(done.headers["location"]).text
    assert "Package created." in after and typed["tracking_number"] in after
    assert 'id="ship"' not in after  # nothing left to ship


def test_split_ships_some_items_and_combine_shares_a_package(
    db: Database, client: TestClient, web: World
) -> None:
    split = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 2})
    first, second = (str(x.id) for x in _lines(db, split["id"]))
    other = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    sign_in(client, "seller.a@test.dev")
    page = client.get(f"/center/orders/{split['id']}").text
    assert f'name="combine_order_id" value="{other["id"]}"' in page
    body = {"provider_code": "SIMEX", "shipping_type": "PLATFORM", "line_item_id": [first]}
    assert _post(client, f"/center/orders/{split['id']}/ship", body).status_code == 303
    assert get_order(client, web.buyer, split["id"])["status"] == "PARTIALLY_SHIPPING"
    combined = {
        "provider_code": "SIMEX",
        "tracking_number": tracking_number("SX", "7777777777"),
        "line_item_id": [second, str(_lines(db, other["id"])[0].id)],
        "combine_order_id": [other["id"]],
    }
    assert _post(client, f"/center/orders/{split['id']}/ship", combined).status_code == 303
    boxes = _packages(db)
    assert len(boxes) == 2
    owners = {x.order_id for x in _lines(db, split["id"]) + _lines(db, other["id"])}
    assert owners == {int(split["id"]), int(other["id"])}
    shared = {x.package_id for x in _lines(db, other["id"])} | {
        _lines(db, split["id"])[1].package_id
    }
    assert len(shared) == 1 and shared != {boxes[0].id}
    printed = _post(client, "/center/orders/documents", {"order_id": [split["id"], other["id"]]})
    assert len(reader(printed.content).pages) == 4  # two packages: two labels, two slips


def test_seller_cancels_with_a_reason_and_a_bad_reason_keeps_the_note(
    client: TestClient, web: World
) -> None:
    own = ready_order(client, web.buyer, web.admin, {web.shop_a.sku_id: 1})
    foreign = ready_order(client, web.buyer, web.admin, {web.shop_b.sku_id: 1})
    sign_in(client, "seller.a@test.dev")
    bad = _post(
        client, f"/center/orders/{own['id']}/cancel", {"reason_code": "BORED", "note": "sorry!"}
    )
    assert (bad.status_code, page_code(bad)) == (422, "invalid_request")
    assert ">sorry!</textarea>" in bad.text
    assert get_order(client, web.buyer, own["id"])["status"] == "AWAITING_SHIPMENT"
    hidden = _post(
        client, f"/center/orders/{foreign['id']}/cancel", {"reason_code": "OUT_OF_STOCK"}
    )
    assert (hidden.status_code, page_code(hidden)) == (404, "not_found")
    done = _post(
        client,
        f"/center/orders/{own['id']}/cancel",
        {"reason_code": "PRICING_ERROR", "note": "wrong price"},
    )
    assert done.status_code == 303
    order = get_order(client, web.buyer, own["id"])
    assert order["status"] == "CANCELLED"
    assert order["cancel_reason"] == "seller cancelled: pricing error"
    listing = client.get(f"{API}/cancellations", headers=web.seller_a.headers).json()["items"]
    assert [c["order_id"] for c in listing] == [own["id"]]
    assert 'id="cancel"' not in client.get(done.headers["location"]).text
