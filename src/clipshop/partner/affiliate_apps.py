"""A creator's own authorizations of apps (the affiliate module's tokens, ``user_type`` 1):
no shop and no cipher, creator scopes only; revoked like a shop's (docs/tiktok-api.md,
"Affiliate (creators)")."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clipshop.core.errors import NotFound, PermissionDenied
from clipshop.identity.principal import Principal, Role
from clipshop.models import AppAuthorization, PartnerApp
from clipshop.partner import scopes as known_scopes
from clipshop.partner.apps import Grant, app_by_key, checked_scopes, grant_to, revoke
from clipshop.social.access import check_creator


def grant_creator(
    session: Session, app: PartnerApp, creator_id: int, scopes: list[str] | None
) -> Grant:
    """Authorize ``app`` for the creator (again: new scopes) and issue a code."""
    checked = checked_scopes(scopes, known_scopes.CREATOR_ALL)
    return grant_to(session, app, creator_id, checked, None, creator_id)


def _app(session: Session, app_key: str) -> PartnerApp:
    app = app_by_key(session, app_key)
    if app is None:
        raise NotFound("app not found", code="app_not_found")
    return app


def _self(principal: Principal, creator_id: int) -> None:
    """Only the creator itself: another creator's id is 404, every other role 403."""
    if principal.role is not Role.CREATOR:
        raise PermissionDenied("only the creator authorizes apps for itself")
    if principal.user_id != creator_id:
        raise NotFound("creator not found", code="creator_not_found")


def authorize_creator_as(
    session: Session, principal: Principal, creator_id: int, app_key: str, scopes: list[str] | None
) -> Grant:
    _self(principal, creator_id)
    check_creator(session, creator_id)
    return grant_creator(session, _app(session, app_key), creator_id, scopes)


def revoke_creator_as(
    session: Session, principal: Principal, creator_id: int, authorization_id: int
) -> None:
    """The creator (or an admin) revokes; another creator's authorization is 404."""
    if not principal.is_admin:
        _self(principal, creator_id)
    found = session.get(AppAuthorization, authorization_id)
    if found is None or found.creator_user_id != creator_id:
        raise NotFound("app authorization not found")
    revoke(session, found)


def grant_for_creator(
    session: Session, app_key: str, creator_id: int, scopes: list[str] | None = None
) -> Grant:
    """A grant in the creator's name (the CLI acts for it); not a creator: 404."""
    app = _app(session, app_key)
    check_creator(session, creator_id)
    return grant_creator(session, app, creator_id, scopes)
