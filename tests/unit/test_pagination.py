"""Cursor pagination: opaque cursors, limit bounds, and walking every page exactly once."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import BigInteger, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from clipshop.core.errors import InvalidInput
from clipshop.core.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PageRequest,
    decode_cursor,
    encode_cursor,
    make_page,
    page_request,
    paginate,
)

ids = st.integers(min_value=1, max_value=2**63 - 1)


def forge(payload: object) -> str:
    """A cursor carrying any JSON, encoded the way real cursors are."""
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@given(ids)
def test_cursor_round_trips(last_id: int) -> None:
    cursor = encode_cursor(last_id)
    assert decode_cursor(cursor) == last_id
    assert page_request(10, cursor) == PageRequest(limit=10, after_id=last_id)
    assert cursor.isascii() and "=" not in cursor and "/" not in cursor and "+" not in cursor


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!!",
        "abc",
        "a",
        "not a cursor",
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
        forge({"after": "5"}),
        forge(["5"]),
        forge("5"),
        forge(5),
        forge({"before": None}),
        forge({"before": "abc"}),
        forge({"before": "0"}),
        forge({"before": "-5"}),
        forge({"before": 1.5}),
        forge({"before": True}),
        forge({"before": str(2**63)}),  # would overflow SQLite's INTEGER (500 before the fix)
        forge({"before": "9" * 40}),
    ],
)
def test_bad_cursor_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(cursor)
    assert caught.value.code == "invalid_cursor"
    assert caught.value.status == 422
    with pytest.raises(InvalidInput):
        page_request(10, cursor)


def test_limit_bounds() -> None:
    assert page_request(None, None) == PageRequest(limit=DEFAULT_LIMIT, after_id=None)
    assert page_request(1, None).limit == 1
    assert page_request(MAX_LIMIT, "").limit == MAX_LIMIT
    for bad in (0, -1, MAX_LIMIT + 1):
        with pytest.raises(InvalidInput) as caught:
            page_request(bad, None)
        assert caught.value.code == "invalid_limit"


def test_make_page_uses_the_extra_row_only_as_a_signal() -> None:
    request = PageRequest(limit=3)
    full = make_page([9, 8, 7, 6], request, lambda row: row)
    assert full.items == [9, 8, 7]
    assert full.next_cursor is not None and decode_cursor(full.next_cursor) == 7
    last = make_page([9, 8, 7], request, lambda row: row)
    assert last.items == [9, 8, 7] and last.next_cursor is None
    assert make_page([], request, lambda row: row).next_cursor is None


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(_Row(id=i) for i in (3, 5, 8, 13, 21, 34, 55, 2**63 - 1))
        session.commit()
        yield session
    engine.dispose()


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8, 9, MAX_LIMIT])
def test_walking_the_pages_returns_every_row_once_newest_first(
    session: Session, limit: int
) -> None:
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = paginate(session, select(_Row), _Row.id, page_request(limit, cursor))
        pages += 1
        assert len(page.items) <= limit
        seen += [row.id for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [2**63 - 1, 55, 34, 21, 13, 8, 5, 3]
    # the extra row looks ahead, so an exactly full last page is not followed by an empty one
    assert pages == -(-8 // limit)
