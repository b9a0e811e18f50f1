"""The price level of a quote's units: the lowest of the SKU discount, product discounts,
live prices and flash deals a buyer may have now (docs/deals.md, "Price level").

Pure: the offers are read by the quote's batch of reads (``pricing.rows.offers``), and this
module picks, per unit, the cut that leaves the lowest price. A flash deal prices only the
units within its remaining quantity and the buyer's remaining per-buyer limit; the units
beyond fall back to the next best price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from clipshop.promotions.lines import Claim, Cut, Kind, PricedUnit


@dataclass(frozen=True)
class Source:
    """Where a checkout comes from: a LIVE session, a VIDEO or a creator's SHOWCASE."""

    type: str
    id: int


@dataclass(frozen=True)
class Offer:
    """An active promotion of a SKU, as the quote reads it (with its live session's status and
    what this buyer already used of it)."""

    id: int
    shop_id: int
    sku_id: int
    kind: str  # PRODUCT_DISCOUNT or FLASH_DEAL
    percent_off: int | None
    deal_price: int | None
    quantity: int | None
    sold: int
    per_buyer_limit: int | None
    on_sold_out: str
    live_session_id: int | None
    live_status: str | None
    used: int
    ends_at: datetime

    @property
    def is_flash(self) -> bool:
        return self.kind == "FLASH_DEAL"

    @property
    def cut_kind(self) -> Kind:
        if self.is_flash:
            return Kind.FLASH_DEAL
        return Kind.LIVE_PRICE if self.live_session_id is not None else Kind.PRODUCT_DISCOUNT

    def applies(self, source: Source | None) -> bool:
        """Live-only: only while its session is LIVE and the checkout comes from it."""
        if self.live_session_id is None:
            return True
        live = source is not None and source.type == "LIVE" and source.id == self.live_session_id
        return live and self.live_status == "LIVE"

    def remaining(self) -> int:
        """Deal units this buyer may still have (flash deals; others: no bound)."""
        if not self.is_flash or self.quantity is None:
            return 1 << 62
        left = self.quantity - self.sold
        if self.per_buyer_limit is not None:
            left = min(left, self.per_buyer_limit - self.used)
        return max(left, 0)

    def amount_off(self, price: int) -> int:
        """The cut off ``price``: down to the deal price, or ``percent_off`` of it (rounded
        down: the buyer never pays less than the percent says); never below zero."""
        if self.deal_price is not None:
            return max(price - self.deal_price, 0)
        return price * (self.percent_off or 0) // 100


def price_level(
    units: Sequence[PricedUnit],
    sku_discounts: dict[int, int],
    offers: Sequence[Offer],
    source: Source | None,
) -> list[Claim]:
    """Give every unit (no cuts yet) its price-level cut, in place: the largest of its SKU
    discount and the offers that apply; returns the flash-deal claims (units per deal)."""
    by_sku: dict[int, list[Offer]] = {}
    for offer in offers:
        if offer.applies(source):
            by_sku.setdefault(offer.sku_id, []).append(offer)
    left = {o.id: o.remaining() for o in offers}
    taken: dict[int, int] = {}
    for unit in units:
        best = Cut(Kind.SKU_DISCOUNT, min(sku_discounts.get(unit.sku_id, 0), unit.price), None)
        chosen: Offer | None = None
        for offer in by_sku.get(unit.sku_id, ()):
            amount = offer.amount_off(unit.original_price)
            if left[offer.id] > 0 and amount > best.amount:  # a tie keeps the first
                best, chosen = Cut(offer.cut_kind, amount, offer.id), offer
        unit.take(best)
        if chosen is not None and chosen.is_flash:
            left[chosen.id] -= 1
            taken[chosen.id] = taken.get(chosen.id, 0) + 1
    shops = {o.id: (o.shop_id, o.sku_id) for o in offers}
    return [
        Claim(Kind.FLASH_DEAL, deal_id, shops[deal_id][0], n, shops[deal_id][1])
        for deal_id, n in sorted(taken.items())
    ]
