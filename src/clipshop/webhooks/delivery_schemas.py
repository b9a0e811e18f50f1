"""Boundary schemas of the delivery log, the retry, the test ping and the replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from clipshop.core.schemas import IdStr, PageOut, RequestModel, ResponseModel, When

DeliveryStatus = Literal["PENDING", "DELIVERED", "FAILED"]


class DeliveryOut(ResponseModel):
    id: IdStr
    subscription_id: IdStr
    event_id: IdStr | None = Field(description="The event delivered (null: a test ping)")
    order_id: IdStr | None
    message_id: str = Field(description="The webhook-id header: the same on every retry")
    type: str = Field(examples=["order.status_changed"])
    status: DeliveryStatus
    attempts: int = Field(description="Attempts made (since a manual retry of a failed one)")
    last_status_code: int | None = Field(description="The receiver's last HTTP status")
    last_error: str | None = Field(description="Why the last attempt failed")
    last_latency_ms: int | None = Field(description="How long the last answer took")
    next_attempt_at: datetime | None = Field(description="The next retry (PENDING only)")
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any] = Field(description="The body sent: {type, timestamp, data}")

    @classmethod
    def of(cls, row: Any) -> DeliveryOut:
        out = cls.model_validate(row)
        if out.status != "PENDING":
            out.next_attempt_at = None
        return out


class DeliveryPage(PageOut):
    items: list[DeliveryOut]


class ReplayIn(RequestModel):
    start: When = Field(alias="from", description="Events that happened at or after this")
    end: When = Field(alias="to", description="... and before this")


class ReplayOut(ResponseModel):
    deliveries: int = Field(description="Deliveries created, one per event replayed")
