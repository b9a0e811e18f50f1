"""Prebuilt statements sent straight to the database driver, in the session's transaction.

Why: on the checkout path SQLAlchemy's execution layer costs about 80 µs of Python per
statement on these machines, more than most statements take the database, and every
statement is a round trip; psycopg's pipeline mode sends many statements in one round trip
for about 25 µs each (measured: docs/benchmarks.md). The statements are still written with
SQLAlchemy Core and compiled by it once per dialect, with its own bind processors (so a
datetime or JSON value is stored exactly as the ORM stores it).

Two ways to run one:

- ``defer(session, statement, rows)``: written later, just before the next statement of the
  transaction (ORM or raw) or at COMMIT; on PostgreSQL everything deferred goes in one
  pipeline. For writes whose result nobody reads: new rows, unconditional updates, deletes.
  A failure is raised by whatever sends them (a later statement, or the commit), and the unit
  of work rolls back as a whole.
- ``run(session, statement, params)``: now; returns the rows (SELECT, RETURNING) and rowcount.

Both write the session's pending ORM changes first, so rows reach the database in the order
the code made them; ORM objects already loaded do not see raw writes (callers that changed a
loaded row say so with ``set_committed_value``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Insert, Table, bindparam, event, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

_QUEUE = "clipshop_raw_queue"  # Connection.info key: [(sql, params, many)]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # the order of positional parameters; None: named
    fixed: dict[str, Any]  # values bound when the statement was built
    processors: dict[str, Callable[[Any], Any]]
    defaults: dict[str, Callable[[], Any]]  # insert columns the caller may leave out


class Statement:
    """A SQLAlchemy Core statement compiled once per dialect, bound without SQLAlchemy."""

    def __init__(self, statement: Executable, defaults: dict[str, Callable[[], Any]] | None = None):
        self.statement = statement
        self.defaults = defaults or {}
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            c = self.statement.compile(dialect=dialect)  # type: ignore[attr-defined]
            processors = {}
            for name, bind in c.binds.items():
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    processors[name] = processor
            positional = c.positiontup if dialect.paramstyle in ("qmark", "numeric") else None
            fixed = {n: b.value for n, b in c.binds.items() if b.value is not None}
            names = tuple(positional) if positional is not None else None
            found = _Compiled(c.string, names, fixed, processors, self.defaults)
            self._compiled[dialect.name] = found
        return found

    def bind(self, dialect: Dialect, params: Mapping[str, Any]) -> Any:
        c = self.compiled(dialect)
        values = dict(c.fixed)
        values.update(params)
        for name, default in c.defaults.items():
            if name not in values:
                values[name] = default()
        for name, processor in c.processors.items():
            if name in values:
                values[name] = processor(values[name])
        if c.names is None:
            return values
        return tuple(values[n] for n in c.names)


def insert_into(table: Table, columns: Sequence[str]) -> Statement:
    """INSERT of ``columns`` and of every column with a Python default (``id``,
    ``created_at``...), bound by column name; a row may leave out the defaulted ones."""
    defaults: dict[str, Callable[[], Any]] = {}
    for column in table.columns:
        if column.default is None:
            continue
        defaults[column.name] = _default_of(column.default.arg)  # type: ignore[attr-defined]
    every = [*columns, *(c for c in defaults if c not in columns)]
    stmt: Insert = insert(table).values({c: bindparam(c) for c in every})
    return Statement(stmt, defaults)


def _default_of(arg: Any) -> Callable[[], Any]:
    if callable(arg):  # SQLAlchemy passes the execution context; none of ours reads it
        return lambda: arg(None)
    return lambda: arg


@dataclass(frozen=True)
class Result:
    rows: list[tuple[Any, ...]]
    rowcount: int

    def first(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


def _connection(session: Session) -> Connection:
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection()


def defer(
    session: Session, statement: Statement, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> None:
    """Write later in this transaction (before its next statement, or at COMMIT)."""
    conn = _connection(session)
    dialect = conn.dialect
    queue = conn.info.setdefault(_QUEUE, [])
    sql = statement.compiled(dialect).sql
    if isinstance(rows, Mapping):
        queue.append((sql, statement.bind(dialect, rows), False))
    elif rows:
        queue.append((sql, [statement.bind(dialect, r) for r in rows], True))


def run(session: Session, statement: Statement, params: Mapping[str, Any] | None = None) -> Result:
    """Run now (after what was deferred); the rows it returns and its rowcount."""
    conn = _connection(session)
    _send(conn)
    dialect = conn.dialect
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(statement.compiled(dialect).sql, statement.bind(dialect, params or {}))
        rows = [tuple(r) for r in cursor.fetchall()] if cursor.description else []
        return Result(rows, cursor.rowcount)
    finally:
        cursor.close()


def _send(conn: Connection) -> None:
    """Write what was deferred on this connection: one pipeline on PostgreSQL."""
    queue = conn.info.get(_QUEUE)
    if not queue:
        return
    conn.info[_QUEUE] = []
    raw = conn.connection.dbapi_connection
    assert raw is not None
    pipelined = conn.dialect.name == "postgresql"
    cursor = raw.cursor()
    try:
        if pipelined:
            with raw.pipeline():
                _write(cursor, queue)
        else:
            _write(cursor, queue)
    finally:
        cursor.close()


def _write(cursor: Any, queue: list[tuple[str, Any, bool]]) -> None:
    for sql, params, many in queue:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)


def install(engine: Engine) -> None:
    """Send deferred writes before every statement and at COMMIT; drop them on ROLLBACK."""

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Connection, *_args: Any) -> None:
        if conn.info.get(_QUEUE):
            _send(conn)

    @event.listens_for(engine, "commit")
    def _commit(conn: Connection) -> None:
        if not conn.info.get(_QUEUE):
            return
        raw: Any = conn.connection.dbapi_connection
        if conn.dialect.name == "postgresql" and raw is not None:
            # The writes and COMMIT in one round trip; the engine's own COMMIT then finds
            # no transaction open, which psycopg skips.
            queue, conn.info[_QUEUE] = conn.info[_QUEUE], []
            with raw.pipeline(), raw.cursor() as cursor:
                _write(cursor, queue)
                raw.commit()
        else:
            _send(conn)

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Connection) -> None:
        conn.info.pop(_QUEUE, None)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi: Any, record: Any) -> None:
        record.info.pop(_QUEUE, None)
