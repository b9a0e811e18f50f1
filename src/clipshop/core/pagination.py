"""Cursor pagination: ``limit`` (1..100) and an opaque ``cursor``; lists return ``next_cursor``.

A cursor encodes the last id seen; lists are ordered by id descending (newest first), which
is stable under concurrent inserts because ids are time-ordered and unique.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from clipshop.core.errors import InvalidInput
from clipshop.core.ids import parse_id

T = TypeVar("T")
MAX_LIMIT = 100
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    after_id: int | None = None  # return ids strictly below this one


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    raw = json.dumps({"before": str(last_id)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        before = data["before"]
        if not isinstance(before, str):
            raise TypeError("before must be a string")
        return parse_id(before)  # a forged out-of-range id must not reach the database
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidInput(
            "cursor is not valid; pass back next_cursor unchanged", code="invalid_cursor"
        ) from None


def page_request(limit: int | None, cursor: str | None) -> PageRequest:
    if limit is None:
        limit = DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    return PageRequest(limit=limit, after_id=decode_cursor(cursor) if cursor else None)


def make_page(rows: list[T], request: PageRequest, id_of: Callable[[T], int]) -> Page[T]:
    """``rows`` were fetched with ``limit + 1``; the extra row only signals another page."""
    if len(rows) > request.limit:
        rows = rows[: request.limit]
        return Page(rows, encode_cursor(id_of(rows[-1])))
    return Page(rows, None)


def paginate(
    session: Session, stmt: Select[T], id_column: InstrumentedAttribute[int], request: PageRequest
) -> Page[T]:
    """Run ``stmt`` (a select of one entity) newest first, one page at a time."""
    if request.after_id is not None:
        stmt = stmt.where(id_column < request.after_id)
    rows = list(session.scalars(stmt.order_by(id_column.desc()).limit(request.limit + 1)))
    return make_page(rows, request, lambda row: int(getattr(row, "id")))  # noqa: B009
