"""The native side of the TikTok-compatible API: registering apps (admins) and a shop owner's
authorizations of them (docs/tiktok-api.md#apps-and-authorization)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from clipshop.api.deps import DB, Caller, ShopId, id_path
from clipshop.partner import affiliate_apps, apps
from clipshop.partner.affiliate_schemas import CreatorAuthorizationCreated
from clipshop.partner.schemas import (
    AppCreate,
    AppCreated,
    AuthorizationCreate,
    AuthorizationCreated,
)

router = APIRouter(tags=["apps"])
AuthorizationId = Annotated[int, id_path("App authorization id")]
CreatorId = Annotated[int, id_path("The creator's user id")]


@router.post(
    "/apps",
    response_model=AppCreated,
    status_code=201,
    summary="Register an app for the TikTok-compatible API (admins; the secret is shown once)",
)
def create_app(body: AppCreate, session: DB, caller: Caller) -> AppCreated:
    made = apps.create_app_as(session, caller, body.name, body.rate_limit_per_minute)
    return AppCreated(
        id=made.app.id,
        name=made.app.name,
        app_key=made.app.app_key,
        app_secret=made.app_secret,
        rate_limit_per_minute=made.app.rate_limit_per_minute,
    )


@router.post(
    "/shops/{shop_id}/app-authorizations",
    response_model=AuthorizationCreated,
    status_code=201,
    summary="Authorize an app on the shop (its owner): a single-use auth code, valid 10 minutes",
)
def authorize_app(
    shop_id: ShopId, body: AuthorizationCreate, session: DB, caller: Caller
) -> AuthorizationCreated:
    made = apps.authorize_as(session, caller, shop_id, body.app_key, body.scopes)
    auth = made.authorization
    return AuthorizationCreated(
        id=auth.id,
        shop_id=auth.shop_id,
        app_key=body.app_key,
        scopes=list(auth.scopes),
        shop_cipher=auth.cipher,
        auth_code=made.auth_code,
        auth_code_expires_at=made.expires_at,
    )


@router.delete(
    "/shops/{shop_id}/app-authorizations/{authorization_id}",
    status_code=204,
    summary="Revoke an app's authorization on the shop: its tokens stop working at once",
)
def revoke_app(
    shop_id: ShopId, authorization_id: AuthorizationId, session: DB, caller: Caller
) -> Response:
    apps.revoke_as(session, caller, shop_id, authorization_id)
    return Response(status_code=204)


@router.post(
    "/creators/{creator_id}/app-authorizations",
    response_model=CreatorAuthorizationCreated,
    status_code=201,
    summary="Authorize an app for yourself, a creator (the affiliate module): a single-use "
    "auth code, valid 10 minutes",
)
def authorize_app_as_creator(
    creator_id: CreatorId, body: AuthorizationCreate, session: DB, caller: Caller
) -> CreatorAuthorizationCreated:
    made = affiliate_apps.authorize_creator_as(
        session, caller, creator_id, body.app_key, body.scopes
    )
    auth = made.authorization
    return CreatorAuthorizationCreated(
        id=auth.id,
        creator_id=creator_id,
        app_key=body.app_key,
        scopes=list(auth.scopes),
        auth_code=made.auth_code,
        auth_code_expires_at=made.expires_at,
    )


@router.delete(
    "/creators/{creator_id}/app-authorizations/{authorization_id}",
    status_code=204,
    summary="Revoke an app's authorization by the creator: its tokens stop working at once",
)
def revoke_app_as_creator(
    creator_id: CreatorId, authorization_id: AuthorizationId, session: DB, caller: Caller
) -> Response:
    affiliate_apps.revoke_creator_as(session, caller, creator_id, authorization_id)
    return Response(status_code=204)
