"""Schemathesis against the native API, on both databases: every operation, every built-in check
(status codes, content types and bodies as documented, 401 without a token, 405 with ``Allow``
for undeclared methods, schema-valid input accepted, schema-violating input refused, no 5xx).

The app runs in process (ASGI) on the test database with a small world seeded once per
database; requests carry the admin's token, so they reach past authentication. Examples are
bounded: Schemathesis's coverage phase (boundary values, wrong types, missing parts: every case
the schema defines) and a few generated examples per operation.

What a schema cannot describe is given as a client would give it:
- ``Idempotency-Key`` is unique per intended operation (docs/api.md): a generated key that is
  valid is replaced by a fresh one, else two different bodies drawn with the key ``"0"`` are one
  key reused (422) by the contract.
- ``cursor`` (lists) and ``after`` (the event feed) are opaque tokens the server issued
  (``next_cursor``): they are left out, as a client does on the first page; no string a
  generator draws is one.
- Rules between fields, which JSON Schema cannot state (docs/api.md, docs/checkout.md), are kept
  when each field is valid on its own: a window ends after it starts (so does a list's
  ``create_time`` / ``update_time`` range), a shipping profile's
  ``min_days`` is at most its ``max_days``, a cart or checkout names each SKU once (with a
  quantity), an admin creating a shop names its owner, an amount stays within its currency's
  platform maximum (docs/api.md#bounds; the schema states only the ceiling of every currency),
  a buyer has a date of birth, ship-by-seller names its tracking number, a sandbox advance
  moves the clock by something, a conversation message carries the one field of its ``type``,
  and only a FORCE_MAJEURE support case asks for an extension.
  Only cases drawn as valid are adjusted: an invalid one stays as drawn.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from clipshop.api.app import create_app
from clipshop.core import money
from clipshop.core.db import Database
from clipshop.core.settings import Settings
from tests.conftest import World, make_world, truncate_all

API = "/api/v1"
MAX_EXAMPLES = 5  # generated examples per operation, on top of the coverage phase
CONFIG = schemathesis.Config.from_dict(
    # Undeclared methods tried on every path: one safe, one unsafe (the idempotency middleware
    # sees unsafe ones first). Every other check runs as configured by default: all of them.
    {"phases": {"coverage": {"unexpected-methods": ["TRACE", "PUT"]}}}
)

# The OpenAPI document does not depend on the database: read it from an app on a throwaway
# in-memory SQLite; every request then goes to an app on the test's database.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings(env="test", database_url="sqlite://")), config=CONFIG
)


@pytest.fixture(scope="module")
def seeded(database: Database) -> Iterator[tuple[FastAPI, World]]:
    """The app and a small world (as tests/conftest.py ``world``), once per database."""
    truncate_all(database)
    world = make_world(database)
    yield create_app(database.settings, database), world
    truncate_all(database)


def as_a_client_would(case: schemathesis.Case, world: World) -> None:
    headers = case.headers or {}
    for name, value in list(headers.items()):
        valid = isinstance(value, str) and value.strip() and len(value) <= 255
        if name.lower() == "idempotency-key" and valid:  # keep it valid, make it unique
            headers[name] = uuid.uuid4().hex
    query = case.query or {}
    for opaque in ("cursor", "after"):  # next_cursor of a list, of the event feed
        if isinstance(query.get(opaque), str):
            del query[opaque]
    positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    if positive:
        for field in ("create_time", "update_time"):  # a list's time range holds something
            _window(query, f"{field}_ge", f"{field}_lt")
        _window(query, "start", "end")  # a creator's statement: its orders placed in between
    if positive and isinstance(case.body, dict):
        body = case.body
        _window(body)
        _days(body)
        _each_sku_once(body)
        _within_currency_max(body)
        if case.operation.path == f"{API}/users" and body.get("role") == "buyer":
            body["date_of_birth"] = body.get("date_of_birth") or "2000-01-01"  # buyers need it
        if case.operation.path == f"{API}/packages":
            _by_shipping_type(body)
        units = ("days", "hours", "minutes", "seconds")
        advance = case.operation.path == f"{API}/sandbox/clock/advance"
        if advance and not any(body.get(unit) for unit in units):
            body["hours"] = 1
        if case.operation.path == f"{API}/shops" and body.get("owner_user_id", None) is None:
            body["owner_user_id"] = str(world.seller_a.id)  # required of an admin
        if case.operation.path == f"{API}/conversations":
            _message_fits_type(body.get("message"))
        if case.operation.path == f"{API}/conversations/{{conversation_id}}/messages":
            _message_fits_type(body)
        if case.operation.path == f"{API}/support/cases":
            _support_case(body)


def _instant(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if isinstance(value, str) and moment.tzinfo is not None else None


def _window(body: dict[str, object], start: str = "starts_at", end: str = "ends_at") -> None:
    """``end`` after ``start`` (a voucher's or SKU discount's ``ends_at`` after its
    ``starts_at``; a list's ``*_time_lt`` after its ``*_time_ge``), both kept within
    2000..2100."""
    starts, ends = _instant(body.get(start)), _instant(body.get(end))
    if starts is None or ends is None or starts < ends:
        return
    if starts > ends:
        body[start], body[end] = body[end], body[start]
    elif starts.year < 2100:
        body[end] = (ends + timedelta(days=1)).isoformat()
    else:
        body[start] = (starts - timedelta(days=1)).isoformat()


MONEY_FIELDS = ("max_discount", "min_spend", "rural_surcharge", "free_shipping_threshold", "fee")


def _within_currency_max(body: dict[str, object]) -> None:
    """Amounts of a voucher (its ``currency``) or shipping profile (the seeded shops' USD)
    within that currency's platform maximum."""
    currency = body.get("currency", "USD")
    if not isinstance(currency, str):
        return
    cap = money.max_minor(currency)
    rates = body.get("rates")
    for part in [body, *(rates if isinstance(rates, list) else [])]:
        if isinstance(part, dict):
            for name in MONEY_FIELDS:
                if type(part.get(name)) is int and part[name] > cap:
                    part[name] = cap


def _by_shipping_type(body: dict[str, object]) -> None:
    """Ship-by-seller names its tracking number; platform shipping buys the label (none)."""
    if body.get("shipping_type", "SELLER") == "SELLER":
        body["tracking_number"] = body.get("tracking_number") or "TRACK0001"
    else:
        body.pop("tracking_number", None)


MESSAGE_FIELDS = {"TEXT": "text", "ORDER_CARD": "order_id", "PRODUCT_CARD": "product_id"}


def _message_fits_type(message: object) -> None:
    """A conversation message (``type`` with ``text``, ``order_id`` or ``product_id``) carries
    only its type's field (docs/conversations.md): the type's own if drawn, else the first
    drawn field's type, else a text."""
    if not isinstance(message, dict) or message.get("type", "TEXT") not in MESSAGE_FIELDS:
        return
    kinds = [message.get("type", "TEXT"), *MESSAGE_FIELDS]
    kind = next((k for k in kinds if message.get(MESSAGE_FIELDS[k]) is not None), None)
    if kind is None:  # drawn with none: a text, as the default type says
        kind, message["text"] = "TEXT", "Hello"
    message["type"] = kind
    for field in MESSAGE_FIELDS.values():
        if field != MESSAGE_FIELDS[kind]:
            message.pop(field, None)


def _support_case(body: dict[str, object]) -> None:
    """Only a FORCE_MAJEURE case asks for an extension, and it names its order
    (docs/support.md)."""
    if body.get("category") == "FORCE_MAJEURE" and body.get("order_id") is None:
        body["category"] = "OTHER"
    if body.get("category") != "FORCE_MAJEURE":
        body.pop("extension_hours", None)
        body.pop("extension_days", None)


def _days(body: dict[str, object]) -> None:
    """A shipping profile's ``min_days`` at most its ``max_days`` (both within 0..90)."""
    low, high = body.get("min_days"), body.get("max_days")
    whole = (int, float)  # JSON has one number type: 24.0 is the integer 24
    if type(low) in whole and type(high) in whole and 0 <= high < low <= 90:  # type: ignore[operator]
        body["min_days"], body["max_days"] = high, low


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api(case: schemathesis.Case, seeded: tuple[FastAPI, World]) -> None:
    app, world = seeded
    as_a_client_would(case, world)
    case.call_and_validate(app=app, headers=world.admin.headers)


def _each_sku_once(body: dict[str, object]) -> None:
    """Checkout and quote ``items``: each ``sku_id`` once (the first line of each is kept)."""
    items = body.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return
    seen: set[object] = set()
    kept = []
    for item in items:
        key = repr(item.get("sku_id"))
        if key not in seen:
            seen.add(key)
            kept.append(item)
    body["items"] = kept
