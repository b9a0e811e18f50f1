"""Reads sent together: queries that know how to read their result, batched in one round trip.

A ``Query`` is a prebuilt statement (``core.rawsql``), its parameters and the function that
makes sense of its result. A ``Reads`` batch collects queries from several contexts: ``add``
returns a handle, ``run`` sends them all at once (``rawsql.run_many``: one round trip on
PostgreSQL), and ``reads[handle]`` is that query's value, read when asked (so what the read
raises, it raises there).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from clipshop.core import rawsql

T = TypeVar("T")
U = TypeVar("U")


def first_row(result: rawsql.Result) -> tuple[Any, ...] | None:
    """A ``read`` for a statement of at most one row: that row, or None."""
    return result.first()


def first_value(result: rawsql.Result) -> Any:
    """A ``read`` for a statement of at most one row: its first column, or None."""
    row = result.first()
    return row[0] if row else None


@dataclass(frozen=True)
class Query(Generic[T]):
    """A statement with its parameters, and ``read``: its value from the statement's result."""

    statement: rawsql.Statement
    params: Mapping[str, Any]
    read: Callable[[rawsql.Result], T]

    def then(self, after: Callable[[T], U]) -> Query[U]:
        """The same statement, its value passed through ``after``."""
        read = self.read
        return Query(self.statement, self.params, lambda result: after(read(result)))

    def run(self, session: Session) -> T:
        """Alone, now."""
        return self.read(rawsql.run(session, self.statement, self.params))


@dataclass(frozen=True, eq=False)
class Handle(Generic[T]):
    """A query's place in one ``Reads`` batch."""

    index: int
    query: Query[T]


class Reads:
    """Queries that do not depend on each other, sent in one round trip."""

    def __init__(self) -> None:
        self._queries: list[Query[Any]] = []
        self._results: list[rawsql.Result] | None = None

    def add(self, query: Query[T]) -> Handle[T]:
        if self._results is not None:
            raise RuntimeError("this batch already ran")
        self._queries.append(query)
        return Handle(len(self._queries) - 1, query)

    def run(self, session: Session, shared: Mapping[str, Any] | None = None) -> None:
        """Send every query (each bound with ``shared`` and then its own parameters)."""
        if self._results is not None:
            raise RuntimeError("this batch already ran")
        common = dict(shared or {})
        asked = [(q.statement, common | dict(q.params)) for q in self._queries]
        self._results = rawsql.run_many(session, asked) if asked else []

    def __getitem__(self, handle: Handle[T]) -> T:
        if self._results is None:
            raise RuntimeError("this batch has not run yet")
        if self._queries[handle.index] is not handle.query:
            raise KeyError("the handle is of another batch")
        return handle.query.read(self._results[handle.index])
