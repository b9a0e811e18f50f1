"""The pages' CSRF protection, by ``fastapi-csrf-protect`` (its flexible mode; docs/web.md "CSRF").

A signed double-submit token: the cookie ``clipshop_csrf`` holds the token signed with the app's
secret key, and every unsafe request of a page must echo the token itself, as the form field
``csrf_token`` (url-encoded or multipart) or the ``X-CSRF-Token`` header (htmx: ``hx-headers`` on
``<body>``). Pages get it as ``csrf`` / ``csrf_input`` (render.page). The check runs as a route
dependency of the pages only: the JSON and TikTok APIs use bearer tokens and signatures.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from fastapi import Request, Response
from fastapi_csrf_protect.exceptions import CsrfProtectError
from fastapi_csrf_protect.flexible import CsrfProtect
from itsdangerous import BadData, URLSafeTimedSerializer

from clipshop.core.errors import PermissionDenied
from clipshop.core.settings import Settings

FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
LIBRARY_SALT = "fastapi-csrf-token"  # how fastapi-csrf-protect signs the cookie (to reuse it)


class CsrfRefused(PermissionDenied):
    code = "csrf_failed"
    title = "CSRF check failed"


class PageCsrf(CsrfProtect):
    """The library's checker with our names (class settings, not its process-wide loader)."""

    _cookie_key: ClassVar[str] = "clipshop_csrf"
    _token_key: ClassVar[str] = "csrf_token"
    _header_name: ClassVar[str] = "X-CSRF-Token"
    _cookie_samesite: ClassVar[Literal["lax", "strict", "none"] | None] = "lax"


CHECKER = PageCsrf()
COOKIE = PageCsrf._cookie_key


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def lifetime(request: Request) -> int:
    """A token lasts as long as a session may."""
    return _settings(request).web_session_hours * 3600


def secure(request: Request) -> bool:
    return _settings(request).web_secure_cookies or request.url.scheme == "https"


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


def page_token(request: Request) -> str:
    """The token of this browser's cookie while it is valid (so every tab and htmx partial
    keeps working), else a new one that ``issue`` sets as the cookie."""
    known: str | None = getattr(request.state, "csrf_token", None)
    if known is not None:
        return known
    secret = _settings(request).secret_key
    token, signed = "", request.cookies.get(COOKIE)
    if signed:
        serializer = URLSafeTimedSerializer(secret, salt=LIBRARY_SALT)
        try:
            token = str(serializer.loads(signed, max_age=lifetime(request)))
        except BadData:
            token = ""
    if not token:
        token, signed = CHECKER.generate_csrf_tokens(secret)
        request.state.csrf_new_cookie = signed
    request.state.csrf_token = token
    return token


def issue(request: Request, response: Response) -> None:
    """Set the cookie of a token made for this page."""
    signed: str | None = getattr(request.state, "csrf_new_cookie", None)
    if signed:
        set_cookie(request, response, COOKIE, signed, lifetime(request))


def forget(response: Response) -> None:
    """Drop the cookie (at sign-in and sign-out): the next page makes a new token."""
    response.delete_cookie(COOKIE, path="/")


async def check(request: Request) -> None:
    """Refuse an unsafe request whose token is missing, forged, expired or not this cookie's."""
    if request.method not in CHECKER._methods:
        return
    if request.headers.get("content-type", "").startswith(FORMS):
        await request.form()  # parsed (and kept) for the library, which reads the parsed form
    try:
        await CHECKER.validate_csrf(
            request, secret_key=_settings(request).secret_key, time_limit=lifetime(request)
        )
    except (CsrfProtectError, ValueError) as exc:  # ValueError: a body that is not a form
        raise CsrfRefused(
            "the form's CSRF token is missing or stale; reload the page and retry"
        ) from exc
