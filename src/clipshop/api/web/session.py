"""Who is signed in (the session cookie), and the CSRF check of every unsafe request.

Signed-in pages check the synchronizer token kept in the session's row: forms send it as the
``csrf_token`` field, htmx as the ``X-CSRF-Token`` header (``hx-headers`` on ``<body>``). The
sign-in form, before any session exists, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response

from clipshop.api.web.render import SignInNeeded
from clipshop.core.db import Database
from clipshop.core.errors import PermissionDenied
from clipshop.core.settings import Settings
from clipshop.identity.web_sessions import Signed, session_of

SESSION_COOKIE = "clipshop_session"
SIGNIN_COOKIE = "clipshop_signin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(PermissionDenied):
    code = "csrf_failed"
    title = "CSRF check failed"


def secure(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return settings.web_secure_cookies or request.url.scheme == "https"


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int, path: str = "/"
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="lax",
        secure=secure(request),
    )


async def sent_token(request: Request) -> str:
    """The CSRF token the request carries: the header, else the form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def check_token(sent: str, expected: str | None) -> None:
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        raise CsrfRefused("the form's CSRF token is missing or stale; reload the page and retry")


def new_signin_token() -> str:
    return secrets.token_urlsafe(32)


def signed_in(request: Request) -> Signed:
    """The live session's user; a page without one leads to the sign-in page."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        raise SignInNeeded
    db: Database = request.app.state.db
    with db.unit_of_work(write=False) as session:
        signed = session_of(session, raw)
    if signed is None:
        raise SignInNeeded
    request.state.signed = signed
    return signed


async def csrf_protected(request: Request, signed: Annotated[Signed, Depends(signed_in)]) -> None:
    """Every unsafe request of a signed-in page must carry the session's CSRF token."""
    if request.method not in SAFE_METHODS:
        check_token(await sent_token(request), signed.csrf_token)


SignedIn = Annotated[Signed, Depends(signed_in)]
