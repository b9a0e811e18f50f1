"""Carts, shipping rate tables, tax rates, platform vouchers, seller discounts, idempotency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin


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


class IdempotencyRecord(CreatedMixin, Base):
    """A request seen with an Idempotency-Key: in flight, or done with its stored response."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10))  # IN_FLIGHT or DONE
    response_status: Mapped[int | None]
    response_headers: Mapped[list[list[str]] | None] = mapped_column(JSON)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime]
    # The claim of the key, kept across takeovers: the payment attempt a checkout or payment
    # retry opens records it, so a retry after a crash finds what the first request did.
    claim_id: Mapped[int | None]
    # Who holds an IN_FLIGHT record (a process's boot id and a request number) and until when
    # (wall time: the lease is about the holder being alive, not about business deadlines).
    owner: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None]
