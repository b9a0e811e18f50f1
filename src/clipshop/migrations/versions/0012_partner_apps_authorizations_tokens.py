"""partner: the TikTok-compatible API's apps, app authorizations, auth codes and tokens
(docs/tiktok-api.md)

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "partner_apps",
        sa.Column("app_key", sa.String(length=32), nullable=False),
        sa.Column("app_secret", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rate_limit_per_minute", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_apps")),
        sa.UniqueConstraint("app_key", name=op.f("uq_partner_apps_app_key")),
    )
    op.create_table(
        "partner_app_authorizations",
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("shop_id", sa.BigInteger(), nullable=False),
        sa.Column("granted_by", sa.BigInteger(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("cipher", sa.String(length=64), nullable=False),
        sa.Column("open_id", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('ACTIVE', 'REVOKED')", name=op.f("ck_partner_app_authorizations_status")
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["partner_apps.id"],
            name=op.f("fk_partner_app_authorizations_app_id_partner_apps"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"],
            ["users.id"],
            name=op.f("fk_partner_app_authorizations_granted_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_partner_app_authorizations_shop_id_shops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_app_authorizations")),
        sa.UniqueConstraint("app_id", "shop_id", name=op.f("uq_partner_app_authorizations_app_id")),
    )
    with op.batch_alter_table("partner_app_authorizations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_partner_app_authorizations_app_id_granted_by",
            ["app_id", "granted_by"],
            unique=False,
        )

    op.create_table(
        "partner_auth_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("authorization_id", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authorization_id"],
            ["partner_app_authorizations.id"],
            name=op.f("fk_partner_auth_codes_authorization_id_partner_app_authorizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_auth_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_partner_auth_codes_code_hash")),
    )
    op.create_table(
        "partner_tokens",
        sa.Column("authorization_id", sa.BigInteger(), nullable=False),
        sa.Column("access_hash", sa.String(length=64), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refresh_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["authorization_id"],
            ["partner_app_authorizations.id"],
            name=op.f("fk_partner_tokens_authorization_id_partner_app_authorizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_tokens")),
        sa.UniqueConstraint("access_hash", name=op.f("uq_partner_tokens_access_hash")),
        sa.UniqueConstraint("refresh_hash", name=op.f("uq_partner_tokens_refresh_hash")),
    )
    with op.batch_alter_table("partner_tokens", schema=None) as batch_op:
        batch_op.create_index(
            "ix_partner_tokens_authorization_id", ["authorization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_partner_tokens_authorization_id")

    op.drop_table("partner_tokens")
    op.drop_table("partner_auth_codes")
    with op.batch_alter_table("partner_app_authorizations", schema=None) as batch_op:
        batch_op.drop_index("ix_partner_app_authorizations_app_id_granted_by")

    op.drop_table("partner_app_authorizations")
    op.drop_table("partner_apps")
