"""The TikTok-compatible seller API's apps, the shops' authorizations of them, single-use auth
codes and the tokens they are exchanged for (docs/tiktok-api.md).

Times a client computes from (code and token expiries) are wall time, never the sandbox clock
(docs/architecture.md rule 9); ``created_at`` columns are business time like everywhere else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.models.base import Base, CreatedMixin, IdMixin

AUTHORIZATION_STATUSES = ("ACTIVE", "REVOKED")
# a shop's grant (with its cipher) or a creator's, never both nor neither
ONE_GRANTEE = (
    "(shop_id IS NOT NULL AND cipher IS NOT NULL AND creator_user_id IS NULL)"
    " OR (shop_id IS NULL AND cipher IS NULL AND creator_user_id IS NOT NULL)"
)


class PartnerApp(IdMixin, CreatedMixin, Base):
    """An integration. ``app_secret`` is stored as issued: every signed request is checked
    against it (HMAC needs the key itself)."""

    __tablename__ = "partner_apps"

    app_key: Mapped[str] = mapped_column(String(32), unique=True)
    app_secret: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    rate_limit_per_minute: Mapped[int | None]  # NULL: the setting's default


class AppAuthorization(IdMixin, CreatedMixin, Base):
    """A grant of scopes to an app, made by ``granted_by``: either a shop's (its owner grants;
    ``cipher`` is the shop's opaque ``shop_cipher``) or a creator's own (``creator_user_id``,
    no shop, no cipher; the token's ``user_type`` 1). ``open_id`` names the grant to the app."""

    __tablename__ = "partner_app_authorizations"
    __table_args__ = (
        UniqueConstraint("app_id", "shop_id"),
        UniqueConstraint(
            "app_id", "creator_user_id", name="uq_partner_app_authorizations_app_id_creator"
        ),
        CheckConstraint(f"status IN {AUTHORIZATION_STATUSES!r}", name="status"),
        CheckConstraint(ONE_GRANTEE, name="one_grantee"),
        Index("ix_partner_app_authorizations_app_id_granted_by", "app_id", "granted_by"),
    )

    app_id: Mapped[int] = mapped_column(ForeignKey("partner_apps.id"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    creator_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="ACTIVE")
    cipher: Mapped[str | None] = mapped_column(String(64))
    open_id: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]


class AuthCode(IdMixin, CreatedMixin, Base):
    """A single-use code (stored hashed) for one authorization; ``expires_at`` wall time."""

    __tablename__ = "partner_auth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    authorization_id: Mapped[int] = mapped_column(ForeignKey("partner_app_authorizations.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PartnerToken(IdMixin, CreatedMixin, Base):
    """An access token and its refresh token (both stored hashed) minted from an auth code of
    ``authorization_id``. Expiries are absolute wall times; revoking the authorization sets
    ``revoked_at``."""

    __tablename__ = "partner_tokens"
    __table_args__ = (Index("ix_partner_tokens_authorization_id", "authorization_id"),)

    authorization_id: Mapped[int] = mapped_column(ForeignKey("partner_app_authorizations.id"))
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access_expires_at: Mapped[datetime]
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
