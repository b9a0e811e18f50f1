"""Boundary schemas of the price-level promotions (docs/deals.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from clipshop.core.schemas import (
    COUNT_MAX,
    IdStr,
    Line,
    MinorUnits,
    RequestModel,
    ResponseModel,
    When,
)

Title = Annotated[Line, StringConstraints(max_length=200)]


class PromotionIn(RequestModel):
    kind: Literal["PRODUCT_DISCOUNT", "FLASH_DEAL"]
    sku_id: IdStr
    title: Title = ""
    percent_off: int | None = Field(None, ge=1, le=99, description="Or deal_price")
    deal_price: MinorUnits | None = Field(None, description="The unit price during the deal")
    starts_at: When
    ends_at: When
    live_session_id: IdStr | None = Field(
        None, description="Live-only: applies only while this session is LIVE, to its orders"
    )
    quantity: int | None = Field(None, ge=1, le=COUNT_MAX, description="Flash deals: units")
    per_buyer_limit: int | None = Field(None, ge=1, le=COUNT_MAX)
    on_sold_out: Literal["FALLBACK", "REFUSE"] = Field(
        "FALLBACK",
        description="When the units quoted are gone at checkout: the normal price, or 409",
    )


class PromotionUpdate(RequestModel):
    title: Title | None = None
    percent_off: int | None = Field(None, ge=1, le=99)
    deal_price: MinorUnits | None = None
    starts_at: When | None = None
    ends_at: When | None = None
    quantity: int | None = Field(None, ge=1, le=COUNT_MAX)
    per_buyer_limit: int | None = Field(None, ge=1, le=COUNT_MAX)
    on_sold_out: Literal["FALLBACK", "REFUSE"] | None = None


class PromotionOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    sku_id: IdStr
    kind: str
    title: str
    percent_off: int | None
    deal_price: int | None
    starts_at: datetime
    ends_at: datetime
    live_session_id: IdStr | None
    quantity: int | None
    sold: int
    per_buyer_limit: int | None
    on_sold_out: str
    active: bool


class LiveDealOut(ResponseModel):
    """A SKU's flash deal now, for the buyer's product page."""

    promotion_id: IdStr
    sku_id: IdStr
    deal_price: int
    original_price: int
    currency: str
    remaining_quantity: int
    per_buyer_limit: int | None
    live_session_id: IdStr | None
    ends_at: datetime
