"""Exchanging an auth code for tokens, refreshing them, and resolving an access token to what
it may reach (the app, the granted scopes, the shops)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.models import AppAuthorization, AuthCode, PartnerApp, PartnerToken, Shop, User
from clipshop.partner import errors
from clipshop.partner.apps import app_by_key, digest, shop_cipher, wall_now
from clipshop.partner.errors import PartnerError


@dataclass(frozen=True)
class Lifetimes:
    access: timedelta
    refresh: timedelta


def _credentials(session: Session, app_key: str, app_secret: str) -> PartnerApp:
    app = app_by_key(session, app_key)
    if app is None or not hmac.compare_digest(app.app_secret, app_secret):
        raise PartnerError(
            errors.APP_CREDENTIALS_INVALID, "app_key or app_secret is not valid", 400
        )
    return app


def _grant_error(message: str) -> PartnerError:
    return PartnerError(errors.GRANT_INVALID, message, 400)


SELLER, CREATOR = 0, 1  # the answer's ``user_type``


def _token_data(
    session: Session, token: PartnerToken, access: str, refresh: str, auth: AppAuthorization
) -> dict[str, Any]:
    """A shop's grant names the shop (``user_type`` 0); a creator's names the creator
    (``user_type`` 1, no region: clipshop keeps none for a user)."""
    if auth.shop_id is not None:
        shop = session.get_one(Shop, auth.shop_id)
        name, region, user_type = shop.name, shop.region, SELLER
    else:
        name, region, user_type = session.get_one(User, auth.creator_user_id).name, "", CREATOR
    return {
        "access_token": access,
        "access_token_expire_in": int(token.access_expires_at.timestamp()),
        "refresh_token": refresh,
        "refresh_token_expire_in": int(token.refresh_expires_at.timestamp()),
        "open_id": auth.open_id,
        "seller_name": name,
        "seller_base_region": region,
        "user_type": user_type,
        "granted_scopes": list(auth.scopes),
    }


def exchange_code(
    session: Session, app_key: str, app_secret: str, auth_code: str, lifetimes: Lifetimes
) -> dict[str, Any]:
    """The token endpoint's ``data`` for a fresh auth code; the code is spent."""
    app = _credentials(session, app_key, app_secret)
    code = session.scalars(
        select(AuthCode).where(AuthCode.code_hash == digest(auth_code)).with_for_update()
    ).first()
    auth = session.get(AppAuthorization, code.authorization_id) if code else None
    now = wall_now()
    if code is None or auth is None or auth.app_id != app.id:
        raise _grant_error("auth_code is not valid")
    if code.used_at is not None:
        raise _grant_error("auth_code was already used")
    if code.expires_at <= now:
        raise _grant_error("auth_code has expired")
    if auth.status != "ACTIVE":
        raise _grant_error("the authorization was revoked")
    code.used_at = now
    access, refresh = "TTP_" + secrets.token_urlsafe(32), "TTR_" + secrets.token_urlsafe(32)
    token = PartnerToken(
        authorization_id=auth.id,
        access_hash=digest(access),
        access_expires_at=now + lifetimes.access,
        refresh_hash=digest(refresh),
        refresh_expires_at=now + lifetimes.refresh,
    )
    session.add(token)
    session.flush()
    return _token_data(session, token, access, refresh, auth)


def refresh(
    session: Session, app_key: str, app_secret: str, refresh_token: str, lifetimes: Lifetimes
) -> dict[str, Any]:
    """A new access token for a live refresh token (which stays the same); the previous access
    token stops working."""
    app = _credentials(session, app_key, app_secret)
    token = session.scalars(
        select(PartnerToken)
        .where(PartnerToken.refresh_hash == digest(refresh_token))
        .with_for_update()
    ).first()
    auth = session.get(AppAuthorization, token.authorization_id) if token else None
    now = wall_now()
    if token is None or auth is None or auth.app_id != app.id:
        raise _grant_error("refresh_token is not valid")
    if token.revoked_at is not None or auth.status != "ACTIVE":
        raise _grant_error("the authorization was revoked")
    if token.refresh_expires_at <= now:
        raise _grant_error("refresh_token has expired")
    access = "TTP_" + secrets.token_urlsafe(32)
    token.access_hash, token.access_expires_at = digest(access), now + lifetimes.access
    session.flush()
    return _token_data(session, token, access, refresh_token, auth)


@dataclass(frozen=True)
class AuthorizedShop:
    id: int
    cipher: str
    name: str
    region: str
    shop_type: str


@dataclass(frozen=True)
class Access:
    """What a valid access token reaches: its app, its scopes, and the shops the same seller
    authorized the same app for (oldest grant first); a creator's token reaches no shop but
    its creator (``creator_id``)."""

    app_id: int
    app_key: str
    authorization_id: int
    scopes: frozenset[str]
    shops: tuple[AuthorizedShop, ...]
    creator_id: int | None = None


def resolve(session: Session, app: PartnerApp, access_token: str) -> Access:
    """The access behind ``access_token`` for ``app``; 401 with 105001 or 105002 otherwise."""
    token = session.scalars(
        select(PartnerToken).where(PartnerToken.access_hash == digest(access_token))
    ).first()
    auth = session.get(AppAuthorization, token.authorization_id) if token else None
    if token is None or auth is None or auth.app_id != app.id:
        raise PartnerError(errors.INVALID_ACCESS_TOKEN, "access token is not valid", 401)
    if token.revoked_at is not None or auth.status != "ACTIVE":
        raise PartnerError(errors.INVALID_ACCESS_TOKEN, "access token was revoked", 401)
    if token.access_expires_at <= wall_now():
        raise PartnerError(errors.ACCESS_TOKEN_EXPIRED, "access token has expired", 401)
    if auth.creator_user_id is not None:
        scopes = frozenset(auth.scopes)
        return Access(app.id, app.app_key, auth.id, scopes, (), auth.creator_user_id)
    rows = session.execute(
        select(Shop)
        .join(AppAuthorization, Shop.id == AppAuthorization.shop_id)
        .where(
            AppAuthorization.app_id == app.id,
            AppAuthorization.granted_by == auth.granted_by,
            AppAuthorization.status == "ACTIVE",
        )
        .order_by(AppAuthorization.created_at, AppAuthorization.id)
    ).scalars()
    shops = tuple(
        AuthorizedShop(shop.id, shop_cipher(shop.id), shop.name, shop.region, shop.shop_type)
        for shop in rows
    )
    return Access(app.id, app.app_key, auth.id, frozenset(auth.scopes), shops)
