"""Apps and the shops' authorizations of them: register an app, grant it scopes on a shop (a
single-use auth code), revoke the grant (its tokens die with it)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.errors import InvalidInput, NotFound, PermissionDenied
from clipshop.identity.principal import Principal, Role
from clipshop.models import AppAuthorization, AuthCode, PartnerApp, PartnerToken, Shop, ShopMember
from clipshop.partner import events
from clipshop.partner import scopes as known_scopes

AUTH_CODE_LIFETIME = timedelta(minutes=10)  # wall time: clients compute from it


def wall_now() -> datetime:
    """Wall time, for what a client checks against its own clock (never the sandbox clock)."""
    return datetime.now(UTC)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def shop_cipher(shop_id: int) -> str:
    """The shop's opaque, stable ``shop_cipher`` (the same for every app)."""
    raw = hashlib.sha256(f"clipshop-shop-cipher:{shop_id}".encode()).digest()[:18]
    return "ROW_" + base64.urlsafe_b64encode(raw).decode()


@dataclass(frozen=True)
class NewApp:
    app: PartnerApp
    app_secret: str


def create_app(session: Session, name: str, rate_limit_per_minute: int | None = None) -> NewApp:
    name = name.strip()
    if not name:
        raise InvalidInput("name must not be blank", code="invalid_app_name")
    secret = secrets.token_hex(20)
    app = PartnerApp(
        app_key=secrets.token_hex(7),
        app_secret=secret,
        name=name[:200],
        rate_limit_per_minute=rate_limit_per_minute,
    )
    session.add(app)
    session.flush()
    return NewApp(app, secret)


def create_app_as(
    session: Session, principal: Principal, name: str, rate_limit_per_minute: int | None = None
) -> NewApp:
    if not principal.is_admin:
        raise PermissionDenied("only an admin registers apps")
    return create_app(session, name, rate_limit_per_minute)


def app_by_key(session: Session, app_key: str) -> PartnerApp | None:
    return session.scalars(select(PartnerApp).where(PartnerApp.app_key == app_key)).first()


def checked_scopes(scopes: list[str] | None, allowed: tuple[str, ...]) -> list[str]:
    """``scopes`` (None: all of ``allowed``), each one of ``allowed``: a shop grants seller
    scopes, a creator creator scopes."""
    if scopes is None:
        return list(allowed)
    unknown = sorted(set(scopes) - set(allowed))
    if unknown:
        raise InvalidInput(f"unknown scopes: {', '.join(unknown)}", code="unknown_scope")
    if not scopes:
        raise InvalidInput("grant at least one scope", code="unknown_scope")
    return sorted(set(scopes))


@dataclass(frozen=True)
class Grant:
    authorization: AppAuthorization
    auth_code: str
    expires_at: datetime  # wall time


def grant(
    session: Session, app: PartnerApp, shop_id: int, granted_by: int, scopes: list[str] | None
) -> Grant:
    """Authorize ``app`` on the shop (again: new scopes, the same cipher) and issue a code."""
    return grant_to(session, app, granted_by, checked_scopes(scopes, known_scopes.ALL), shop_id)


def grant_to(
    session: Session,
    app: PartnerApp,
    granted_by: int,
    checked: list[str],
    shop_id: int | None,
    creator_id: int | None = None,
) -> Grant:
    """The app's grant by the shop, or by the creator (made, or active again with
    ``checked`` scopes) and a fresh code for it."""
    grantee = (
        AppAuthorization.shop_id == shop_id
        if shop_id is not None
        else AppAuthorization.creator_user_id == creator_id
    )
    found = session.scalars(
        select(AppAuthorization).where(AppAuthorization.app_id == app.id, grantee)
    ).first()
    if found is None:
        found = AppAuthorization(
            app_id=app.id,
            shop_id=shop_id,
            creator_user_id=creator_id,
            granted_by=granted_by,
            scopes=checked,
            cipher=shop_cipher(shop_id) if shop_id is not None else None,
            open_id=secrets.token_urlsafe(24),
        )
        session.add(found)
    else:
        found.granted_by, found.scopes = granted_by, checked
        found.status, found.revoked_at = "ACTIVE", None
    return _issue_code(session, found)


def _issue_code(session: Session, found: AppAuthorization) -> Grant:
    session.flush()
    code = secrets.token_urlsafe(24)
    expires_at = wall_now() + AUTH_CODE_LIFETIME
    session.add(AuthCode(code_hash=digest(code), authorization_id=found.id, expires_at=expires_at))
    session.flush()
    return Grant(found, code, expires_at)


def shop_owner(session: Session, shop_id: int) -> int:
    owner = session.scalars(
        select(ShopMember.user_id).where(ShopMember.shop_id == shop_id, ShopMember.role == "OWNER")
    ).first()
    if owner is None:
        raise NotFound("shop not found")
    return owner


def authorize_as(
    session: Session, principal: Principal, shop_id: int, app_key: str, scopes: list[str] | None
) -> Grant:
    """The shop's owner grants ``app_key``; another shop is 404, its staff and every other
    role 403."""
    if principal.role is not Role.SELLER:
        raise PermissionDenied("only the shop's owner authorizes apps")
    principal.check_shop(shop_id)
    if session.get(Shop, shop_id) is None:
        raise NotFound("shop not found")
    if shop_id not in principal.owned_shop_ids:
        raise PermissionDenied("only the shop's owner authorizes apps")
    app = app_by_key(session, app_key)
    if app is None:
        raise NotFound("app not found", code="app_not_found")
    return grant(session, app, shop_id, principal.user_id, scopes)


def revoke_as(session: Session, principal: Principal, shop_id: int, authorization_id: int) -> None:
    """The shop's owner, or an admin, revokes; another shop's authorization is 404."""
    if principal.role not in (Role.SELLER, Role.ADMIN):
        raise PermissionDenied("only the shop's owner revokes apps")
    principal.check_shop(shop_id)
    found = session.get(AppAuthorization, authorization_id)
    if found is None or found.shop_id != shop_id:
        raise NotFound("app authorization not found")
    if shop_id not in principal.owned_shop_ids and not principal.is_admin:
        raise PermissionDenied("only the shop's owner revokes apps")
    revoke(session, found)


def revoke(session: Session, authorization: AppAuthorization) -> None:
    """Revoke the grant: its tokens die and the app's webhooks of the shop stop
    (``partner.events.stop``)."""
    now = utcnow()
    if authorization.status == "ACTIVE":
        authorization.status, authorization.revoked_at = "REVOKED", now
    session.execute(
        update(PartnerToken)
        .where(
            PartnerToken.authorization_id == authorization.id,
            PartnerToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    events.stop(session, authorization)
    session.flush()


def grant_for_owner(
    session: Session, app_key: str, shop_id: int, scopes: list[str] | None = None
) -> Grant:
    """A grant in the shop owner's name (the CLI and the demo act for the owner)."""
    app = app_by_key(session, app_key)
    if app is None:
        raise NotFound("app not found", code="app_not_found")
    if session.get(Shop, shop_id) is None:
        raise NotFound("shop not found")
    return grant(session, app, shop_id, shop_owner(session, shop_id), scopes)


def authorizations(
    session: Session, principal: Principal, shop_id: int
) -> list[tuple[AppAuthorization, PartnerApp]]:
    """The shop's app authorizations (revoked ones too) with their apps, newest first: its
    sellers and admins see them, as ``revoke_as`` lets them act; another shop is 404."""
    if principal.role not in (Role.SELLER, Role.ADMIN):
        raise PermissionDenied("only the shop's sellers see its apps")
    principal.check_shop(shop_id)
    if session.get(Shop, shop_id) is None:
        raise NotFound("shop not found")
    rows = session.execute(
        select(AppAuthorization, PartnerApp)
        .join(PartnerApp, PartnerApp.id == AppAuthorization.app_id)
        .where(AppAuthorization.shop_id == shop_id)
        .order_by(AppAuthorization.id.desc())
    )
    return [(auth, app) for auth, app in rows]
