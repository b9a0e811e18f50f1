"""Errors of the price-level promotions (product discounts, live prices, flash deals)."""

from clipshop.core.errors import Conflict, InvalidInput, NotFound


class PromotionNotFound(NotFound):
    code = "promotion_not_found"


class InvalidPromotion(InvalidInput):
    code = "invalid_promotion"


class LiveSessionNotLive(Conflict):
    code = "live_session_not_live"


class FlashDealSoldOut(Conflict):
    """A flash deal (configured to refuse) lost its units or the buyer's limit between the
    quote and the checkout's take."""

    code = "flash_deal_sold_out"
