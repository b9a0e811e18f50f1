"""Boundary schemas for shipping profiles, SKU discounts, tax rates and vouchers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from clipshop.core.schemas import (
    COUNT_MAX,
    Currency,
    FilledLine,
    IdStr,
    MinorUnits,
    RequestModel,
    ResponseModel,
    When,
)

Zone = Annotated[str, StringConstraints(pattern=r"^([A-Z]{2}|\*)$")]


class RateBand(RequestModel):
    zone: Zone = Field(description="Destination country, or * for anywhere else")
    max_weight_grams: int | None = Field(
        None, ge=1, le=COUNT_MAX, description="null: no upper bound"
    )
    fee: MinorUnits


class ShippingProfileIn(RequestModel):
    name: Annotated[FilledLine, StringConstraints(min_length=1, max_length=100)]
    min_days: int = Field(ge=0, le=90)
    max_days: int = Field(ge=0, le=120)
    rates: list[RateBand] = Field(min_length=1, max_length=200)
    rural_surcharge: MinorUnits = 0
    rural_postal_prefixes: list[
        Annotated[FilledLine, StringConstraints(min_length=1, max_length=10)]
    ] = Field(default_factory=list, max_length=1000)
    free_shipping_threshold: MinorUnits | None = None

    @model_validator(mode="after")
    def _window(self) -> ShippingProfileIn:
        if self.max_days < self.min_days:
            raise ValueError("max_days must be at least min_days")
        return self


class ShippingProfileOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    service: str
    name: str
    min_days: int
    max_days: int
    rates: list[dict[str, int | str | None]]
    rural_surcharge: int
    rural_postal_prefixes: list[str]
    free_shipping_threshold: int | None


class SkuDiscountIn(RequestModel):
    discount_amount: MinorUnits = Field(gt=0, description="Minor units off the SKU's price")
    starts_at: When
    ends_at: When = Field(description="After starts_at (else 422 invalid_window)")


class SkuDiscountOut(ResponseModel):
    id: IdStr
    sku_id: IdStr
    discount_amount: int
    starts_at: datetime
    ends_at: datetime


class TaxRateIn(RequestModel):
    rate_percent: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}(\.[0-9]{1,4})?$")]


class TaxRateOut(ResponseModel):
    country: str
    state: str
    rate_percent: str


class VoucherIn(RequestModel):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_-]{3,40}$")]
    currency: Currency
    percent_off: int = Field(ge=1, le=100)
    max_discount: MinorUnits
    min_spend: MinorUnits = 0
    starts_at: When
    ends_at: When = Field(description="After starts_at (else 422 invalid_window)")


class VoucherOut(ResponseModel):
    id: IdStr
    code: str
    currency: str
    percent_off: int
    max_discount: int
    min_spend: int
    starts_at: datetime
    ends_at: datetime
