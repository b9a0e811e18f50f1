"""Boundary schemas of cancellations, with the reference API's names (return_refund:
cancel_id, cancel_status, cancel_type, role, cancel_line_items, refund_amount,
seller_next_action_response)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints

from clipshop.aftersales.cancel_reasons import SELLER_REASONS
from clipshop.core.schemas import (
    FilledLine,
    IdStr,
    MoneyOut,
    PageOut,
    RequestModel,
    ResponseModel,
    Text,
)
from clipshop.models import AftersaleRecord, Cancellation, OrderLineItem
from clipshop.orders.schemas import money

Reason = Annotated[FilledLine, StringConstraints(min_length=1, max_length=200)]
Note = Annotated[Text, StringConstraints(max_length=500)]
LineIds = Annotated[list[IdStr], Field(min_length=1, max_length=100)]
SellerReason = Literal["OUT_OF_STOCK", "PRICING_ERROR", "UNABLE_TO_DELIVER", "BUYER_REQUESTED"]
CancelStatus = Literal[
    "CANCELLATION_REQUEST_PENDING",
    "CANCELLATION_REQUEST_SUCCESS",
    "CANCELLATION_REQUEST_CANCEL",
    "CANCELLATION_REQUEST_COMPLETE",
]


class CancellationRequestBody(RequestModel):
    reason: Reason
    line_item_ids: LineIds | None = Field(
        None, description="Some line items (default: every item not yet shipped)"
    )


class RejectBody(RequestModel):
    reject_reason: Reason
    comment: Note = ""


class WithdrawBody(RequestModel):
    reason: Note = ""


class SellerCancelBody(RequestModel):
    reason_code: SellerReason = Field(
        description="OUT_OF_STOCK, PRICING_ERROR and UNABLE_TO_DELIVER are the seller's fault "
        "(they count in the seller-fault cancellation rate); OUT_OF_STOCK also sets the SKU's "
        "stock to 0 in every warehouse of the shop"
    )
    line_item_ids: LineIds | None = None
    note: Note = ""


class OperatorCancelBody(RequestModel):
    reason: Reason
    line_item_ids: LineIds | None = None


class RefundAmountOut(ResponseModel):
    currency: str
    refund_subtotal: MoneyOut
    refund_tax: MoneyOut
    refund_shipping_fee: MoneyOut
    refund_total: MoneyOut


class CancelLineItemOut(ResponseModel):
    order_line_item_id: IdStr
    sku_id: IdStr
    seller_sku: str
    product_name: str
    sku_name: str
    refund_amount: MoneyOut


class NextActionOut(ResponseModel):
    action: Literal["SELLER_RESPOND_CANCEL"]
    deadline: datetime


class RecordOut(ResponseModel):
    id: IdStr
    event: str
    actor_role: str
    actor_id: IdStr | None
    note: str
    status_after: str | None
    created_at: datetime


class CancellationOut(ResponseModel):
    cancel_id: IdStr
    order_id: IdStr
    shop_id: IdStr
    buyer_id: IdStr
    cancel_type: Literal["CANCEL", "BUYER_CANCEL"]
    role: Literal["BUYER", "SELLER", "SYSTEM", "OPERATOR"]
    cancel_status: CancelStatus
    cancel_reason: str
    reject_reason: str | None
    cancel_line_items: list[CancelLineItemOut]
    refund_amount: RefundAmountOut = Field(
        description="PENDING: what approving would refund; afterwards what was refunded"
    )
    seller_next_action_response: list[NextActionOut]
    respond_by: datetime | None
    decided_at: datetime | None
    create_time: datetime
    update_time: datetime
    records: list[RecordOut] | None = None


class CancellationPage(PageOut):
    items: list[CancellationOut]


def cancellation_out(
    c: Cancellation,
    lines: list[OrderLineItem],
    records: list[AftersaleRecord] | None = None,
) -> CancellationOut:
    currency = lines[0].currency if lines else "USD"
    subtotal = sum(line.sale_price for line in lines)
    tax = sum(line.tax for line in lines)
    shipping = max(c.refund_amount - subtotal - tax, 0)
    pending = c.status == "CANCELLATION_REQUEST_PENDING" and c.respond_by is not None
    return CancellationOut(
        cancel_id=c.id,
        order_id=c.order_id,
        shop_id=c.shop_id,
        buyer_id=c.buyer_id,
        cancel_type=c.cancel_type,
        role=c.role,
        cancel_status=c.status,
        cancel_reason=c.reason,
        reject_reason=c.reject_reason,
        cancel_line_items=[
            CancelLineItemOut(
                order_line_item_id=line.id,
                sku_id=line.sku_id,
                seller_sku=line.seller_sku,
                product_name=line.product_name,
                sku_name=line.sku_name,
                refund_amount=money(line.sale_price + line.tax, currency),
            )
            for line in lines
        ],
        refund_amount=RefundAmountOut(
            currency=currency,
            refund_subtotal=money(min(subtotal, c.refund_amount), currency),
            refund_tax=money(min(tax, max(c.refund_amount - subtotal, 0)), currency),
            refund_shipping_fee=money(shipping, currency),
            refund_total=money(c.refund_amount, currency),
        ),
        seller_next_action_response=(
            [NextActionOut(action="SELLER_RESPOND_CANCEL", deadline=c.respond_by)]
            if pending and c.respond_by is not None
            else []
        ),
        respond_by=c.respond_by,
        decided_at=c.decided_at,
        create_time=c.created_at,
        update_time=c.updated_at,
        records=None if records is None else [RecordOut.model_validate(r) for r in records],
    )


assert set(get_args(SellerReason)) == set(SELLER_REASONS)
