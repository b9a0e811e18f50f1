"""The seller steps on priced units (``promotions.waterfall_steps``): bundles, then the shop
coupon, with exact cuts and funders (docs/promotions.md, "Stacking")."""

from __future__ import annotations

import pytest

from clipshop.promotions.coupon_errors import CouponNotEligible
from clipshop.promotions.lines import Cut, Funder, Kind, PricedUnit
from clipshop.promotions.waterfall_steps import (
    BundleRule,
    CouponRule,
    apply_bundles,
    apply_coupon,
)

TIERS = BundleRule(id=1, product_ids=frozenset({10, 11}), tiers=((2, 10), (3, 15)))
B2G1 = BundleRule(id=2, product_ids=frozenset({10, 12}), buy=2, free=1)


def units(*specs: tuple[int, int]) -> list[PricedUnit]:
    """(product_id, price) per unit."""
    return [PricedUnit(1, 100 + p, p, price) for p, price in specs]


def cuts(unit: PricedUnit, kind: Kind) -> list[int]:
    return [c.amount for c in unit.cuts if c.kind is kind]


def test_best_tier_reached_by_the_count_of_units() -> None:
    two = units((10, 1000), (11, 1000))
    apply_bundles(two, [TIERS])
    assert [cuts(u, Kind.BUNDLE) for u in two] == [[100], [100]]
    three = units((10, 1000), (11, 1000), (11, 1001))
    apply_bundles(three, [TIERS])
    # 15% of 3001 = 450 (floored), allocated by price: 150 + 150 + 150
    assert sum(sum(cuts(u, Kind.BUNDLE)) for u in three) == 450
    assert [u.price for u in three] == [850, 850, 851]


def test_one_unit_reaches_no_tier() -> None:
    one = units((10, 1000))
    apply_bundles(one, [TIERS])
    assert one[0].cuts == []


def test_buy_two_get_one_free_gives_the_cheapest_units() -> None:
    six = units((10, 500), (12, 300), (10, 900), (12, 100), (10, 700), (12, 200))
    apply_bundles(six, [B2G1])
    assert [u.price for u in six] == [500, 300, 900, 0, 700, 0]
    five = units((10, 500), (12, 300), (10, 900), (12, 100), (10, 700))
    apply_bundles(five, [B2G1])
    assert [u.price for u in five] == [500, 300, 900, 0, 700]


def test_flash_deal_units_take_no_bundle() -> None:
    two = units((10, 1000), (11, 1000))
    two[0].take(Cut(Kind.FLASH_DEAL, 300, 77))
    apply_bundles(two, [TIERS])
    assert two[0].cuts == [Cut(Kind.FLASH_DEAL, 300, 77)]
    assert two[1].cuts == []  # alone it reaches no tier


def test_each_unit_in_one_bundle_the_one_that_cuts_most() -> None:
    # product 10 is in both bundles: TIERS cuts 10% of 10 and 11 (200), B2G1 over 10 and 12
    # (two units) cuts nothing; after TIERS took 10, B2G1 has one unit left: no cut
    mixed = units((10, 1000), (11, 1000), (12, 1000))
    apply_bundles(mixed, [TIERS, B2G1])
    assert [cuts(u, Kind.BUNDLE) for u in mixed] == [[100], [100], []]
    richer = units((10, 1000), (10, 1000), (12, 900))
    apply_bundles(richer, [TIERS, B2G1])  # B2G1: 900 free > TIERS: 200
    assert [u.price for u in richer] == [1000, 1000, 0]
    assert all(len(cuts(u, Kind.BUNDLE)) <= 1 for u in richer)


def test_coupon_amount_allocated_by_largest_remainder() -> None:
    three = units((10, 100), (11, 100), (12, 100))
    taken = apply_coupon(three, CouponRule(id=5, code="TEN", amount_off=100))
    assert taken == 100
    assert [cuts(u, Kind.COUPON) for u in three] == [[34], [33], [33]]
    assert all(c.funded_by is Funder.SELLER for u in three for c in u.cuts)


def test_coupon_never_more_than_the_prices() -> None:
    two = units((10, 30), (11, 20))
    assert apply_coupon(two, CouponRule(id=5, code="BIG", amount_off=10_000)) == 50
    assert [u.price for u in two] == [0, 0]


def test_percent_coupon_capped_and_floored() -> None:
    one = units((10, 999))
    assert apply_coupon(one, CouponRule(id=5, code="P", percent_off=15)) == 149
    capped = units((10, 10_000))
    rule = CouponRule(id=5, code="P", percent_off=50, max_discount=700)
    assert apply_coupon(capped, rule) == 700


def test_coupon_minimum_spend_counts_prices_after_bundles() -> None:
    two = units((10, 1000), (11, 1000))
    apply_bundles(two, [TIERS])  # 1800 left
    rule = CouponRule(id=5, code="MIN", amount_off=100, min_spend=1900)
    with pytest.raises(CouponNotEligible):
        apply_coupon(two, rule)
    assert [u.price for u in two] == [900, 900]  # nothing taken
    assert apply_coupon(two, CouponRule(id=5, code="MIN", amount_off=100, min_spend=1800)) == 100
