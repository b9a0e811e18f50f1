"""The seller API's fulfillment module over HTTP, signed as a client signs, on both databases:
an order awaiting shipment shows as a pending package (its id the order's) that search,
detail and ship act on; mark shipped; shipping info updates at 202309 and 202610; tracking;
handover time slots; paging; another shop's objects not found. Every answer is validated by
our models of the reference's shapes (unknown fields refused) and carries no null."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import event

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.partner import fulfillment_schemas as api
from clipshop.partner import scopes
from tests.conftest import World
from tests.fulfillment_support import (
    carrier_event,
    frozen_clock,
    package,
    ready_order,
    send,
    ship,
    tracking_number,
)
from tests.integration.checkout_api import API, get_order, ok
from tests.partner_support import (
    PartnerClient,
    answer,
    connect,
    refused,
)
from tests.pdf_reading import barcodes, reader

__all__ = ["frozen_clock"]

F = "/fulfillment/202309"


def partner_for(client: TestClient, db: Database, world: World) -> PartnerClient:
    return connect(client, db, [world.shop_a.id], [scopes.FULFILLMENT])


def search(partner: PartnerClient, body: dict[str, Any] | None = None, **query: Any) -> Any:
    query.setdefault("page_size", 50)
    return answer(partner.post(f"{F}/packages/search", body or {}, query), api.PackageSearchData)


def by_id(data: api.PackageSearchData) -> dict[str, api.SearchedPackage]:
    return {p.id: p for p in data.packages}


def test_pending_package_search_detail_and_ship(
    client: TestClient, db: Database, world: World, frozen_clock: datetime
) -> None:
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 2})
    theirs = ready_order(client, world.buyer, world.admin, {world.shop_b.sku_id: 1})
    partner = partner_for(client, db, world)
    lines = [x["id"] for x in order["line_items"]]

    # The order awaiting shipment has one package in PROCESSING, its id the order's.
    found = search(partner)
    assert set(by_id(found)) == {order["id"]} and found.total_count == 1
    pending = by_id(found)[order["id"]]
    assert pending.status == "PROCESSING" and pending.tracking_number is None
    assert pending.order_line_item_ids == lines
    assert pending.orders[0].id == order["id"] and pending.orders[0].skus[0].quantity == 2
    assert pending.create_time == int(frozen_clock.timestamp())

    detail = answer(partner.get(f"{F}/packages/{order['id']}"), api.PackageDetail)
    assert detail.package_status == "PROCESSING" and detail.shipping_type == "SELLER"
    assert detail.split_and_combine_tag == "DEFAULT" and not detail.has_multi_skus
    assert detail.delivery_option_id == order["shipping_service"]
    assert detail.recipient_address.name == order["recipient_address"]["name"]
    assert detail.sender_address.postal_code == "62701"

    # Another shop's order is no package of this shop; an id that names nothing neither.
    for missing in (theirs["id"], "42"):
        refused(partner.get(f"{F}/packages/{missing}"), 404, 36009005)
    refused(partner.get(f"{F}/packages/abc"), 400, 36009004)
    self_shipment = {
        "tracking_number": tracking_number("SX", "1000000001"),
        "shipping_provider_id": "SIMEX",
    }
    ship_theirs = partner.post(
        f"{F}/packages/{theirs['id']}/ship", {"self_shipment": self_shipment}
    )
    refused(ship_theirs, 404, 36009005)

    # A malformed tracking number is refused by the native rule, and nothing ships.
    bad = {"self_shipment": {"tracking_number": "SX1", "shipping_provider_id": "SIMEX"}}
    message = refused(partner.post(f"{F}/packages/{order['id']}/ship", bad), 422, 36009004)
    assert "check digit" in message
    assert get_order(client, world.seller_a, order["id"])["status"] == "AWAITING_SHIPMENT"

    # Ship by seller: the real package replaces the pending one, as POST /packages makes it.
    shipped = partner.post(f"{F}/packages/{order['id']}/ship", {"self_shipment": self_shipment})
    assert answer(shipped, api.Empty) == api.Empty()
    native = get_order(client, world.seller_a, order["id"])
    assert native["status"] == "AWAITING_COLLECTION"
    found = search(partner)
    (real,) = found.packages
    assert real.id != order["id"] and real.status == "PROCESSING"
    assert real.tracking_number == self_shipment["tracking_number"]
    assert (real.shipping_provider_id, real.shipping_provider_name) == (
        "SIMEX",
        "Simulated Express",
    )
    assert real.order_line_item_ids == lines
    mine = package(client, world.seller_a, real.id)
    assert mine["tracking_number"] == self_shipment["tracking_number"]
    assert mine["shipping_type"] == "SELLER"

    # Shipping it again: the pending package is gone, the real one already shipped.
    again = partner.post(f"{F}/packages/{order['id']}/ship", {"self_shipment": self_shipment})
    refused(again, 409, 36009006)
    refused(
        partner.post(f"{F}/packages/{real.id}/ship", {"self_shipment": self_shipment}),
        409,
        36009006,
    )


def test_mark_shipped_split_tracking_and_shipping_info(
    client: TestClient, db: Database, world: World, frozen_clock: datetime
) -> None:
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 2})
    first, second = (x["id"] for x in order["line_items"])
    partner = partner_for(client, db, world)

    body = {
        "order_line_item_ids": [first],
        "tracking_number": "oth-1001",
        "shipping_provider_id": "OTHER",
    }
    marked = answer(partner.post(f"{F}/orders/{order['id']}/packages", body), api.MarkedShipped)
    assert marked.order_id == order["id"] and marked.order_line_item_ids == [first]
    assert get_order(client, world.seller_a, order["id"])["status"] == "PARTIALLY_SHIPPING"

    # The shipped line is in the real package, the other still in the order's pending one.
    found = by_id(search(partner))
    assert set(found) == {marked.package_id, order["id"]}
    assert found[order["id"]].order_line_item_ids == [second]
    assert found[marked.package_id].tracking_number == "OTH-1001"
    detail = answer(partner.get(f"{F}/packages/{marked.package_id}"), api.PackageDetail)
    assert detail.split_and_combine_tag == "SPLIT" and detail.weight.unit == "GRAM"

    # Filters: the shipped one only once it moved on; a bad status is refused.
    now = utcnow()
    send(client, "OTHER", carrier_event("e1", "OTH-1001", "PICKED_UP", now))
    send(client, "OTHER", carrier_event("e2", "OTH-1001", "IN_TRANSIT", now))
    fulfilling = search(partner, {"package_status": "FULFILLING"})
    assert [p.id for p in fulfilling.packages] == [marked.package_id]
    processing = search(partner, {"package_status": "PROCESSING"})
    assert [p.id for p in processing.packages] == [order["id"]]
    bad = partner.post(f"{F}/packages/search", {"package_status": "LOST"}, {"page_size": 5})
    refused(bad, 400, 36009004)

    # Tracking: the carrier's events, newest first, in milliseconds.
    tracking = answer(partner.get(f"{F}/orders/{order['id']}/tracking"), api.TrackingData)
    assert len(tracking.tracking) == 2
    assert tracking.tracking[0].update_time_millis >= tracking.tracking[1].update_time_millis
    assert tracking.tracking[-1].update_time_millis == int(now.timestamp() * 1000)

    # 202309's flat update needs the order's one package: with two it is refused.
    body = {
        "order_line_item_ids": [second],
        "tracking_number": "OTH-2002",
        "shipping_provider_id": "OTHER",
    }
    other = answer(partner.post(f"{F}/orders/{order['id']}/packages", body), api.MarkedShipped)
    flat = {"tracking_number": "OTH-2003", "shipping_provider_id": "OTHER"}
    path = f"{F}/orders/{order['id']}/shipping_info/update"
    assert "2 packages" in refused(partner.post(path, flat), 400, 36009004)

    # 202610 names each package; the collected one cannot change, and then nothing does.
    path_list = f"/fulfillment/202610/orders/{order['id']}/shipping_info/update"
    both = {
        "shipping_info_list": [
            {"package_id": other.package_id, **flat},
            {
                "package_id": marked.package_id,
                "tracking_number": "OTH-1009",
                "shipping_provider_id": "OTHER",
            },
        ]
    }
    refused(partner.post(path_list, both), 409, 36009006)
    assert package(client, world.seller_a, other.package_id)["tracking_number"] == "OTH-2002"
    one = {"shipping_info_list": [{"package_id": other.package_id, **flat}]}
    assert answer(partner.post(path_list, one), api.Empty) == api.Empty()
    assert package(client, world.seller_a, other.package_id)["tracking_number"] == "OTH-2003"
    # Once only, as natively.
    again = {
        "shipping_info_list": [
            {
                "package_id": other.package_id,
                "tracking_number": "OTH-2004",
                "shipping_provider_id": "OTHER",
            }
        ]
    }
    refused(partner.post(path_list, again), 409, 36009006)


def test_flat_shipping_info_update_and_foreign_order(
    client: TestClient, db: Database, world: World, frozen_clock: datetime
) -> None:
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    theirs = ready_order(client, world.buyer, world.admin, {world.shop_b.sku_id: 1})
    partner = partner_for(client, db, world)
    path = f"{F}/orders/{order['id']}/shipping_info/update"
    flat = {"tracking_number": tracking_number("SX", "2000000002"), "shipping_provider_id": "SIMEX"}
    refused(partner.post(path, flat), 409, 36009006)  # nothing shipped yet

    body = {"tracking_number": "OTH-3001", "shipping_provider_id": "OTHER"}
    marked = answer(partner.post(f"{F}/orders/{order['id']}/packages", body), api.MarkedShipped)
    assert answer(partner.post(path, flat), api.Empty) == api.Empty()
    corrected = package(client, world.seller_a, marked.package_id)
    assert (corrected["provider_code"], corrected["tracking_number"]) == (
        "SIMEX",
        flat["tracking_number"],
    )

    for route in ("packages", "shipping_info/update"):
        refused(partner.post(f"{F}/orders/{theirs['id']}/{route}", body), 404, 36009005)
    refused(partner.get(f"{F}/orders/{theirs['id']}/tracking"), 404, 36009005)
    refused(partner.get(f"{F}/orders/{theirs['id']}/handover_time_slots"), 404, 36009005)
    assert get_order(client, world.seller_b, theirs["id"])["status"] == "AWAITING_SHIPMENT"


def test_handover_slots_and_platform_shipping(
    client: TestClient, db: Database, world: World, frozen_clock: datetime
) -> None:
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    partner = partner_for(client, db, world)
    by_order = answer(
        partner.get(f"{F}/orders/{order['id']}/handover_time_slots"), api.HandoverSlots
    )
    by_package = answer(
        partner.get(f"{F}/packages/{order['id']}/handover_time_slots"), api.HandoverSlots
    )
    assert by_order == by_package and by_order.can_pickup and by_order.can_drop_off
    native = ok(
        client.get(f"{API}/orders/{order['id']}/handover-slots", headers=world.seller_a.headers)
    )
    assert len(by_order.pickup_slots) == len(native) == 12
    slot = by_order.pickup_slots[1]

    refused(partner.post(f"{F}/packages/{order['id']}/ship", {}), 400, 36009004)
    wrong = {"handover_method": "PICKUP", "pickup_slot": {"start_time": slot.start_time + 60}}
    refused(partner.post(f"{F}/packages/{order['id']}/ship", wrong), 422, 36009004)
    body = {
        "handover_method": "PICKUP",
        "pickup_slot": {"start_time": slot.start_time, "end_time": slot.end_time},
    }
    answer(partner.post(f"{F}/packages/{order['id']}/ship", body), api.Empty)
    (shipped,) = search(partner).packages
    detail = answer(partner.get(f"{F}/packages/{shipped.id}"), api.PackageDetail)
    assert detail.shipping_type == "TIKTOK" and detail.handover_method == "PICKUP"
    assert (detail.pickup_slot.start_time, detail.pickup_slot.end_time) == (
        slot.start_time,
        slot.end_time,
    )
    assert detail.tracking_number and detail.tracking_number.startswith("SX")


def test_paging_mixes_real_and_pending_packages(
    client: TestClient, db: Database, world: World, frozen_clock: datetime
) -> None:
    sku = world.shop_a.sku_id
    orders = [ready_order(client, world.buyer, world.admin, {sku: 1}) for _ in range(3)]
    partner = partner_for(client, db, world)
    body = {"tracking_number": "OTH-4001", "shipping_provider_id": "OTHER"}
    marked = answer(partner.post(f"{F}/orders/{orders[1]['id']}/packages", body), api.MarkedShipped)
    expected = {orders[0]["id"], marked.package_id, orders[2]["id"]}

    for sort_order in ("ASC", "DESC"):
        seen: list[str] = []
        token = ""
        for _ in range(3):
            query: dict[str, Any] = {"page_size": 1, "sort_order": sort_order}
            if token:
                query["page_token"] = token
            data = search(partner, **query)
            assert data.total_count == 3 and len(data.packages) == 1
            seen.append(data.packages[0].id)
            token = data.next_page_token
        assert token == "" and set(seen) == expected and len(seen) == 3
        times = [by_id(search(partner))[x].create_time or 0 for x in seen]
        assert times == sorted(times, reverse=sort_order == "DESC")

    # A page costs the same statements whatever its size (the sources and their lines once).
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        search(partner, page_size=1)
        one = len(seen)
        seen.clear()
        search(partner, page_size=3)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == one

    first = search(partner, page_size=1)
    mismatched = partner.post(
        f"{F}/packages/search",
        {"package_status": "PROCESSING"},
        {"page_size": 1, "page_token": first.next_page_token},
    )
    refused(mismatched, 400, 36009004)
    window = {"create_time_ge": 10, "create_time_lt": 10}
    refused(partner.post(f"{F}/packages/search", window, {"page_size": 1}), 400, 36009004)


def test_a_natively_combined_package_reads_combine(
    client: TestClient, db: Database, world: World, frozen_clock: datetime
) -> None:
    sku = world.shop_a.sku_id
    first = ready_order(client, world.buyer, world.admin, {sku: 1})
    second = ready_order(client, world.buyer, world.admin, {sku: 2})
    partner = partner_for(client, db, world)
    made = ship(client, world.seller_a, [first["id"], second["id"]], "OTH-6001", "OTHER")
    (found,) = search(partner).packages
    assert found.id == made["id"] and [o.id for o in found.orders] == sorted(
        [first["id"], second["id"]]
    )
    assert len(found.order_line_item_ids) == 3
    detail = answer(partner.get(f"{F}/packages/{made['id']}"), api.PackageDetail)
    assert detail.split_and_combine_tag == "COMBINE" and detail.tracking_number == "OTH-6001"


def test_split_and_combine_say_how_clipshop_does_it(
    client: TestClient, db: Database, world: World
) -> None:
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 2})
    partner = partner_for(client, db, world)
    groups = [{"id": "g1", "order_line_item_ids": [order["line_items"][0]["id"]]}]
    split = partner.post(f"{F}/orders/{order['id']}/split", {"splittable_groups": groups})
    assert "order_line_item_ids" in refused(split, 409, 36009006)
    combine = partner.post(f"{F}/packages/combine", {"combinable_packages": []})
    assert "order_ids" in refused(combine, 409, 36009006)
    assert get_order(client, world.seller_a, order["id"])["status"] == "AWAITING_SHIPMENT"
    refused(partner.post("/fulfillment/202401/packages/search", {}), 404, 36009005)


def test_scope_is_fulfillment(client: TestClient, db: Database, world: World) -> None:
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    partner = connect(client, db, [world.shop_a.id], [scopes.ORDER_INFO])
    refused(partner.get(f"{F}/packages/{order['id']}"), 403, 105005)
    refused(partner.post(f"{F}/packages/search", {}, {"page_size": 5}), 403, 105005)


def test_shipping_documents_serve_the_native_pdfs(
    client: TestClient, db: Database, world: World, frozen_clock: datetime
) -> None:
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    partner = partner_for(client, db, world)
    path = f"{F}/packages/{order['id']}/shipping_documents"
    label = {"document_type": "SHIPPING_LABEL"}
    refused(partner.get(path, label), 409, 36009006)  # the pending package: ship it first

    number = tracking_number("SX", "3000000003")
    ship = {"self_shipment": {"tracking_number": number, "shipping_provider_id": "SIMEX"}}
    answer(partner.post(f"{F}/packages/{order['id']}/ship", ship), api.Empty)
    (shipped,) = search(partner).packages
    path = f"{F}/packages/{shipped.id}/shipping_documents"
    refused(partner.get(path, {"document_type": "INVOICE"}), 400, 36009004)
    refused(partner.get(f"{F}/packages/{order['id']}/shipping_documents", label), 404, 36009005)

    doc = answer(partner.get(path, label), api.ShippingDocument)
    assert doc.tracking_number == number and doc.doc_url.startswith("http://testserver/")
    url = doc.doc_url.removeprefix("http://testserver")
    got = client.get(url)  # no token: the URL is signed
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    native = client.get(f"{API}/packages/{shipped.id}/label", headers=world.seller_a.headers)
    assert got.content == native.content
    assert barcodes(reader(got.content).pages[0]) == [number]

    slip = answer(partner.get(path, {"document_type": "PACKING_SLIP"}), api.ShippingDocument)
    got = client.get(slip.doc_url.removeprefix("http://testserver"))
    native = client.get(f"{API}/packages/{shipped.id}/packing-slip", headers=world.seller_a.headers)
    assert got.status_code == 200 and got.content == native.content

    # An altered URL (another package, type or signature) serves nothing.
    for altered in (
        url.replace(shipped.id, order["id"]),
        url.replace("SHIPPING_LABEL", "PACKING_SLIP"),
        url[:-4] + ("0000" if not url.endswith("0000") else "1111"),
    ):
        refused(client.get(altered), 404, 36009005)


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def upload(partner: PartnerClient, form: dict[str, str]) -> Any:
    """A signed multipart upload: the body is not signed, as the reference says."""
    path = f"{F}/images/upload"
    params = partner.params(path, None, b"")
    headers = {"x-tts-access-token": partner.access_token}
    return partner.http.post(
        f"{path}?{urlencode(params)}", data=form, files={"x": ("", b"")}, headers=headers
    )


def test_delivery_photo_upload_keeps_a_handover_photo(
    client: TestClient, db: Database, world: World, frozen_clock: datetime
) -> None:
    order = ready_order(client, world.buyer, world.admin, {world.shop_a.sku_id: 1})
    theirs = ready_order(client, world.buyer, world.admin, {world.shop_b.sku_id: 1})
    partner = partner_for(client, db, world)
    photo = base64.b64encode(PNG).decode()
    refused(upload(partner, {"data": photo, "package_id": order["id"]}), 409, 36009006)

    body = {"tracking_number": "OTH-5001", "shipping_provider_id": "OTHER"}
    marked = answer(partner.post(f"{F}/orders/{order['id']}/packages", body), api.MarkedShipped)
    refused(upload(partner, {"data": photo}), 400, 36009004)
    refused(upload(partner, {"data": "%%%", "package_id": marked.package_id}), 400, 36009004)
    text = base64.b64encode(b"not an image at all").decode()
    refused(upload(partner, {"data": text, "package_id": marked.package_id}), 422, 36009004)
    refused(upload(partner, {"data": photo, "package_id": theirs["id"]}), 404, 36009005)

    image = answer(upload(partner, {"data": photo, "package_id": marked.package_id}), api.ImageData)
    assert image.url.startswith("http://testserver/api/v1/files/")
    got = client.get(image.url.removeprefix("http://testserver"), headers=world.seller_a.headers)
    assert got.status_code == 200 and got.content == PNG
    listed = ok(
        client.get(f"{API}/packages/{marked.package_id}/photos", headers=world.seller_a.headers)
    )
    assert [(p["kind"], p["content_type"]) for p in listed] == [("HANDOVER_PHOTO", "image/png")]
