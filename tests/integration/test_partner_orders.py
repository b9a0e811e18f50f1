"""The seller API's order module over HTTP, signed as a client signs: search (every status,
filters, sorting, paging over 3 pages), detail at 202309 and 202507 (ids repeated or
comma-joined, another shop's absent, more than 50 refused), the price detail. Every answer is
validated by our models of the reference's shapes (unknown fields refused) and carries no null.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import event

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import TaxRate
from clipshop.partner import order_schemas as api
from clipshop.partner import scopes
from clipshop.partner.paging import encode_token
from tests.conftest import World, make_actor
from tests.fulfillment_support import carrier_event, frozen_clock, paid_orders, send, ship
from tests.integration.checkout_api import (
    API,
    DECLINED_CARD,
    add_card,
    advance,
    cancel,
    checkout,
    ok,
)
from tests.partner_support import (
    PartnerClient,
    answer,
    connect,
    refused,
)

__all__ = ["frozen_clock"]

SEARCH = "/order/202309/orders/search"
DETAIL = {"202309": "/order/202309/orders", "202507": "/order/202507/orders"}


@dataclass
class Shop:
    """Shop A's orders by status (one each; a second line of PARTIALLY_SHIPPING unshipped),
    shop B's one order, and the times that split them."""

    ids: dict[str, str]
    foreign: str
    second_phase: datetime  # orders placed at or after this: all but COMPLETED
    warehouse_id: str
    late_buyer: int  # who placed the UNPAID order
    requested: str  # an AWAITING_SHIPMENT order with the buyer's pending cancel request


def build(client: TestClient, db: Database, world: World) -> Shop:
    buyer, seller, sku = world.buyer, world.seller_a, world.shop_a.sku_id
    release = {"minutes": 61}

    # COMPLETED: delivered, then the return window closes (the clock moves 31 days).
    (done,) = paid_orders(client, buyer, {sku: 1})
    advance(client, world.admin, **release)
    ship(client, seller, [done["id"]], "OTH-DONE-1", "OTHER")
    now = utcnow()
    send(client, "OTHER", carrier_event("c1", "OTH-DONE-1", "PICKED_UP", now))
    send(client, "OTHER", carrier_event("c2", "OTH-DONE-1", "DELIVERED", now))
    advance(client, world.admin, days=31)
    second_phase = utcnow()

    placed = {s: paid_orders(client, buyer, {sku: 1})[0]["id"] for s in ("D", "T", "AC", "AS")}
    (split,) = paid_orders(client, buyer, {sku: 2})
    (asked,) = paid_orders(client, buyer, {sku: 1})
    advance(client, world.admin, **release)
    for key, tracking in (("D", "OTH-D-0001"), ("T", "OTH-T-0001")):
        ship(client, seller, [placed[key]], tracking, "OTHER")
    label = {"shipping_type": "PLATFORM", "provider_code": "SIMPOST", "handover_method": "DROP_OFF"}
    ok(
        client.post(
            f"{API}/packages", json={"order_ids": [placed["AC"]], **label}, headers=seller.headers
        ),
        201,
    )
    first_line = split["line_items"][0]["id"]
    ship(client, seller, [split["id"]], "OTH-PS-001", "OTHER", line_item_ids=[first_line])
    now = utcnow()
    send(client, "OTHER", carrier_event("d1", "OTH-D-0001", "PICKED_UP", now))
    send(client, "OTHER", carrier_event("d2", "OTH-D-0001", "DELIVERED", now))
    send(client, "OTHER", carrier_event("t1", "OTH-T-0001", "PICKED_UP", now))
    path = f"{API}/orders/{asked['id']}/cancellations"
    ok(client.post(path, json={"reason": "changed my mind"}, headers=buyer.headers), 201)

    (hold,) = paid_orders(client, buyer, {sku: 1})
    (gone,) = paid_orders(client, buyer, {sku: 1})
    ok(cancel(client, buyer, gone["id"]))
    late = make_actor(db, Role.BUYER, "late@test.dev")
    add_card(client, late, DECLINED_CARD, make_default=True)
    [unpaid] = checkout(client, late, {sku: 1})["orders"]
    (theirs,) = paid_orders(client, buyer, {world.shop_b.sku_id: 1})

    ids = {
        "COMPLETED": done["id"],
        "DELIVERED": placed["D"],
        "IN_TRANSIT": placed["T"],
        "AWAITING_COLLECTION": placed["AC"],
        "PARTIALLY_SHIPPING": split["id"],
        "AWAITING_SHIPMENT": placed["AS"],
        "ON_HOLD": hold["id"],
        "CANCELLED": gone["id"],
        "UNPAID": unpaid["id"],
    }
    return Shop(
        ids,
        theirs["id"],
        second_phase,
        str(world.shop_a.warehouse_id),
        late.id,
        asked["id"],
    )


def search(
    partner: PartnerClient, body: dict[str, Any] | None = None, **query: Any
) -> api.SearchData:
    query.setdefault("page_size", 100)
    return answer(partner.post(SEARCH, body or {}, query), api.SearchData)


def found(partner: PartnerClient, body: dict[str, Any] | None = None, **query: Any) -> set[str]:
    data = search(partner, body, **query)
    assert data.next_page_token == "" and data.total_count == len(data.orders)
    return {o.id for o in data.orders}


def get_pairs(partner: PartnerClient, path: str, pairs: list[tuple[str, str]]) -> Any:
    """A signed GET whose query repeats a key (``PartnerClient`` takes a dict)."""
    query = [("app_key", partner.app_key), ("timestamp", str(int(time.time()))), *pairs]
    base = path + "".join(k + v for k, v in sorted(query, key=lambda kv: kv[0]))
    secret = partner.app_secret.encode()
    sign = hmac.new(secret, secret + base.encode() + secret, hashlib.sha256).hexdigest()
    url = f"{path}?{urlencode([*query, ('sign', sign)])}"
    return partner.http.get(url, headers={"x-tts-access-token": partner.access_token})


def statements(db: Database) -> list[str]:
    seen: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_search_every_status_filters_sorting_and_paging(
    client: TestClient, db: Database, world: World, frozen_clock: datetime
) -> None:
    shop = build(client, db, world)
    partner = connect(client, db, [world.shop_a.id], [scopes.ORDER_INFO])
    by_status = shop.ids
    mine = set(by_status.values()) | {shop.requested}

    # Every status appears, each as the reference names it; shop B's order never does.
    data = search(partner)
    assert data.total_count == len(mine) == 10
    assert {o.id for o in data.orders} == mine
    assert {o.status for o in data.orders} == set(by_status)
    assert shop.foreign not in {o.id for o in data.orders}
    orders = {o.id: o for o in data.orders}
    for status, order_id in by_status.items():
        assert orders[order_id].status == status
        assert found(partner, {"order_status": status}) == {order_id} | (
            {shop.requested} if status == "AWAITING_SHIPMENT" else set()
        )

    # What each status shows of its lines and packages.
    line = {
        s: [(li.display_status, li.package_status) for li in orders[i].line_items]
        for s, i in by_status.items()
    }
    assert line["UNPAID"] == [("UNPAID", "TO_FULFILL")]
    assert line["ON_HOLD"] == [("ON_HOLD", "TO_FULFILL")]
    assert line["AWAITING_SHIPMENT"] == [("AWAITING_SHIPMENT", "TO_FULFILL")]
    assert line["PARTIALLY_SHIPPING"] == [
        ("AWAITING_COLLECTION", "PROCESSING"),
        ("AWAITING_SHIPMENT", "TO_FULFILL"),
    ]
    assert line["AWAITING_COLLECTION"] == [("AWAITING_COLLECTION", "PROCESSING")]
    assert line["IN_TRANSIT"] == [("IN_TRANSIT", "FULFILLING")]
    assert line["DELIVERED"] == [("DELIVERED", "COMPLETED")]
    assert line["COMPLETED"] == [("COMPLETED", "COMPLETED")]
    assert line["CANCELLED"] == [("CANCELLED", "TO_FULFILL")]

    # Filters in the body: times in Unix seconds, the buyer, the pending request, warehouses.
    cut = int(shop.second_phase.timestamp())
    assert found(partner, {"create_time_lt": cut}) == {by_status["COMPLETED"]}
    assert found(partner, {"create_time_ge": cut}) == mine - {by_status["COMPLETED"]}
    assert found(partner, {"create_time_ge": cut, "order_status": "DELIVERED"}) == {
        by_status["DELIVERED"]
    }
    assert found(partner, {"update_time_ge": int(utcnow().timestamp()) + 1}) == set()
    assert found(partner, {"buyer_user_id": str(shop.late_buyer)}) == {by_status["UNPAID"]}
    assert found(partner, {"is_buyer_request_cancel": True}) == {shop.requested}
    assert len(found(partner, {"is_buyer_request_cancel": False})) == 9
    assert found(partner, {"warehouse_ids": [shop.warehouse_id]}) == mine
    assert found(partner, {"warehouse_ids": [str(world.shop_b.warehouse_id)]}) == set()
    # The platform bought AWAITING_COLLECTION's label; the others ship by seller.
    platform = by_status["AWAITING_COLLECTION"]
    assert found(partner, {"shipping_type": "TIKTOK"}) == {platform}
    assert found(partner, {"shipping_type": "SELLER"}) == mine - {platform}
    assert orders[platform].shipping_type == "TIKTOK"
    assert orders[by_status["DELIVERED"]].shipping_type == "SELLER"
    requested = orders[shop.requested]
    assert requested.is_buyer_request_cancel and requested.request_cancel_time

    # Sorting: newest first by default; ASC reverses; update_time sorts by the last change.
    desc = [o.id for o in search(partner).orders]
    asc = [o.id for o in search(partner, sort_order="ASC").orders]
    assert asc == desc[::-1]
    assert desc[-1] == by_status["COMPLETED"]
    by_update = search(partner, sort_field="update_time", sort_order="ASC").orders
    assert [o.update_time for o in by_update] == sorted(o.update_time for o in by_update)

    # Paging: 3 pages of 4, 4 and 2, every order once, the token URL-safe and opaque.
    seen: list[str] = []
    token, pages = "", 0
    while True:
        query: dict[str, Any] = {"page_size": 4}
        if token:
            query["page_token"] = token
        page = search(partner, {}, **query)
        assert page.total_count == 10
        seen += [o.id for o in page.orders]
        pages += 1
        token = page.next_page_token
        assert all(c.isalnum() or c in "-_" for c in token)
        if not token:
            break
    assert pages == 3 and seen == desc
    # A token belongs to its search: other filters or another sort refuse it.
    first = search(partner, {}, page_size=4)
    refused(
        partner.post(
            SEARCH,
            {"order_status": "UNPAID"},
            {"page_size": 4, "page_token": first.next_page_token},
        ),
        400,
        36009004,
    )
    refused(
        partner.post(
            SEARCH, {}, {"page_size": 4, "sort_order": "ASC", "page_token": first.next_page_token}
        ),
        400,
        36009004,
    )
    refused(partner.post(SEARCH, {}, {"page_size": 4, "page_token": "bm90LWpzb24"}), 400, 36009004)

    # A page costs the same number of statements whatever its size (batched by ids).
    executed = statements(db)
    search(partner, page_size=1, sort_order="ASC")  # COMPLETED: a line, a package, events
    small = len(executed)
    executed.clear()
    search(partner, page_size=10, sort_order="ASC")
    assert len(executed) == small


def test_search_refuses_bad_input(client: TestClient, db: Database, world: World) -> None:
    partner = connect(client, db, [world.shop_a.id], [scopes.ORDER_INFO])
    for query in ({"page_size": 0}, {"page_size": 101}, {}, {"page_size": "x"}):
        refused(partner.post(SEARCH, {}, query), 400, 36009004)
    bad_bodies: list[dict[str, Any]] = [
        {"order_status": "SHIPPED"},
        {"create_time_ge": 20, "create_time_lt": 10},
        {"update_time_ge": 10, "update_time_lt": 10},
        {"create_time_ge": -1},
        {"create_time_ge": "yesterday"},
        {"shipping_type": "DRONE"},
        {"warehouse_ids": ["1"] * 101},
        {"buyer_user_id": "abc"},
        {"buyer_user_id": str(2**63)},
        {"warehouse_ids": ["99999999999999999999"]},
        {"create_time_ge": 10**15},
    ]
    for body in bad_bodies:
        refused(partner.post(SEARCH, body, {"page_size": 10}), 400, 36009004)
    forged = encode_token({"q": "x", "t": "0", "id": str(2**64)})
    for query in ({"sort_field": "total"}, {"sort_order": "UP"}, {"page_token": forged}):
        refused(partner.post(SEARCH, {}, {"page_size": 10, **query}), 400, 36009004)
    # An empty body, {} and an empty form all mean "no filters"; the scope is required.
    assert answer(partner.call("POST", SEARCH, {"page_size": 5}), api.SearchData).total_count == 0
    form = {"content-type": "application/x-www-form-urlencoded"}
    raw = partner.call("POST", SEARCH, {"page_size": 5}, raw=b"", headers=form)
    assert answer(raw, api.SearchData).orders == []
    other = connect(client, db, [world.shop_a.id], [scopes.SHOP_INFO])
    refused(other.post(SEARCH, {}, {"page_size": 5}), 403, 105005)


def test_detail_both_versions(
    client: TestClient, db: Database, world: World, frozen_clock: datetime
) -> None:
    shop = build(client, db, world)
    partner = connect(client, db, [world.shop_a.id], [scopes.ORDER_INFO])
    wanted = list(shop.ids.values())
    models = {"202309": api.Detail202309Data, "202507": api.Detail202507Data}
    for version, path in DETAIL.items():
        # Comma-joined, in the order asked; repeated; another shop's id simply absent.
        joined = answer(partner.get(path, {"ids": ",".join(wanted)}), models[version])
        assert [o.id for o in joined.orders] == wanted
        mixed = answer(partner.get(path, {"ids": f"{shop.foreign},{wanted[2]}"}), models[version])
        assert [o.id for o in mixed.orders] == [wanted[2]]
        refused(partner.get(path, {"ids": shop.foreign}), 404, 36009005)
        refused(
            partner.get(path, {"ids": ",".join(str(10**15 + i) for i in range(51))}), 400, 36009004
        )
        refused(partner.get(path, {"ids": "12x"}), 400, 36009004)
        refused(partner.get(path, {"ids": ""}), 400, 36009004)

    detail = answer(partner.get(DETAIL["202309"], {"ids": ",".join(wanted)}), api.Detail202309Data)
    got = {o.status: o for o in detail.orders}
    assert set(got) == set(shop.ids)

    # Times in Unix seconds, money as strings beside the currency.
    completed = got["COMPLETED"]
    assert completed.create_time == int(frozen_clock.timestamp())
    assert completed.paid_time == int(frozen_clock.timestamp())
    assert completed.delivery_time and completed.collection_time
    assert completed.payment.currency == "USD"
    assert completed.payment.original_total_product_price == "10.00"
    assert completed.line_items[0].sale_price == "10.00"
    assert completed.line_items[0].currency == "USD"
    assert completed.tracking_number == "OTH-DONE-1"
    assert completed.shipping_provider_id == "OTHER"
    assert [p.id for p in completed.packages] == [completed.line_items[0].package_id]

    # The address is hidden before the remorse window ends: an empty object, never null.
    assert got["ON_HOLD"].recipient_address == api.RecipientAddress()
    assert got["UNPAID"].recipient_address.district_info == []
    shown = got["AWAITING_SHIPMENT"].recipient_address
    assert (shown.name, shown.postal_code, shown.region_code) == ("Ada Buyer", "62702", "US")
    assert [d.address_level for d in shown.district_info] == ["L0", "L1", "L3"]

    cancelled = got["CANCELLED"]
    assert cancelled.cancellation_initiator == "BUYER"
    assert cancelled.cancel_time == int(utcnow().timestamp())
    assert cancelled.line_items[0].cancel_user == "BUYER"
    # Open lines no package holds yet are in the order's pending package (id: the order's),
    # as the reference shows a package before shipping; a real package has its own id.
    waiting = got["AWAITING_SHIPMENT"]
    assert [p.id for p in waiting.packages] == [waiting.id]
    assert [(li.package_id, li.package_status) for li in waiting.line_items] == [
        (waiting.id, "TO_FULFILL")
    ]
    assert waiting.split_or_combine_tag is None and waiting.tracking_number is None
    split = got["PARTIALLY_SHIPPING"]
    shipped, unshipped = split.line_items
    assert shipped.package_id != split.id and shipped.tracking_number == "OTH-PS-001"
    assert (unshipped.package_id, unshipped.package_status) == (split.id, "TO_FULFILL")
    assert sorted(p.id for p in split.packages) == sorted([shipped.package_id, split.id])
    assert split.split_or_combine_tag == "SPLIT"
    for status in ("UNPAID", "ON_HOLD", "CANCELLED"):
        assert got[status].packages == [], status
        assert got[status].line_items[0].package_id is None, status
    assert got["UNPAID"].is_on_hold_order and got["UNPAID"].paid_time is None

    # 202507 answers the same order without the SEA-only fields.
    newer = answer(partner.get(DETAIL["202507"], {"ids": completed.id}), api.Detail202507Data)
    assert newer.orders[0].model_dump() == {
        k: v
        for k, v in completed.model_dump().items()
        if k not in ("fulfillment_priority_level", "recommended_shipping_time")
    }


def test_ids_repeated_in_the_query(client: TestClient, db: Database, world: World) -> None:
    (one, two) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 1}) + paid_orders(
        client, world.buyer, {world.shop_a.sku_id: 1}
    )
    partner = connect(client, db, [world.shop_a.id], [scopes.ORDER_INFO])
    for version, path in DETAIL.items():
        query = [("ids", two["id"]), ("ids", one["id"]), ("ids", f'["{one["id"]}"]')]
        response = get_pairs(partner, path, query)
        data = answer(
            response, api.Detail202309Data if version == "202309" else api.Detail202507Data
        )
        assert [o.id for o in data.orders] == [two["id"], one["id"]]


def cents(amount: str) -> int:
    whole, _, part = amount.partition(".")
    assert len(part) == 2, amount
    return int(whole) * 100 + int(part)


def test_price_detail(client: TestClient, db: Database, world: World) -> None:
    with db.unit_of_work() as session:
        session.add(TaxRate(country="US", state="*", rate_percent="7"))
    (order,) = paid_orders(client, world.buyer, {world.shop_a.sku_id: 3})
    pay = {k: v["minor_units"] for k, v in order["payment"].items()}
    assert pay["shipping_fee"] > 0 and pay["tax"] > 0
    partner = connect(client, db, [world.shop_a.id], [scopes.ORDER_INFO])
    path = f"/order/202407/orders/{order['id']}/price_detail"
    data = answer(partner.get(path), api.PriceDetailData)
    assert data.currency == "USD"
    assert data.sku_list_price == "30.00" and len(data.line_items) == 3
    assert cents(data.shipping_sale_price) == pay["shipping_fee"]
    assert cents(data.tax_amount) == pay["tax"]
    assert cents(data.payment) == pay["total_amount"]
    assert cents(data.subtotal_tax_amount) == sum(
        li["tax"]["minor_units"] for li in order["line_items"]
    )
    # The lines add up to the order, each amount on its own; each line adds up by itself.
    amounts = ("sku_list_price", "sku_sale_price", "subtotal", "shipping_list_price")
    amounts += ("shipping_sale_price", "subtotal_tax_amount", "tax_amount", "payment", "total")
    for name in amounts:
        total = sum(cents(getattr(li, name)) for li in data.line_items)
        assert total == cents(getattr(data, name)), name
    for li in [*data.line_items, data]:
        sale, ship, tax = (
            cents(li.sku_sale_price),
            cents(li.shipping_sale_price),
            cents(li.tax_amount),
        )
        assert cents(li.payment) == sale + ship + tax
        assert cents(li.total) == cents(li.sku_list_price) + cents(li.shipping_list_price)

    refused(partner.get(f"/order/202407/orders/{10**15}/price_detail"), 404, 36009005)
    refused(partner.get("/order/202407/orders/abc/price_detail"), 400, 36009004)
    (theirs,) = paid_orders(client, world.buyer, {world.shop_b.sku_id: 1})
    refused(partner.get(f"/order/202407/orders/{theirs['id']}/price_detail"), 404, 36009005)
