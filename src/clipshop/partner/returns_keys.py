"""The return_refund actions' ``idempotency_key`` query: a replay of the same request answers
code 0 with the first answer's ``data``, and does nothing. The key is claimed in the action's
own transaction (one commit: the action and its answer, or neither), as an Idempotency-Key
record of the shop owner who authorized the app, named apart from the native API's keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core import idempotency
from clipshop.identity.principal import Principal, Role
from clipshop.models import AppAuthorization
from clipshop.partner import errors
from clipshop.partner.errors import PartnerError, invalid_parameter, not_found

T = TypeVar("T")
MAX_CLIENT_KEY = 128


@dataclass(frozen=True)
class Replayed:
    """The key already did this request: ``data`` is what it answered (JSON)."""

    data: bytes


def _nothing(_: object) -> bytes:
    return b"{}"


def seller(session: Session, app_id: int, shop_id: int) -> Principal:
    """The shop's seller as the app acts for it: the owner who granted the authorization."""
    granted_by = session.scalar(
        select(AppAuthorization.granted_by).where(
            AppAuthorization.app_id == app_id,
            AppAuthorization.shop_id == shop_id,
            AppAuthorization.status == "ACTIVE",
        )
    )
    if granted_by is None:
        raise not_found("the shop has not authorized this app")
    shops = frozenset({shop_id})
    return Principal(granted_by, Role.SELLER, shops, shops)


def once(
    session: Session,
    principal: Principal,
    scope: str,
    key: str | None,
    request: tuple[str, bytes],
    ttl: timedelta,
    lease: timedelta,
    action: Callable[[], T],
    data: Callable[[T], bytes] = _nothing,
) -> T | Replayed:
    """Run ``action`` unless ``key`` (non-blank) already did this very request (then what it
    answered, ``data`` of its result). ``scope`` names the app and shop; ``request`` is the
    path and the raw body."""
    if key is None or not key.strip():
        return action()
    if len(key) > MAX_CLIENT_KEY:
        raise invalid_parameter(f"idempotency_key is longer than {MAX_CLIENT_KEY} characters")
    record_key = f"tts:{scope}:{key}"
    path, body = request
    digest = idempotency.fingerprint("POST", path, "", body)
    owner = idempotency.OWNERS.begin()
    try:
        got = idempotency.claim(session, principal.user_id, record_key, digest, ttl, owner, lease)
        if isinstance(got, idempotency.Stored):
            if got.request_hash != digest:
                raise invalid_parameter(
                    "idempotency_key was already used for another request; use a new key"
                )
            if got.state != "DONE":
                raise PartnerError(
                    errors.CONFLICT, "a request with this idempotency_key is in progress", 409
                )
            return Replayed(got.body or b"{}")
        result = action()
        idempotency.finish_in(session, principal.user_id, record_key, 200, [], data(result))
        return result
    finally:
        idempotency.OWNERS.end(owner)
