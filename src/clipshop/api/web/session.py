"""Who is signed in (the session cookie), and the CSRF check of every unsafe request (the
``fastapi-csrf-protect`` library, wrapped in csrf.py; docs/web.md "CSRF")."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from clipshop.api.web.csrf import CsrfRefused, check, set_cookie
from clipshop.api.web.render import SignInNeeded
from clipshop.core.db import Database
from clipshop.identity.web_sessions import Signed, session_of

SESSION_COOKIE = "clipshop_session"

__all__ = ["SESSION_COOKIE", "CsrfRefused", "SignedIn", "csrf_checked", "csrf_protected"]
__all__ += ["set_cookie", "signed_in"]


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


async def csrf_checked(request: Request) -> None:
    """An unsafe request must carry the CSRF token of the page it came from (no session
    needed: the sign-in form)."""
    await check(request)


async def csrf_protected(request: Request, signed: Annotated[Signed, Depends(signed_in)]) -> None:
    """Every unsafe request of a signed-in page must carry the page's CSRF token."""
    await check(request)


SignedIn = Annotated[Signed, Depends(signed_in)]
