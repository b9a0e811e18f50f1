"""Our models of the seller API's promotion module (activities and coupons), written from the
reference's shapes: ids as strings, times in Unix seconds, money as decimal strings beside a
``currency``. Answers refuse unknown fields (the tests validate with these models); bodies
ignore them, as the other modules' bodies do."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clipshop.core.schemas import COUNT_MAX

Id = Annotated[str, StringConstraints(max_length=20)]
Ids = Annotated[list[Id], Field(max_length=300)]
Time = Annotated[int, Field(ge=0, le=COUNT_MAX * 100)]
Limit = Annotated[int, Field(ge=-1, le=COUNT_MAX)]  # -1: unlimited
Decimal = Annotated[str, StringConstraints(max_length=24)]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- bodies ---------------------------------------------------------------------------------


class SkuIn(Body):
    id: Id
    activity_price_amount: Decimal | None = None
    discount: Decimal | None = None
    quantity_limit: Limit = -1
    quantity_per_user: Limit = -1


class ProductIn(SkuIn):
    skus: Annotated[list[SkuIn], Field(max_length=300)] = Field(default_factory=list)


class BmsmTier(Body):
    threshold_type: str = "MINIMAL_ITEM_QUANTITY"
    threshold_value: Decimal
    tier: int | None = None
    type: str = "PERCENTAGE_OFF"
    value: Decimal


class Bmsm(Body):
    details: Annotated[list[BmsmTier], Field(min_length=1, max_length=10)]


class ShippingDiscount(Body):
    type: str = "FREE_SHIPPING"
    threshold_type: str = "NO_THRESHOLD"
    threshold_value: Decimal | None = None
    shipping_method: str | None = None
    area_scope: dict[str, object] | None = None


class DiscountIn(Body):
    bmsm_discount: Bmsm | None = None
    shipping_discount: ShippingDiscount | None = None
    gift_discount: dict[str, object] | None = None


class CreateActivity(Body):
    title: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    activity_type: str
    begin_time: Time = 0
    end_time: Time = 0
    product_level: str = "PRODUCT"
    duration_type: str = "NORMAL"
    discount: DiscountIn | None = None
    # clipshop's extension: the products at once (the native rows need them; see the docs)
    products: Annotated[list[ProductIn], Field(max_length=300)] = Field(default_factory=list)


class UpdateActivity(Body):
    title: Annotated[str, StringConstraints(min_length=1, max_length=50)] | None = None
    begin_time: Time | None = None
    end_time: Time | None = None


class UpdateProducts(Body):
    activity_id: Id | None = None
    products: Annotated[list[ProductIn], Field(min_length=1, max_length=300)]


class RemoveProducts(Body):
    product_ids: Ids = Field(default_factory=list)
    sku_ids: Ids = Field(default_factory=list)


class SearchActivities(Body):
    activity_title: str | None = None
    activity_type: str | None = None
    status: str | None = None
    page_size: int | None = Field(None, ge=0, le=100)
    page_token: str | None = None


class SearchCoupons(Body):
    status: Annotated[list[str], Field(max_length=10)] = Field(default_factory=list)
    display_type: Annotated[list[str], Field(max_length=10)] = Field(default_factory=list)
    title_keyword: Annotated[str, StringConstraints(max_length=100)] | None = None


# --- answers --------------------------------------------------------------------------------


class Price(Shape):
    model_config = ConfigDict(extra="forbid", frozen=True)  # hashable: terms are compared

    amount: str
    currency: str


class SkuOut(Shape):
    id: str
    activity_price: Price | None = None
    discount: str | None = None
    quantity_limit: int
    quantity_per_user: int


class ProductOut(SkuOut):
    skus: list[SkuOut]


class BmsmOut(Shape):
    threshold_type: str
    threshold_value: str
    tier: int
    type: str
    value: str


class ShippingOut(Shape):
    type: str
    threshold_type: str
    threshold_value: str | None = None
    shipping_method: str
    area_scope: dict[str, str]


class DiscountOut(Shape):
    bmsm_discount: dict[str, list[BmsmOut]] | None = None
    shipping_discount: ShippingOut | None = None


class ActivityFields(Shape):
    title: str
    activity_type: str
    status: str
    begin_time: int
    end_time: int
    create_time: int
    update_time: int
    product_level: str
    duration_type: str = "NORMAL"
    activity_commands: list[str] = Field(default_factory=list)
    discount: DiscountOut = Field(default_factory=DiscountOut)
    participation_limit: list[dict[str, str]] = Field(default_factory=list)
    target_user_info: dict[str, str] = Field(default_factory=lambda: {"user_type": "ALL_USER"})


class Activity(ActivityFields):
    """An activity as search lists it."""

    id: str


class ActivityDetail(ActivityFields):
    """An activity as its detail answers it."""

    activity_id: str
    products: list[ProductOut]


class SearchActivitiesData(Shape):
    activities: list[Activity]
    next_page_token: str
    total_count: int


class Created(Shape):
    activity_id: str
    status: str
    create_time: int
    update_time: int


class Updated(Shape):
    activity_id: str
    title: str
    update_time: int


class Deactivated(Shape):
    activity_id: str
    status: str
    title: str
    update_time: int


class ProductsUpdated(Shape):
    activity_id: str
    status: str
    title: str
    total_count: int
    update_time: int


class ProductsRemoved(Shape):
    activity_id: str
    status: str
    update_time: int


class Duration(Shape):
    start_time: int
    end_time: int


class Redemption(Shape):
    type: str
    start_time: int
    end_time: int


class CouponDiscount(Shape):
    type: str
    percentage: str | None = None
    reduction_amount: Price | None = None
    max_discount: Price | None = None


class Threshold(Shape):
    type: str
    min_spend: Price | None = None


class UsageLimits(Shape):
    total_claim_limit: int
    single_buyer_claim_limit: int


class Coupon(Shape):
    id: str
    title: str
    status: str
    promo_code: str
    display_type: str
    creation_source: str
    product_scope: str
    target_buyer_segment: str
    create_time: int
    update_time: int
    claim_duration: Duration
    redemption_duration: Redemption
    discount: CouponDiscount
    threshold: Threshold
    usage_limits: UsageLimits


class UsageStats(Shape):
    claimed_count: int
    redeemed_count: int


class CouponDetail(Coupon):
    display_channels: list[str]
    product_ids: list[str]
    usage_stats: UsageStats


class SearchCouponsData(Shape):
    coupons: list[Coupon]
    next_page_token: str
    total_count: int


class CouponData(Shape):
    coupon: CouponDetail
