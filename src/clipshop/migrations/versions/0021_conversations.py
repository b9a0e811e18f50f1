"""conversations: one per buyer and shop, their messages, the buyer's waits for a reply (the
chat response metric), quick replies and chat settings (docs/conversations.md)

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | None = None
depends_on: str | None = None

SENDER_ROLES = ("BUYER", "SELLER", "SYSTEM")
MESSAGE_TYPES = ("TEXT", "IMAGE", "ORDER_CARD", "PRODUCT_CARD", "AUTO")


def _id(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _pk(table: str) -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False)


def upgrade() -> None:
    op.create_table(
        "conversations",
        _pk("conversations"),
        _when("created_at"),
        _id("shop_id"),
        _id("buyer_id"),
        sa.Column("started_by", sa.String(length=10), nullable=False),
        _id("last_message_id", True),
        _when("last_message_at", True),
        _id("buyer_read_id", True),
        _id("seller_read_id", True),
        _id("open_wait_id", True),
        _fk("conversations", "shop_id", "shops"),
        _fk("conversations", "buyer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("buyer_id", "shop_id", name="uq_conversations_buyer_id_shop_id"),
    )
    op.create_index("ix_conversations_shop_id_id", "conversations", ["shop_id", "id"])
    op.create_table(
        "conversation_messages",
        _pk("conversation_messages"),
        _when("created_at"),
        _id("conversation_id"),
        _id("shop_id"),
        sa.Column("sender_role", sa.String(length=10), nullable=False),
        _id("sender_id", True),
        sa.Column("message_type", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _id("file_id", True),
        _id("order_id", True),
        _id("product_id", True),
        sa.Column("auto_kind", sa.String(length=30), nullable=True),
        sa.CheckConstraint(
            f"sender_role IN {SENDER_ROLES!r}", name=op.f("ck_conversation_messages_sender_role")
        ),
        sa.CheckConstraint(
            f"message_type IN {MESSAGE_TYPES!r}",
            name=op.f("ck_conversation_messages_message_type"),
        ),
        _fk("conversation_messages", "conversation_id", "conversations"),
        _fk("conversation_messages", "shop_id", "shops"),
        _fk("conversation_messages", "sender_id", "users"),
        _fk("conversation_messages", "file_id", "stored_files"),
        _fk("conversation_messages", "order_id", "orders"),
        _fk("conversation_messages", "product_id", "products"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
    )
    op.create_index(
        "ix_conversation_messages_conversation_id_id",
        "conversation_messages",
        ["conversation_id", "id"],
    )
    op.create_table(
        "chat_waits",
        _pk("chat_waits"),
        _when("created_at"),
        _id("shop_id"),
        _id("conversation_id"),
        _when("started_at"),
        _when("due_at"),
        _when("answered_at", True),
        _fk("chat_waits", "shop_id", "shops"),
        _fk("chat_waits", "conversation_id", "conversations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_waits")),
    )
    op.create_index("ix_chat_waits_shop_id_started_at", "chat_waits", ["shop_id", "started_at"])
    op.create_table(
        "quick_replies",
        _pk("quick_replies"),
        _when("created_at"),
        _id("shop_id"),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.String(length=1000), nullable=False),
        _when("updated_at"),
        _fk("quick_replies", "shop_id", "shops"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quick_replies")),
    )
    op.create_index("ix_quick_replies_shop_id_position", "quick_replies", ["shop_id", "position"])
    op.create_table(
        "chat_settings",
        _id("shop_id"),
        sa.Column("accepting_chats", sa.Boolean(), nullable=False),
        _when("updated_at"),
        _fk("chat_settings", "shop_id", "shops"),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_chat_settings")),
    )


def downgrade() -> None:
    op.drop_table("chat_settings")
    op.drop_index("ix_quick_replies_shop_id_position", table_name="quick_replies")
    op.drop_table("quick_replies")
    op.drop_index("ix_chat_waits_shop_id_started_at", table_name="chat_waits")
    op.drop_table("chat_waits")
    op.drop_index("ix_conversation_messages_conversation_id_id", table_name="conversation_messages")
    op.drop_table("conversation_messages")
    op.drop_index("ix_conversations_shop_id_id", table_name="conversations")
    op.drop_table("conversations")
