"""Orders (one per shop per checkout), line items (one per unit), the event timeline, and the
sellers' proposed edits of unshipped orders.

Money columns are integer minor units of ``currency``; the price identities of DOMAIN.md are
CHECK constraints, so no code path can store an order whose numbers do not add up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin

ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)


class Order(IdMixin, CreatedMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(f"status IN {ORDER_STATUSES!r}", name="status"),
        CheckConstraint(
            "sub_total = original_total_product_price - seller_discount - platform_discount",
            name="sub_total_identity",
        ),
        CheckConstraint(
            "shipping_fee = original_shipping_fee - shipping_fee_seller_discount"
            " - shipping_fee_platform_discount",
            name="shipping_identity",
        ),
        CheckConstraint("total_amount = sub_total + shipping_fee + tax", name="total_identity"),
        # After-sales refunds never exceed what the order costs, nor its shipping fee.
        CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= total_amount", name="refund_cap"
        ),
        CheckConstraint(
            "shipping_refunded >= 0 AND shipping_refunded <= shipping_fee",
            name="shipping_refund_cap",
        ),
        CheckConstraint(
            "sub_total >= 0 AND shipping_fee >= 0 AND tax >= 0"
            " AND seller_discount >= 0 AND platform_discount >= 0"
            " AND shipping_fee_seller_discount >= 0"
            " AND shipping_fee_platform_discount >= 0",
            name="amounts_non_negative",
        ),
        Index("ix_orders_shop_id_id", "shop_id", "id"),
        Index("ix_orders_buyer_id_id", "buyer_id", "id"),
        Index("ix_orders_payment_id", "payment_id"),
        Index("ix_orders_status_hold_until", "status", "hold_until"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    status: Mapped[str] = mapped_column(String(24), default="UNPAID")
    currency: Mapped[str] = mapped_column(String(3))
    original_total_product_price: Mapped[int]
    seller_discount: Mapped[int] = mapped_column(default=0)
    platform_discount: Mapped[int] = mapped_column(default=0)
    sub_total: Mapped[int]
    original_shipping_fee: Mapped[int] = mapped_column(default=0)
    shipping_fee_seller_discount: Mapped[int] = mapped_column(default=0)
    shipping_fee_platform_discount: Mapped[int] = mapped_column(default=0)
    shipping_fee: Mapped[int] = mapped_column(default=0)
    tax: Mapped[int] = mapped_column(default=0)
    total_amount: Mapped[int]
    shipping_service: Mapped[str] = mapped_column(String(20))
    delivery_min_days: Mapped[int]
    delivery_max_days: Mapped[int]
    recipient_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    review_hold: Mapped[bool] = mapped_column(default=False)
    review_reason: Mapped[str | None] = mapped_column(String(200))
    payment_failure: Mapped[str | None] = mapped_column(String(200))
    paid_at: Mapped[datetime | None]
    hold_until: Mapped[datetime | None]  # end of the remorse window while ON_HOLD
    # Where the buyer came from (models.social.SOURCE_TYPES and the live session, video or
    # creator's id), given at checkout; None: not from a live, a video or a showcase.
    source_type: Mapped[str | None] = mapped_column(String(10))
    source_id: Mapped[int | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(10))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    # The region whose policy (deadlines/policies.toml) sets this order's deadlines: the shop's.
    region: Mapped[str] = mapped_column(String(2), default="US", server_default="US")
    # SLA times, named as the reference API names them, stamped when the state that starts
    # each one is entered (see orders.sla and docs/deadlines.md).
    cancel_order_sla_time: Mapped[datetime | None]  # UNPAID: auto-cancel if still unpaid
    rts_sla_time: Mapped[datetime | None]  # ship by this, or it counts as late dispatch
    shipping_due_time: Mapped[datetime | None]  # not AWAITING_COLLECTION by then: cancelled
    tts_sla_time: Mapped[datetime | None]  # the carrier's first scan expected by then
    collection_due_time: Mapped[datetime | None]  # not IN_TRANSIT by then: cancelled
    delivery_sla_time: Mapped[datetime | None]  # delivered by then counts as on time
    delivery_due_time: Mapped[datetime | None]  # not DELIVERED by then: lost, refunded
    rts_time: Mapped[datetime | None]  # when every item had a shipment arranged
    delivered_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    late_dispatch: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Force-majeure extensions approved on support cases (orders.extensions): the hours the
    # shipping deadlines moved in total, and when the first was approved (the late-dispatch
    # metric does not judge such an order).
    deadline_extension_hours: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    force_majeure_at: Mapped[datetime | None]
    # Refunded after the sale (cancellations, returns, lost parcels): lines plus shipping.
    refunded_amount: Mapped[int] = mapped_column(default=0, server_default="0")
    shipping_refunded: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OrderLineItem(IdMixin, Base):
    __tablename__ = "order_line_items"
    __table_args__ = (
        CheckConstraint(
            "sale_price = original_price - seller_discount - platform_discount",
            name="sale_price_identity",
        ),
        CheckConstraint("sale_price >= 0 AND tax >= 0", name="amounts_non_negative"),
        CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= sale_price + tax", name="refund_cap"
        ),
        Index("ix_order_line_items_order_id", "order_id"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id"), index=True)
    seller_sku: Mapped[str] = mapped_column(String(100))
    product_name: Mapped[str] = mapped_column(String(255))
    sku_name: Mapped[str] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(3))
    original_price: Mapped[int]
    seller_discount: Mapped[int] = mapped_column(default=0)
    platform_discount: Mapped[int] = mapped_column(default=0)
    sale_price: Mapped[int]
    tax: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(24), default="UNPAID")
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    refunded_amount: Mapped[int] = mapped_column(default=0, server_default="0")


class OrderEvent(IdMixin, CreatedMixin, Base):
    """Append-only: who changed what, when and why. The timelines are read from it."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_order_id_id", "order_id", "id"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    kind: Mapped[str] = mapped_column(String(40))
    actor_type: Mapped[str] = mapped_column(String(10))  # BUYER SELLER SYSTEM OPERATOR CARRIER
    actor_id: Mapped[int | None]
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(500), default="")


class OrderEdit(IdMixin, CreatedMixin, Base):
    """A seller's proposed change to an unshipped order; applied when the buyer accepts."""

    __tablename__ = "order_edits"
    __table_args__ = (
        CheckConstraint(
            "status IN ('PROPOSED', 'ACCEPTED', 'DECLINED', 'WITHDRAWN')", name="status"
        ),
        Index("ix_order_edits_order_id", "order_id"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    status: Mapped[str] = mapped_column(String(10), default="PROPOSED")
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(500), default="")
    decided_at: Mapped[datetime | None]
    proposed_by: Mapped[int | None]  # the seller (or admin) who proposed it
    decided_by: Mapped[int | None]  # the buyer who accepted or declined; the withdrawer
    decision_note: Mapped[str | None] = mapped_column(String(500))
    # Once ACCEPTED: what the buyer paid (+) or got back (-), minor units of the order currency.
    amount_change: Mapped[int | None]
