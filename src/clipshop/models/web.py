"""The browser pages' server-side sessions and failed sign-ins (docs/web.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from clipshop.models.base import Base, CreatedMixin, IdMixin


class WebSession(IdMixin, CreatedMixin, Base):
    """A signed-in browser: the cookie holds the random session id, the row its SHA-256."""

    __tablename__ = "web_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))  # the synchronizer token of its forms
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SigninFailure(IdMixin, CreatedMixin, Base):
    """One failed sign-in, counted per e-mail and per client address for the rate limit."""

    __tablename__ = "signin_failures"
    __table_args__ = (
        Index("ix_signin_failures_email_created_at", "email", "created_at"),
        Index("ix_signin_failures_client_created_at", "client", "created_at"),
    )

    email: Mapped[str] = mapped_column(String(320))
    client: Mapped[str] = mapped_column(String(64))
