"""Carts, shipping rate tables, tax rates, platform vouchers, seller discounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, IdMixin


class CartItem(Base):
    __tablename__ = "cart_items"
    __table_args__ = (CheckConstraint("quantity BETWEEN 1 AND 99", name="quantity"),)

    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"), primary_key=True)
    quantity: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShippingProfile(IdMixin, Base):
    """A shop's shipping service: rate table by zone and weight band, rural surcharge,
    free-shipping threshold and delivery window. ``rates`` is a list of
    ``{"zone": "US" | "*", "max_weight_grams": int | null, "fee": minor units}``."""

    __tablename__ = "shipping_profiles"
    __table_args__ = (
        UniqueConstraint("shop_id", "service", name="uq_shipping_profiles_shop_service"),
        CheckConstraint("min_days >= 0 AND max_days >= min_days", name="days"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    service: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    min_days: Mapped[int]
    max_days: Mapped[int]
    rates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    rural_surcharge: Mapped[int] = mapped_column(default=0)
    rural_postal_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    free_shipping_threshold: Mapped[int | None]


class TaxRate(IdMixin, Base):
    """Sales tax per destination: country and state ('*' for the whole country), in percent."""

    __tablename__ = "tax_rates"
    __table_args__ = (UniqueConstraint("country", "state", name="uq_tax_rates_country_state"),)

    country: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(100), default="*")
    rate_percent: Mapped[str] = mapped_column(String(12))  # a decimal string, e.g. "8.25"


class SkuDiscount(IdMixin, Base):
    """A seller's price cut on one SKU for a time window (the 'seller discount')."""

    __tablename__ = "sku_discounts"
    __table_args__ = (CheckConstraint("discount_amount > 0", name="positive"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"), index=True)
    discount_amount: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class PlatformVoucher(IdMixin, Base):
    """A platform-funded voucher: percent off the products, capped, with a minimum spend."""

    __tablename__ = "platform_vouchers"
    __table_args__ = (CheckConstraint("percent_off > 0 AND percent_off <= 100", name="percent"),)

    code: Mapped[str] = mapped_column(String(40), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    percent_off: Mapped[int]
    max_discount: Mapped[int]
    min_spend: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
