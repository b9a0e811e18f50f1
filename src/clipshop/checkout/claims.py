"""What a checkout takes of its promotions when it writes its orders (docs/deals.md).

The flash deals' units and each buyer's per-deal use are taken by conditional statements
(``checkout.rows.take_deals``, one round trip); a deal lost since the quote either refuses the
checkout (409 ``flash_deal_sold_out``, the deal's ``on_sold_out`` REFUSE) or makes it price
again (FALLBACK: ``DealLost``, the caller rolls back and places again). The seller steps'
claims (shop coupons) go to ``promotions.waterfall.take``. Every order line priced by a
promotion gets a claim row (``promotion_claims``): what the give-back reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from clipshop.checkout import rows
from clipshop.pricing.quotes import Quote
from clipshop.promotions import waterfall
from clipshop.promotions.errors import FlashDealSoldOut
from clipshop.promotions.lines import Kind

PRICE_LEVEL = frozenset({Kind.PRODUCT_DISCOUNT, Kind.LIVE_PRICE, Kind.FLASH_DEAL})


class DealLost(Exception):
    """Flash deals (FALLBACK) whose units went between the quote and the take: roll back
    and place again, priced with what is left."""

    def __init__(self, deal_ids: list[int]) -> None:
        super().__init__(f"flash deals {deal_ids} sold out meanwhile")
        self.deal_ids = frozenset(deal_ids)


def take_deals(session: Session, quote: Quote, buyer_id: int) -> None:
    """Take every flash deal's units of the quote, in deal id order (one fixed lock order)."""
    wanted: dict[int, int] = {}
    for shop in quote.shops:
        for claim in shop.claims:
            if claim.kind is Kind.FLASH_DEAL:
                wanted[claim.promotion_id] = wanted.get(claim.promotion_id, 0) + claim.quantity
    if not wanted:
        return
    takes = [
        rows.DealTake(deal_id, buyer_id, n, quote.offers[deal_id].per_buyer_limit)
        for deal_id, n in sorted(wanted.items())
    ]
    lost = rows.take_deals(session, takes)
    if not lost:
        return
    refused = [d for d in lost if quote.offers[d].on_sold_out == "REFUSE"]
    if refused:
        raise FlashDealSoldOut(
            "the flash deal sold out (or reached your limit) before your checkout",
            promotion_id=str(refused[0]),
            sku_id=str(quote.offers[refused[0]].sku_id),
        )
    raise DealLost(lost)


def take_seller_claims(
    session: Session, quote: Quote, orders: list[tuple[int, list[int]]], buyer_id: int
) -> None:
    """The seller steps' claims (coupon uses), each with its shop's order."""
    for shop, (order_id, _) in zip(quote.shops, orders, strict=True):
        for claim in shop.claims:
            if claim.kind is not Kind.FLASH_DEAL:
                waterfall.take(session, claim, order_id, buyer_id)


def write_claims(
    session: Session, quote: Quote, orders: list[tuple[int, list[int]]], buyer_id: int
) -> None:
    """A claim row for every order line priced by a product discount, live price or deal."""
    claims: list[dict[str, Any]] = []
    for shop, (order_id, line_ids) in zip(quote.shops, orders, strict=True):
        for unit, line_id in zip(shop.units, line_ids, strict=True):
            claims += [
                {
                    "promotion_id": cut.promotion_id,
                    "kind": cut.kind.value,
                    "shop_id": shop.shop.id,
                    "buyer_id": buyer_id,
                    "order_id": order_id,
                    "line_item_id": line_id,
                    "amount": cut.amount,
                    "released_at": None,
                }
                for cut in unit.cuts
                if cut.kind in PRICE_LEVEL and cut.promotion_id is not None
            ]
    rows.insert_claims(session, claims)
