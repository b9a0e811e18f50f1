"""The token endpoints as TikTok's auth host serves them: ``GET /api/v2/token/get`` (an auth
code for tokens) and ``GET /api/v2/token/refresh``. Not signed: the app secret is a parameter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from clipshop.api.partner.envelope import envelope
from clipshop.core.db import Database
from clipshop.core.settings import Settings
from clipshop.partner import tokens
from clipshop.partner.errors import invalid_parameter
from clipshop.partner.schemas import TokenData

router = APIRouter(tags=["partner"], include_in_schema=False)


def write_session(request: Request) -> Iterator[Session]:
    """A writing unit of work for a GET (the code is spent, a token stored)."""
    db: Database = request.app.state.db
    with db.unit_of_work(write=True) as session:
        yield session


WriteDB = Annotated[Session, Depends(write_session, scope="function")]
Param = Annotated[str, Query(min_length=1, max_length=256)]


def lifetimes(request: Request) -> tokens.Lifetimes:
    settings: Settings = request.app.state.settings
    return tokens.Lifetimes(
        access=timedelta(seconds=settings.partner_access_token_seconds),
        refresh=timedelta(seconds=settings.partner_refresh_token_seconds),
    )


@router.get("/api/v2/token/get")
def get_token(
    request: Request,
    session: WriteDB,
    app_key: Param,
    app_secret: Param,
    auth_code: Param,
    grant_type: Param,
) -> JSONResponse:
    if grant_type != "authorized_code":
        raise invalid_parameter("grant_type must be authorized_code")
    data = tokens.exchange_code(session, app_key, app_secret, auth_code, lifetimes(request))
    return envelope(request, TokenData.model_validate(data))


@router.get("/api/v2/token/refresh")
def refresh_token(
    request: Request,
    session: WriteDB,
    app_key: Param,
    app_secret: Param,
    refresh_token: Param,
    grant_type: Param,
) -> JSONResponse:
    if grant_type != "refresh_token":
        raise invalid_parameter("grant_type must be refresh_token")
    data = tokens.refresh(session, app_key, app_secret, refresh_token, lifetimes(request))
    return envelope(request, TokenData.model_validate(data))
