"""Boundary schemas of identity: users, tokens, the caller."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from clipshop.core.schemas import (
    FilledLine,
    IdStr,
    Line,
    Name,
    PageOut,
    RequestModel,
    ResponseModel,
    When,
)
from clipshop.identity.principal import Role

_PART = r"[^@\s\x00-\x1f\x7f-\x9f]+"  # no "@", no white space, no control characters
Email = Annotated[Line, StringConstraints(pattern=rf"^{_PART}@{_PART}\.{_PART}$", max_length=320)]


def _date_text(value: object) -> object:
    """A date is written YYYY-MM-DD: a JSON number is not read as a Unix time."""
    if isinstance(value, int | float):
        raise ValueError("a date is a string YYYY-MM-DD")
    return value


Birthday = Annotated[
    date,
    BeforeValidator(_date_text),
    Field(
        ge=date(1900, 1, 1),
        le=date(2100, 12, 31),
        description="YYYY-MM-DD, 1900-01-01 to 2100-12-31",
        json_schema_extra={"pattern": r"^(19[0-9]{2}|20[0-9]{2}|2100)-"},  # the years, stated
    ),
]


class UserCreate(RequestModel):
    email: Email
    name: Name
    role: Role
    password: Annotated[str, StringConstraints(min_length=8, max_length=200)] | None = None
    date_of_birth: Birthday | None = Field(None, description="Required for buyers")


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
    name: Annotated[FilledLine, StringConstraints(min_length=1, max_length=100)]
    user_id: IdStr | None = Field(None, description="Admins only: issue for another user")
    expires_at: When | None = Field(
        None, description="With a time zone, e.g. ...Z; year 2000 to 2100"
    )


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
