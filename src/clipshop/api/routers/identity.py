"""/me, /users (admin), /tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.api.deps import DB, Caller, Paging, TokenId, UserId
from clipshop.identity import tokens, users
from clipshop.identity.principal import ROLE_PERMISSIONS, Role
from clipshop.identity.schemas import (
    MeOut,
    TokenCreate,
    TokenCreated,
    TokenOut,
    TokenPage,
    UserCreate,
    UserOut,
    UserPage,
)

router = APIRouter(tags=["identity"])


@router.get("/me", response_model=MeOut, summary="The caller, its role, shops and permissions")
def me(session: DB, caller: Caller) -> MeOut:
    user = users.get_user(session, caller, caller.user_id)
    return MeOut(
        **UserOut.model_validate(user).model_dump(),
        shop_ids=sorted(caller.shop_ids),
        owned_shop_ids=sorted(caller.owned_shop_ids),
        permissions=sorted(p.value for p in ROLE_PERMISSIONS[caller.role]),
    )


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a user (admin)")
def create_user(body: UserCreate, session: DB, caller: Caller) -> UserOut:
    user = users.create_user_as(
        session,
        caller,
        email=body.email,
        name=body.name,
        role=body.role,
        password=body.password,
        date_of_birth=body.date_of_birth,
    )
    return UserOut.model_validate(user)


@router.get("/users", response_model=UserPage, summary="List users (admin)")
def list_users(
    session: DB, caller: Caller, page: Paging, role: Annotated[Role | None, Query()] = None
) -> UserPage:
    result = users.list_users(session, caller, page, role)
    return UserPage(
        items=[UserOut.model_validate(u) for u in result.items], next_cursor=result.next_cursor
    )


@router.get("/users/{user_id}", response_model=UserOut, summary="Read a user (admin, or self)")
def get_user(user_id: UserId, session: DB, caller: Caller) -> UserOut:
    return UserOut.model_validate(users.get_user(session, caller, user_id))


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=201,
    summary="Create an API token (shown once)",
)
def create_token(body: TokenCreate, session: DB, caller: Caller) -> TokenCreated:
    issued = tokens.create_token(session, caller, body.name, body.user_id, body.expires_at)
    return TokenCreated(**TokenOut.model_validate(issued.token).model_dump(), token=issued.secret)


@router.get(
    "/tokens",
    response_model=TokenPage,
    summary="List your tokens (admins: any user's with user_id)",
)
def list_tokens(
    session: DB,
    caller: Caller,
    page: Paging,
    user_id: Annotated[int | None, Query(gt=0, lt=2**63)] = None,
) -> TokenPage:
    result = tokens.list_tokens(session, caller, page, user_id)
    return TokenPage(
        items=[TokenOut.model_validate(t) for t in result.items], next_cursor=result.next_cursor
    )


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke a token")
def revoke_token(token_id: TokenId, session: DB, caller: Caller) -> TokenOut:
    return TokenOut.model_validate(tokens.revoke_token(session, caller, token_id))
