"""Shipping profiles and SKU discounts (sellers); tax rates and platform vouchers (admins)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path

from clipshop.api.deps import DB, Caller, ShopId, SkuId
from clipshop.checkout import config
from clipshop.checkout.config_schemas import (
    ShippingProfileIn,
    ShippingProfileOut,
    SkuDiscountIn,
    SkuDiscountOut,
    TaxRateIn,
    TaxRateOut,
    VoucherIn,
    VoucherOut,
)
from clipshop.core.schemas import Line

router = APIRouter(tags=["pricing"])
Service = Annotated[Literal["STANDARD", "EXPRESS"], Path()]


@router.put(
    "/shops/{shop_id}/shipping-profiles/{service}",
    response_model=ShippingProfileOut,
    summary="Create or replace a shipping service's rate table",
)
def put_shipping_profile(
    shop_id: ShopId, service: Service, body: ShippingProfileIn, session: DB, caller: Caller
) -> ShippingProfileOut:
    fields = body.model_dump()
    profile = config.put_shipping_profile(session, caller, shop_id, service, fields)
    return ShippingProfileOut.model_validate(profile)


@router.get("/shops/{shop_id}/shipping-profiles", response_model=list[ShippingProfileOut])
def list_shipping_profiles(
    shop_id: ShopId, session: DB, caller: Caller
) -> list[ShippingProfileOut]:
    return [
        ShippingProfileOut.model_validate(p)
        for p in config.list_shipping_profiles(session, caller, shop_id)
    ]


@router.post(
    "/skus/{sku_id}/discounts",
    response_model=SkuDiscountOut,
    status_code=201,
    summary="A seller discount on a SKU for a time window",
)
def add_sku_discount(
    sku_id: SkuId, body: SkuDiscountIn, session: DB, caller: Caller
) -> SkuDiscountOut:
    row = config.add_sku_discount(
        session, caller, sku_id, body.discount_amount, body.starts_at, body.ends_at
    )
    return SkuDiscountOut.model_validate(row)


@router.put(
    "/tax-rates/{country}/{state}",
    response_model=TaxRateOut,
    summary="Set the tax rate of a destination (state * for the whole country)",
)
def put_tax_rate(
    country: Annotated[str, Path(pattern=r"^[A-Z]{2}$")],
    state: Annotated[Line, Path(max_length=100)],
    body: TaxRateIn,
    session: DB,
    caller: Caller,
) -> TaxRateOut:
    row = config.put_tax_rate(session, caller, country, state, body.rate_percent)
    return TaxRateOut.model_validate(row)


@router.post(
    "/vouchers", response_model=VoucherOut, status_code=201, summary="Create a platform voucher"
)
def add_voucher(body: VoucherIn, session: DB, caller: Caller) -> VoucherOut:
    return VoucherOut.model_validate(config.add_voucher(session, caller, body.model_dump()))
