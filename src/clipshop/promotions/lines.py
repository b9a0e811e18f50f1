"""One unit of a quote as the promotion steps see it: its price and the cuts taken off it.

Every cut names its promotion (None: a plain SKU discount of ``sku_discounts``), its kind and
who funds it. The quote's line item shows ``seller_discount`` and ``platform_discount``, the
sums of the cuts by funder (docs/promotions.md, "Stacking").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    SKU_DISCOUNT = "SKU_DISCOUNT"  # sku_discounts: a plain time-windowed cut
    PRODUCT_DISCOUNT = "PRODUCT_DISCOUNT"
    LIVE_PRICE = "LIVE_PRICE"
    FLASH_DEAL = "FLASH_DEAL"
    BUNDLE = "BUNDLE"
    COUPON = "COUPON"
    VOUCHER = "VOUCHER"  # the platform's voucher


class Funder(StrEnum):
    SELLER = "SELLER"
    PLATFORM = "PLATFORM"


@dataclass(frozen=True)
class Cut:
    kind: Kind
    amount: int
    promotion_id: int | None
    funded_by: Funder = Funder.SELLER


@dataclass
class PricedUnit:
    shop_id: int
    sku_id: int
    product_id: int
    original_price: int
    cuts: list[Cut] = field(default_factory=list)

    @property
    def seller_discount(self) -> int:
        return sum(c.amount for c in self.cuts if c.funded_by is Funder.SELLER)

    @property
    def platform_discount(self) -> int:
        return sum(c.amount for c in self.cuts if c.funded_by is Funder.PLATFORM)

    @property
    def price(self) -> int:
        """The price after the cuts taken so far."""
        return self.original_price - self.seller_discount - self.platform_discount

    def has(self, kind: Kind) -> bool:
        return any(c.kind is kind for c in self.cuts)

    def take(self, cut: Cut) -> None:
        """Take ``cut`` off this unit: never below zero (ValueError)."""
        if cut.amount < 0 or cut.amount > self.price:
            raise ValueError(f"a cut of {cut.amount} does not fit a price of {self.price}")
        if cut.amount:
            self.cuts.append(cut)


@dataclass(frozen=True)
class Claim:
    """A promotion's limited quantity that a checkout takes when its orders are written:
    flash-deal units, a coupon use. ``sku_id``: the SKU whose units took it (deals)."""

    kind: Kind
    promotion_id: int
    shop_id: int
    quantity: int
    sku_id: int | None = None
