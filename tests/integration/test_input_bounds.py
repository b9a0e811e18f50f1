"""Input bounds over HTTP, on both databases: what the database cannot store, money above the
platform maximum, non-ASCII digits, extreme datetimes and control characters are refused with
422 and change nothing (issue 11, "Found" 3 and 4); list filters refuse unknown enum values and
time windows refuse an end at or before their start (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.models import Base
from tests.conftest import World, make_shop
from tests.integration.checkout_api import ADDRESS
from tests.integration.native_api import API, invalid_request, ok, refused, snapshot

BIG = 2**64  # beyond BIGINT
NUL = "bad\x00name"
EXTREMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]

Call = tuple[str, str, dict[str, Any], str]  # method, path, httpx keywords, refused field


def everything(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return snapshot(db, *(m.class_ for m in Base.registry.mappers))


def later(days: int) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def profile(**changes: Any) -> dict[str, Any]:
    body = {"name": "Ground", "min_days": 2, "max_days": 5, "rates": [{"zone": "*", "fee": 500}]}
    return {**body, **changes}


def voucher(**changes: Any) -> dict[str, Any]:
    body = {
        "code": "SPRING",
        "currency": "USD",
        "percent_off": 10,
        "max_discount": 500,
        "min_spend": 0,
        "starts_at": later(0),
        "ends_at": later(7),
    }
    return {**body, **changes}


def sku(**changes: Any) -> dict[str, Any]:
    return {"seller_sku": "MUG", "name": "Mug", "price": "12.50", **changes}


def product(**changes: Any) -> dict[str, Any]:
    return {"title": "Mug", "skus": [sku()], **changes}


def shipping(w: World) -> str:
    return f"/shops/{w.shop_a.id}/shipping-profiles/STANDARD"


def stock(w: World) -> str:
    return f"/skus/{w.shop_a.sku_id}/stock/{w.shop_a.warehouse_id}"


# Each case: who calls, and the call (built from the world). All must answer 422 invalid_request
# naming the field, and change nothing.
CASES: dict[str, tuple[str, Callable[[World], Call]]] = {
    # integers beyond 64 bits
    "rural_surcharge": (
        "seller_a",
        lambda w: ("PUT", shipping(w), {"json": profile(rural_surcharge=BIG)}, "rural_surcharge"),
    ),
    "free_shipping_threshold": (
        "seller_a",
        lambda w: (
            "PUT",
            shipping(w),
            {"json": profile(free_shipping_threshold=BIG)},
            "free_shipping_threshold",
        ),
    ),
    "rate_fee": (
        "seller_a",
        lambda w: (
            "PUT",
            shipping(w),
            {"json": profile(rates=[{"zone": "*", "fee": BIG}])},
            "rates.0.fee",
        ),
    ),
    "rate_fee_2_63": (
        "seller_a",
        lambda w: (
            "PUT",
            shipping(w),
            {"json": profile(rates=[{"zone": "*", "fee": 2**63}])},
            "rates.0.fee",
        ),
    ),
    "rate_max_weight": (
        "seller_a",
        lambda w: (
            "PUT",
            shipping(w),
            {"json": profile(rates=[{"zone": "*", "fee": 1, "max_weight_grams": BIG}])},
            "rates.0.max_weight_grams",
        ),
    ),
    "voucher_max_discount": (
        "admin",
        lambda w: ("POST", "/vouchers", {"json": voucher(max_discount=BIG)}, "max_discount"),
    ),
    "voucher_min_spend": (
        "admin",
        lambda w: ("POST", "/vouchers", {"json": voucher(min_spend=BIG)}, "min_spend"),
    ),
    "sku_create_low_stock": (
        "seller_a",
        lambda w: (
            "POST",
            f"/shops/{w.shop_a.id}/products",
            {"json": product(skus=[sku(low_stock_threshold=BIG)])},
            "skus.0.low_stock_threshold",
        ),
    ),
    "sku_update_low_stock": (
        "seller_a",
        lambda w: (
            "PATCH",
            f"/skus/{w.shop_a.sku_id}",
            {"json": {"low_stock_threshold": BIG}},
            "low_stock_threshold",
        ),
    ),
    "stock_expected_available": (
        "seller_a",
        lambda w: (
            "PUT",
            stock(w),
            {"json": {"available": 3, "expected_available": BIG}},
            "expected_available",
        ),
    ),
    # extreme datetimes
    **{
        f"token_expires_at_{i}": (
            "admin",
            lambda w, t=t: (
                "POST",
                "/tokens",
                {"json": {"name": "x", "expires_at": t}},
                "expires_at",
            ),
        )
        for i, t in enumerate(EXTREMES)
    },
    **{
        f"orders_create_time_ge_{i}": (
            "buyer",
            lambda w, t=t: (
                "GET",
                "/orders",
                {"params": {"create_time_ge": t}},
                "query.create_time_ge",
            ),
        )
        for i, t in enumerate(EXTREMES)
    },
    **{
        f"discount_starts_at_{i}": (
            "seller_a",
            lambda w, t=t: (
                "POST",
                f"/skus/{w.shop_a.sku_id}/discounts",
                {"json": {"discount_amount": 100, "starts_at": t, "ends_at": later(3)}},
                "starts_at",
            ),
        )
        for i, t in enumerate(EXTREMES)
    },
    # NUL and other control characters
    "shop_name": (
        "admin",
        lambda w: (
            "POST",
            "/shops",
            {
                "json": {
                    "name": NUL,
                    "region": "US",
                    "currency": "USD",
                    "owner_user_id": str(w.seller_a.id),
                }
            },
            "name",
        ),
    ),
    "shop_rename": (
        "seller_a",
        lambda w: ("PATCH", f"/shops/{w.shop_a.id}", {"json": {"name": "a\x1bb"}}, "name"),
    ),
    "sku_attribute_key": (
        "seller_a",
        lambda w: (
            "POST",
            f"/shops/{w.shop_a.id}/products",
            {"json": product(skus=[sku(attributes={"size\x00": "M"})])},
            "skus.0.attributes.size\x00.[key]",
        ),
    ),
    "tax_rate_state_path": (
        "admin",
        lambda w: ("PUT", "/tax-rates/US/C%00A", {"json": {"rate_percent": "5"}}, "path.state"),
    ),
    "token_name": ("admin", lambda w: ("POST", "/tokens", {"json": {"name": NUL}}, "name")),
    "product_title": (
        "seller_a",
        lambda w: ("POST", f"/shops/{w.shop_a.id}/products", {"json": product(title=NUL)}, "title"),
    ),
    "stock_note": (
        "seller_a",
        lambda w: ("POST", stock(w) + "/adjust", {"json": {"delta": 1, "note": NUL}}, "note"),
    ),
    "voucher_code": (
        "admin",
        lambda w: ("POST", "/vouchers", {"json": voucher(code="SPRING\x00")}, "code"),
    ),
    "checkout_voucher_code": (
        "buyer",
        lambda w: (
            "POST",
            "/checkout/quote",
            {
                "json": {
                    "items": [{"sku_id": str(w.shop_a.sku_id), "quantity": 1}],
                    "shipping_address": ADDRESS,
                    "voucher_code": "SPRING\x00",
                }
            },
            "voucher_code",
        ),
    ),
    "description_escape": (
        "seller_a",
        lambda w: (
            "POST",
            f"/shops/{w.shop_a.id}/products",
            {"json": product(description="line\n\x1b[31mred")},
            "description",
        ),
    ),
    "user_email": (
        "admin",
        lambda w: (
            "POST",
            "/users",
            {"json": {"email": "nul\x00@test.dev", "name": "Nul", "role": "seller"}},
            "email",
        ),
    ),
    "tracking_number_query": (
        "seller_a",
        lambda w: (
            "GET",
            "/packages",
            {"params": {"tracking_number": "1Z\x00"}},
            "query.tracking_number",
        ),
    ),
    # money: ASCII digits only, positive prices
    **{
        f"price_{name}": (
            "seller_a",
            lambda w, text=text: (
                "POST",
                f"/shops/{w.shop_a.id}/products",
                {"json": product(skus=[sku(price=text)])},
                "skus.0.price",
            ),
        )
        for name, text in [
            ("fullwidth", "\uff11\uff12"),
            ("arabic_indic", "\u0661\u0662"),
            ("mixed", "1.\u0665"),
            ("zero", "0"),
            ("zero_decimals", "0.00"),
        ]
    },
    "sku_update_price_fullwidth": (
        "seller_a",
        lambda w: (
            "PATCH",
            f"/skus/{w.shop_a.sku_id}",
            {"json": {"price": "\uff11\uff12"}},
            "price",
        ),
    ),
    # list filters: an unknown enum value
    "returns_status_filter": (
        "buyer",
        lambda w: ("GET", "/returns", {"params": {"return_status": "NOPE"}}, "query.return_status"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_out_of_bounds_input_is_refused_and_changes_nothing(
    client: TestClient, db: Database, world: World, case: str
) -> None:
    role, build = CASES[case]
    method, path, kwargs, field = build(world)
    before = everything(db)
    headers = getattr(world, role).headers
    response = client.request(method, API + path, headers=headers, **kwargs)
    invalid_request(response, field)
    assert everything(db) == before


# --- money: the platform maximum per currency (USD 1,000,000.00; KWD 1,000,000.000) ------------


def test_a_shipping_fee_above_the_platform_maximum_is_refused(
    client: TestClient, db: Database, world: World
) -> None:
    headers = world.seller_a.headers
    for fee in (10**13, 100_000_001):  # the fee; one cent above USD 1,000,000.00
        before = everything(db)
        answer = client.put(
            API + shipping(world), json=profile(rates=[{"zone": "*", "fee": fee}]), headers=headers
        )
        body = refused(answer, 422, "amount_too_large")
        assert body["field"] == "rates.0.fee"
        assert "1000000.00 USD" in body["detail"]
        assert everything(db) == before
    answer = client.put(
        API + shipping(world),
        json=profile(rates=[{"zone": "*", "fee": 100_000_000}], rural_surcharge=100_000_001),
        headers=headers,
    )
    assert refused(answer, 422, "amount_too_large")["field"] == "rural_surcharge"
    body = ok(
        client.put(
            API + shipping(world),
            json=profile(rates=[{"zone": "*", "fee": 100_000_000}], free_shipping_threshold=0),
            headers=headers,
        )
    )
    assert body["rates"] == [{"zone": "*", "max_weight_grams": None, "fee": 100_000_000}]


def test_the_maximum_follows_the_currency_exponent(
    client: TestClient, db: Database, world: World
) -> None:
    shop = make_shop(db, world.seller_b, world.admin, "ShopKWD", currency="KWD")
    path = f"/shops/{shop.id}/shipping-profiles/EXPRESS"
    headers = world.seller_b.headers
    ok(client.put(API + path, json=profile(rates=[{"zone": "*", "fee": 10**9}]), headers=headers))
    answer = client.put(
        API + path, json=profile(rates=[{"zone": "*", "fee": 10**9 + 1}]), headers=headers
    )
    assert "1000000.000 KWD" in refused(answer, 422, "amount_too_large")["detail"]


def test_a_price_above_the_platform_maximum_is_refused(
    client: TestClient, db: Database, world: World
) -> None:
    path = f"{API}/shops/{world.shop_a.id}/products"
    headers = world.seller_a.headers
    before = everything(db)
    answer = client.post(path, json=product(skus=[sku(price="1000000.01")]), headers=headers)
    refused(answer, 422, "invalid_price")
    assert everything(db) == before
    created = ok(client.post(path, json=product(skus=[sku(price="1000000")]), headers=headers), 201)
    assert created["skus"][0]["price"]["minor_units"] == 100_000_000
    sku_path = f"{API}/skus/{world.shop_a.sku_id}"
    refused(
        client.patch(sku_path, json={"price": "1000000.01"}, headers=headers), 422, "invalid_price"
    )


def test_voucher_amounts_above_the_maximum_of_their_currency_are_refused(
    client: TestClient, db: Database, world: World
) -> None:
    headers = world.admin.headers
    before = everything(db)
    for field in ("max_discount", "min_spend"):
        answer = client.post(
            f"{API}/vouchers", json=voucher(**{field: 100_000_001}), headers=headers
        )
        assert refused(answer, 422, "amount_too_large")["field"] == field
    assert everything(db) == before
    answer = client.post(f"{API}/vouchers", json=voucher(currency="XXX"), headers=headers)
    invalid_request(answer, "currency")
    ok(client.post(f"{API}/vouchers", json=voucher(max_discount=100_000_000), headers=headers), 201)


def test_a_voucher_code_taken_is_a_conflict(client: TestClient, db: Database, world: World) -> None:
    ok(client.post(f"{API}/vouchers", json=voucher(), headers=world.admin.headers), 201)
    before = everything(db)
    again = client.post(f"{API}/vouchers", json=voucher(), headers=world.admin.headers)
    refused(again, 409, "voucher_exists")
    assert everything(db) == before


def test_a_buyer_needs_a_date_of_birth_written_as_a_date(client: TestClient, world: World) -> None:
    body = {"email": "b2@test.dev", "name": "B", "role": "buyer", "date_of_birth": 946684800}
    invalid_request(
        client.post(f"{API}/users", json=body, headers=world.admin.headers), "date_of_birth"
    )
    body["date_of_birth"] = "2000-01-01"
    ok(client.post(f"{API}/users", json=body, headers=world.admin.headers), 201)


# --- datetimes: years 2000 to 2100 as written -----------------------------------------------------


@pytest.mark.parametrize(
    ("expires_at", "status"),
    [
        ("1999-12-31T23:59:59Z", 422),
        ("2000-01-01T00:00:00+14:00", 201),
        ("2100-12-31T23:59:59-14:00", 201),
        ("2101-01-01T00:00:00Z", 422),
    ],
)
def test_datetimes_are_taken_between_the_years_2000_and_2100(
    client: TestClient, world: World, expires_at: str, status: int
) -> None:
    body = {"name": "edge", "expires_at": expires_at}
    answer = client.post(f"{API}/tokens", json=body, headers=world.admin.headers)
    assert answer.status_code == status, answer.text
    if status == 422:
        invalid_request(answer, "expires_at", "datetime_out_of_range")


# --- text: free text keeps its line breaks ------------------------------------------------------


def test_free_text_may_hold_line_breaks_and_tabs_but_a_title_may_not(
    client: TestClient, world: World
) -> None:
    path = f"{API}/shops/{world.shop_a.id}/products"
    headers = world.seller_a.headers
    text = "Two lines:\n\tindented\r\nand more"
    created = ok(client.post(path, json=product(description=text), headers=headers), 201)
    assert created["description"] == text
    answer = client.post(path, json=product(title="Mug\nRed"), headers=headers)
    invalid_request(answer, "title", "string_pattern_mismatch")


# --- list filters and time windows (issue 12) ---------------------------------------------------


def test_the_returns_list_takes_known_statuses_only(client: TestClient, world: World) -> None:
    answer = client.get(
        f"{API}/returns",
        params={"return_status": "AWAITING_BUYER_SHIP"},
        headers=world.buyer.headers,
    )
    assert ok(answer) == {"items": [], "next_cursor": None}
    answer = client.get(
        f"{API}/returns", params={"return_status": "NOPE"}, headers=world.buyer.headers
    )
    invalid_request(answer, "query.return_status", "enum")


@pytest.mark.parametrize("end", [-1, 0], ids=["before", "equal"])
def test_a_window_must_end_after_it_starts(
    client: TestClient, db: Database, world: World, end: int
) -> None:
    starts = utcnow() + timedelta(days=1)
    window = {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=end)).isoformat(),
    }
    before = everything(db)
    answer = client.post(f"{API}/vouchers", json=voucher(**window), headers=world.admin.headers)
    refused(answer, 422, "invalid_window")
    answer = client.post(
        f"{API}/skus/{world.shop_a.sku_id}/discounts",
        json={"discount_amount": 100, **window},
        headers=world.seller_a.headers,
    )
    refused(answer, 422, "invalid_window")
    assert everything(db) == before
