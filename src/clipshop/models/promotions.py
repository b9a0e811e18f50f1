"""Price-level promotions of a shop: product discounts and flash deals, either of them
live-only (docs/deals.md); what each buyer used of a deal, and which order line got which.

A flash deal's ``sold`` counter is a hot row: it only grows by a conditional UPDATE
(``sold + n <= quantity``) and the CHECK holds it there whatever the concurrency.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin

PROMOTION_KINDS = ("PRODUCT_DISCOUNT", "FLASH_DEAL")
ON_SOLD_OUT = ("FALLBACK", "REFUSE")


class Promotion(IdMixin, CreatedMixin, Base):
    """One SKU's promotion: ``percent_off`` or a ``deal_price`` (flash deals: a deal price),
    in its window, while ``active``; ``live_session_id``: only while that session is LIVE
    and the checkout comes from it. Flash deals: ``quantity`` units at most, ``sold`` so far,
    ``per_buyer_limit`` units per buyer, ``on_sold_out`` what a checkout does when the units it
    was quoted are gone (FALLBACK: the normal price; REFUSE: 409)."""

    __tablename__ = "promotions"
    __table_args__ = (
        CheckConstraint(f"kind IN {PROMOTION_KINDS!r}", name="kind"),
        CheckConstraint(f"on_sold_out IN {ON_SOLD_OUT!r}", name="on_sold_out"),
        CheckConstraint("ends_at > starts_at", name="window"),
        CheckConstraint("(percent_off IS NULL) <> (deal_price IS NULL)", name="percent_or_price"),
        CheckConstraint("percent_off IS NULL OR percent_off BETWEEN 1 AND 99", name="percent"),
        CheckConstraint("deal_price IS NULL OR deal_price >= 0", name="deal_price"),
        CheckConstraint(
            "kind <> 'FLASH_DEAL' OR (deal_price IS NOT NULL AND quantity IS NOT NULL)",
            name="flash_deal",
        ),
        CheckConstraint("quantity IS NULL OR quantity >= 1", name="quantity"),
        CheckConstraint("sold >= 0 AND (quantity IS NULL OR sold <= quantity)", name="sold"),
        CheckConstraint("per_buyer_limit IS NULL OR per_buyer_limit >= 1", name="per_buyer"),
        Index("ix_promotions_sku_id_ends_at", "sku_id", "ends_at"),
        Index("ix_promotions_shop_id_id", "shop_id", "id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200), default="")
    percent_off: Mapped[int | None]
    deal_price: Mapped[int | None]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    live_session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id"))
    quantity: Mapped[int | None]
    sold: Mapped[int] = mapped_column(default=0)
    per_buyer_limit: Mapped[int | None]
    on_sold_out: Mapped[str] = mapped_column(String(10), default="FALLBACK")
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PromotionBuyerUse(Base):
    """How many units of a flash deal a buyer holds: grown by a conditional upsert
    (``used + n <= limit``), one row per deal and buyer, so the limit holds under races."""

    __tablename__ = "promotion_buyer_uses"
    __table_args__ = (CheckConstraint("used >= 0", name="used"),)

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    used: Mapped[int]


class PromotionClaim(IdMixin, CreatedMixin, Base):
    """An order line (one unit) priced by a promotion; ``released_at``: its flash-deal unit
    was given back (line cancelled, refunded or returned), once."""

    __tablename__ = "promotion_claims"
    __table_args__ = (
        Index("ix_promotion_claims_order_id", "order_id"),
        Index("ix_promotion_claims_line_item_id", "line_item_id"),
        Index("ix_promotion_claims_promotion_id_id", "promotion_id", "id"),
    )

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"))
    kind: Mapped[str] = mapped_column(String(20))  # lines.Kind of the cut
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_item_id: Mapped[int] = mapped_column(ForeignKey("order_line_items.id"))
    amount: Mapped[int]  # the cut, minor units
    released_at: Mapped[datetime | None]
