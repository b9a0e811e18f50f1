"""What every partner route depends on: the signature, the timestamp window, the app's rate
limit, the access token, the route's scope and the shop (docs/tiktok-api.md#protocol).

A route declares ``call: Annotated[PartnerCall, Depends(partner(scopes.ORDER_INFO))]`` and
gets the app, the authorized shops and, for a shop-scoped route, the one shop it acts on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from clipshop.api.deps import DB, ReadDB
from clipshop.core.settings import Settings
from clipshop.models import PartnerApp
from clipshop.partner import errors, signing
from clipshop.partner.apps import app_by_key
from clipshop.partner.errors import PartnerError, invalid_parameter
from clipshop.partner.ratelimit import RateLimiter
from clipshop.partner.tokens import Access, AuthorizedShop, resolve

PAST_SKEW = 300  # seconds a timestamp may lie behind the wall clock
FUTURE_SKEW = 30  # ... and ahead of it
RAW_BODY = "partner_raw_body"
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class PartnerCall:
    """A checked partner request: the app, what its token reaches, the shop acted on
    (``None`` on a route that is not shop-scoped), the raw body and the session."""

    app: PartnerApp
    access: Access
    shop: AuthorizedShop | None
    body: bytes
    content_type: str
    session: Session

    @property
    def shop_id(self) -> int:
        assert self.shop is not None, "not a shop-scoped route"
        return self.shop.id

    @property
    def shop_ids(self) -> list[int]:
        return [shop.id for shop in self.access.shops]


def limiter(request: Request) -> RateLimiter:
    state = request.app.state
    if not hasattr(state, "partner_limiter"):
        state.partner_limiter = RateLimiter()
    found: RateLimiter = state.partner_limiter
    return found


def _multipart(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower().startswith("multipart/")


def _pairs(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


def _raw_path(request: Request) -> str:
    """The path exactly as the client sent it (percent-escapes kept)."""
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1").split("?", 1)[0] if raw else request.url.path


def _app(request: Request, session: Session) -> PartnerApp:
    app_key = request.query_params.get("app_key", "")
    if not app_key:
        raise invalid_parameter("app_key is required in the query")
    app = app_by_key(session, app_key)
    if app is None:
        raise PartnerError(errors.SIGNATURE_INVALID, f"no app has the app_key {app_key!r}")
    return app


def _timestamp(request: Request) -> None:
    raw = request.query_params.get("timestamp", "")
    try:
        stamp = int(raw)
    except ValueError:
        raise invalid_parameter("timestamp (Unix seconds) is required in the query") from None
    now = int(time.time())  # the wall clock, never the sandbox clock: the client signs with it
    if not now - PAST_SKEW <= stamp <= now + FUTURE_SKEW:
        raise invalid_parameter(
            f"timestamp {stamp} is outside [{now - PAST_SKEW}, {now + FUTURE_SKEW}] "
            f"(server time {now}): sync the client's clock"
        )


def _rate(request: Request, app: PartnerApp, settings: Settings) -> None:
    per_minute = app.rate_limit_per_minute or settings.partner_rate_limit_per_minute
    wait = limiter(request).allow(app.app_key, per_minute)
    if wait is not None:
        raise PartnerError(
            errors.TOO_MANY_REQUESTS,
            f"too many requests: this app may make {per_minute} per minute",
            429,
            retry_after=wait,
        )


def _signature(request: Request, app: PartnerApp, body: bytes, settings: Settings) -> None:
    given = request.query_params.get("sign", "")
    signed_body = b"" if _multipart(request.headers.get("content-type", "")) else body
    path = _raw_path(request)
    for candidate in dict.fromkeys((path, request.url.path)):  # as sent, else percent-decoded
        expected = signing.sign(app.app_secret, candidate, _pairs(request), signed_body)
        if given and signing.matches(expected, given):
            return
    message = "sign is missing from the query" if not given else "sign is not valid"
    data: dict[str, Any] = {}
    if settings.sandbox:
        inner = signing.string_to_sign("", path, _pairs(request), signed_body)
        data["expected_string_to_sign"] = (
            "{app_secret}" + inner.decode("utf-8", "replace") + "{app_secret}"
        )
        message += (
            "; expected HMAC-SHA256(key=app_secret) of data.expected_string_to_sign with "
            "{app_secret} replaced by the secret, as lowercase hex"
        )
    raise PartnerError(errors.SIGNATURE_INVALID, message, 400, data=data)


def _access_token(request: Request) -> str:
    token = request.headers.get("x-tts-access-token") or request.query_params.get(
        "access_token", ""
    )
    if not token:
        raise PartnerError(
            errors.INVALID_ACCESS_TOKEN,
            "send the access token in the x-tts-access-token header",
            401,
        )
    return token


def _shop(request: Request, access: Access) -> AuthorizedShop:
    cipher = request.query_params.get("shop_cipher", "")
    if cipher:
        for shop in access.shops:
            if shop.cipher == cipher:
                return shop
        raise invalid_parameter("shop_cipher does not name a shop this token is authorized for")
    if len(access.shops) == 1:
        return access.shops[0]
    raise invalid_parameter(
        f"shop_cipher is required: this token is authorized for {len(access.shops)} shops "
        "(GET /authorization/202309/shops lists their ciphers)"
    )


async def raw_body(request: Request) -> bytes:
    """The body bytes as received (read once, kept for the handler)."""
    return await request.body()


def check(
    request: Request, session: Session, body: bytes, scope: str, shop_scoped: bool
) -> PartnerCall:
    settings: Settings = request.app.state.settings
    app = _app(request, session)
    _rate(request, app, settings)
    _timestamp(request)
    _signature(request, app, body, settings)
    access = resolve(session, app, _access_token(request))
    if scope not in access.scopes:
        raise PartnerError(
            errors.SCOPE_DENIED, f"the access token was not granted the scope {scope}", 403
        )
    shop = _shop(request, access) if shop_scoped else None
    content_type = request.headers.get("content-type", "")
    return PartnerCall(app, access, shop, body, content_type, session)


def partner(
    scope: str, *, shop_scoped: bool = True, reads_only: bool = False
) -> Callable[..., PartnerCall]:
    """The dependency of a partner route needing ``scope``; ``shop_scoped`` routes act on one
    shop (``shop_cipher``, or the token's only shop). ``reads_only``: a POST that only reads
    (a search) runs in a read transaction, as a GET does."""

    def dependency(
        request: Request, session: DB, body: Annotated[bytes, Depends(raw_body)]
    ) -> PartnerCall:
        return check(request, session, body, scope, shop_scoped)

    def reading(
        request: Request, session: ReadDB, body: Annotated[bytes, Depends(raw_body)]
    ) -> PartnerCall:
        return check(request, session, body, scope, shop_scoped)

    return reading if reads_only else dependency


def json_filters(call: PartnerCall) -> dict[str, Any]:
    """The JSON body as a dict: an empty body, ``{}`` and an empty form body all mean no
    filters (``{}``); anything but a JSON object is 36009004."""
    text = call.body.strip()
    if not text or call.content_type.lower().startswith("application/x-www-form-urlencoded"):
        if text:
            raise invalid_parameter("send the filters as a JSON object, not a form")
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise invalid_parameter("the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise invalid_parameter("the body must be a JSON object")
    return value


def parse_body(call: PartnerCall, model: type[ModelT]) -> ModelT:
    """The body validated by ``model``; its errors answered as 36009004 naming the field."""
    try:
        return model.model_validate(json_filters(call))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise invalid_parameter(f"{where}: {first['msg']}") from None
