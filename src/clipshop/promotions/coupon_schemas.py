"""Boundary schemas of shop coupons, the buyer's coupon wallet, bundles and free-shipping
promotions. Amounts are minor units of the shop's currency."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from clipshop.core.money import MINOR_CEILING
from clipshop.core.schemas import IdStr, MinorUnits, Name, RequestModel, ResponseModel, When

CouponCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{3,40}$")]
Limit = Annotated[int, Field(ge=1, le=10_000_000)]
Percent = Annotated[int, Field(ge=1, le=100)]
PositiveMinor = Annotated[int, Field(gt=0, le=MINOR_CEILING)]


class _CouponFields(RequestModel):
    code: CouponCode
    title: Name
    min_spend: MinorUnits = 0
    min_completed_orders: int = Field(
        0, ge=0, le=10_000, description="> 0: a loyalty coupon for buyers with that many"
    )
    starts_at: When
    ends_at: When
    total_limit: Limit
    per_buyer_limit: Limit = 1


class AmountCouponIn(_CouponFields):
    kind: Literal["AMOUNT"]
    amount_off: PositiveMinor = Field(description="minor units off the order's products")


class PercentCouponIn(_CouponFields):
    kind: Literal["PERCENT"]
    percent_off: Percent
    max_discount: PositiveMinor | None = Field(None, description="the cap; none: uncapped")


CouponCreate = Annotated[AmountCouponIn | PercentCouponIn, Field(discriminator="kind")]


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


class _BundleFields(RequestModel):
    title: Name
    product_ids: list[IdStr] = Field(min_length=1, max_length=500)
    starts_at: When
    ends_at: When


class TiersBundleIn(_BundleFields):
    kind: Literal["TIERS"]
    tiers: list[Tier] = Field(min_length=1, max_length=10)


class BuyGetBundleIn(_BundleFields):
    kind: Literal["BUY_X_GET_Y"]
    buy_quantity: int = Field(ge=1, le=100)
    free_quantity: int = Field(ge=1, le=100)


BundleCreate = Annotated[TiersBundleIn | BuyGetBundleIn, Field(discriminator="kind")]
BundleIn = TiersBundleIn  # the name the partner API's BUY_MORE_SAVE_MORE (TIERS) validates with


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
