"""Boundary schemas of returns: requests forbid unknown fields; money out in minor units
and decimal strings (``MoneyOut``); names as the reference API's return_refund module."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from clipshop.aftersales.calculate import REASONS, RefundPlan
from clipshop.core.schemas import (
    FilledLine,
    IdStr,
    Line,
    MinorUnits,
    MoneyOut,
    PageOut,
    RequestModel,
    ResponseModel,
    Text,
)
from clipshop.models import AftersaleRecord, Return, ReturnLine, StoredFile

ReturnType = Literal["REFUND", "RETURN_AND_REFUND", "REPLACEMENT"]
Reason = Literal[REASONS]  # type: ignore[valid-type]
Decision = Literal[
    "APPROVE_REFUND",
    "APPROVE_RETURN",
    "APPROVE_REPLACEMENT",
    "ISSUE_REPLACEMENT_REFUND",
    "OFFER_PARTIAL_REFUND",
    "APPROVE_RECEIVED_PACKAGE",
]
Free = Annotated[Text, StringConstraints(max_length=1000)]
Required = Annotated[FilledLine, StringConstraints(min_length=1, max_length=200)]


class ReturnRequest(RequestModel):
    return_type: ReturnType
    reason: Reason = Field(
        description="NOT_RECEIVED, WRONG_ITEM, NOT_AS_DESCRIBED, DAMAGED, CHANGED_MIND"
    )
    line_item_ids: list[IdStr] = Field(min_length=1, max_length=100)
    description: Free = ""


class CalculateRequest(RequestModel):
    order_id: IdStr
    line_item_ids: list[IdStr] = Field(min_length=1, max_length=100)
    request_type: ReturnType
    reason: Reason


class PartialRefundIn(RequestModel):
    amount: MinorUnits = Field(gt=0, description="Minor units of the order's currency")


class ApproveRequest(RequestModel):
    decision: Decision
    partial_refund: PartialRefundIn | None = Field(
        None, description="With OFFER_PARTIAL_REFUND: the amount offered"
    )
    buyer_keep_item: bool = Field(
        False, description="With APPROVE_RETURN: a returnless refund (the buyer keeps the item)"
    )
    resellable: bool = Field(
        True,
        description="With APPROVE_RECEIVED_PACKAGE: false keeps the returned units out of "
        "stock (damaged, used); true puts them back in the return warehouse's available stock",
    )


class RejectRequest(RequestModel):
    reject_reason: Required
    comment: Free = ""


class CancelRequest(RequestModel):
    reason: Free = ""


class ShipRequest(RequestModel):
    provider_code: Line | None = Field(None, max_length=20)
    tracking_number: Line | None = Field(None, max_length=64)


class RefundAmountOut(ResponseModel):
    currency: str
    refund_subtotal: MoneyOut
    refund_tax: MoneyOut
    refund_shipping_fee: MoneyOut
    refund_total: MoneyOut


class LineRefundOut(ResponseModel):
    order_line_item_id: IdStr
    refund_subtotal: MoneyOut
    refund_tax: MoneyOut
    refund_total: MoneyOut


class CalculateOut(ResponseModel):
    order_id: IdStr
    order_refund_amount: RefundAmountOut
    line_items: list[LineRefundOut]


class ReturnLineOut(ResponseModel):
    return_line_item_id: IdStr
    order_line_item_id: IdStr
    refund_amount: MoneyOut


class ReturnOut(ResponseModel):
    return_id: IdStr
    order_id: IdStr
    shop_id: IdStr
    buyer_id: IdStr
    return_type: str
    return_status: str
    return_reason: str
    description: str
    refund_amount: MoneyOut = Field(description="What the buyer gets (got) back, shipping included")
    refund_shipping_fee: MoneyOut
    partial_refund: MoneyOut | None
    partial_refund_status: str | None = Field(
        description="OFFERED, ACCEPTED, DECLINED or EXPIRED (unanswered in time)"
    )
    seller_respond_by: datetime | None
    buyer_respond_by: datetime | None = Field(
        description="While AWAITING_BUYER_RESPONSE: the partial refund offer lapses then"
    )
    buyer_ship_by: datetime | None
    return_provider: str | None
    return_tracking_number: str | None
    reject_reason: str | None
    replacement_order_id: IdStr | None
    refund_txn_id: IdStr | None
    refund_status: str | None = Field(
        description="The gateway's answer: PENDING, SUCCEEDED, FAILED"
    )
    return_line_items: list[ReturnLineOut]
    create_time: datetime
    update_time: datetime


class ReturnPage(PageOut):
    items: list[ReturnOut]


class RecordOut(ResponseModel):
    id: IdStr
    event: str
    role: str
    actor_id: IdStr | None
    note: str
    status_after: str | None
    create_time: datetime


class EvidenceOut(ResponseModel):
    id: IdStr
    return_id: IdStr
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime
    download_url: str


def _m(amount: int, currency: str) -> MoneyOut:
    return MoneyOut.of(amount, currency)


def plan_out(order_id: int, currency: str, plan: RefundPlan) -> CalculateOut:
    return CalculateOut(
        order_id=order_id,
        order_refund_amount=RefundAmountOut(
            currency=currency,
            refund_subtotal=_m(plan.subtotal, currency),
            refund_tax=_m(plan.tax, currency),
            refund_shipping_fee=_m(plan.shipping, currency),
            refund_total=_m(plan.total, currency),
        ),
        line_items=[
            LineRefundOut(
                order_line_item_id=x.line_id,
                refund_subtotal=_m(x.subtotal, currency),
                refund_tax=_m(x.tax, currency),
                refund_total=_m(x.total, currency),
            )
            for x in plan.lines
        ],
    )


def return_out(
    ret: Return, lines: list[ReturnLine], currency: str, refund_status: str | None
) -> ReturnOut:
    c = currency
    return ReturnOut(
        return_id=ret.id,
        order_id=ret.order_id,
        shop_id=ret.shop_id,
        buyer_id=ret.buyer_id,
        return_type=ret.return_type,
        return_status=ret.status,
        return_reason=ret.reason,
        description=ret.description,
        refund_amount=_m(ret.refund_amount, c),
        refund_shipping_fee=_m(ret.shipping_refund, c),
        partial_refund=None
        if ret.partial_refund_amount is None
        else _m(ret.partial_refund_amount, c),
        partial_refund_status=ret.partial_refund_status,
        seller_respond_by=ret.seller_respond_by,
        buyer_respond_by=ret.buyer_respond_by,
        buyer_ship_by=ret.buyer_ship_by,
        return_provider=ret.return_provider,
        return_tracking_number=ret.return_tracking_number,
        reject_reason=ret.reject_reason,
        replacement_order_id=ret.replacement_order_id,
        refund_txn_id=ret.refund_txn_id,
        refund_status=refund_status,
        return_line_items=[
            ReturnLineOut(
                return_line_item_id=x.id,
                order_line_item_id=x.line_item_id,
                refund_amount=_m(x.refund_amount, c),
            )
            for x in lines
        ],
        create_time=ret.created_at,
        update_time=ret.updated_at,
    )


def record_out(row: AftersaleRecord) -> RecordOut:
    return RecordOut(
        id=row.id,
        event=row.event,
        role=row.actor_role,
        actor_id=row.actor_id,
        note=row.note,
        status_after=row.status_after,
        create_time=row.created_at,
    )


def evidence_out(row: StoredFile) -> EvidenceOut:
    return EvidenceOut(
        id=row.id,
        return_id=row.owner_id,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        created_at=row.created_at,
        download_url=f"/api/v1/files/{row.id}",
    )
