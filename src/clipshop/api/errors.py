"""The one place where errors become HTTP responses: RFC 9457 problem+json with a stable code on
the native API; on the partner API's paths (``partner.paths``) the envelope with an integer code
instead, whatever the error (``partner_answer``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clipshop.api.partner.envelope import envelope
from clipshop.core.errors import DomainError
from clipshop.partner import errors as partner_errors
from clipshop.partner.errors import PartnerError
from clipshop.partner.paths import is_partner_path

CONNECTION_LOST = "the database connection was lost; nothing was applied, retry the request"

log = logging.getLogger("clipshop.api")

PROBLEM_TYPE = "https://clipshop.dev/problems/"
HTTP_CODES = {
    400: "malformed_body",  # a body Starlette cannot parse (not UTF-8 JSON, broken multipart)
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    415: "unsupported_media_type",
}


INTERNAL = "something went wrong on our side; the change was not applied"


def problem_body(
    status: int, code: str, title: str, detail: str, instance: str, **extra: Any
) -> dict[str, Any]:
    """The RFC 9457 body of every error answer (routes here, the idempotency middleware)."""
    return {
        "type": PROBLEM_TYPE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
        **extra,
    }


def partner_answer(
    request: Request, status: int, message: str, code: int | None = None, **data: Any
) -> JSONResponse:
    """An error on a partner path: the envelope, ``code`` by default from the HTTP status."""
    code = partner_errors.code_for_status(status) if code is None else code
    return envelope(request, data, code=code, message=message, status=status)


def problem(
    request: Request, status: int, code: str, title: str, detail: str, **extra: Any
) -> JSONResponse:
    if is_partner_path(request.url.path):
        if code in ("not_found", "method_not_allowed") and detail in (title, "Not Found"):
            detail = (
                f"no partner API route serves {request.method} {request.url.path} "
                "(unknown path, version or method)"
            )
        return partner_answer(request, status, detail)
    body = problem_body(status, code, title, detail, request.url.path, **extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def _resources(request: Request) -> dict[str, set[str]]:
    """The methods of each route path matching the request's path, whatever its method."""
    found: dict[str, set[str]] = {}
    for route in iter_route_contexts(request.app.routes):
        path, methods = route.path_format, route.methods
        if path and methods and route.matches(request.scope)[0] is not Match.NONE:
            found.setdefault(path, set()).update(methods)
    return found


def _literal(found: dict[str, set[str]]) -> set[str]:
    """Where a literal path and a parameter's overlap (``/packages/labels`` and
    ``/packages/{package_id}``), the literal one is the resource: its methods."""
    fewest = min(path.count("{") for path in found)
    return set().union(*(m for path, m in found.items() if path.count("{") == fewest))


def allowed_methods(request: Request, named: str) -> str:
    """The methods of the resource at the request's path, for a 405's ``Allow``: Starlette
    names those of the first route matching the path (``named``), and a path has a route per
    method here."""
    found = _resources(request)
    return ", ".join(sorted(_literal(found))) if found else named


def unserved_literal(request: Request, exc: RequestValidationError) -> str | None:
    """``Allow`` for a method a literal path does not serve, when the request went to an
    overlapping parameter route only to fail its path validation (``GET /packages/labels``)."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", "")
    if not path or not all(e["loc"][0] == "path" for e in exc.errors()):
        return None
    found = _resources(request)
    if min(p.count("{") for p in found) >= path.count("{"):
        return None
    methods = _literal(found)
    return None if request.method in methods else ", ".join(sorted(methods))


def routed(scope: Scope) -> bool:
    """Whether a route serves this method at this path (else the router answers 404 or 405)."""
    return any(
        route.matches(scope)[0] is Match.FULL for route in iter_route_contexts(scope["app"].routes)
    )


class ServerErrors:
    """An unhandled exception becomes the 500 problem answer here, inside the app.

    Starlette's outermost ``ServerErrorMiddleware`` would send the same answer but then re-raise,
    and the server closes the keep-alive connection on an exception; answered here, nothing is
    raised and the connection serves the client's next request. Added after the idempotency
    middleware, so that one still sees the exception and releases its key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if started:  # half an answer is out: only closing the connection can tell
                raise
            request = Request(scope)
            log.exception("unhandled error on %s", request.url.path)
            answer = problem(request, 500, "internal_error", "Internal error", INTERNAL)
            await answer(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(ServerErrors)

    @app.exception_handler(PartnerError)
    async def _partner(request: Request, exc: PartnerError) -> JSONResponse:
        answer = partner_answer(request, exc.http_status, exc.message, exc.code, **exc.data)
        if exc.retry_after is not None:
            answer.headers["Retry-After"] = str(exc.retry_after)
        return answer

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        answer = problem(request, exc.status, exc.code, exc.title, exc.detail, **exc.extra)
        if exc.retry_after is not None:
            answer.headers["Retry-After"] = str(exc.retry_after)
        return answer

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if is_partner_path(request.url.path):
            first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
            where = _location(tuple(first["loc"][1:] or first["loc"]))
            return partner_answer(request, 400, f"{where}: {first['msg']}")
        allow = unserved_literal(request, exc)
        if allow is not None:
            title = "Method Not Allowed"
            answer = problem(request, 405, "method_not_allowed", title, title)
            answer.headers["Allow"] = allow
            return answer
        errors = [
            {"field": _location(tuple(e["loc"])), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem(request, 422, "invalid_request", "Invalid request", summary, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        answer = problem(request, exc.status_code, code, str(exc.detail), str(exc.detail))
        answer.headers.update(exc.headers or {})
        if exc.status_code == 405 and "allow" in answer.headers:
            answer.headers["Allow"] = allowed_methods(request, answer.headers["allow"])
        return answer

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error on %s: %s", request.url.path, exc.orig)
        return problem(
            request,
            409,
            "constraint_violation",
            "Conflict",
            "the change conflicts with the current state; reload and try again",
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if not exc.connection_invalidated:
            return await _internal(request, exc)
        # The server dropped a pooled connection (restart, failover); the pool is renewed.
        log.warning("database connection lost on %s: %s", request.url.path, exc.orig)
        answer = problem(
            request,
            503,
            "database_unavailable",
            "Service unavailable",
            CONNECTION_LOST,
        )
        answer.headers["Retry-After"] = "1"
        return answer

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(request, 500, "internal_error", "Internal error", INTERNAL)
