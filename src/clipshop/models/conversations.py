"""Buyer-shop conversations (docs/conversations.md): one per buyer and shop, its messages, the
buyer's waits for the seller's reply (the chat response metric), the shop's quick replies and
chat settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.core.clock import utcnow
from clipshop.models.base import Base, CreatedMixin, IdMixin

SENDER_ROLES = ("BUYER", "SELLER", "SYSTEM")
MESSAGE_TYPES = ("TEXT", "IMAGE", "ORDER_CARD", "PRODUCT_CARD", "AUTO")


class Conversation(IdMixin, CreatedMixin, Base):
    """``buyer_read_id`` / ``seller_read_id``: the last message each side has read (None:
    none yet); ``open_wait_id``: the buyer's wait not answered yet, if any."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("buyer_id", "shop_id", name="uq_conversations_buyer_id_shop_id"),
        Index("ix_conversations_shop_id_id", "shop_id", "id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_by: Mapped[str] = mapped_column(String(10))
    last_message_id: Mapped[int | None]
    last_message_at: Mapped[datetime | None]
    buyer_read_id: Mapped[int | None]
    seller_read_id: Mapped[int | None]
    open_wait_id: Mapped[int | None]


class ConversationMessage(IdMixin, CreatedMixin, Base):
    """``body``: the text (TEXT, AUTO); ``file_id``: an IMAGE's stored file; ``order_id`` /
    ``product_id``: the card's; ``auto_kind``: why the platform wrote an AUTO message."""

    __tablename__ = "conversation_messages"
    __table_args__ = (
        CheckConstraint(f"sender_role IN {SENDER_ROLES!r}", name="sender_role"),
        CheckConstraint(f"message_type IN {MESSAGE_TYPES!r}", name="message_type"),
        Index("ix_conversation_messages_conversation_id_id", "conversation_id", "id"),
    )

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    sender_role: Mapped[str] = mapped_column(String(10))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message_type: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    auto_kind: Mapped[str | None] = mapped_column(String(30))


class ChatWait(IdMixin, CreatedMixin, Base):
    """A buyer waiting for the seller: from the first buyer message after the seller's last
    reply (``started_at``) to the seller's next reply (``answered_at``); ``due_at``: started
    plus the region's ``chat_response_hours``. Judged when answered or at ``due_at``."""

    __tablename__ = "chat_waits"
    __table_args__ = (Index("ix_chat_waits_shop_id_started_at", "shop_id", "started_at"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]


class QuickReply(IdMixin, CreatedMixin, Base):
    """A shop's frequently asked question and its answer, shown to buyers in ``position``
    order."""

    __tablename__ = "quick_replies"
    __table_args__ = (Index("ix_quick_replies_shop_id_position", "shop_id", "position"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    position: Mapped[int]
    question: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(String(1000))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ChatSettings(Base):
    """A shop's chat settings (the reference API's agent settings): whether its agents take
    new chats."""

    __tablename__ = "chat_settings"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    accepting_chats: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
