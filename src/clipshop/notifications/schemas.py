"""Boundary schemas of notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints

from clipshop.core.schemas import IdStr, Line, PageOut, RequestModel, ResponseModel

Language = Literal["en", "es"]


class NotificationOut(ResponseModel):
    id: IdStr
    kind: str
    title: str
    body: str
    link: str = Field(description="A page of clipshop (a path) the notification is about")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(PageOut):
    items: list[NotificationOut]
    unread: int = Field(description="How many of the caller's notifications are unread")


class ReadAllOut(ResponseModel):
    marked: int
    unread: int


class PreferencesOut(ResponseModel):
    email: str
    language: Language
    marketing_opt_out: bool = Field(
        description="No marketing e-mails (transactional ones are always sent)"
    )


class PreferencesIn(RequestModel):
    language: Language
    marketing_opt_out: StrictBool  # true or false, not 0 or "yes"


class EmailIn(RequestModel):
    email: Annotated[Line, StringConstraints(min_length=3, max_length=320)] = Field(
        description="The new contact e-mail (also the sign-in e-mail)"
    )
