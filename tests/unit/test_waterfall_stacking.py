"""Every stacking combination of the waterfall's promotions on priced units, in JPY, USD and
KWD (0, 2 and 3 minor-unit digits), with Hypothesis (docs/promotions.md, "Stacking").

A shop order's units get a price-level cut or none (SKU discount, product discount, live
price, flash deal), then the seller steps (bundles: tiers or buy X get Y; the shop coupon:
amount or percent with a cap), then a platform voucher spread over the units as the quote
spreads it. Whatever is combined, exactly:

* no unit below 0, each unit's price = original - its seller cuts - its platform cuts;
* the order's seller_discount and platform_discount are the sums of the cuts by funder; the
  seller funds everything but the voucher;
* the coupon's cuts sum to its discount (min(amount, sub-total) or the floored, capped
  percent of the sub-total after bundles), each within one minor unit of its exact share;
* flash-deal units take no bundle; a unit takes one bundle and one coupon cut at most.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from clipshop.core.money import allocate, exponent
from clipshop.promotions.coupon_errors import CouponNotEligible
from clipshop.promotions.lines import Cut, Funder, Kind, PricedUnit
from clipshop.promotions.waterfall_steps import (
    BundleRule,
    CouponRule,
    apply_bundles,
    apply_coupon,
    percent_of,
)

PRICE_LEVEL = [None, Kind.SKU_DISCOUNT, Kind.PRODUCT_DISCOUNT, Kind.LIVE_PRICE, Kind.FLASH_DEAL]
PRODUCTS = [1, 2, 3]


@st.composite
def shop_orders(draw: st.DrawFn) -> tuple[str, list[PricedUnit]]:
    currency = draw(st.sampled_from(["JPY", "USD", "KWD"]))
    scale = 10 ** exponent(currency)
    out = []
    for _ in range(draw(st.integers(1, 8))):
        price = draw(st.integers(0, 5_000)) * scale + draw(st.integers(0, scale - 1))
        unit = PricedUnit(7, draw(st.integers(1, 4)), draw(st.sampled_from(PRODUCTS)), price)
        kind = draw(st.sampled_from(PRICE_LEVEL))
        if kind is not None:
            unit.take(Cut(kind, draw(st.integers(0, price)), None))
        out.append(unit)
    return currency, out


bundle_rules = st.lists(
    st.one_of(
        st.builds(
            lambda pid, products, tiers: BundleRule(pid, frozenset(products), tiers=tiers),
            st.integers(1, 99),
            st.sets(st.sampled_from(PRODUCTS), min_size=1),
            st.lists(st.tuples(st.integers(1, 5), st.integers(1, 100)), max_size=3).map(tuple),
        ),
        st.builds(
            lambda pid, products, buy, free: BundleRule(
                pid, frozenset(products), buy=buy, free=free
            ),
            st.integers(1, 99),
            st.sets(st.sampled_from(PRODUCTS), min_size=1),
            st.integers(1, 3),
            st.integers(1, 2),
        ),
    ),
    max_size=3,
)
coupons = st.one_of(
    st.none(),
    st.builds(
        lambda amount, spend: CouponRule(500, "AMT", amount_off=amount, min_spend=spend),
        st.integers(1, 10**7),
        st.integers(0, 10**6),
    ),
    st.builds(
        lambda pct, cap, spend: CouponRule(
            501, "PCT", percent_off=pct, max_discount=cap, min_spend=spend
        ),
        st.integers(1, 100),
        st.one_of(st.none(), st.integers(1, 10**7)),
        st.integers(0, 10**6),
    ),
)
vouchers = st.one_of(st.none(), st.tuples(st.integers(1, 100), st.integers(1, 10**7)))


def apply_voucher(units: list[PricedUnit], percent: int, cap: int) -> int:
    """The platform voucher as the quote applies it: percent of the prices after the seller's
    cuts, capped, allocated by largest remainder."""
    base = [u.price for u in units]
    discount = min(cap, percent_of(sum(base), percent))
    for unit, share in zip(units, allocate(discount, base), strict=True):
        unit.take(Cut(Kind.VOUCHER, share, None, Funder.PLATFORM))
    return discount


@settings(max_examples=400, deadline=None)
@given(shop_orders(), bundle_rules, coupons, vouchers)
def test_every_stacking_combination_sums_exactly(
    order: tuple[str, list[PricedUnit]],
    bundles: list[BundleRule],
    coupon: CouponRule | None,
    voucher: tuple[int, int] | None,
) -> None:
    _, units = order
    original = sum(u.original_price for u in units)
    flash = [u.has(Kind.FLASH_DEAL) for u in units]
    apply_bundles(units, bundles)
    after_bundles = [u.price for u in units]
    coupon_taken = 0
    if coupon is not None:
        sub_total = sum(after_bundles)
        try:
            coupon_taken = apply_coupon(units, coupon)
        except CouponNotEligible:
            assert sub_total < coupon.min_spend
            assert [u.price for u in units] == after_bundles  # nothing taken
        else:
            assert sub_total >= coupon.min_spend
            expected = (
                min(coupon.amount_off, sub_total)
                if coupon.amount_off is not None
                else min(
                    sub_total * (coupon.percent_off or 0) // 100,
                    coupon.max_discount if coupon.max_discount is not None else sub_total,
                )
            )
            assert coupon_taken == expected
            shares = [sum(c.amount for c in u.cuts if c.kind is Kind.COUPON) for u in units]
            assert sum(shares) == coupon_taken
            for share, base in zip(shares, after_bundles, strict=True):
                exact = Fraction(coupon_taken * base, sub_total) if sub_total else 0
                assert abs(share - exact) < 1
    voucher_taken = apply_voucher(units, *voucher) if voucher else 0

    seller = sum(u.seller_discount for u in units)
    platform = sum(u.platform_discount for u in units)
    for unit, was_flash in zip(units, flash, strict=True):
        assert unit.price >= 0
        assert unit.price == unit.original_price - unit.seller_discount - unit.platform_discount
        kinds = [c.kind for c in unit.cuts]
        assert kinds.count(Kind.BUNDLE) <= 1 and kinds.count(Kind.COUPON) <= 1
        if was_flash:
            assert Kind.BUNDLE not in kinds
        for cut in unit.cuts:
            assert cut.amount > 0
            assert (cut.funded_by is Funder.PLATFORM) == (cut.kind is Kind.VOUCHER)
    assert platform == voucher_taken
    assert seller == sum(c.amount for u in units for c in u.cuts if c.kind is not Kind.VOUCHER)
    assert sum(u.price for u in units) == original - seller - platform
