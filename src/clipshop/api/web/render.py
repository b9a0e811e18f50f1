"""The pages' templates and how an answer or an error becomes HTML."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from clipshop.api.web import times
from clipshop.api.web.csrf import issue, page_token
from clipshop.core.clock import utcnow
from clipshop.core.errors import DomainError

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
TZ_COOKIE = "tz"


class SignInNeeded(Exception):
    """No live session: the browser is sent to the sign-in page."""


def zone_of(request: Request) -> Any:
    return times.zone_named(request.cookies.get(TZ_COOKIE))


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render ``name`` with the signed-in user (if any), the viewer's zone and the time
    helpers; ``request.state.signed`` is set by ``session.signed_in``."""
    zone = zone_of(request)
    now = utcnow()
    signed = getattr(request.state, "signed", None)
    csrf = page_token(request)
    base: dict[str, Any] = {
        "signed": signed,
        "csrf": csrf,
        "csrf_input": Markup('<input type="hidden" name="csrf_token" value="%s">') % csrf,
        "zone": zone,
        "now": now,
        "when": lambda at: times.when(at, zone),
        "deadline": lambda verb, due: times.deadline(verb, due, now, zone),
        "countdown": lambda due: times.countdown(due, now),
    }
    response = templates.TemplateResponse(request, name, {**base, **(context or {})})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    issue(request, response)
    return response


def error_page(request: Request, status: int, code: str, title: str, detail: str) -> HTMLResponse:
    context = {"status": status, "code": code, "title": title, "detail": detail}
    return page(request, "error.html", context, status)


def _sign_in_first(request: Request) -> Response:
    target = "/signin?next=" + request.url.path
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
    parts = [
        f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
        for e in exc.errors()[:5]
    ]
    return error_page(request, 422, "invalid_request", "Invalid request", "; ".join(parts))


class PageRoute(APIRoute):
    """A page's route: domain errors and bad input are shown as a page with the API's problem
    code, and a missing session leads to the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded:
                return _sign_in_first(request)
            except RequestValidationError as exc:
                return _invalid(request, exc)
            except DomainError as exc:
                answer = error_page(request, exc.status, exc.code, exc.title, exc.detail)
                if exc.retry_after is not None:
                    answer.headers["Retry-After"] = str(exc.retry_after)
                return answer

        return guarded
