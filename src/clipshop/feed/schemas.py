"""The event feed's answer: events oldest first and the cursor to resume after them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from clipshop.core.schemas import IdStr, ResponseModel


class FeedEventOut(ResponseModel):
    id: IdStr = Field(description="The event's id (unique; a consumer deduplicates on it)")
    type: str = Field(examples=["order.status_changed"])
    shop_id: IdStr
    order_id: IdStr | None
    created_at: datetime = Field(description="When it happened")
    data: dict[str, Any] = Field(description="The event's fields; ids as decimal strings")


class EventPage(BaseModel):
    items: list[FeedEventOut]
    next_cursor: str = Field(
        description="Pass as `after` to get the events after these; the same cursor again "
        "when there are none yet (poll with it)"
    )
    has_more: bool = Field(description="More events are already waiting after this page")
