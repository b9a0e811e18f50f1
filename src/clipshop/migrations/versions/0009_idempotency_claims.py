"""Idempotency claims that survive a crash: an IN_FLIGHT record names its holder and a lease
(``owner``, ``claimed_until``), and the key's ``claim_id`` is recorded on the payment attempt
the request opens (``payment_attempts.claim_id``, unique), so a retry that takes the record
over from a dead holder finds what the first request did.

Records left IN_FLIGHT before this revision have no holder and no lease: a retry takes them
over (they were stuck until they expired).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("owner", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_id", sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_payment_attempts_claim_id"), ["claim_id"])


def downgrade() -> None:
    with op.batch_alter_table("payment_attempts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_payment_attempts_claim_id"), type_="unique")
        batch_op.drop_column("claim_id")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("owner")
        batch_op.drop_column("claim_id")
