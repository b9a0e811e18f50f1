"""Our models of the event module's shapes (``/event/202309/webhooks``): the request bodies
(unknown fields ignored, as the other modules' bodies) and the ``data`` of the list answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from clipshop.partner.schemas import PartnerData


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WebhookIn(Body):
    """``PUT``: the address (at most 255 characters, as the reference says) of one topic."""

    address: str = Field(min_length=1, max_length=255)
    event_type: str = Field(min_length=1, max_length=64)


class WebhookTypeIn(Body):
    """``DELETE``: the topic whose address goes."""

    event_type: str = Field(min_length=1, max_length=64)


class WebhookOut(PartnerData):
    address: str
    create_time: int
    event_type: str
    update_time: int


class WebhooksData(PartnerData):
    total_count: int
    webhooks: list[WebhookOut]


class Empty(PartnerData):
    """The ``data`` of ``PUT`` and ``DELETE``: an empty object."""
