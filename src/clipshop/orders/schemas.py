"""Boundary schemas of orders and payments as the buyer, seller and agent read them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from clipshop.core.schemas import (
    FilledLine,
    FilledText,
    IdStr,
    MoneyOut,
    PageOut,
    RequestModel,
    ResponseModel,
)
from clipshop.models import Order, OrderEvent, OrderLineItem, Payment
from clipshop.orders.rows import Row
from clipshop.orders.states import ADDRESS_HIDDEN, OrderStatus
from clipshop.payments.rows import PaymentRow


class LineItemOut(ResponseModel):
    id: IdStr
    sku_id: IdStr
    product_id: IdStr
    seller_sku: str
    product_name: str
    sku_name: str
    status: str
    original_price: MoneyOut
    seller_discount: MoneyOut
    platform_discount: MoneyOut
    sale_price: MoneyOut
    tax: MoneyOut
    refunded_amount: MoneyOut
    cancel_reason: str | None


class EventOut(ResponseModel):
    id: IdStr
    kind: str
    actor_type: str
    actor_id: IdStr | None
    from_status: str | None
    to_status: str | None
    reason: str
    created_at: datetime


class OrderOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    buyer_id: IdStr
    payment_id: IdStr
    status: str
    currency: str
    payment: dict[str, MoneyOut]
    shipping_service: str
    delivery_min_days: int
    delivery_max_days: int
    recipient_address: dict[str, Any] | None = Field(
        description="Hidden (null) from the seller while UNPAID or ON_HOLD"
    )
    review_hold: bool
    review_reason: str | None
    payment_failure: str | None
    paid_at: datetime | None
    hold_until: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None
    region: str = Field(description="The region whose deadline policy applies (the shop's)")
    cancel_order_sla_time: datetime | None = Field(
        description="UNPAID: the order is cancelled if still unpaid at this time"
    )
    rts_sla_time: datetime | None = Field(
        description="Ship (arrange every package) by this time, or it counts as late dispatch"
    )
    shipping_due_time: datetime | None = Field(
        description="Not AWAITING_COLLECTION by this time: unshipped items are cancelled"
    )
    tts_sla_time: datetime | None = Field(
        description="The carrier's first scan is expected by this time"
    )
    collection_due_time: datetime | None = Field(
        description="Not IN_TRANSIT by this time: uncollected items are cancelled"
    )
    delivery_sla_time: datetime | None = Field(
        description="Delivered by this time counts as on time"
    )
    delivery_due_time: datetime | None = Field(
        description="Not delivered by this time: the package is lost and refunded"
    )
    rts_time: datetime | None = Field(description="When every item had a shipment arranged")
    late_dispatch: bool
    deadline_extension_hours: int = Field(
        0,
        description="Hours the shipping deadlines were extended in total after approved "
        "force-majeure cases (already included in rts_sla_time, shipping_due_time and "
        "delivery_sla_time)",
    )
    force_majeure_at: datetime | None = Field(
        None,
        description="When the last force-majeure extension was approved; such an order is "
        "not judged by the late-dispatch metric",
    )
    delivered_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    line_items: list[LineItemOut]
    timeline: list[EventOut] | None = None


class OrderPage(PageOut):
    items: list[OrderOut]


MONEY_FIELDS = (
    "original_total_product_price",
    "seller_discount",
    "platform_discount",
    "sub_total",
    "original_shipping_fee",
    "shipping_fee_seller_discount",
    "shipping_fee_platform_discount",
    "shipping_fee",
    "tax",
    "total_amount",
    "refunded_amount",  # after the sale: cancellations, returns, lost parcels, disputes
    "shipping_refunded",
)


SLA_FIELDS = (
    "region",
    "cancel_order_sla_time",
    "rts_sla_time",
    "shipping_due_time",
    "tts_sla_time",
    "collection_due_time",
    "delivery_sla_time",
    "delivery_due_time",
    "rts_time",
    "late_dispatch",
    "deadline_extension_hours",
    "force_majeure_at",
    "delivered_at",
    "completed_at",
)


def money(amount: int, currency: str) -> MoneyOut:
    return MoneyOut.of(amount, currency)


def line_out(line: OrderLineItem | Row) -> LineItemOut:
    c = line.currency
    return LineItemOut(
        id=line.id,
        sku_id=line.sku_id,
        product_id=line.product_id,
        seller_sku=line.seller_sku,
        product_name=line.product_name,
        sku_name=line.sku_name,
        status=line.status,
        original_price=money(line.original_price, c),
        seller_discount=money(line.seller_discount, c),
        platform_discount=money(line.platform_discount, c),
        sale_price=money(line.sale_price, c),
        tax=money(line.tax, c),
        refunded_amount=money(line.refunded_amount, c),
        cancel_reason=line.cancel_reason,
    )


def order_out(
    order: Order | Row,
    lines: list[OrderLineItem] | list[Row],
    hide_address: bool,
    events: list[OrderEvent] | None = None,
) -> OrderOut:
    hidden = hide_address and OrderStatus(order.status) in ADDRESS_HIDDEN
    return OrderOut(
        id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        payment_id=order.payment_id,
        status=order.status,
        currency=order.currency,
        payment={f: money(getattr(order, f), order.currency) for f in MONEY_FIELDS},
        shipping_service=order.shipping_service,
        delivery_min_days=order.delivery_min_days,
        delivery_max_days=order.delivery_max_days,
        recipient_address=None if hidden else order.recipient_address,
        review_hold=order.review_hold,
        review_reason=order.review_reason,
        payment_failure=order.payment_failure,
        paid_at=order.paid_at,
        hold_until=order.hold_until,
        cancelled_by=order.cancelled_by,
        cancel_reason=order.cancel_reason,
        **{name: getattr(order, name) for name in SLA_FIELDS},
        created_at=order.created_at,
        updated_at=order.updated_at,
        line_items=[line_out(x) for x in lines],
        timeline=None if events is None else [EventOut.model_validate(e) for e in events],
    )


class PaymentOut(ResponseModel):
    id: IdStr
    status: str
    amount: MoneyOut
    captured_amount: MoneyOut
    refunded_amount: MoneyOut
    failure_code: str | None
    order_ids: list[IdStr]

    @classmethod
    def of(cls, payment: Payment | PaymentRow, order_ids: list[int]) -> PaymentOut:
        c = payment.currency
        return cls(
            id=payment.id,
            status=payment.status,
            amount=money(payment.amount, c),
            captured_amount=money(payment.captured_amount, c),
            refunded_amount=money(payment.refunded_amount, c),
            failure_code=payment.failure_code,
            order_ids=order_ids,
        )


class CheckoutOut(ResponseModel):
    payment: PaymentOut
    orders: list[OrderOut]


class CancelBody(RequestModel):
    reason: Annotated[FilledLine, StringConstraints(min_length=1, max_length=200)] = (
        "changed my mind"
    )


class ReviewBody(RequestModel):
    decision: Literal["CLEAR", "CANCEL"]
    note: Annotated[FilledText, StringConstraints(min_length=1, max_length=500)]


class RetryBody(RequestModel):
    payment_method_id: IdStr | None = None
