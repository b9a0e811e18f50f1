"""Managing what prices a checkout: shipping profiles and SKU discounts (sellers), tax rates
and platform vouchers (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.catalog.products import get_sku
from clipshop.catalog.shops import get_shop, get_shop_for_write
from clipshop.core.db import upsert
from clipshop.core.errors import Conflict, InvalidInput
from clipshop.core.ids import new_id
from clipshop.deadlines import standing
from clipshop.identity.principal import Permission, Principal
from clipshop.models import PlatformVoucher, ShippingProfile, Shop, SkuDiscount, TaxRate
from clipshop.promotions.coupon_store import check_amounts, check_window


def put_shipping_profile(
    session: Session, principal: Principal, shop_id: int, service: str, fields: dict[str, Any]
) -> ShippingProfile:
    shop = get_shop_for_write(session, principal, shop_id)
    check_amounts(
        shop.currency,
        {
            "rural_surcharge": fields.get("rural_surcharge"),
            "free_shipping_threshold": fields.get("free_shipping_threshold"),
            **{f"rates.{i}.fee": r["fee"] for i, r in enumerate(fields.get("rates", []))},
        },
    )
    upsert(
        session,
        ShippingProfile.__table__,
        {"id": new_id(), "shop_id": shop_id, "service": service, **fields},
        ["shop_id", "service"],
        list(fields),
    )
    profile = session.scalar(
        select(ShippingProfile)
        .where(ShippingProfile.shop_id == shop_id, ShippingProfile.service == service)
        .execution_options(populate_existing=True)
    )
    assert profile is not None
    return profile


def list_shipping_profiles(
    session: Session, principal: Principal, shop_id: int
) -> list[ShippingProfile]:
    get_shop(session, principal, shop_id)
    stmt = select(ShippingProfile).where(ShippingProfile.shop_id == shop_id)
    return list(session.scalars(stmt.order_by(ShippingProfile.service)))


def add_sku_discount(
    session: Session,
    principal: Principal,
    sku_id: int,
    amount: int,
    starts_at: datetime,
    ends_at: datetime,
) -> SkuDiscount:
    sku = get_sku(session, principal, sku_id)
    principal.require(Permission.CATALOG_WRITE)
    standing.check_may_promote(session.get_one(Shop, sku.shop_id))
    check_window(starts_at, ends_at)
    if amount > sku.price:
        raise InvalidInput("a discount cannot exceed the price", code="invalid_discount")
    row = SkuDiscount(
        shop_id=sku.shop_id,
        sku_id=sku.id,
        discount_amount=amount,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    session.add(row)
    session.flush()
    return row


def put_tax_rate(
    session: Session, principal: Principal, country: str, state: str, rate_percent: str
) -> TaxRate:
    principal.require(Permission.USERS_ADMIN)
    upsert(
        session,
        TaxRate.__table__,
        {"id": new_id(), "country": country, "state": state, "rate_percent": rate_percent},
        ["country", "state"],
        ["rate_percent"],
    )
    row = session.scalar(
        select(TaxRate)
        .where(TaxRate.country == country, TaxRate.state == state)
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


def add_voucher(session: Session, principal: Principal, fields: dict[str, Any]) -> PlatformVoucher:
    principal.require(Permission.USERS_ADMIN)
    check_window(fields["starts_at"], fields["ends_at"])
    check_amounts(
        fields["currency"],
        {"max_discount": fields["max_discount"], "min_spend": fields["min_spend"]},
    )
    if (
        session.scalar(select(PlatformVoucher.id).where(PlatformVoucher.code == fields["code"]))
        is not None
    ):
        raise Conflict(f"voucher {fields['code']} exists", code="voucher_exists")
    row = PlatformVoucher(**fields)
    session.add(row)
    session.flush()
    return row
