"""Boundary schemas of fulfilment: packages, tracking, carrier webhooks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from clipshop.core.schemas import (
    FilledLine,
    IdStr,
    Line,
    PageOut,
    RequestModel,
    ResponseModel,
    Text,
    When,
)
from clipshop.fulfillment.carriers import SCENARIOS
from clipshop.fulfillment.packages import ShipRequest
from clipshop.fulfillment.tracking import EVENT_KINDS

Tracking = Annotated[FilledLine, StringConstraints(min_length=1, max_length=64)]
Provider = Annotated[Line, StringConstraints(max_length=20)]


class PackageCreate(RequestModel):
    order_ids: list[IdStr] = Field(
        min_length=1, max_length=20, description="One order, or several to combine"
    )
    line_item_ids: list[IdStr] | None = Field(
        None,
        max_length=500,
        description="Ship only these items (split); default: all unshipped items of the orders",
    )
    shipping_type: Literal["SELLER", "PLATFORM"] = "SELLER"
    provider_code: Provider = Field(description="SIMEX, SIMPOST or OTHER")
    tracking_number: Tracking | None = Field(None, description="SELLER shipping only")
    handover_method: Literal["PICKUP", "DROP_OFF"] | None = Field(
        None, description="PLATFORM shipping only"
    )
    pickup_slot_start: When | None = Field(
        None, description="PICKUP: the start of one of the offered handover slots"
    )
    sim_scenario: Literal[SCENARIOS] | None = Field(  # type: ignore[valid-type]
        None, description="Sandbox: how the simulated carrier will behave"
    )

    @model_validator(mode="after")
    def _by_type(self) -> PackageCreate:
        if self.shipping_type == "SELLER" and not self.tracking_number:
            raise ValueError("ship-by-seller needs tracking_number")
        if self.shipping_type == "PLATFORM" and self.tracking_number:
            raise ValueError("platform shipping buys the label: do not send tracking_number")
        return self

    def ship_request(self) -> ShipRequest:
        """What the packages service is asked to ship."""
        return ShipRequest(
            order_ids=self.order_ids,
            line_item_ids=self.line_item_ids,
            shipping_type=self.shipping_type,
            provider_code=self.provider_code,
            tracking_number=self.tracking_number,
            handover_method=self.handover_method,
            pickup_slot_start=self.pickup_slot_start,
            sim_scenario=self.sim_scenario,
        )


class TrackingCorrection(RequestModel):
    tracking_number: Tracking
    provider_code: Provider | None = None


class PackageEventOut(ResponseModel):
    kind: str
    occurred_at: datetime
    location: str
    description: str


class PackageOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    order_ids: list[IdStr]
    line_item_ids: list[IdStr]
    status: str
    shipping_type: str
    shipping_service: str
    provider_code: str
    tracking_number: str
    handover_method: str | None
    pickup_slot_start: datetime | None
    pickup_slot_end: datetime | None
    estimated_delivery: date | None
    collected_at: datetime | None
    delivered_at: datetime | None
    returned_at: datetime | None
    failed_attempts: int
    last_event_kind: str | None
    created_at: datetime
    events: list[PackageEventOut] | None = None


class PackagePage(PageOut):
    items: list[PackageOut]


class TrackingOut(ResponseModel):
    order_id: IdStr
    status: str
    packages: list[PackageOut]


class SlotOut(ResponseModel):
    start: datetime
    end: datetime


class CarrierEventIn(RequestModel):
    event_id: Annotated[FilledLine, StringConstraints(min_length=1, max_length=100)]
    tracking_number: Tracking
    kind: Literal[EVENT_KINDS]  # type: ignore[valid-type]
    occurred_at: When
    location: Line = Field("", max_length=200)
    description: Text = Field("", max_length=500)
    proof_photo: str | None = Field(
        None,
        description="DELIVERED only: a base64 JPEG, PNG or WebP photo (at most 5 MB decoded), "
        "kept as the package's proof of delivery",
    )

    @model_validator(mode="after")
    def _proof_on_delivery(self) -> CarrierEventIn:
        if self.proof_photo is not None and self.kind != "DELIVERED":
            raise ValueError("proof_photo is only accepted on DELIVERED events")
        return self


class CarrierBatch(RequestModel):
    events: list[CarrierEventIn] = Field(min_length=1, max_length=500)


class CarrierOutcomeOut(ResponseModel):
    event_id: str
    result: str
    package_id: IdStr | None


class CarrierBatchOut(ResponseModel):
    results: list[CarrierOutcomeOut]


class PhotoOut(ResponseModel):
    id: IdStr
    package_id: IdStr
    kind: Literal["HANDOVER_PHOTO", "PROOF_OF_DELIVERY"]
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: IdStr | None
    created_at: datetime
    download_url: str


class UploadRowOut(ResponseModel):
    row: int = Field(description="1-based data row number (the header row is not counted)")
    status: Literal["OK", "ERROR"]
    order_id: str
    tracking_number: str
    package_id: IdStr | None = None
    code: str | None = None
    message: str | None = None


class UploadOut(ResponseModel):
    total: int
    succeeded: int
    failed: int
    rows: list[UploadRowOut]
