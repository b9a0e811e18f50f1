"""partner creators: an app authorization is a shop's or a creator's own (creator_user_id,
no shop and no cipher), exactly one of them (docs/tiktok-api.md, "Affiliate (creators)")

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "partner_app_authorizations"
ONE_GRANTEE = (
    "(shop_id IS NOT NULL AND cipher IS NOT NULL AND creator_user_id IS NULL)"
    " OR (shop_id IS NULL AND cipher IS NULL AND creator_user_id IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("creator_user_id", sa.BigInteger(), nullable=True))
        batch_op.alter_column("shop_id", existing_type=sa.BigInteger(), nullable=True)
        batch_op.alter_column("cipher", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f(f"fk_{TABLE}_creator_user_id_users"), "users", ["creator_user_id"], ["id"]
        )
        batch_op.create_unique_constraint(
            f"uq_{TABLE}_app_id_creator", ["app_id", "creator_user_id"]
        )
        batch_op.create_check_constraint(
            batch_op.f(f"ck_{TABLE}_one_grantee"), sa.text(ONE_GRANTEE)
        )


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM partner_tokens WHERE authorization_id IN "
            f"(SELECT id FROM {TABLE} WHERE creator_user_id IS NOT NULL)"
        )
    )
    op.execute(
        sa.text(
            "DELETE FROM partner_auth_codes WHERE authorization_id IN "
            f"(SELECT id FROM {TABLE} WHERE creator_user_id IS NOT NULL)"
        )
    )
    op.execute(sa.text(f"DELETE FROM {TABLE} WHERE creator_user_id IS NOT NULL"))
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f"ck_{TABLE}_one_grantee"), type_="check")
        batch_op.drop_constraint(f"uq_{TABLE}_app_id_creator", type_="unique")
        batch_op.drop_constraint(
            batch_op.f(f"fk_{TABLE}_creator_user_id_users"), type_="foreignkey"
        )
        batch_op.alter_column("cipher", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("shop_id", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("creator_user_id")
