"""API bearer tokens: shown once at creation, stored as a SHA-256 hash, revocable.

Tokens are 256 random bits, so a fast hash is enough to protect them at rest (passwords,
which are guessable, use argon2 instead).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.core.clock import utcnow
from clipshop.core.errors import NotFound
from clipshop.core.pagination import Page, PageRequest, paginate
from clipshop.identity.errors import InvalidToken
from clipshop.identity.principal import Permission, Principal
from clipshop.identity.users import principal_of
from clipshop.models import ApiToken, ShopMember, User

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


# The caller in one round trip (``caller``): the token with its user, and the user's shops.
TOKEN_USERS = select(ApiToken.user_id).where(ApiToken.token_hash == bindparam("hash"))
TOKEN_USER = TOKEN_USERS.scalar_subquery()
_CALLER = rawsql.Statement(
    select(ApiToken.revoked_at, ApiToken.expires_at, User.id, User.is_active, User.role)
    .outerjoin(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("hash"))
)
_CALLER_SHOPS = rawsql.Statement(
    select(ShopMember.shop_id, ShopMember.role).where(ShopMember.user_id == TOKEN_USER)
)


def caller(
    session: Session, raw: str, also: Sequence[tuple[rawsql.Statement, dict[str, Any]]] = ()
) -> tuple[Principal, list[rawsql.Result]]:
    """The principal behind a bearer token (every authenticated request asks), in one
    round trip with ``also``: statements that may use the token's user as ``TOKEN_USER``
    or ``TOKEN_USERS`` (bound by the same ``hash``). Raises InvalidToken with the exact
    reason; the caller's transaction must then be rolled back (``also`` ran)."""
    token = {"hash": hash_token(raw)}
    asked = [(_CALLER, token), (_CALLER_SHOPS, token), *((s, token | p) for s, p in also)]
    found, shops, *rest = rawsql.run_many(session, asked)
    row = found.first()
    if row is None:
        raise InvalidToken("the bearer token is not known")
    revoked_at, expires_at, user_id, active, role = row
    _check(revoked_at, expires_at, user_id is not None and bool(active))
    return principal_of(user_id, role, [(shop, kind) for shop, kind in shops.rows]), rest
