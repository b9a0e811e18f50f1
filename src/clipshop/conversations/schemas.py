"""Boundary schemas of conversations: messages in and out, conversations, quick replies, the
chat performance read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from clipshop.conversations.messages import MAX_TEXT, Draft
from clipshop.conversations.metrics import ChatPerformance
from clipshop.core.schemas import (
    FilledLine,
    FilledText,
    IdStr,
    PageOut,
    RequestModel,
    ResponseModel,
)
from clipshop.models import Conversation, ConversationMessage, QuickReply

MessageText = Annotated[FilledText, Field(min_length=1, max_length=MAX_TEXT)]


class MessageIn(RequestModel):
    """TEXT: ``text``; ORDER_CARD: ``order_id`` (an order of this buyer at this shop);
    PRODUCT_CARD: ``product_id`` (a product of this shop). Images: the images route."""

    type: Literal["TEXT", "ORDER_CARD", "PRODUCT_CARD"] = "TEXT"
    text: MessageText | None = None
    order_id: IdStr | None = None
    product_id: IdStr | None = None

    @model_validator(mode="after")
    def _fits_type(self) -> MessageIn:
        wanted = {"TEXT": "text", "ORDER_CARD": "order_id", "PRODUCT_CARD": "product_id"}
        for kind, field in wanted.items():
            given = getattr(self, field) is not None
            if given != (self.type == kind):
                raise ValueError(f"a {self.type} message takes {wanted[self.type]} only")
        return self

    def draft(self) -> Draft:
        return Draft(self.type, self.text or "", order_id=self.order_id, product_id=self.product_id)


class ConversationStart(RequestModel):
    """A buyer names the shop; a shop's staff name the shop and the buyer (who ordered
    from it)."""

    shop_id: IdStr
    buyer_id: IdStr | None = None
    message: MessageIn


class ReadIn(RequestModel):
    message_id: IdStr | None = Field(None, description="Read up to this message; none: the last")


class MessageOut(ResponseModel):
    id: IdStr
    conversation_id: IdStr
    sender_role: str
    sender_id: IdStr | None
    type: str
    text: str
    image_url: str | None
    order_id: IdStr | None
    product_id: IdStr | None
    auto_kind: str | None
    created_at: datetime
    read_by_buyer: bool
    read_by_seller: bool

    @classmethod
    def of(cls, m: ConversationMessage, conversation: Conversation) -> MessageOut:
        return cls(
            id=m.id,
            conversation_id=m.conversation_id,
            sender_role=m.sender_role,
            sender_id=m.sender_id,
            type=m.message_type,
            text=m.body,
            image_url=f"/api/v1/files/{m.file_id}" if m.file_id is not None else None,
            order_id=m.order_id,
            product_id=m.product_id,
            auto_kind=m.auto_kind,
            created_at=m.created_at,
            read_by_buyer=(conversation.buyer_read_id or 0) >= m.id,
            read_by_seller=(conversation.seller_read_id or 0) >= m.id,
        )


class MessagePage(PageOut):
    items: list[MessageOut]


class ConversationOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    buyer_id: IdStr
    started_by: str
    created_at: datetime
    last_message_id: IdStr | None
    last_message_at: datetime | None
    buyer_read_id: IdStr | None
    seller_read_id: IdStr | None
    buyer_unread: int
    seller_unread: int

    @classmethod
    def of(cls, c: Conversation, unread: tuple[int, int]) -> ConversationOut:
        return cls(
            id=c.id,
            shop_id=c.shop_id,
            buyer_id=c.buyer_id,
            started_by=c.started_by,
            created_at=c.created_at,
            last_message_id=c.last_message_id,
            last_message_at=c.last_message_at,
            buyer_read_id=c.buyer_read_id,
            seller_read_id=c.seller_read_id,
            buyer_unread=unread[0],
            seller_unread=unread[1],
        )


class ConversationPage(PageOut):
    items: list[ConversationOut]


class SentOut(ResponseModel):
    conversation: ConversationOut
    messages: list[MessageOut]


class UnreadOut(ResponseModel):
    unread: int


class QuickReplyIn(RequestModel):
    question: Annotated[FilledLine, Field(min_length=1, max_length=200)]
    answer: Annotated[FilledText, Field(min_length=1, max_length=1000)]
    position: int | None = Field(None, ge=0, le=1000, description="On update: move it here")


class QuickReplyOut(ResponseModel):
    id: IdStr
    shop_id: IdStr
    position: int
    question: str
    answer: str

    @classmethod
    def of(cls, reply: QuickReply) -> QuickReplyOut:
        return cls.model_validate(reply)


class ChatPerformanceOut(ResponseModel):
    shop_id: IdStr
    days: int
    start: datetime
    end: datetime
    waits_judged: int
    answered_in_time: int
    response_rate: float | None
    average_first_reply_hours: float | None

    @classmethod
    def of(cls, shop_id: int, days: int, p: ChatPerformance) -> ChatPerformanceOut:
        return cls(
            shop_id=shop_id,
            days=days,
            start=p.start,
            end=p.end,
            waits_judged=p.judged,
            answered_in_time=p.in_time,
            response_rate=p.response_rate,
            average_first_reply_hours=p.average_first_reply_hours,
        )
