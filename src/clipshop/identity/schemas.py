"""Boundary schemas of identity: users, tokens, the caller."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from clipshop.core.schemas import IdStr, PageOut, RequestModel, ResponseModel
from clipshop.identity.principal import Role

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class UserCreate(RequestModel):
    email: Email
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Role
    password: Annotated[str, StringConstraints(min_length=8, max_length=200)] | None = None
    date_of_birth: date | None = Field(None, description="Required for buyers")


class UserOut(ResponseModel):
    id: IdStr
    email: str
    name: str
    role: Role
    date_of_birth: date | None
    is_active: bool
    created_at: datetime


class UserPage(PageOut):
    items: list[UserOut]


class MeOut(UserOut):
    shop_ids: list[IdStr]
    owned_shop_ids: list[IdStr]
    permissions: list[str]


class TokenCreate(RequestModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    user_id: IdStr | None = Field(None, description="Admins only: issue for another user")
    expires_at: AwareDatetime | None = Field(None, description="With a time zone, e.g. ...Z")


class TokenOut(ResponseModel):
    id: IdStr
    user_id: IdStr
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown only in this response")


class TokenPage(PageOut):
    items: list[TokenOut]
