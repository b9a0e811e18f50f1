"""Our models of the seller API's return_refund answers and bodies (returns and cancellations
search, return records, reject reasons, the decisions' bodies), written from the reference's
shapes. Times are Unix seconds; money is a decimal string beside a ``currency``; a scalar
clipshop has no value for is left out, an object or array is always sent. Answers refuse
unknown fields (the tests validate with these models); bodies ignore them (later clients send
more)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clipshop.core.schemas import COUNT_MAX

Str = str | None
Int = int | None
Bool = bool | None
Ids = Annotated[list[Annotated[str, StringConstraints(max_length=20)]], Field(max_length=100)]
Names = Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(max_length=20)]
Time = Annotated[int, Field(ge=0, le=COUNT_MAX)]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RefundAmount(Shape):
    currency: Str = None
    refund_subtotal: Str = None
    refund_shipping_fee: Str = None
    refund_tax: Str = None
    refund_total: Str = None
    buyer_service_fee: Str = None
    retail_delivery_fee: Str = None


class Image(Shape):
    url: Str = None
    height: Int = None
    width: Int = None


class NextAction(Shape):
    action: str
    deadline: int


class PartialRefund(Shape):
    amount: Str = None
    currency: Str = None


class Address(Shape):
    full_address: Str = None


class LineItem(Shape):
    """What a return's and a cancellation's line items share."""

    order_line_item_id: str
    sku_id: Str = None
    seller_sku: Str = None
    product_name: Str = None
    sku_name: Str = None
    product_image: Image = Field(default_factory=Image)
    refund_amount: RefundAmount = Field(default_factory=RefundAmount)


class ReturnLineItem(LineItem):
    return_line_item_id: str


class ReturnOrder(Shape):
    return_id: str
    order_id: str
    return_type: str
    return_status: str
    role: str
    return_reason: Str = None
    return_reason_text: Str = None
    create_time: int
    update_time: int
    refund_amount: RefundAmount
    return_line_items: list[ReturnLineItem]
    partial_refund: PartialRefund = Field(default_factory=PartialRefund)
    seller_proposed_return_type: Str = None
    buyer_rejected_partial_refund: Bool = None
    seller_next_action_response: list[NextAction] = Field(default_factory=list)
    return_tracking_number: Str = None
    return_provider_name: Str = None
    return_provider_id: Str = None
    arbitration_status: Str = None
    can_buyer_keep_item: Bool = None
    discount_amount: list[dict[str, str]] = Field(default_factory=list)
    shipping_fee_amount: list[dict[str, str]] = Field(default_factory=list)
    return_warehouse_address: Address = Field(default_factory=Address)


class ReturnsSearchData(Shape):
    return_orders: list[ReturnOrder]
    next_page_token: str
    total_count: int


class CancelLineItem(LineItem):
    cancel_line_item_id: str


class CancellationItem(Shape):
    cancel_id: str
    order_id: str
    cancel_type: str
    cancel_status: str
    role: str
    cancel_reason: Str = None
    cancel_reason_text: Str = None
    create_time: int
    update_time: int
    refund_amount: RefundAmount
    cancel_line_items: list[CancelLineItem]
    seller_next_action_response: list[NextAction] = Field(default_factory=list)


class CancellationsSearchData(Shape):
    cancellations: list[CancellationItem]
    next_page_token: str
    total_count: int


class Video(Shape):
    url: Str = None
    cover: Str = None
    duration_millis: Int = None
    height: Int = None
    width: Int = None


class ReturnRecord(Shape):
    create_time: int
    event: str
    role: str
    description: Str = None
    note: Str = None
    reason_text: Str = None
    images: list[Image] = Field(default_factory=list)
    videos: list[Video] = Field(default_factory=list)


class RecordsData(Shape):
    records: list[ReturnRecord]


class Reason(Shape):
    name: str
    text: str


class ReasonsData(Shape):
    reasons: list[Reason]


# --- bodies (unknown fields ignored) ------------------------------------------------------------


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TimeFilters(Body):
    create_time_ge: Time | None = None
    create_time_lt: Time | None = None
    update_time_ge: Time | None = None
    update_time_lt: Time | None = None
    order_ids: Ids = Field(default_factory=list)
    buyer_user_ids: Ids = Field(default_factory=list)
    locale: Str = None


class ReturnFilters(TimeFilters):
    return_ids: Ids = Field(default_factory=list)
    return_status: Names = Field(default_factory=list)
    return_types: Names = Field(default_factory=list)
    arbitration_status: Names = Field(default_factory=list)
    seller_proposed_return_type: Names = Field(default_factory=list)


class CancelFilters(TimeFilters):
    cancel_ids: Ids = Field(default_factory=list)
    cancel_status: Names = Field(default_factory=list)
    cancel_types: Names = Field(default_factory=list)


class PartialRefundBody(Body):
    amount: Annotated[str, StringConstraints(max_length=32)] = ""
    currency: Str = None


class ApproveReturnBody(Body):
    decision: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    buyer_keep_item: bool = False
    partial_refund: PartialRefundBody | None = None


class RejectBody(Body):
    decision: Annotated[str, StringConstraints(max_length=40)] | None = None
    reject_reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    comment: Annotated[str, StringConstraints(max_length=500)] = ""


class CancelOrderBody(Body):
    order_id: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    cancel_reason: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    order_line_item_ids: Ids = Field(default_factory=list)


class CancelOrderData(Shape):
    cancel_id: str
    cancel_status: str


class LineEligibility(Shape):
    request_type: str
    eligible: bool
    order_line_items_ids: list[str]
    ineligible_code: Int = None
    ineligible_reason: Str = None


class SkuEligibility(Shape):
    sku_id: str
    line_item_eligibility: list[LineEligibility]


class EligibilityData(Shape):
    sku_eligibility: list[SkuEligibility]


class LineEligibility202512(LineEligibility):
    available_reason_names: list[str] = Field(default_factory=list)


class SkuEligibility202512(Shape):
    sku_id: str
    line_item_eligibility: list[LineEligibility202512]


class EligibilityData202512(Shape):
    sku_eligibility: list[SkuEligibility202512]


class CalculateBody(Body):
    order_id: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    request_type: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    order_line_item_ids: Ids = Field(default_factory=list)
    reason_name: Str = None


class CalculateData(Shape):
    order_refund_amount: RefundAmount


class SkuUnits(Body):
    sku_id: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    quantity: Annotated[int, Field(ge=1, le=1000)] = 1


class CreateReturnBody(Body):
    order_id: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    return_type: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    return_reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    order_line_item_ids: Ids = Field(default_factory=list)
    skus: Annotated[list[SkuUnits], Field(max_length=100)] = Field(default_factory=list)
    refund_total: Annotated[str, StringConstraints(max_length=32)] | None = None
    currency: Annotated[str, StringConstraints(max_length=8)] | None = None
    handover_method: Annotated[str, StringConstraints(max_length=20)] | None = None
    shipment_type: Annotated[str, StringConstraints(max_length=20)] | None = None


class CreateReturnData(Shape):
    return_id: str
    return_status: str
