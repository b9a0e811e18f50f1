"""The OpenAPI document as the contract: error answers, the token and required headers,
declared once for every operation from what the route really depends on.

FastAPI documents only the success answer and its own 422 shape. Every operation here also
gets the RFC 9457 answers it can give (``application/problem+json``, schema ``Problem``):

- 401 and 403 when it reads the caller's token (security scheme ``bearerAuth``);
- 404 when its path, its body or an ``*_id`` query parameter names an object;
- 409 and 422 when it writes (a conflict with the current state, an Idempotency-Key reused for
  another body); 422 when it takes any input;
- 400 when it takes a body (one that cannot be parsed: not UTF-8 JSON, a broken multipart) or
  needs a header it checks itself (``Idempotency-Key``); 413 when it takes a file;
- 503 ``database_unavailable`` or ``database_busy`` (with ``Retry-After``) on every /api/v1
  operation.

An uploaded file (a raw body, or a multipart part) is declared non-empty (``minLength``).

``Idempotency-Key`` and ``X-Clipshop-Signature`` are read as optional parameters, so that their
absence gets the route's own clear problem (400 ``idempotency_key_required``, 401
``invalid_signature``) instead of a generic 422; the document declares them required.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from clipshop.api.deps import current_principal, current_principal_standalone

PROBLEM_REF = "#/components/schemas/Problem"
BEARER = "bearerAuth"
UNSAFE = frozenset({"post", "put", "patch", "delete"})
ID_SUFFIXES = ("_id", "_ids")  # query parameters that name objects
AUTHENTICATED = (current_principal, current_principal_standalone)
# Header parameter -> the dependency or route code that refuses its absence with a problem.
REQUIRED_HEADERS = {"idempotency-key": 400, "x-clipshop-signature": 401}
HEADER_SCHEMAS: dict[str, dict[str, Any]] = {
    # The key is stripped and at most 255 characters long (api/idempotency.py).
    "idempotency-key": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
    "x-clipshop-signature": {"type": "string", "minLength": 1},
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; branch on `code`. Some problems add members.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "instance"],
    "properties": {
        "type": {"type": "string", "description": "https://clipshop.dev/problems/ + code"},
        "title": {"type": "string"},
        "status": {"type": "integer", "description": "the HTTP status, repeated"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "stable machine-readable code"},
        "instance": {"type": "string", "description": "the request path"},
        "errors": {
            "type": "array",
            "description": "on invalid_request: one entry per invalid field",
            "items": {
                "type": "object",
                "required": ["field", "message", "type"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

DESCRIPTIONS = {
    400: "The body cannot be parsed, or a required header is missing",
    401: "Not authenticated: no token, or the token is not valid (`WWW-Authenticate: Bearer`)",
    402: "Payment failed",
    403: "The caller's role may not do this",
    404: "Something the request names does not exist, or the caller cannot see it",
    409: "Conflicts with the current state, or a request with this Idempotency-Key is in flight",
    413: "The file is too large",
    422: "Invalid input",
    503: "The database is busy or was lost; nothing was applied, retry (`Retry-After`)",
}
RESPONSE_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    503: {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
}


def install(app: FastAPI, api_prefix: str) -> None:
    """Make ``app.openapi`` complete FastAPI's document with the error answers, once."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()  # cached by FastAPI until the routes change
        if "Problem" not in document.get("components", {}).get("schemas", {}):
            complete(document, app, api_prefix)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any], app: FastAPI, api_prefix: str) -> None:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)  # FastAPI's 422 shape: ours is a Problem
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: `Authorization: Bearer cs_...`",
    }
    paths = document.get("paths", {})
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        path = context.path_format or ""
        authenticated = any(call in AUTHENTICATED for call in _calls(context.dependant))
        for method in context.methods or ():
            operation = paths.get(path, {}).get(method.lower())
            if operation is not None:
                statuses = _statuses(operation, method.lower(), authenticated)
                if path.startswith(api_prefix):
                    statuses.add(503)
                _declare(operation, statuses, authenticated)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    stack = [dependant]
    while stack:
        found = stack.pop()
        yield found.call
        stack.extend(found.dependencies)


def _statuses(operation: dict[str, Any], method: str, authenticated: bool) -> set[int]:
    """The error statuses this operation can answer (see the module's docstring)."""
    params = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {})
    statuses = {int(s) for s in operation.get("responses", {}) if s.isdigit() and int(s) >= 400}
    if authenticated:
        statuses |= {401, 403}
    if body or any(p["in"] == "path" or p["name"].endswith(ID_SUFFIXES) for p in params):
        statuses.add(404)
    if method in UNSAFE:
        statuses |= {409, 422}
    if params or body:
        statuses.add(422)
    statuses |= {
        REQUIRED_HEADERS[p["name"].lower()]
        for p in params
        if p["in"] == "header" and p["name"].lower() in REQUIRED_HEADERS
    }
    if body:
        statuses.add(400)
    if "multipart/form-data" in body:
        statuses.add(413)
    if any(media.get("schema", {}).get("format") == "binary" for media in body.values()):
        statuses.add(413)
    return statuses


def _declare(operation: dict[str, Any], statuses: set[int], authenticated: bool) -> None:
    for param in operation.get("parameters", []):
        name = param["name"].lower()
        if param["in"] == "header" and name in REQUIRED_HEADERS:
            param["required"] = True
            param["schema"] = {**HEADER_SCHEMAS[name], "title": param["schema"].get("title")}
    for media in operation.get("requestBody", {}).get("content", {}).values():
        if "schema" in media:  # a copy: the route's openapi_extra may share these dicts
            media["schema"] = _no_empty_files(copy.deepcopy(media["schema"]))
    if authenticated:
        operation["security"] = [{BEARER: []}]
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        declared = responses.get(str(status), {})
        answer: dict[str, Any] = {
            "description": DESCRIPTIONS.get(status) or declared.get("description", "Error"),
            "content": {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}},
        }
        if status in RESPONSE_HEADERS:
            answer["headers"] = RESPONSE_HEADERS[status]
        responses[str(status)] = answer


def _no_empty_files(schema: dict[str, Any]) -> dict[str, Any]:
    """An uploaded file (a raw body, or a multipart part) is refused when empty (422
    ``empty_file``): say so with ``minLength``."""
    if schema.get("type") == "string":
        schema.setdefault("minLength", 1)
    for part in schema.get("properties", {}).values():
        if part.get("format") == "binary":
            part.setdefault("minLength", 1)
    return schema
