"""support cases: cases, their messages; timers may belong to no shop (a support case about
no shop arms its auto-close timer too) (docs/support.md)

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | None = None
depends_on: str | None = None

STATUSES = ("OPEN", "PENDING_USER", "PENDING_AGENT", "RESOLVED", "CLOSED")
CATEGORIES = (
    "ORDER_ISSUE",
    "DELIVERY_DELAY",
    "RETURN_REFUND",
    "PAYMENT",
    "ACCOUNT",
    "FORCE_MAJEURE",
    "DISPUTE",
    "OTHER",
)


def _when(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _ck(name: str, sql: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(sql, name=op.f(f"ck_support_cases_{name}"))


def upgrade() -> None:
    op.create_table(
        "support_cases",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("dispute_id", sa.BigInteger(), nullable=True),
        sa.Column("opened_by_id", sa.BigInteger(), nullable=False),
        sa.Column("opened_by_role", sa.String(length=12), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), nullable=True),
        _when("first_response_due"),
        _when("first_response_at", True),
        _when("decide_by", True),
        _when("escalated_at", True),
        sa.Column("escalation_reason", sa.String(length=500), nullable=True),
        sa.Column("resolution", sa.String(length=1000), nullable=True),
        _when("resolved_at", True),
        _when("closed_at", True),
        _when("updated_at"),
        sa.Column("fm_requested_hours", sa.BigInteger(), nullable=True),
        sa.Column("fm_approved_hours", sa.BigInteger(), nullable=True),
        sa.Column("fm_decision", sa.String(length=10), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        _when("created_at"),
        _ck("status", f"status IN {STATUSES!r}"),
        _ck("category", f"category IN {CATEGORIES!r}"),
        _ck("fm_decision", "fm_decision IN ('APPROVED', 'REJECTED')"),
        _ck("fm_requested_hours", "fm_requested_hours > 0"),
        _ck("fm_approved_hours", "fm_approved_hours > 0"),
        _fk("support_cases", "shop_id", "shops"),
        _fk("support_cases", "order_id", "orders"),
        _fk("support_cases", "dispute_id", "disputes"),
        _fk("support_cases", "opened_by_id", "users"),
        _fk("support_cases", "assignee_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_support_cases_number")),
        sa.UniqueConstraint("dispute_id", name=op.f("uq_support_cases_dispute_id")),
    )
    op.create_index("ix_support_cases_opened_by_id_id", "support_cases", ["opened_by_id", "id"])
    op.create_index("ix_support_cases_shop_id_id", "support_cases", ["shop_id", "id"])
    op.create_index(
        "ix_support_cases_status_first_response_due",
        "support_cases",
        ["status", "first_response_due"],
    )
    op.create_table(
        "support_messages",
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("author_role", sa.String(length=12), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        _when("created_at"),
        _fk("support_messages", "case_id", "support_cases"),
        _fk("support_messages", "author_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_messages")),
    )
    op.create_index("ix_support_messages_case_id_id", "support_messages", ["case_id", "id"])
    with op.batch_alter_table("timers") as batch:
        batch.alter_column("shop_id", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM timers WHERE shop_id IS NULL")
    with op.batch_alter_table("timers") as batch:
        batch.alter_column("shop_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_table("support_messages")
    op.drop_table("support_cases")
