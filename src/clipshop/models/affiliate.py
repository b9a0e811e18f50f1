"""What a live pins and a video tags, the affiliate offers of sellers to creators, the creators'
showcases and the commission recorded per order line (docs/creators.md).

Rates are basis points (1/100 of a percent, 0..10000); money is integer minor units.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin

RATE_CHECK = "rate_bps >= 0 AND rate_bps <= 10000"
OFFER_STATUSES = ("ACTIVE", "CLOSED")
INVITATION_STATUSES = ("INVITED", "ACCEPTED", "DECLINED", "CLOSED")
COMMISSION_STATUSES = ("PENDING", "PAYABLE", "VOID")


class LivePin(IdMixin, CreatedMixin, Base):
    """A product pinned during a live session, at ``position`` (0 is the top)."""

    __tablename__ = "live_pins"
    __table_args__ = (
        UniqueConstraint("live_id", "product_id", name="uq_live_pins_live_id_product_id"),
        CheckConstraint("position >= 0", name="position"),
    )

    live_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))  # the product's
    position: Mapped[int]


class VideoProduct(IdMixin, Base):
    """A product a short video is tagged with."""

    __tablename__ = "video_products"
    __table_args__ = (
        UniqueConstraint("video_id", "product_id", name="uq_video_products_video_id_product_id"),
    )

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))


class AffiliateOffer(IdMixin, CreatedMixin, Base):
    """A product open to every creator at ``rate_bps`` (one offer per product)."""

    __tablename__ = "affiliate_offers"
    __table_args__ = (
        UniqueConstraint("product_id", name="uq_affiliate_offers_product_id"),
        CheckConstraint(RATE_CHECK, name="rate"),
        CheckConstraint(f"status IN {OFFER_STATUSES!r}", name="status"),
        Index("ix_affiliate_offers_shop_id_id", "shop_id", "id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    rate_bps: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="ACTIVE")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AffiliateInvitation(IdMixin, CreatedMixin, Base):
    """A seller's targeted offer of a product to one creator; once ACCEPTED its rate wins over
    the open offer's for that creator."""

    __tablename__ = "affiliate_invitations"
    __table_args__ = (
        UniqueConstraint(
            "product_id", "creator_id", name="uq_affiliate_invitations_product_id_creator_id"
        ),
        CheckConstraint(RATE_CHECK, name="rate"),
        CheckConstraint(f"status IN {INVITATION_STATUSES!r}", name="status"),
        Index("ix_affiliate_invitations_shop_id_id", "shop_id", "id"),
        Index("ix_affiliate_invitations_creator_id_id", "creator_id", "id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rate_bps: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="INVITED")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ShowcaseItem(IdMixin, CreatedMixin, Base):
    """A product in a creator's showcase, at ``position`` (0 is the top; one product a place)."""

    __tablename__ = "showcase_items"
    __table_args__ = (
        UniqueConstraint(
            "creator_id", "product_id", name="uq_showcase_items_creator_id_product_id"
        ),
        UniqueConstraint("creator_id", "position", name="uq_showcase_items_creator_id_position"),
    )

    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    position: Mapped[int]


class Commission(IdMixin, CreatedMixin, Base):
    """The commission a creator earns on one order line, at the rate in force at placement.
    ``reversed`` follows the line's refunds (pro rata); the net owed is ``due - reversed``."""

    __tablename__ = "affiliate_commissions"
    __table_args__ = (
        UniqueConstraint("line_item_id", name="uq_affiliate_commissions_line_item_id"),
        CheckConstraint(RATE_CHECK, name="rate"),
        CheckConstraint("base >= 0 AND due >= 0", name="amounts_non_negative"),
        CheckConstraint("reversed >= 0 AND reversed <= due", name="reversed_cap"),
        CheckConstraint(f"status IN {COMMISSION_STATUSES!r}", name="status"),
        Index("ix_affiliate_commissions_creator_id_id", "creator_id", "id"),
        Index("ix_affiliate_commissions_order_id", "order_id"),
        Index("ix_affiliate_commissions_shop_id_id", "shop_id", "id"),
    )

    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_item_id: Mapped[int] = mapped_column(ForeignKey("order_line_items.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    source_type: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    base: Mapped[int]  # the line's sale price
    rate_bps: Mapped[int]
    rate_kind: Mapped[str] = mapped_column(String(10))  # OPEN or TARGETED
    due: Mapped[int]
    reversed: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="PENDING")
    placed_at: Mapped[datetime]
    payable_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
