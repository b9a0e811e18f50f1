"""Boundary schemas of cart and checkout."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from clipshop.core.schemas import ID_PATTERN, IdStr, Line, MoneyOut, RequestModel, ResponseModel
from clipshop.pricing.schemas import Address
from clipshop.promotions.deal_price import Source


class CartLine(RequestModel):
    quantity: int = Field(ge=0, le=99, description="0 removes the SKU from the cart")


class CartItemOut(ResponseModel):
    sku_id: IdStr
    quantity: int


class CartOut(ResponseModel):
    items: list[CartItemOut]


class ItemIn(RequestModel):
    sku_id: IdStr
    quantity: int = Field(ge=1, le=99)


class SourceIn(RequestModel):
    type: Literal["LIVE", "VIDEO", "SHOWCASE"]
    id: IdStr = Field(description="The live session, the video, or the creator (SHOWCASE)")


class CheckoutBody(RequestModel):
    items: list[ItemIn] | None = Field(
        None,
        max_length=100,
        description="Omit to check out the whole cart",
        json_schema_extra={"minItems": 1},  # checked with a clearer message below
    )
    shipping_address: Address
    billing_address: Address | None = None
    shipping_services: dict[IdStr, Literal["STANDARD", "EXPRESS"]] = Field(
        default_factory=dict,
        description="Per shop id; default: the cheapest option",
        # every key is a shop id: no other key is taken (the document says so to clients)
        json_schema_extra={"additionalProperties": False, "propertyNames": {"pattern": ID_PATTERN}},
    )
    voucher_code: Annotated[Line, StringConstraints(max_length=40)] | None = None
    payment_method_id: IdStr | None = Field(None, description="Default: your default method")
    backup_payment_method_id: IdStr | None = Field(
        None, description="Tried when the primary method is declined"
    )
    source: SourceIn | None = Field(
        None, description="Where the buyer comes from: live-only prices need their LIVE session"
    )
    coupon_codes: dict[IdStr, Annotated[Line, StringConstraints(max_length=40)]] = Field(
        default_factory=dict,
        description="A shop coupon code per shop id",
        json_schema_extra={"additionalProperties": False, "propertyNames": {"pattern": ID_PATTERN}},
    )

    @field_validator("items")
    @classmethod
    def _distinct(cls, items: list[ItemIn] | None) -> list[ItemIn] | None:
        if items is not None:
            if not items:
                raise ValueError("items must not be empty (omit it to use the cart)")
            if len({i.sku_id for i in items}) != len(items):
                raise ValueError("each sku_id may appear once; use quantity")
        return items

    def item_map(self) -> dict[int, int] | None:
        return None if self.items is None else {i.sku_id: i.quantity for i in self.items}

    def source_of(self) -> Source | None:
        return Source(self.source.type, self.source.id) if self.source else None


class QuoteBody(CheckoutBody):
    pass


class CutOut(ResponseModel):
    kind: str  # SKU_DISCOUNT, PRODUCT_DISCOUNT, LIVE_PRICE, FLASH_DEAL, BUNDLE, COUPON, VOUCHER
    promotion_id: IdStr | None
    amount: MoneyOut
    funded_by: str  # SELLER or PLATFORM


class LineQuoteOut(ResponseModel):
    sku_id: IdStr
    seller_sku: str
    product_name: str
    sku_name: str
    original_price: MoneyOut
    seller_discount: MoneyOut
    platform_discount: MoneyOut
    sale_price: MoneyOut
    tax: MoneyOut
    cuts: list[CutOut] = Field(default_factory=list, description="What priced it, in order")


class ShippingOptionOut(ResponseModel):
    service: str
    name: str
    original_fee: MoneyOut
    fee: MoneyOut
    min_days: int
    max_days: int
    earliest_delivery: date
    latest_delivery: date


class ShopQuoteOut(ResponseModel):
    shop_id: IdStr
    shop_name: str
    line_items: list[LineQuoteOut]
    shipping_options: list[ShippingOptionOut]
    selected_shipping_service: str
    payment: dict[str, MoneyOut]
    funded_by: dict[str, MoneyOut] = Field(
        default_factory=dict, description="The order's discounts (products, shipping) by funder"
    )


class QuoteOut(ResponseModel):
    currency: str
    orders: list[ShopQuoteOut]
    total_amount: MoneyOut


class MethodCreate(RequestModel):
    type: Literal["CARD", "WALLET"]
    card_number: Annotated[Line, StringConstraints(max_length=23)] | None = None
    exp_month: int | None = Field(None, ge=1, le=12)
    exp_year: int | None = Field(None, ge=2000, le=2100)
    cvc: Annotated[Line, StringConstraints(max_length=4)] | None = None
    wallet: Line | None = Field(None, max_length=40)
    make_default: bool = False


class MethodOut(ResponseModel):
    id: IdStr
    kind: str
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None
    is_default: bool
