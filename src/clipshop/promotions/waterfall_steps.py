"""The seller steps on priced units, without the database: bundles, then the shop coupon.

Rounding (written once here): a percentage of an amount is floored to the minor unit, and
one discount spread over several units is allocated by largest remainder (``core.money
.allocate``) in proportion to their prices, so the shares sum exactly and no share exceeds
its unit's price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from clipshop.core.money import allocate
from clipshop.promotions.coupon_errors import CouponNotEligible
from clipshop.promotions.lines import Cut, Kind, PricedUnit


@dataclass(frozen=True)
class BundleRule:
    """A bundle as the step applies it: ``tiers`` ((min_quantity, percent_off), ...) for a
    TIERS bundle; ``buy`` and ``free`` for BUY_X_GET_Y."""

    id: int
    product_ids: frozenset[int]
    tiers: tuple[tuple[int, int], ...] = ()
    buy: int = 0
    free: int = 0

    @classmethod
    def of(
        cls,
        bundle_id: int,
        product_ids: Iterable[int | str],
        tiers: Iterable[Mapping[str, int | str]],
        buy: int | None,
        free: int | None,
    ) -> BundleRule:
        """The rule of a bundle row (its JSON product ids and tiers)."""
        return cls(
            id=bundle_id,
            product_ids=frozenset(int(p) for p in product_ids),
            tiers=tuple((int(t["min_quantity"]), int(t["percent_off"])) for t in tiers),
            buy=buy or 0,
            free=free or 0,
        )

    def cuts(self, prices: list[int]) -> list[int]:
        """The cut of each of these units (prices) bought together in this bundle."""
        if self.buy and self.free:
            free_count = len(prices) // (self.buy + self.free) * self.free
            cheapest = sorted(range(len(prices)), key=lambda i: (prices[i], i))[:free_count]
            return [prices[i] if i in cheapest else 0 for i in range(len(prices))]
        reached = [pct for min_quantity, pct in self.tiers if len(prices) >= min_quantity]
        if not reached:
            return [0] * len(prices)
        return allocate(percent_of(sum(prices), max(reached)), prices)


@dataclass(frozen=True)
class CouponRule:
    """A shop coupon as the step applies it: ``amount_off`` or ``percent_off`` (capped by
    ``max_discount``), from ``min_spend`` (products after bundles)."""

    id: int
    code: str
    amount_off: int | None = None
    percent_off: int | None = None
    max_discount: int | None = None
    min_spend: int = 0

    def discount(self, sub_total: int) -> int:
        if self.amount_off is not None:
            return min(self.amount_off, sub_total)
        cut = percent_of(sub_total, self.percent_off or 0)
        return cut if self.max_discount is None else min(cut, self.max_discount)


def percent_of(amount: int, percent: int) -> int:
    """``percent`` % of ``amount`` minor units, floored."""
    return amount * percent // 100


def bundle_eligible(unit: PricedUnit) -> bool:
    """Units at a flash-deal price take no bundle; a unit takes one bundle at most."""
    return not unit.has(Kind.FLASH_DEAL) and not unit.has(Kind.BUNDLE)


def apply_bundles(units: list[PricedUnit], rules: list[BundleRule]) -> None:
    """Take bundle cuts off ``units`` in place: repeatedly the bundle that cuts most off the
    units still free (ties: the first rule), over all of its units, until none cuts more."""
    taken: set[int] = set()
    while True:
        best: tuple[int, BundleRule, list[int], list[int]] | None = None
        for rule in rules:
            members = [
                i
                for i, unit in enumerate(units)
                if i not in taken and unit.product_id in rule.product_ids and bundle_eligible(unit)
            ]
            if not members:
                continue
            cuts = rule.cuts([units[i].price for i in members])
            total = sum(cuts)
            if total > 0 and (best is None or total > best[0]):
                best = (total, rule, members, cuts)
        if best is None:
            return
        _, rule, members, cuts = best
        for i, amount in zip(members, cuts, strict=True):
            units[i].take(Cut(Kind.BUNDLE, amount, rule.id))
        taken.update(members)


def apply_coupon(units: list[PricedUnit], rule: CouponRule) -> int:
    """Take the coupon's cut off ``units`` in place (allocated by price); the amount taken.
    ``CouponNotEligible`` when their prices (after bundles) stay below the minimum spend."""
    prices = [unit.price for unit in units]
    sub_total = sum(prices)
    if sub_total < rule.min_spend:
        raise CouponNotEligible(
            f"coupon {rule.code} needs a minimum spend of {rule.min_spend}; "
            f"this order's products come to {sub_total}",
            coupon_code=rule.code,
            min_spend=rule.min_spend,
        )
    discount = rule.discount(sub_total)
    for unit, share in zip(units, allocate(discount, prices), strict=True):
        unit.take(Cut(Kind.COUPON, share, rule.id))
    return discount
