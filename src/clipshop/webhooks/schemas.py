"""Request and response bodies of the webhook subscription routes. The secret is in the
answers of create and rotate-secret only (``WebhookCreated``, ``SecretOut``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from clipshop.core.schemas import FilledLine, IdStr, RequestModel, ResponseModel, Text

MAX_URL_LENGTH = 2048
MAX_OVERLAP_HOURS = 168

Url = Annotated[FilledLine, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH)]
EventType = Annotated[FilledLine, StringConstraints(min_length=1, max_length=64)]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=100)]
Description = Annotated[Text, StringConstraints(max_length=500)]


class WebhookCreate(RequestModel):
    url: Url = Field(
        description="Where deliveries are POSTed: http(s), a public address",
        examples=["https://erp.example.com/clipshop/hooks"],
    )
    event_types: EventTypes = Field(
        description='Event types to receive, or ["*"] for every type',
        examples=[["order.status_changed", "package.status_changed"]],
    )
    enabled: bool = True
    description: Description = ""


class WebhookUpdate(RequestModel):
    url: Url | None = None
    event_types: EventTypes | None = None
    enabled: bool | None = Field(
        default=None, description="true re-enables a disabled subscription (clears the reason)"
    )
    description: Description | None = None


class RotateSecret(RequestModel):
    overlap_hours: int = Field(
        default=24,
        ge=0,
        le=MAX_OVERLAP_HOURS,
        description="How long the old secret keeps signing too (0: stop at once)",
    )


class WebhookOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    url: str
    event_types: list[str]
    enabled: bool
    description: str
    disabled_reason: str | None = Field(
        description="Why clipshop disabled it (e.g. the receiver answered 410)"
    )
    disabled_at: datetime | None
    previous_secret_until: datetime | None = Field(
        description="Until when the secret replaced by the last rotation still signs too"
    )
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="The signing secret (Standard Webhooks whsec_...); shown only now",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class SecretOut(BaseModel):
    secret: str = Field(description="The new signing secret; shown only now")
    previous_secret_until: datetime | None = Field(
        description="Until when the old secret signs too (null: it stopped at once)"
    )


class WebhookList(BaseModel):
    items: list[WebhookOut]
