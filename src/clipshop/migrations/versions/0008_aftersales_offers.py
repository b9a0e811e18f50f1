"""After-sales follow-ups: a partial refund offer waits for the buyer as the reference API's
return status AWAITING_BUYER_RESPONSE, until ``buyer_respond_by``.

Offers made before this revision (PENDING with partial_refund_status OFFERED) become
AWAITING_BUYER_RESPONSE without a deadline (no timer is armed for them: they wait for the
buyer's answer as before).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

OLD = (
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
)
NEW = (*OLD[:1], "AWAITING_BUYER_RESPONSE", *OLD[1:])


def _statuses(names: tuple[str, ...]) -> str:
    return f"status IN {names!r}"


def upgrade() -> None:
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("buyer_respond_by", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.drop_constraint(op.f("ck_returns_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_returns_status"), _statuses(NEW))
    op.execute(
        "UPDATE returns SET status = 'AWAITING_BUYER_RESPONSE' "
        "WHERE status = 'RETURN_OR_REFUND_REQUEST_PENDING' AND partial_refund_status = 'OFFERED'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE returns SET status = 'RETURN_OR_REFUND_REQUEST_PENDING' "
        "WHERE status = 'AWAITING_BUYER_RESPONSE'"
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_returns_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_returns_status"), _statuses(OLD))
        batch_op.drop_column("buyer_respond_by")
