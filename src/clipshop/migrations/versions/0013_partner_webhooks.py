"""event: a partner app's TikTok-format webhooks are webhook subscriptions with the app and
the event type (docs/tiktok-api.md#events-webhooks)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("app_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("topic", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_webhook_subscriptions_app_id_partner_apps"),
            "partner_apps",
            ["app_id"],
            ["id"],
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_webhook_subscriptions_app_id"), ["app_id", "shop_id", "topic"]
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_webhook_subscriptions_app_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_webhook_subscriptions_app_id_partner_apps"), type_="foreignkey"
        )
        batch_op.drop_column("topic")
        batch_op.drop_column("app_id")
