"""API bearer tokens: shown once at creation, stored as a SHA-256 hash, revocable.

Tokens are 256 random bits, so a fast hash is enough to protect them at rest (passwords,
which are guessable, use argon2 instead).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.batch import Reads
from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity import rows
from clipshop.identity.errors import InvalidToken
from clipshop.identity.principal import Permission, Principal
from clipshop.identity.users import principal_of
from clipshop.models import ApiToken, User

TOKEN_PREFIX = "cs_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the only time the raw token exists


def issue_token(
    session: Session, user_id: int, name: str, expires_at: datetime | None = None
) -> IssuedToken:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    if expires_at is not None and expires_at.tzinfo is not None:
        expires_at = expires_at.astimezone(UTC)  # answered as stored: UTC, like every read
    token = ApiToken(
        user_id=user_id,
        name=name,
        token_hash=hash_token(raw),
        prefix=raw[:10],
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, raw)


def _owner_for(session: Session, principal: Principal, user_id: int | None) -> int:
    principal.require(Permission.TOKENS_OWN)
    if user_id is None or user_id == principal.user_id:
        return principal.user_id
    principal.require(Permission.USERS_ADMIN)
    if session.get(User, user_id) is None:
        raise NotFound("user not found")
    return user_id


def create_token(
    session: Session,
    principal: Principal,
    name: str,
    user_id: int | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    return issue_token(session, _owner_for(session, principal, user_id), name, expires_at)


def list_tokens(
    session: Session, principal: Principal, page: PageRequest, user_id: int | None = None
) -> Page[ApiToken]:
    owner = _owner_for(session, principal, user_id)
    return paginate(session, select(ApiToken).where(ApiToken.user_id == owner), ApiToken.id, page)


def revoke_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != principal.user_id and not principal.is_admin):
        raise NotFound("token not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


def _check(revoked_at: datetime | None, expires_at: datetime | None, active: bool) -> None:
    if revoked_at is not None:
        raise InvalidToken("the bearer token was revoked")
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidToken("the bearer token has expired")
    if not active:
        raise InvalidToken("the token's user is not active")


def caller(session: Session, raw: str, reads: Reads | None = None) -> Principal:
    """The principal behind a bearer token (every authenticated request asks), in one
    round trip with ``reads``: the caller's own queries, which may use the token's user as
    ``rows.TOKEN_USER`` or ``rows.TOKEN_USERS`` (bound by the same ``hash``); their values
    are then in ``reads``. Raises InvalidToken with the exact reason; the caller's
    transaction must then be rolled back (``reads`` ran)."""
    reads = reads if reads is not None else Reads()
    found, shops = reads.add(rows.token()), reads.add(rows.token_memberships())
    reads.run(session, {"hash": hash_token(raw)})
    row = reads[found]
    if row is None:
        raise InvalidToken("the bearer token is not known")
    revoked_at, expires_at, user_id, active, role = row
    _check(revoked_at, expires_at, user_id is not None and bool(active))
    assert user_id is not None and role is not None
    return principal_of(user_id, role, reads[shops])
