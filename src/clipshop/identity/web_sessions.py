"""Browser sign-in: e-mail and password, server-side sessions, a rate limit on failures.

The cookie carries a random session id (256 bits); the table keeps only its SHA-256, like API
tokens. Each session has its own CSRF token (the synchronizer token of its forms). Session
lifetimes and the rate limit's window are wall time (a browser's cookie expires by its own
clock), not the sandbox's business clock.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from clipshop.core.errors import DomainError
from clipshop.identity.errors import SigninFailed, TooManySignins
from clipshop.identity.passwords import hash_password, verify_password
from clipshop.identity.principal import Principal, Role
from clipshop.identity.users import principal_for
from clipshop.models import SigninFailure, User, WebSession

WRONG = "wrong e-mail or password"


@dataclass(frozen=True)
class Limits:
    session_hours: int = 12
    max_failures: int = 5
    window_minutes: int = 15


@dataclass(frozen=True)
class Signed:
    """A live session: who, and the CSRF token its forms must send back."""

    principal: Principal
    name: str
    email: str
    csrf_token: str


@dataclass(frozen=True)
class Attempt:
    """A sign-in's outcome: the new session's raw id, or the error to show. A failure is
    recorded in the same transaction, so the caller commits before it raises ``error``."""

    session_id: str | None
    error: DomainError | None
    expires_at: datetime | None = None
    role: Role | None = None


def wall_now() -> datetime:
    return datetime.now(UTC)


def hash_session(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when the e-mail is unknown, so both answers take as long."""
    return hash_password(secrets.token_urlsafe(16))


def _too_many(session: Session, email: str, client: str, limits: Limits) -> int | None:
    """Seconds until another attempt may be made, or None if it may be made now."""
    since = wall_now() - timedelta(minutes=limits.window_minutes)
    recent = (SigninFailure.created_at >= since,)
    for column, value in ((SigninFailure.email, email), (SigninFailure.client, client)):
        count, oldest = session.execute(
            select(func.count(), func.min(SigninFailure.created_at)).where(column == value, *recent)
        ).one()
        if count >= limits.max_failures:
            wait = oldest + timedelta(minutes=limits.window_minutes) - wall_now()
            return max(1, int(wait.total_seconds()) + 1)
    return None


def sign_in(session: Session, email: str, password: str, client: str, limits: Limits) -> Attempt:
    email = email.strip().lower()
    wait = _too_many(session, email, client, limits)
    if wait is not None:
        minutes = (wait + 59) // 60
        message = f"too many failed sign-ins; try again in {minutes} min"
        refused = TooManySignins(message)
        refused.retry_after = wait
        return Attempt(None, refused)
    user = session.scalar(select(User).where(User.email == email))
    stored = user.password_hash if user is not None else None
    valid = verify_password(stored or _dummy_hash(), password)
    if user is None or stored is None or not valid or not user.is_active:
        now = wall_now()
        stale = now - timedelta(minutes=limits.window_minutes)
        session.execute(delete(SigninFailure).where(SigninFailure.created_at < stale))
        session.add(SigninFailure(email=email[:320], client=client[:64], created_at=now))
        session.flush()
        return Attempt(None, SigninFailed(WRONG))
    raw = secrets.token_urlsafe(32)
    now = wall_now()
    expires = now + timedelta(hours=limits.session_hours)
    session.execute(
        delete(WebSession).where(WebSession.user_id == user.id, WebSession.expires_at <= now)
    )
    session.execute(delete(SigninFailure).where(SigninFailure.email == email))
    session.add(
        WebSession(
            user_id=user.id,
            session_hash=hash_session(raw),
            csrf_token=secrets.token_urlsafe(32),
            expires_at=expires,
            created_at=now,
        )
    )
    session.flush()
    return Attempt(raw, None, expires, Role(user.role))


def session_of(session: Session, raw: str) -> Signed | None:
    """The live session behind a cookie's id, or None (unknown, expired, user deactivated)."""
    found = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.session_hash == hash_session(raw))
    ).first()
    if found is None:
        return None
    web, user = found
    if web.expires_at <= wall_now() or not user.is_active:
        return None
    return Signed(principal_for(session, user), user.name, user.email, web.csrf_token)


def sign_out(session: Session, raw: str) -> None:
    session.execute(delete(WebSession).where(WebSession.session_hash == hash_session(raw)))
