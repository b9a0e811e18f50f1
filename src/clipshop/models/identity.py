"""Users, shop membership and API tokens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.models.base import Base, CreatedMixin, IdMixin

ROLES = ("buyer", "seller", "agent", "supervisor", "admin", "creator")
MEMBER_ROLES = ("OWNER", "STAFF")


class User(IdMixin, CreatedMixin, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(default=True)


class ShopMember(CreatedMixin, Base):
    __tablename__ = "shop_members"
    __table_args__ = (
        CheckConstraint(f"role IN {MEMBER_ROLES!r}", name="role"),
        Index("ix_shop_members_user_id", "user_id"),
    )

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10))


class ApiToken(IdMixin, CreatedMixin, Base):
    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
