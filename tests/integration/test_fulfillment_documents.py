"""Shipping labels and packing slips through the HTTP API, read back with pypdf: the text,
the page count and size, the Code 128 barcode decoded from the drawing, who may print them,
bad input, and cancelled packages."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import update

from clipshop.core.db import Database
from clipshop.fulfillment.providers import with_check_digit
from clipshop.identity.principal import Role
from clipshop.models import Order, Package
from clipshop.orders import lifecycle
from clipshop.orders.states import Actor as OrderActor
from tests.conftest import Actor, World, make_actor, problem_code
from tests.integration.checkout_api import (
    ADDRESS,
    API,
    OK_CARD,
    add_card,
    add_sku,
    address,
    advance,
    checkout,
    ok,
)
from tests.pdf_reading import barcodes, page_size, reader

PRICES = ("$", "10.00", "19.99", "4.99", "44.98", "USD", "price")


def paid_orders(
    client: TestClient, world: World, buyer: Actor, items: dict[int, int], **extra: Any
) -> list[dict[str, Any]]:
    """Checked out and released from the remorse window: AWAITING_SHIPMENT."""
    if not ok(client.get(f"{API}/payment-methods", headers=buyer.headers)):
        add_card(client, buyer, OK_CARD)
    orders: list[dict[str, Any]] = checkout(client, buyer, items, **extra)["orders"]
    advance(client, world.admin, minutes=61)
    return orders


def tracking(n: int, prefix: str = "SX") -> str:
    return prefix + with_check_digit(f"{n:010d}")


def ship(
    client: TestClient,
    seller: Actor,
    order_ids: list[str],
    number: str | None,
    line_item_ids: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"order_ids": order_ids, "provider_code": "SIMEX", **extra}
    if number is not None:
        body["tracking_number"] = number
    if line_item_ids is not None:
        body["line_item_ids"] = line_item_ids
    package: dict[str, Any] = ok(
        client.post(f"{API}/packages", json=body, headers=seller.headers), 201
    )
    return package


def label(client: TestClient, actor: Actor, package_id: str) -> Response:
    response: Response = client.get(f"{API}/packages/{package_id}/label", headers=actor.headers)
    return response


def slip(client: TestClient, actor: Actor, package_id: str) -> Response:
    response: Response = client.get(
        f"{API}/packages/{package_id}/packing-slip", headers=actor.headers
    )
    return response


def bulk(client: TestClient, actor: Actor, body: Any, **headers: str) -> Response:
    response: Response = client.post(
        f"{API}/packages/labels", json=body, headers={**actor.headers, **headers}
    )
    return response


def pdf_of(response: Response) -> bytes:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    return response.content


def lines(page: Any) -> list[str]:
    return [line.strip() for line in page.extract_text().splitlines() if line.strip()]


def assert_no_prices(pdf: bytes) -> None:
    text = "\n".join(page.extract_text() for page in reader(pdf).pages).lower()
    for needle in PRICES:
        assert needle.lower() not in text, needle


def one_order(client: TestClient, world: World, **extra: Any) -> dict[str, Any]:
    """2 tees (10.00) and a gadget (19.99) of shop A, shipping 4.99: 44.98 in all."""
    gadget = add_sku(client, world.shop_a, "19.99", weight_grams=250, title="Gadget")
    (order,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 2, gadget: 1}, **extra)
    assert order["payment"]["total_amount"]["amount"] == "44.98"
    return order


def gadget_sku(order: dict[str, Any]) -> str:
    return next(x["seller_sku"] for x in order["line_items"] if x["product_name"] == "Gadget")


def test_label_is_a_4x6_pdf_with_recipient_address_items_tracking_and_carrier(
    client: TestClient, world: World
) -> None:
    order = one_order(client, world)
    package = ship(client, world.seller_a, [order["id"]], tracking(1))
    response = label(client, world.seller_a, package["id"])
    pdf = pdf_of(response)
    assert response.headers["content-disposition"] == (
        f'inline; filename="label-{package["id"]}.pdf"'
    )
    (page,) = reader(pdf).pages
    assert page_size(page) == (288.0, 432.0)
    text = lines(page)
    for expected in [
        "Simulated Express",
        "STANDARD",
        # sender: the shop at its warehouse
        "ShopA",
        "1 Main St",
        "Springfield, IL 62701",
        # recipient: name and full address
        ADDRESS["name"],
        ADDRESS["address_line1"],
        "Springfield, IL 62702",
        "US",
        tracking(1),
        f"Package {package['id']}",
        f"Order {order['id']}",
        "CONTENTS (3 units)",
        "ShopA tee - Tee (SKU ShopA-TEE)",
        f"Gadget (SKU {gadget_sku(order)})",
    ]:
        assert expected in text, (expected, text)
    assert text[text.index("ShopA tee - Tee (SKU ShopA-TEE)") - 1] == "2 x"
    assert text[text.index(f"Gadget (SKU {gadget_sku(order)})") - 1] == "1 x"
    assert "+1 555 0100" not in text  # the phone stays off the outside of the parcel
    assert barcodes(page) == [tracking(1)]
    assert_no_prices(pdf)


def test_label_prints_the_second_address_line_and_non_latin_names(
    client: TestClient, world: World
) -> None:
    shipping = address(name="Zoë Ünal", address_line2="Apt 4B", state=None, postal_code="10115")
    order = one_order(client, world, shipping_address=shipping)
    package = ship(client, world.seller_a, [order["id"]], tracking(2))
    text = lines(reader(pdf_of(label(client, world.seller_a, package["id"]))).pages[0])
    i = text.index("Zoë Ünal")
    assert text[i + 1 : i + 5] == ["2 Elm St", "Apt 4B", "Springfield 10115", "US"]


def test_packing_slip_lists_items_quantities_order_and_ship_to(
    client: TestClient, world: World
) -> None:
    order = one_order(client, world)
    package = ship(client, world.seller_a, [order["id"]], tracking(3))
    response = slip(client, world.seller_a, package["id"])
    pdf = pdf_of(response)
    assert response.headers["content-disposition"] == (
        f'inline; filename="packing-slip-{package["id"]}.pdf"'
    )
    (page,) = reader(pdf).pages
    assert page_size(page) == (612.0, 792.0)  # Letter: the shop ships from the US
    text = lines(page)
    for expected in [
        "Packing slip",
        f"Package {package['id']}",
        ADDRESS["name"],
        ADDRESS["address_line1"],
        "Springfield, IL 62702",
        order["id"],
        "Simulated Express (STANDARD)",
        tracking(3),
        "3 units in total",
    ]:
        assert expected in text, (expected, text)
    rows = text[text.index("Seller SKU") + 1 : text.index("3 units in total")]
    assert rows == ["2", "ShopA tee - Tee", "ShopA-TEE", "1", "Gadget", gadget_sku(order)]
    assert_no_prices(pdf)


def test_split_and_combined_packages_print_their_own_items_and_orders(
    client: TestClient, world: World
) -> None:
    gadget = add_sku(client, world.shop_a, "19.99", title="Gadget")
    (first,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 2, gadget: 1})
    (second,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 1})
    tees = [x["id"] for x in first["line_items"] if x["product_name"] == "ShopA tee"]
    split = ship(client, world.seller_a, [first["id"]], tracking(4), line_item_ids=tees)
    rest = ship(client, world.seller_a, [first["id"], second["id"]], tracking(5))
    assert sorted(rest["order_ids"]) == sorted([first["id"], second["id"]])

    pdf = pdf_of(bulk(client, world.seller_a, {"package_ids": [split["id"], rest["id"]]}))
    one, two = reader(pdf).pages
    assert barcodes(one) == [tracking(4)] and barcodes(two) == [tracking(5)]
    assert "ShopA tee - Tee (SKU ShopA-TEE)" in lines(one)
    assert not any(line.startswith("Gadget") for line in lines(one))
    assert f"Order {first['id']}" in lines(one)
    # the combined package: the gadget of the first order, the tee of the second
    orders = ", ".join(sorted([first["id"], second["id"]], key=int))
    assert f"Orders {orders}" in lines(two)
    assert "CONTENTS (2 units)" in lines(two)
    assert lines(two)[lines(two).index("ShopA tee - Tee (SKU ShopA-TEE)") - 1] == "1 x"


def test_bulk_labels_and_slips_are_one_pdf_with_a_page_per_package_in_order(
    client: TestClient, db: Database, world: World
) -> None:
    other = make_actor(db, Role.BUYER, "bo@test.dev")
    packages = []
    for n, buyer in enumerate([world.buyer, other, world.buyer], start=10):
        (order,) = paid_orders(client, world, buyer, {world.shop_a.sku_id: 1})
        packages.append(ship(client, world.seller_a, [order["id"]], tracking(n)))
    ids = [packages[2]["id"], packages[0]["id"], packages[1]["id"]]

    pdf = pdf_of(bulk(client, world.seller_a, {"package_ids": ids, "kind": "LABEL"}))
    pages = reader(pdf).pages
    assert len(pages) == 3
    assert [barcodes(p) for p in pages] == [[tracking(12)], [tracking(10)], [tracking(11)]]
    assert [f"Package {i}" in lines(p) for i, p in zip(ids, pages, strict=True)] == [True] * 3
    assert {page_size(p) for p in pages} == {(288.0, 432.0)}
    assert_no_prices(pdf)

    # A repeated id prints once; kind defaults to LABEL.
    again = pdf_of(bulk(client, world.seller_a, {"package_ids": [*ids, ids[0]]}))
    assert len(reader(again).pages) == 3

    slips = pdf_of(bulk(client, world.seller_a, {"package_ids": ids, "kind": "PACKING_SLIP"}))
    pages = reader(slips).pages
    assert len(pages) == 3
    assert [f"Package {i}" in lines(p) for i, p in zip(ids, pages, strict=True)] == [True] * 3
    assert [tracking(n) in lines(p) for n, p in zip((12, 10, 11), pages, strict=True)] == [True] * 3
    assert_no_prices(slips)


def test_bulk_with_an_idempotency_key_replays_the_same_pdf(
    client: TestClient, world: World
) -> None:
    (order,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 1})
    package = ship(client, world.seller_a, [order["id"]], tracking(20))
    key = str(uuid.uuid4())
    first = bulk(
        client, world.seller_a, {"package_ids": [package["id"]]}, **{"Idempotency-Key": key}
    )
    again = bulk(
        client, world.seller_a, {"package_ids": [package["id"]]}, **{"Idempotency-Key": key}
    )
    assert pdf_of(first) == pdf_of(again)
    assert again.headers["idempotent-replayed"] == "true"


def test_platform_shipping_label_carries_the_bought_tracking_number_and_handover(
    client: TestClient, world: World
) -> None:
    (order,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 1})
    package = ship(
        client,
        world.seller_a,
        [order["id"]],
        None,
        shipping_type="PLATFORM",
        handover_method="DROP_OFF",
    )
    (page,) = reader(pdf_of(label(client, world.seller_a, package["id"]))).pages
    assert barcodes(page) == [package["tracking_number"]]
    assert package["tracking_number"] in lines(page)
    assert "Drop-off at a carrier point" in lines(page)


def test_sender_is_the_warehouse_the_items_left_from_not_a_later_default(
    client: TestClient, world: World
) -> None:
    (order,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 1})
    package = ship(client, world.seller_a, [order["id"]], tracking(21))
    body = {
        "name": "Returns",
        "address_line1": "9 Dock Rd",
        "city": "Peoria",
        "state": "IL",
        "postal_code": "61602",
        "country": "US",
        "is_default": True,
    }
    ok(
        client.post(
            f"{API}/shops/{world.shop_a.id}/warehouses", json=body, headers=world.seller_a.headers
        ),
        201,
    )
    text = lines(reader(pdf_of(label(client, world.seller_a, package["id"]))).pages[0])
    assert "1 Main St" in text and "9 Dock Rd" not in text


def test_who_may_print_documents(client: TestClient, db: Database, world: World) -> None:
    (order,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 1})
    package = ship(client, world.seller_a, [order["id"]], tracking(30))
    pid = package["id"]
    # The shop's seller and admins print.
    for actor in (world.seller_a, world.admin):
        assert reader(pdf_of(label(client, actor, pid))).pages
        assert reader(pdf_of(slip(client, actor, pid))).pages
        assert reader(pdf_of(bulk(client, actor, {"package_ids": [pid]}))).pages
    # Buyers (even this package's own buyer) and support staff never print: 403.
    for actor in (world.buyer, world.agent, world.supervisor):
        for response in (
            label(client, actor, pid),
            slip(client, actor, pid),
            bulk(client, actor, {"package_ids": [pid]}),
        ):
            assert response.status_code == 403, (actor.role, response.text)
            assert problem_code(response) == "forbidden"
    # Another shop's seller is told the package does not exist.
    for response in (
        label(client, world.seller_b, pid),
        slip(client, world.seller_b, pid),
        bulk(client, world.seller_b, {"package_ids": [pid]}),
    ):
        assert response.status_code == 404, response.text
        assert problem_code(response) == "not_found"
        assert response.json()["package_ids"] == [pid]
    # No token.
    response = client.get(f"{API}/packages/{pid}/label")
    assert response.status_code == 401
    assert problem_code(response) == "missing_token"


def test_bulk_is_all_or_nothing_and_names_what_is_missing(client: TestClient, world: World) -> None:
    (mine,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 1})
    (theirs,) = paid_orders(client, world, world.buyer, {world.shop_b.sku_id: 1})
    own = ship(client, world.seller_a, [mine["id"]], tracking(40))
    foreign = ship(client, world.seller_b, [theirs["id"]], tracking(41))
    absent = "999999999999"

    response = bulk(client, world.seller_a, {"package_ids": [own["id"], foreign["id"]]})
    assert response.status_code == 404
    assert problem_code(response) == "not_found"
    assert response.json()["detail"] == f"package {foreign['id']} not found"
    assert response.json()["package_ids"] == [foreign["id"]]

    response = bulk(
        client,
        world.seller_a,
        {"package_ids": [absent, own["id"], foreign["id"]], "kind": "PACKING_SLIP"},
    )
    assert response.status_code == 404
    assert response.json()["detail"] == f"packages not found: {absent}, {foreign['id']}"
    assert response.json()["package_ids"] == [absent, foreign["id"]]

    for response in (label(client, world.seller_a, absent), slip(client, world.seller_a, absent)):
        assert response.status_code == 404
        assert problem_code(response) == "not_found"
    # The admin sees every shop: both print together.
    pdf = pdf_of(bulk(client, world.admin, {"package_ids": [own["id"], foreign["id"]]}))
    assert [barcodes(p) for p in reader(pdf).pages] == [[tracking(40)], [tracking(41)]]
    assert "ShopB" in lines(reader(pdf).pages[1])


def test_bad_input_is_422(client: TestClient, world: World) -> None:
    seller = world.seller_a
    too_many = [str(i) for i in range(1, 102)]
    for body in [
        {"package_ids": []},
        {"package_ids": too_many},
        {},
        {"package_ids": ["abc"]},
        {"package_ids": ["0"]},
        {"package_ids": ["1"], "kind": "INVOICE"},
        {"package_ids": ["1"], "copies": 2},
        {"package_ids": "1"},
        [],
    ]:
        response = bulk(client, seller, body)
        assert response.status_code == 422, (body, response.text)
        assert problem_code(response) == "invalid_request", body
    # 100 ids pass validation (and are then simply not found).
    response = bulk(client, seller, {"package_ids": too_many[:100]})
    assert response.status_code == 404
    assert len(response.json()["package_ids"]) == 100
    for path in ("0", "-1", "abc", str(2**63)):
        for kind in ("label", "packing-slip"):
            response = client.get(f"{API}/packages/{path}/{kind}", headers=seller.headers)
            assert response.status_code == 422, (path, kind, response.text)


def test_cancelled_packages_get_no_documents(
    client: TestClient, db: Database, world: World
) -> None:
    (order,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 1})
    (other,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 1})
    live = ship(client, world.seller_a, [other["id"]], tracking(50))
    package = ship(client, world.seller_a, [order["id"]], tracking(51))
    with db.unit_of_work() as session:
        session.execute(
            update(Package).where(Package.id == int(package["id"])).values(status="CANCELLED")
        )
    for response in (
        label(client, world.seller_a, package["id"]),
        slip(client, world.seller_a, package["id"]),
        bulk(client, world.seller_a, {"package_ids": [live["id"], package["id"]]}),
        bulk(client, world.admin, {"package_ids": [package["id"]], "kind": "PACKING_SLIP"}),
    ):
        assert response.status_code == 409, response.text
        assert problem_code(response) == "package_cancelled"
        assert response.json()["package_ids"] == [package["id"]]
    assert reader(pdf_of(label(client, world.seller_a, live["id"]))).pages


def test_a_package_of_a_cancelled_order_gets_no_label(
    client: TestClient, db: Database, world: World
) -> None:
    (order,) = paid_orders(client, world, world.buyer, {world.shop_a.sku_id: 2})
    package = ship(client, world.seller_a, [order["id"]], tracking(60))
    with db.unit_of_work() as session:
        row = session.get_one(Order, int(order["id"]))
        assert row.status == "AWAITING_COLLECTION"
        lifecycle.cancel(session, row, OrderActor.OPERATOR, world.admin.id, "fraud confirmed")
    response = label(client, world.seller_a, package["id"])
    assert response.status_code == 409
    assert problem_code(response) == "package_cancelled"
    assert response.json()["detail"] == (
        f"package {package['id']}: cancelled (or every item cancelled); nothing to label or pack"
    )
