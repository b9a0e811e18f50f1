"""What coupons, bundles and free-shipping promotions share: shop-scoped look-ups (another
shop's row is 404), the standing check on writes, windows, amount caps and field updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.catalog.shops import get_shop, get_shop_for_write
from clipshop.core.errors import InvalidInput
from clipshop.core.money import AmountError, check_cap
from clipshop.deadlines import standing
from clipshop.identity.principal import Principal
from clipshop.models import Bundle, FreeShippingPromotion, Shop, ShopCoupon
from clipshop.promotions.coupon_errors import PromotionNotFound

Row = TypeVar("Row", ShopCoupon, Bundle, FreeShippingPromotion)


def shop_for_promoting(session: Session, principal: Principal, shop_id: int) -> Shop:
    """The caller's shop, to create or change a promotion: ShopRestricted (409) when the
    shop is RESTRICTED or SUSPENDED."""
    shop = get_shop_for_write(session, principal, shop_id)
    standing.check_may_promote(shop)
    return shop


def get_row(
    session: Session, principal: Principal, model: type[Row], shop_id: int, row_id: int
) -> Row:
    get_shop(session, principal, shop_id)
    row = session.get(model, row_id)
    if row is None or row.shop_id != shop_id:
        raise PromotionNotFound(f"{model.__tablename__[:-1].replace('_', ' ')} not found")
    return row


def list_rows(session: Session, principal: Principal, model: type[Row], shop_id: int) -> list[Row]:
    """The shop's rows, newest first."""
    get_shop(session, principal, shop_id)
    stmt = select(model).where(model.shop_id == shop_id).order_by(model.id.desc())
    return list(session.scalars(stmt))


def deactivate(
    session: Session, principal: Principal, model: type[Row], shop_id: int, row_id: int
) -> Row:
    """Stop a promotion (allowed whatever the shop's standing: stopping is always safe)."""
    get_shop_for_write(session, principal, shop_id)
    row = get_row(session, principal, model, shop_id, row_id)
    row.active = False
    session.flush()
    return row


def update_row(
    session: Session,
    principal: Principal,
    model: type[Row],
    shop_id: int,
    row_id: int,
    changes: dict[str, Any],
) -> tuple[Shop, Row]:
    """Apply ``changes`` (only the fields sent) after the standing and window checks; the
    caller checks what else its kind needs before the flush."""
    shop = shop_for_promoting(session, principal, shop_id)
    row = get_row(session, principal, model, shop_id, row_id)
    check_window(changes.get("starts_at", row.starts_at), changes.get("ends_at", row.ends_at))
    for field, value in changes.items():
        setattr(row, field, value)
    return shop, row


def check_window(starts_at: datetime, ends_at: datetime) -> None:
    """The one rule of every time window (promotions, SKU discounts, vouchers): it ends after
    it starts."""
    if ends_at <= starts_at:
        raise InvalidInput("ends_at must be after starts_at", code="invalid_window")


def check_amounts(currency: str, amounts: dict[str, int | None]) -> None:
    """Each amount (minor units) within the platform maximum of ``currency``."""
    for field, amount in amounts.items():
        if amount is not None:
            try:
                check_cap(amount, currency, field)
            except AmountError as exc:
                raise InvalidInput(str(exc), code="amount_too_large", field=field) from None
