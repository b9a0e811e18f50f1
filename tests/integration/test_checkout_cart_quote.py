"""Cart and quote through the HTTP API: the price waterfall, vouchers, shipping, tax, refusals."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database
from clipshop.identity.principal import Role
from clipshop.models import (
    PlatformVoucher,
    ShippingProfile,
    Shop,
    SkuDiscount,
    TaxRate,
)
from tests.conftest import World, make_actor, make_shop, problem_code
from tests.integration.checkout_api import API, add_sku, address, ok, quote

# -- pricing rows, inserted directly ----------------------------------------------------


def insert(db: Database, *rows: Any) -> None:
    with db.unit_of_work() as session:
        session.add_all(rows)


def discount(
    shop_id: int, sku_id: int, amount: int, *, days_from: int = -1, days_to: int = 1
) -> SkuDiscount:
    now = utcnow()
    return SkuDiscount(
        shop_id=shop_id,
        sku_id=sku_id,
        discount_amount=amount,
        starts_at=now + timedelta(days=days_from),
        ends_at=now + timedelta(days=days_to),
    )


def voucher(
    code: str, percent: int, cap: int, *, min_spend: int = 0, currency: str = "USD"
) -> PlatformVoucher:
    now = utcnow()
    return PlatformVoucher(
        code=code,
        currency=currency,
        percent_off=percent,
        max_discount=cap,
        min_spend=min_spend,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )


def shipping_profiles(shop_id: int) -> list[ShippingProfile]:
    return [
        ShippingProfile(
            shop_id=shop_id,
            service="STANDARD",
            name="Ground",
            min_days=3,
            max_days=6,
            rates=[
                {"zone": "US", "max_weight_grams": 500, "fee": 400},
                {"zone": "US", "max_weight_grams": 1000, "fee": 600},
                {"zone": "US", "max_weight_grams": None, "fee": 900},
                {"zone": "*", "max_weight_grams": None, "fee": 2500},
            ],
            rural_surcharge=250,
            rural_postal_prefixes=["995", "996"],
            free_shipping_threshold=5000,
        ),
        ShippingProfile(
            shop_id=shop_id,
            service="EXPRESS",
            name="Air",
            min_days=1,
            max_days=2,
            rates=[
                {"zone": "US", "max_weight_grams": 1000, "fee": 1200},
                {"zone": "US", "max_weight_grams": None, "fee": 1800},
            ],
            rural_surcharge=500,
            rural_postal_prefixes=["995"],
            free_shipping_threshold=None,
        ),
    ]


def money(value: dict[str, Any]) -> int:
    return int(value["minor_units"])


def pay(order: dict[str, Any]) -> dict[str, int]:
    return {k: money(v) for k, v in order["payment"].items()}


def lines(order: dict[str, Any]) -> list[dict[str, int]]:
    fields = ("original_price", "seller_discount", "platform_discount", "sale_price", "tax")
    return [{f: money(line[f]) for f in fields} for line in order["line_items"]]


def assert_identities(q: dict[str, Any]) -> None:
    """The waterfall identities, per line, per shop order and for the whole checkout."""
    for order in q["orders"]:
        p = pay(order)
        for line in lines(order):
            assert line["sale_price"] == (
                line["original_price"] - line["seller_discount"] - line["platform_discount"]
            )
        ls = lines(order)
        assert p["original_total_product_price"] == sum(x["original_price"] for x in ls)
        assert p["seller_discount"] == sum(x["seller_discount"] for x in ls)
        assert p["platform_discount"] == sum(x["platform_discount"] for x in ls)
        assert p["tax"] == sum(x["tax"] for x in ls)
        assert p["sub_total"] == (
            p["original_total_product_price"] - p["seller_discount"] - p["platform_discount"]
        )
        assert p["shipping_fee"] == (
            p["original_shipping_fee"]
            - p["shipping_fee_seller_discount"]
            - p["shipping_fee_platform_discount"]
        )
        assert p["total_amount"] == p["sub_total"] + p["shipping_fee"] + p["tax"]
    assert money(q["total_amount"]) == sum(pay(o)["total_amount"] for o in q["orders"])


# -- cart ---------------------------------------------------------------------------------


def test_cart_put_change_remove(client: TestClient, world: World) -> None:
    buyer, a, b = world.buyer, world.shop_a.sku_id, world.shop_b.sku_id
    url = f"{API}/cart/items"
    assert ok(client.get(f"{API}/cart", headers=buyer.headers)) == {"items": []}

    ok(client.put(f"{url}/{a}", json={"quantity": 2}, headers=buyer.headers))
    body = ok(client.put(f"{url}/{b}", json={"quantity": 1}, headers=buyer.headers))
    assert body["items"] == [{"sku_id": str(a), "quantity": 2}, {"sku_id": str(b), "quantity": 1}]

    body = ok(client.put(f"{url}/{a}", json={"quantity": 5}, headers=buyer.headers))
    assert body["items"] == [{"sku_id": str(a), "quantity": 5}, {"sku_id": str(b), "quantity": 1}]

    body = ok(client.delete(f"{url}/{b}", headers=buyer.headers))
    assert body["items"] == [{"sku_id": str(a), "quantity": 5}]

    body = ok(client.put(f"{url}/{a}", json={"quantity": 0}, headers=buyer.headers))
    assert body["items"] == []
    assert ok(client.get(f"{API}/cart", headers=buyer.headers)) == {"items": []}


def test_cart_quantity_bounds_and_unsellable_sku(client: TestClient, world: World) -> None:
    buyer, sku = world.buyer, world.shop_a.sku_id
    too_many = client.put(f"{API}/cart/items/{sku}", json={"quantity": 100}, headers=buyer.headers)
    assert too_many.status_code == 422
    ok(client.patch(f"{API}/skus/{sku}", json={"active": False}, headers=world.seller_a.headers))
    refused = client.put(f"{API}/cart/items/{sku}", json={"quantity": 1}, headers=buyer.headers)
    assert refused.status_code == 409
    assert problem_code(refused) == "sku_not_sellable"
    assert refused.json()["sku_id"] == str(sku)
    assert ok(client.get(f"{API}/cart", headers=buyer.headers)) == {"items": []}


def test_cart_is_for_buyers_only(client: TestClient, world: World) -> None:
    seller, sku = world.seller_a, world.shop_a.sku_id
    for response in (
        client.get(f"{API}/cart", headers=seller.headers),
        client.put(f"{API}/cart/items/{sku}", json={"quantity": 1}, headers=seller.headers),
        client.delete(f"{API}/cart/items/{sku}", headers=seller.headers),
        client.post(
            f"{API}/checkout/quote",
            json={"shipping_address": address(), "items": [{"sku_id": str(sku), "quantity": 1}]},
            headers=seller.headers,
        ),
    ):
        assert response.status_code == 403, response.text
        assert problem_code(response) == "buyers_only"


def test_quote_uses_the_cart_when_items_are_omitted(client: TestClient, world: World) -> None:
    buyer, a = world.buyer, world.shop_a.sku_id
    ok(client.put(f"{API}/cart/items/{a}", json={"quantity": 3}, headers=buyer.headers))
    q = ok(quote(client, buyer, None))
    assert [order["shop_id"] for order in q["orders"]] == [str(world.shop_a.id)]
    assert [line["sku_id"] for line in q["orders"][0]["line_items"]] == [str(a)] * 3
    empty = quote(client, world.seller_a, None)
    assert empty.status_code == 403
    ok(client.delete(f"{API}/cart/items/{a}", headers=buyer.headers))
    nothing = quote(client, buyer, None)
    assert nothing.status_code == 422
    assert problem_code(nothing) == "empty_checkout"


# -- quote: the waterfall -------------------------------------------------------------------


def test_quote_waterfall_with_seller_discount_voucher_shipping_and_tax(
    client: TestClient, db: Database, world: World
) -> None:
    a, b = world.shop_a, world.shop_b
    x = add_sku(client, a, "19.99", weight_grams=300, title="Hoodie")
    y = add_sku(client, a, "5.00", weight_grams=200, title="Socks")
    z = b.sku_id  # 10.00, no shipping profile: the platform's default rates
    insert(
        db,
        discount(a.id, x, 250),
        discount(a.id, x, 100),  # the best running discount applies, not the sum
        discount(a.id, y, 400, days_from=-3, days_to=-1),  # ended: not applied
        discount(a.id, y, 300, days_from=1, days_to=3),  # not started: not applied
        voucher("CLIP10", percent=10, cap=1000),
        *shipping_profiles(a.id),
        TaxRate(country="US", state="IL", rate_percent="8.25"),
        TaxRate(country="US", state="*", rate_percent="5"),
    )
    q = ok(quote(client, world.buyer, {x: 2, y: 1, z: 1}, voucher_code="CLIP10"))
    assert q["currency"] == "USD"
    order_a, order_b = q["orders"]
    assert (order_a["shop_id"], order_b["shop_id"]) == (str(a.id), str(b.id))
    assert [line["sku_id"] for line in order_a["line_items"]] == [str(x), str(x), str(y)]
    # Voucher: 10% of the price after seller discounts (1749+1749+500+1000 = 4998) = 499,
    # split by largest remainder over the four units (earliest first on ties).
    assert lines(order_a) == [
        {
            "original_price": 1999,
            "seller_discount": 250,
            "platform_discount": 175,
            "sale_price": 1574,
            "tax": 130,  # 8.25% of 1574 = 129.855
        },
        {
            "original_price": 1999,
            "seller_discount": 250,
            "platform_discount": 174,
            "sale_price": 1575,
            "tax": 130,  # 129.9375
        },
        {
            "original_price": 500,
            "seller_discount": 0,
            "platform_discount": 50,
            "sale_price": 450,
            "tax": 37,  # 37.125
        },
    ]
    assert lines(order_b) == [
        {
            "original_price": 1000,
            "seller_discount": 0,
            "platform_discount": 100,
            "sale_price": 900,
            "tax": 74,  # 74.25
        }
    ]
    platform_shares = [line["platform_discount"] for o in (order_a, order_b) for line in lines(o)]
    assert sum(platform_shares) == 499
    # Shop A: 800 g -> the US band up to 1000 g of its own STANDARD rate (cheapest option).
    assert pay(order_a) == {
        "original_total_product_price": 4498,
        "seller_discount": 500,
        "platform_discount": 399,
        "sub_total": 3599,
        "original_shipping_fee": 600,
        "shipping_fee_seller_discount": 0,
        "shipping_fee_platform_discount": 0,
        "shipping_fee": 600,
        "tax": 297,
        "total_amount": 4496,
    }
    assert order_a["selected_shipping_service"] == "STANDARD"
    # Shop B has no profile: the platform default STANDARD rate for up to 500 g.
    assert pay(order_b) == {
        "original_total_product_price": 1000,
        "seller_discount": 0,
        "platform_discount": 100,
        "sub_total": 900,
        "original_shipping_fee": 499,
        "shipping_fee_seller_discount": 0,
        "shipping_fee_platform_discount": 0,
        "shipping_fee": 499,
        "tax": 74,
        "total_amount": 1473,
    }
    assert money(q["total_amount"]) == 4496 + 1473
    assert_identities(q)


def test_seller_discount_is_capped_at_the_price(
    client: TestClient, db: Database, world: World
) -> None:
    a = world.shop_a
    insert(db, discount(a.id, a.sku_id, 1500))  # 15.00 off a 10.00 SKU
    q = ok(quote(client, world.buyer, {a.sku_id: 2}))
    # A discount larger than the price is capped at the price: the SKU is free, never negative.
    free = {
        "original_price": 1000,
        "seller_discount": 1000,
        "platform_discount": 0,
        "sale_price": 0,
        "tax": 0,
    }
    assert lines(q["orders"][0]) == [free, free]
    assert pay(q["orders"][0])["sub_total"] == 0
    assert_identities(q)


def test_voucher_cap_and_allocation_sums_exactly(
    client: TestClient, db: Database, world: World
) -> None:
    a, b = world.shop_a, world.shop_b
    odd = add_sku(client, a, "3.33", title="Pin")
    insert(db, voucher("HALF", percent=50, cap=1001))
    q = ok(quote(client, world.buyer, {odd: 3, a.sku_id: 1, b.sku_id: 2}, voucher_code="HALF"))
    # 50% of 3*333 + 3*1000 = 3999 is 1999, capped at 1001. Units in shop, then SKU order:
    # A: 10.00, 3.33 x3; B: 10.00 x2. Floors 250/83 leave 2 cents, which go to the largest
    # remainders (the 3.33 units, earliest first): the shares sum to exactly the cap.
    shares = [[line["platform_discount"] for line in lines(o)] for o in q["orders"]]
    assert shares == [[250, 84, 84, 83], [250, 250]]
    assert sum(map(sum, shares)) == 1001
    assert_identities(q)


@pytest.mark.parametrize(
    ("code", "setup"),
    [
        ("NOPE", None),
        ("OLD", "expired"),
        ("YEN", "other_currency"),
        ("BIG", "min_spend"),
    ],
)
def test_invalid_voucher(
    client: TestClient, db: Database, world: World, code: str, setup: str | None
) -> None:
    now = utcnow()
    if setup == "expired":
        row = voucher(code, 10, 500)
        row.starts_at, row.ends_at = now - timedelta(days=2), now - timedelta(days=1)
        insert(db, row)
    elif setup == "other_currency":
        insert(db, voucher(code, 10, 500, currency="JPY"))
    elif setup == "min_spend":
        insert(db, voucher(code, 10, 500, min_spend=1001))
    response = quote(client, world.buyer, {world.shop_a.sku_id: 1}, voucher_code=code)
    assert response.status_code == 422, response.text
    assert problem_code(response) == "invalid_voucher"


def test_voucher_min_spend_is_inclusive(client: TestClient, db: Database, world: World) -> None:
    insert(db, voucher("MIN", 10, 500, min_spend=1000))
    q = ok(quote(client, world.buyer, {world.shop_a.sku_id: 1}, voucher_code="MIN"))
    assert pay(q["orders"][0])["platform_discount"] == 100


# -- quote: shipping ------------------------------------------------------------------------


def options(order: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
    return {
        o["service"]: (money(o["original_fee"]), money(o["fee"]), o["min_days"], o["max_days"])
        for o in order["shipping_options"]
    }


@pytest.fixture
def ship_world(client: TestClient, db: Database, world: World) -> tuple[World, int, int]:
    """Shop A with the two-service profile; X weighs 300 g (19.99), Y 200 g (5.00)."""
    a = world.shop_a
    x = add_sku(client, a, "19.99", weight_grams=300, title="Hoodie")
    y = add_sku(client, a, "5.00", weight_grams=200, title="Socks")
    insert(db, *shipping_profiles(a.id))
    return world, x, y


def test_shipping_zone_and_weight_bands(
    client: TestClient, ship_world: tuple[World, int, int]
) -> None:
    world, x, y = ship_world
    buyer = world.buyer
    exactly_500 = ok(quote(client, buyer, {x: 1, y: 1}))["orders"][0]
    assert options(exactly_500) == {"STANDARD": (400, 400, 3, 6), "EXPRESS": (1200, 1200, 1, 2)}
    assert exactly_500["selected_shipping_service"] == "STANDARD"
    assert pay(exactly_500)["shipping_fee"] == 400

    g800 = ok(quote(client, buyer, {x: 2, y: 1}))["orders"][0]
    assert options(g800)["STANDARD"] == (600, 600, 3, 6)

    g1200 = ok(quote(client, buyer, {x: 4}))["orders"][0]
    assert options(g1200) == {"STANDARD": (900, 0, 3, 6), "EXPRESS": (1800, 1800, 1, 2)}
    # 4 * 19.99 is over the 50.00 threshold: STANDARD is free, paid by the seller.
    p = pay(g1200)
    assert (p["original_shipping_fee"], p["shipping_fee_seller_discount"], p["shipping_fee"]) == (
        900,
        900,
        0,
    )

    # Abroad: only the wildcard zone of STANDARD applies; EXPRESS does not ship there.
    abroad = ok(quote(client, buyer, {x: 1}, shipping_address=address(country="CA", state="ON")))
    assert options(abroad["orders"][0]) == {"STANDARD": (2500, 2500, 3, 6)}
    no_express = quote(
        client,
        buyer,
        {x: 1},
        shipping_address=address(country="CA", state="ON"),
        shipping_services={str(world.shop_a.id): "EXPRESS"},
    )
    assert no_express.status_code == 422
    assert problem_code(no_express) == "invalid_shipping_service"


def test_shipping_rural_surcharge_by_postal_prefix(
    client: TestClient, ship_world: tuple[World, int, int]
) -> None:
    world, x, _ = ship_world
    both = ok(quote(client, world.buyer, {x: 1}, shipping_address=address(postal_code="99501")))
    assert options(both["orders"][0]) == {
        "STANDARD": (650, 650, 3, 6),
        "EXPRESS": (1700, 1700, 1, 2),
    }
    standard_only = ok(
        quote(client, world.buyer, {x: 1}, shipping_address=address(postal_code="99601"))
    )
    assert options(standard_only["orders"][0]) == {
        "STANDARD": (650, 650, 3, 6),
        "EXPRESS": (1200, 1200, 1, 2),
    }
    not_rural = ok(
        quote(client, world.buyer, {x: 1}, shipping_address=address(postal_code="19950"))
    )
    assert options(not_rural["orders"][0])["STANDARD"] == (400, 400, 3, 6)


def test_free_shipping_threshold_is_inclusive_and_after_discounts(
    client: TestClient, db: Database, ship_world: tuple[World, int, int]
) -> None:
    world, _, _ = ship_world
    a = world.shop_a
    fifty = add_sku(client, a, "50.00", weight_grams=100, title="Lamp")
    at = ok(quote(client, world.buyer, {fifty: 1}))["orders"][0]
    p = pay(at)
    assert (p["original_shipping_fee"], p["shipping_fee_seller_discount"], p["shipping_fee"]) == (
        400,
        400,
        0,
    )
    assert p["total_amount"] == 5000
    insert(db, discount(a.id, fifty, 1))  # 49.99: below the threshold now
    below = ok(quote(client, world.buyer, {fifty: 1}))["orders"][0]
    p = pay(below)
    assert (p["original_shipping_fee"], p["shipping_fee_seller_discount"], p["shipping_fee"]) == (
        400,
        0,
        400,
    )
    assert p["total_amount"] == 4999 + 400


def test_express_selection_changes_fee_and_window(
    client: TestClient, ship_world: tuple[World, int, int]
) -> None:
    world, x, _ = ship_world
    frozen = clock.now()
    clock.freeze(frozen)
    services = {str(world.shop_a.id): "EXPRESS"}
    q = ok(quote(client, world.buyer, {x: 1}, shipping_services=services))
    order = q["orders"][0]
    assert order["selected_shipping_service"] == "EXPRESS"
    p = pay(order)
    assert (p["original_shipping_fee"], p["shipping_fee"]) == (1200, 1200)
    assert p["total_amount"] == 1999 + 1200
    express = next(o for o in order["shipping_options"] if o["service"] == "EXPRESS")
    today = frozen.date()
    assert date.fromisoformat(express["earliest_delivery"]) == today + timedelta(days=1)
    assert date.fromisoformat(express["latest_delivery"]) == today + timedelta(days=2)
    assert_identities(q)


def test_cross_border_shop_adds_transit_days(
    client: TestClient, db: Database, ship_world: tuple[World, int, int]
) -> None:
    world, x, _ = ship_world
    local = ok(quote(client, world.buyer, {x: 1, world.shop_b.sku_id: 1}))
    with db.unit_of_work() as session:
        session.get_one(Shop, world.shop_a.id).shop_type = "CROSS_BORDER"
    frozen = clock.now()
    clock.freeze(frozen)
    abroad = ok(quote(client, world.buyer, {x: 1, world.shop_b.sku_id: 1}))
    assert options(local["orders"][0]) == {
        "STANDARD": (400, 400, 3, 6),
        "EXPRESS": (1200, 1200, 1, 2),
    }
    # +5 to the earliest and +10 to the latest day for transit and customs; fees unchanged.
    assert options(abroad["orders"][0]) == {
        "STANDARD": (400, 400, 8, 16),
        "EXPRESS": (1200, 1200, 6, 12),
    }
    standard = next(
        o for o in abroad["orders"][0]["shipping_options"] if o["service"] == "STANDARD"
    )
    assert date.fromisoformat(standard["earliest_delivery"]) == frozen.date() + timedelta(days=8)
    assert date.fromisoformat(standard["latest_delivery"]) == frozen.date() + timedelta(days=16)
    # The local shop of the same checkout is not affected.
    assert options(abroad["orders"][1]) == options(local["orders"][1])


# -- quote: tax -----------------------------------------------------------------------------


def test_tax_per_line_rounded_half_up(client: TestClient, db: Database, world: World) -> None:
    a = world.shop_a
    sku = add_sku(client, a, "10.05", title="Mug")
    insert(
        db,
        TaxRate(country="US", state="*", rate_percent="10"),
        TaxRate(country="US", state="IL", rate_percent="8.25"),
    )
    # 10% of 10.05 is 1.005 dollars = 100.5 cents: half up gives 101 (half even would be 100).
    # Per line, so two units pay 202, not round(201.0) = 201.
    ca = ok(quote(client, world.buyer, {sku: 2}, shipping_address=address(state="CA")))
    order = ca["orders"][0]
    assert [line["tax"] for line in lines(order)] == [101, 101]
    assert pay(order)["tax"] == 202
    assert pay(order)["total_amount"] == 2010 + 499 + 202
    # The state's own rate wins over the country-wide one.
    il = ok(quote(client, world.buyer, {sku: 1}))
    assert [line["tax"] for line in lines(il["orders"][0])] == [83]  # 82.9125
    # No rate for the destination country: no tax.
    abroad = ok(
        quote(client, world.buyer, {sku: 1}, shipping_address=address(country="DE", state=None))
    )
    assert pay(abroad["orders"][0])["tax"] == 0
    assert_identities(ca)


# -- quote: refusals --------------------------------------------------------------------------


def test_mixed_currencies_are_refused(client: TestClient, db: Database, world: World) -> None:
    yen_owner = make_actor(db, Role.SELLER, "yen@test.dev")
    yen = make_shop(db, yen_owner, world.admin, "ShopYen", currency="JPY")
    response = quote(client, world.buyer, {world.shop_a.sku_id: 1, yen.sku_id: 1})
    assert response.status_code == 422
    assert problem_code(response) == "mixed_currencies"
    # JPY alone prices in whole yen.
    q = ok(quote(client, world.buyer, {yen.sku_id: 2}))
    assert q["currency"] == "JPY"
    assert pay(q["orders"][0])["original_total_product_price"] == 2000
    assert q["orders"][0]["payment"]["sub_total"]["amount"] == "2000"


def test_unknown_sku_inactive_sku_and_delisted_product_are_not_sellable(
    client: TestClient, world: World
) -> None:
    seller, buyer = world.seller_a, world.buyer
    sku, other = world.shop_a.sku_id, world.shop_b.sku_id

    def refused(items: dict[int, int], sku_id: int) -> None:
        response = quote(client, buyer, items)
        assert response.status_code == 409, response.text
        assert problem_code(response) == "sku_not_sellable"
        assert response.json()["sku_id"] == str(sku_id)

    refused({other: 1, 999_999_999: 1}, 999_999_999)
    ok(client.patch(f"{API}/skus/{sku}", json={"active": False}, headers=seller.headers))
    refused({other: 1, sku: 1}, sku)
    ok(client.patch(f"{API}/skus/{sku}", json={"active": True}, headers=seller.headers))
    ok(quote(client, buyer, {other: 1, sku: 1}))
    product = world.shop_a.product_id
    ok(
        client.patch(
            f"{API}/products/{product}", json={"status": "INACTIVE"}, headers=seller.headers
        )
    )
    refused({sku: 1, other: 1}, sku)


def test_auto_delisted_sku_is_not_sellable(client: TestClient, world: World) -> None:
    sku = world.shop_a.sku_id  # 10 units in stock
    ok(
        client.patch(
            f"{API}/skus/{sku}",
            json={"low_stock_threshold": 11, "auto_delist": True},
            headers=world.seller_a.headers,
        )
    )
    response = quote(client, world.buyer, {sku: 1})
    assert response.status_code == 409
    assert problem_code(response) == "sku_not_sellable"
    ok(
        client.patch(
            f"{API}/skus/{sku}", json={"low_stock_threshold": 10}, headers=world.seller_a.headers
        )
    )
    ok(quote(client, world.buyer, {sku: 1}))
