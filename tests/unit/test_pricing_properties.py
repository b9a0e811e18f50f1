"""Properties of the checkout price waterfall (``clipshop.pricing.quotes.quote``).

For random shops, SKU prices, quantities, seller discounts, a platform voucher (percent, cap,
minimum spend) and a destination tax rate, in JPY (0 decimals), USD (2) and KWD (3), the quote
satisfies exactly, with every expected amount computed here with exact fractions:

* per line: sale_price = original - seller_discount - platform_discount >= 0, where the seller
  discount is the best one running now (never more than the price);
* the voucher discount is min(cap, floor(percent of the spend after seller discounts)), its
  per-line allocations sum to it exactly and each is within one minor unit of its exact share;
* tax per line = round-half-up(sale_price * rate / 100);
* per order: sub_total = sum of lines = original - seller_discount - platform_discount,
  total = sub_total + shipping_fee + tax; the checkout's total is the sum of its orders.

Every example builds its catalogue through the services in one transaction that is rolled
back afterwards, on SQLite (the waterfall has no backend-specific SQL).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from math import floor

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from clipshop.catalog import products, shops
from clipshop.catalog.schemas import ProductCreate, SkuCreate
from clipshop.checkout import config
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.money import Money, exponent, max_minor
from clipshop.identity.principal import Principal, Role
from clipshop.pricing import quotes
from clipshop.pricing.errors import UnknownVoucher
from tests.conftest import make_actor

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

CURRENCIES = ["JPY", "USD", "KWD"]
STATE = "IL"
EXAMPLES = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class SkuSpec:
    price: int  # minor units
    quantity: int
    discounts: tuple[int, ...]  # running seller discounts (the best applies)
    expired_discount: int | None  # one that ended an hour ago: must be ignored
    weight_grams: int


@dataclass(frozen=True)
class VoucherSpec:
    percent_off: int
    max_discount: int
    min_spend: int


@dataclass(frozen=True)
class Case:
    currency: str
    shops: tuple[tuple[SkuSpec, ...], ...]
    voucher: VoucherSpec
    rate: str  # decimal percent string, as the tax-rate API takes it
    rate_scope: str  # "state", "country" (state "*") or "both" (the state's rate wins)


@st.composite
def sku_specs(draw: st.DrawFn, currency: str) -> SkuSpec:
    unit = 10 ** exponent(currency)
    price = draw(
        st.one_of(
            st.integers(1, 1_000 * unit),  # anything up to a thousand units of the currency
            st.integers(1, 20),  # tiny prices: rounding and allocation edges
        )
    )
    discounts = draw(st.lists(st.integers(1, price), max_size=2))
    expired = draw(st.none() | st.integers(1, price))
    return SkuSpec(
        price=price,
        quantity=draw(st.integers(1, 4)),
        discounts=tuple(discounts),
        expired_discount=expired,
        weight_grams=draw(st.integers(0, 1500)),
    )


# Rates whose products with small prices often land exactly on .5 (where rounding modes differ).
TIE_PRONE_RATES = ["0", "2.5", "5", "10", "12.5", "25", "50", "7.125", "8.25"]


@st.composite
def tax_rates(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.sampled_from(TIE_PRONE_RATES))
    whole = draw(st.integers(0, 25))
    decimals = draw(st.integers(0, 4))
    if decimals == 0:
        return str(whole)
    return f"{whole}.{draw(st.integers(0, 10**decimals - 1)):0{decimals}d}"


@st.composite
def cases(draw: st.DrawFn, currency: str) -> Case:
    shop_specs = draw(
        st.lists(st.lists(sku_specs(currency), min_size=1, max_size=3), min_size=1, max_size=3)
    )
    unit = 10 ** exponent(currency)
    vouchers = st.builds(
        VoucherSpec,
        percent_off=st.integers(1, 100),
        max_discount=st.integers(0, 10) | st.integers(0, 500 * unit) | st.just(max_minor(currency)),
        min_spend=st.just(0) | st.integers(0, 2_000 * unit),
    )
    voucher = draw(vouchers)
    return Case(
        currency=currency,
        shops=tuple(tuple(skus) for skus in shop_specs),
        voucher=voucher,
        rate=draw(tax_rates()),
        rate_scope=draw(st.sampled_from(["state", "country", "both"])),
    )


# -- building one example's world, then throwing it away ------------------------------------


@contextmanager
def rolled_back(db: Database) -> Iterator[Session]:
    with db.engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@dataclass(frozen=True)
class Staff:
    admin: Principal
    seller_id: int  # owns every shop of the examples


@dataclass(frozen=True)
class Built:
    items: dict[int, int]  # sku id -> quantity
    spec_of: dict[int, SkuSpec]
    shop_of: dict[int, int]  # sku id -> shop id


def build(session: Session, staff: Staff, case: Case) -> Built:
    admin = staff.admin
    now = utcnow()
    items: dict[int, int] = {}
    spec_of: dict[int, SkuSpec] = {}
    shop_of: dict[int, int] = {}
    for s, skus in enumerate(case.shops):
        shop = shops.create_shop(
            session,
            admin,
            name=f"Shop{s}",
            region="US",
            currency=case.currency,
            shop_type="LOCAL",
            owner_user_id=staff.seller_id,
        )
        _, created = products.create_product(
            session,
            admin,
            shop.id,
            ProductCreate(
                title=f"Shop{s} goods",
                skus=[
                    SkuCreate(
                        seller_sku=f"S{s}-{k}",
                        name=f"Item {k}",
                        price=Money(spec.price, case.currency).to_decimal_string(),
                        weight_grams=spec.weight_grams,
                    )
                    for k, spec in enumerate(skus)
                ],
            ),
        )
        for sku, spec in zip(created, skus, strict=True):
            assert sku.price == spec.price  # the decimal string round-trips to minor units
            for amount in spec.discounts:
                config.add_sku_discount(
                    session, admin, sku.id, amount, now - timedelta(days=1), now + timedelta(days=1)
                )
            if spec.expired_discount is not None:
                config.add_sku_discount(
                    session,
                    admin,
                    sku.id,
                    spec.expired_discount,
                    now - timedelta(days=2),
                    now - timedelta(hours=1),
                )
            items[sku.id] = spec.quantity
            spec_of[sku.id] = spec
            shop_of[sku.id] = shop.id
    config.add_voucher(
        session,
        admin,
        {
            "code": "PROP",
            "currency": case.currency,
            "percent_off": case.voucher.percent_off,
            "max_discount": case.voucher.max_discount,
            "min_spend": case.voucher.min_spend,
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=1),
        },
    )
    if case.rate_scope in ("state", "both"):
        config.put_tax_rate(session, admin, "US", STATE, case.rate)
    if case.rate_scope == "country":
        config.put_tax_rate(session, admin, "US", "*", case.rate)
    if case.rate_scope == "both":
        other = "9.99" if case.rate != "9.99" else "1"
        config.put_tax_rate(session, admin, "US", "*", other)
    session.flush()
    return Built(items, spec_of, shop_of)


# -- the expected waterfall, computed independently ------------------------------------------


def round_half_up(value: Fraction) -> int:
    assert value >= 0
    return floor(value + Fraction(1, 2))


def check_quote(case: Case, built: Built, quote: quotes.Quote, with_voucher: bool) -> None:
    rate = Fraction(case.rate)
    assert quote.currency == case.currency
    assert quote.voucher_code == ("PROP" if with_voucher else None)

    # One order per shop, in shop id order; every unit of every SKU, in its own shop.
    assert [s.shop.id for s in quote.shops] == sorted(set(built.shop_of.values()))
    units = [u for s in quote.shops for u in s.units]
    assert Counter(u.sku.id for u in units) == Counter(built.items)
    for shop_quote in quote.shops:
        assert {built.shop_of[u.sku.id] for u in shop_quote.units} == {shop_quote.shop.id}

    # Seller discounts: the best running one, capped at the price.
    for u in units:
        spec = built.spec_of[u.sku.id]
        assert u.original_price == spec.price
        assert u.seller_discount == min(max(spec.discounts, default=0), spec.price)

    # The voucher: floor(percent of the spend), capped; allocated exactly, proportionally.
    base = [u.original_price - u.seller_discount for u in units]
    voucher = case.voucher if with_voucher else None
    expected_voucher = (
        0
        if voucher is None
        else min(voucher.max_discount, floor(Fraction(sum(base) * voucher.percent_off, 100)))
    )
    shares = [u.platform_discount for u in units]
    assert sum(shares) == expected_voucher
    for share, weight in zip(shares, base, strict=True):
        assert share >= 0
        exact = Fraction(expected_voucher * weight, sum(base)) if sum(base) else Fraction(0)
        assert abs(share - exact) < 1, (share, exact)

    # Per line.
    for u in units:
        assert u.sale_price == u.original_price - u.seller_discount - u.platform_discount
        assert u.sale_price >= 0
        assert u.tax == round_half_up(u.sale_price * rate / 100)

    # Per order, and the checkout.
    for s in quote.shops:
        assert s.sub_total == sum(u.sale_price for u in s.units)
        assert (
            s.sub_total == s.original_total_product_price - s.seller_discount - s.platform_discount
        )
        assert s.original_total_product_price == sum(u.original_price for u in s.units)
        assert s.seller_discount == sum(u.seller_discount for u in s.units)
        assert s.platform_discount == sum(u.platform_discount for u in s.units)
        assert s.tax == sum(u.tax for u in s.units)
        assert s.selected.fee == s.selected.original_fee - s.selected.seller_discount >= 0
        assert s.selected.fee == min(o.fee for o in s.options)  # the cheapest by default
        assert s.total_amount == s.sub_total + s.selected.fee + s.tax
    assert quote.total_amount == sum(s.total_amount for s in quote.shops)


@pytest.fixture
def staff(db: Database) -> Staff:
    admin = make_actor(db, Role.ADMIN, "admin@test.dev").principal
    return Staff(admin, make_actor(db, Role.SELLER, "seller@test.dev").id)


DESTINATION = quotes.Destination("US", STATE, "62702")


@pytest.mark.parametrize("currency", CURRENCIES)
@EXAMPLES
@given(data=st.data())
def test_quote_waterfall_holds_exactly(
    db: Database, staff: Staff, currency: str, data: st.DataObject
) -> None:
    """The same catalogue is quoted without, then with, the voucher."""
    case = data.draw(cases(currency), label="case")
    with rolled_back(db) as session:
        built = build(session, staff, case)
        check_quote(case, built, quotes.quote(session, built.items, DESTINATION), False)
        spend = sum(
            (spec.price - min(max(spec.discounts, default=0), spec.price)) * spec.quantity
            for spec in built.spec_of.values()
        )
        if spend < case.voucher.min_spend:
            event("voucher refused: below its minimum spend")
            with pytest.raises(UnknownVoucher):
                quotes.quote(session, built.items, DESTINATION, voucher_code="PROP")
            return
        quote = quotes.quote(session, built.items, DESTINATION, voucher_code="PROP")
        discount = sum(u.platform_discount for s in quote.shops for u in s.units)
        event(
            "voucher at its cap"
            if discount == case.voucher.max_discount
            else "voucher below its cap"
        )
        event(f"{len(quote.shops)} shop order(s)")
        check_quote(case, built, quote, True)


@pytest.mark.parametrize("currency", CURRENCIES)
@pytest.mark.parametrize(
    ("price", "rate", "tax"),
    [(1, "50", 1), (5, "50", 3), (5, "10", 1), (15, "10", 2), (25, "10", 3), (4, "12.5", 1)],
)
def test_tax_ties_round_half_up(
    db: Database, staff: Staff, currency: str, price: int, rate: str, tax: int
) -> None:
    """Exact halves round up (0.5 -> 1, 2.5 -> 3), never to even, in every currency."""
    case = Case(
        currency=currency,
        shops=((SkuSpec(price, 2, (), None, 100),),),
        voucher=VoucherSpec(percent_off=1, max_discount=0, min_spend=0),
        rate=rate,
        rate_scope="state",
    )
    with rolled_back(db) as session:
        built = build(session, staff, case)
        quote = quotes.quote(session, built.items, DESTINATION)
        assert [u.tax for u in quote.shops[0].units] == [tax, tax]
        assert quote.shops[0].tax == 2 * tax
        check_quote(case, built, quote, False)
