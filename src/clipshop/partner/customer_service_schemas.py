"""Request bodies of the reference API's customer_service module (docs/tiktok-api.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CreateConversation(_Body):
    buyer_user_id: str = Field(min_length=1, max_length=20)


class SendMessage(_Body):
    type: Literal["TEXT", "IMAGE", "PRODUCT_CARD", "ORDER_CARD"]
    content: str = Field(min_length=2, max_length=8000, description="The message as JSON text")


class AgentSettings(_Body):
    can_accept_chat: bool
