"""Sign-in and sign-out pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from clipshop.api.web.csrf import forget
from clipshop.api.web.forms import Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SESSION_COOKIE, csrf_checked, csrf_protected, set_cookie
from clipshop.core.db import Database
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.settings import Settings
from clipshop.identity.principal import Role
from clipshop.identity.web_sessions import Limits, sign_in, sign_out

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SIGNIN_PATH = "/signin"
LANDING = {
    Role.SELLER: "/center",
    Role.CREATOR: "/center/creator",
    Role.BUYER: "/shop",
    Role.AGENT: "/desk",
}


def _local(target: str) -> str:
    """Only a path of this site may follow the sign-in (no open redirect)."""
    ok = target.startswith("/") and not target.startswith(("//", "/\\"))
    return target if ok else ""


def _form(request: Request, email: str, target: str, error: DomainError | None = None) -> Response:
    context = {"email": email, "next": _local(target), "error": error}
    answer = page(request, "signin.html", context, error.status if error else 200)
    if error is not None and error.retry_after is not None:
        answer.headers["Retry-After"] = str(error.retry_after)
    return answer


@router.get(SIGNIN_PATH)
def signin_form(request: Request, next: str = "") -> Response:
    return _form(request, "", next)


@router.post(SIGNIN_PATH, dependencies=[Depends(csrf_checked)])
def signin(
    request: Request,
    email: Text = "",
    password: Text = "",
    next: Text = "",
) -> Response:
    if not email.strip() or not password:
        return _form(request, email, next, InvalidInput("enter your e-mail and password"))
    settings: Settings = request.app.state.settings
    limits = Limits(
        settings.web_session_hours, settings.signin_max_failures, settings.signin_window_minutes
    )
    client = request.client.host if request.client else "unknown"
    db: Database = request.app.state.db
    with db.unit_of_work() as session:
        attempt = sign_in(session, email, password, client, limits)
        role = attempt.role
    if attempt.error is not None or attempt.session_id is None:
        return _form(request, email, next, attempt.error)
    target = _local(next) or (LANDING.get(role, "/") if role else "/")
    answer = RedirectResponse(target, status_code=303)
    set_cookie(request, answer, SESSION_COOKIE, attempt.session_id, limits.session_hours * 3600)
    forget(answer)
    return answer


@router.post("/signout", dependencies=[Depends(csrf_protected)])
def signout(request: Request) -> Response:
    db: Database = request.app.state.db
    with db.unit_of_work() as session:
        sign_out(session, request.cookies.get(SESSION_COOKIE, ""))
    answer = RedirectResponse("/", status_code=303)
    answer.delete_cookie(SESSION_COOKIE, path="/")
    forget(answer)
    return answer
