"""The flash deal a buyer sees on a SKU now: its deal price, units left and its end, for the
product page and a live's page (``promotions.deals.live_deal``, the API's SKU deal read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from clipshop.core.errors import NotFound
from clipshop.promotions import deals


@dataclass(frozen=True)
class DealNow:
    deal_price: int
    remaining: int
    per_buyer_limit: int | None
    ends_at: datetime


def deals_now(
    session: Session, sku_ids: list[int], live_id: int | None = None
) -> dict[int, DealNow]:
    """Each SKU's running flash deal with units left; a live-only deal counts on its live's
    page only (elsewhere its price is not the buyer's)."""
    found: dict[int, DealNow] = {}
    for sku_id in sku_ids:
        try:
            deal, _sku, _shop = deals.live_deal(session, sku_id)
        except NotFound:
            continue
        if deal.live_session_id not in (None, live_id) or deal.deal_price is None:
            continue
        ends = deal.ends_at if deal.ends_at.tzinfo else deal.ends_at.replace(tzinfo=UTC)
        remaining = (deal.quantity or 0) - deal.sold
        found[sku_id] = DealNow(deal.deal_price, remaining, deal.per_buyer_limit, ends)
    return found
