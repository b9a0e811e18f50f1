"""Boundary schemas of shop coupons, the buyer's coupon wallet, bundles and free-shipping
promotions. Amounts are minor units of the shop's currency."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from clipshop.core.money import MINOR_CEILING
from clipshop.core.schemas import IdStr, MinorUnits, Name, RequestModel, ResponseModel, When

CouponCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{3,40}$")]
Limit = Annotated[int, Field(ge=1, le=10_000_000)]
Percent = Annotated[int, Field(ge=1, le=100)]
PositiveMinor = Annotated[int, Field(gt=0, le=MINOR_CEILING)]


class CouponIn(RequestModel):
    code: CouponCode
    title: Name
    kind: Literal["AMOUNT", "PERCENT"]
    amount_off: PositiveMinor | None = Field(None, description="AMOUNT: minor units off")
    percent_off: Percent | None = Field(None, description="PERCENT: percent off")
    max_discount: PositiveMinor | None = Field(None, description="PERCENT: the cap")
    min_spend: MinorUnits = 0
    min_completed_orders: int = Field(
        0, ge=0, le=10_000, description="> 0: a loyalty coupon for buyers with that many"
    )
    starts_at: When
    ends_at: When
    total_limit: Limit
    per_buyer_limit: Limit = 1

    @model_validator(mode="after")
    def _kind(self) -> CouponIn:
        if self.kind == "AMOUNT" and (self.amount_off is None or self.percent_off is not None):
            raise ValueError("an AMOUNT coupon has amount_off and no percent_off")
        if self.kind == "PERCENT" and (self.percent_off is None or self.amount_off is not None):
            raise ValueError("a PERCENT coupon has percent_off and no amount_off")
        if self.kind == "AMOUNT" and self.max_discount is not None:
            raise ValueError("max_discount caps a PERCENT coupon only")
        return self


class CouponUpdate(RequestModel):
    title: Name | None = None
    min_spend: MinorUnits | None = None
    max_discount: PositiveMinor | None = None
    min_completed_orders: int | None = Field(None, ge=0, le=10_000)
    starts_at: When | None = None
    ends_at: When | None = None
    total_limit: Limit | None = None
    per_buyer_limit: Limit | None = None


class CouponOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    code: str
    title: str
    kind: str
    amount_off: int | None
    percent_off: int | None
    max_discount: int | None
    min_spend: int
    min_completed_orders: int
    starts_at: datetime
    ends_at: datetime
    total_limit: int
    per_buyer_limit: int
    uses: int
    active: bool


class CouponClaimIn(RequestModel):
    shop_id: IdStr
    code: CouponCode


class WalletCouponOut(ResponseModel):
    coupon: CouponOut
    claimed_at: datetime | None
    uses: int = Field(description="this buyer's orders that used it")


class Tier(RequestModel):
    min_quantity: int = Field(ge=2, le=1000)
    percent_off: Percent


class BundleIn(RequestModel):
    title: Name
    kind: Literal["TIERS", "BUY_X_GET_Y"]
    product_ids: list[IdStr] = Field(min_length=1, max_length=500)
    tiers: list[Tier] = Field(default_factory=list, max_length=10)
    buy_quantity: int | None = Field(None, ge=1, le=100)
    free_quantity: int | None = Field(None, ge=1, le=100)
    starts_at: When
    ends_at: When

    @model_validator(mode="after")
    def _kind(self) -> BundleIn:
        if self.kind == "TIERS" and (not self.tiers or self.buy_quantity or self.free_quantity):
            raise ValueError("a TIERS bundle has tiers and no buy/free quantities")
        if self.kind == "BUY_X_GET_Y" and (
            self.tiers or not self.buy_quantity or not self.free_quantity
        ):
            raise ValueError("a BUY_X_GET_Y bundle has buy_quantity and free_quantity, no tiers")
        return self


class BundleUpdate(RequestModel):
    title: Name | None = None
    product_ids: list[IdStr] | None = Field(None, min_length=1, max_length=500)
    starts_at: When | None = None
    ends_at: When | None = None


class BundleOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    title: str
    kind: str
    product_ids: list[IdStr]
    tiers: list[dict[str, int]]
    buy_quantity: int | None
    free_quantity: int | None
    starts_at: datetime
    ends_at: datetime
    active: bool


class FreeShippingIn(RequestModel):
    threshold: MinorUnits = Field(description="products' sub-total from which shipping is free")
    starts_at: When
    ends_at: When


class FreeShippingUpdate(RequestModel):
    threshold: MinorUnits | None = None
    starts_at: When | None = None
    ends_at: When | None = None


class FreeShippingOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    threshold: int
    starts_at: datetime
    ends_at: datetime
    active: bool
