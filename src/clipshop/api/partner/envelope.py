"""The envelope every partner answer is: ``{"code", "message", "request_id", "data"}``."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from clipshop.partner.errors import invalid_parameter

REQUEST_ID = "partner_request_id"


def request_id(request: Request) -> str:
    """The request's id (made on first use, then the same for its answer, errors included)."""
    state = request.scope.setdefault("state", {})
    found = state.get(REQUEST_ID)
    if not found:
        found = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()
        state[REQUEST_ID] = found
    return str(found)


def envelope(
    request: Request,
    data: Any = None,
    *,
    code: int = 0,
    message: str = "Success",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The answer of a partner route: ``data`` (a dict or a Pydantic model; ``None`` is sent
    as ``{}``, never ``null``)."""
    body = {
        "code": code,
        "message": message,
        "request_id": request_id(request),
        "data": jsonable_encoder(data) if data is not None else {},
    }
    return JSONResponse(body, status_code=status, headers=headers)


def answer(request: Request, data: BaseModel | dict[str, Any]) -> JSONResponse:
    """A module route's success: scalars clipshop has no value for are left out; objects and
    arrays are always sent."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json", exclude_none=True)
    return envelope(request, data)


def choice(request: Request, name: str, allowed: dict[str, Any], default: str) -> Any:
    """The query parameter ``name``, one of ``allowed`` in any letter case (36009004 else)."""
    given = request.query_params.get(name) or default
    found = allowed.get(given) or allowed.get(given.upper()) or allowed.get(given.lower())
    if found is None:
        raise invalid_parameter(f"{name} must be one of " + ", ".join(allowed))
    return found


def query_list(request: Request, name: str) -> list[str]:
    """A list query parameter as clients send it: repeated, comma-joined, or as a JSON array
    (some generated clients send one); blanks dropped."""
    raw: list[str] = []
    for value in request.query_params.getlist(name):
        text = value.strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except ValueError:
                raise invalid_parameter(f"{name}: not a valid JSON array") from None
            raw.extend(str(x) for x in items if isinstance(x, str | int))
        else:
            raw.append(text)
    return [p.strip() for value in raw for p in value.split(",") if p.strip()]
