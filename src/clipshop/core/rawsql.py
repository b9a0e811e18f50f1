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
the code made them. ORM objects already loaded do not see raw writes: so within one unit of
work a table is written either through SQLAlchemy or by driver statements, never both (the
tests check it with ``watch``).
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, Insert, Table, bindparam, event
from sqlalchemy import insert as core_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

_QUEUE = "clipshop_raw_queue"  # Connection.info key: [(sql, params, many)]
_SEAM = "clipshop_raw_seam"  # Connection.info key, when watched: (Seam, {table: ways})


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # the order of positional parameters; None: named
    fixed: dict[str, Any]  # values bound when the statement was built
    processors: dict[str, Callable[[Any], Any]]
    defaults: dict[str, Callable[[], Any]]  # insert columns the caller may leave out
    results: tuple[Callable[[Any], Any] | None, ...]  # per column returned (e.g. datetimes)

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if not any(self.results):
            return tuple(raw)
        pairs = zip(self.results, raw, strict=True)
        return tuple(v if f is None or v is None else f(v) for f, v in pairs)


class Statement:
    """A SQLAlchemy Core statement compiled once per dialect, bound without SQLAlchemy.
    ``statement``: the statement, or a function of the dialect's name that builds it (for
    dialect-specific constructs such as ``ON CONFLICT``)."""

    def __init__(
        self,
        statement: Executable | Callable[[str], Executable],
        defaults: dict[str, Callable[[], Any]] | None = None,
    ):
        self.statement = statement
        self.defaults = defaults or {}
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            built = self.statement
            if not isinstance(built, Executable):
                built = built(dialect.name)
            c = built.compile(dialect=dialect)  # type: ignore[attr-defined]
            if "[POSTCOMPILE_" in c.string:  # expanded at execution time by SQLAlchemy only
                raise ValueError(
                    "a raw statement cannot hold an expanding or empty IN list: use or_() of"
                    " ==, or one statement per list length (and no query for an empty one)"
                )
            processors = {}
            for name, bind in c.binds.items():
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    processors[name] = processor
            positional = c.positiontup if dialect.paramstyle in ("qmark", "numeric") else None
            fixed = {n: b.value for n, b in c.binds.items() if b.value is not None}
            names = tuple(positional) if positional is not None else None
            returned = getattr(built, "exported_columns", ())
            results = tuple(
                col.type.dialect_impl(dialect).result_processor(dialect, None) for col in returned
            )
            found = _Compiled(c.string, names, fixed, processors, self.defaults, results)
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


def insert_into(
    table: Table,
    columns: Sequence[str],
    finish: Callable[[Insert, str], Executable] | None = None,
) -> Statement:
    """INSERT of ``columns`` and of every column with a Python default (``id``,
    ``created_at``...), bound by column name; a row may leave out the defaulted ones.
    ``finish(insert, dialect name)`` may add to it (``ON CONFLICT``, ``RETURNING``); the
    insert is then the dialect's own (``sqlalchemy.dialects.<name>.insert``)."""
    defaults: dict[str, Callable[[], Any]] = {}
    for column in table.columns:
        if column.default is None:
            continue
        defaults[column.name] = _default_of(column.default.arg)  # type: ignore[attr-defined]
    every = [*columns, *(c for c in defaults if c not in columns)]
    values: dict[str, Any] = {c: bindparam(c) for c in every}
    if finish is None:
        return Statement(core_insert(table).values(values), defaults)

    def build(dialect: str) -> Executable:
        make: Any = pg_insert if dialect == "postgresql" else sqlite_insert
        return finish(make(table).values(values), dialect)

    return Statement(build, defaults)


@lru_cache(maxsize=256)
def _insert_of(table: Table, columns: tuple[str, ...]) -> Statement:
    return insert_into(table, columns)


def insert(
    session: Session, table: Any, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> None:
    """Deferred INSERT of ``rows`` (all with the keys of the first; a column with a Python
    default may be left out): ``insert_into`` built once per table and set of keys."""
    first = rows if isinstance(rows, Mapping) else rows[0] if rows else None
    if first is not None:
        defer(session, _insert_of(table, tuple(first)), rows)


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
    """Run now (after what was deferred, in the same round trip on PostgreSQL); the rows
    it returns and its rowcount."""
    return run_many(session, [(statement, params or {})])[0]


def run_many(
    session: Session,
    statements: Sequence[tuple[Statement, Mapping[str, Any]]],
    *,
    commit: bool = False,
) -> list[Result]:
    """Run these now, in one round trip on PostgreSQL (after what was deferred): for reads
    that do not depend on each other. Their results, in order. ``commit``: on PostgreSQL,
    COMMIT in the same round trip, for a unit of work that ends here (its own commit then
    finds nothing to do; a statement after this one would start a new transaction, which
    it commits). On SQLite (no round trips) the unit of work's own COMMIT does it."""
    conn = _connection(session)
    dialect = conn.dialect
    raw: Any = conn.connection.dbapi_connection
    compiled = [statement.compiled(dialect) for statement, _ in statements]
    bound = [statement.bind(dialect, params) for statement, params in statements]
    queue = conn.info.get(_QUEUE) or []
    conn.info[_QUEUE] = []
    mine = [(c.sql, b, False) for c, b in zip(compiled, bound, strict=True)]
    _noted(conn, [*queue, *mine])
    cursors = [raw.cursor() for _ in statements]
    try:
        with _as_sqlalchemy_errors(conn, _sqls([*queue, *mine]), bound):
            if dialect.name == "postgresql" and (commit or len(queue) + len(mine) > 1):
                with raw.pipeline(), raw.cursor() as writer:
                    _write(writer, queue)
                    for cursor, (sql, params, _) in zip(cursors, mine, strict=True):
                        _execute(cursor, sql, params, False)
                    if commit:
                        raw.commit()
            else:
                _write(cursors[0], queue)  # its own statement comes after
                for cursor, (sql, params, _) in zip(cursors, mine, strict=True):
                    _execute(cursor, sql, params, False)
            results = []
            for c, cursor in zip(compiled, cursors, strict=True):
                rows = [c.row(r) for r in cursor.fetchall()] if cursor.description else []
                results.append(Result(rows, cursor.rowcount))
        return results
    finally:
        for cursor in cursors:
            cursor.close()


@contextmanager
def _as_sqlalchemy_errors(conn: Connection, sql: str, params: Any) -> Iterator[None]:
    """The driver's errors as SQLAlchemy raises them (IntegrityError, OperationalError...),
    and a connection the server dropped invalidated, as the engine does: callers and the
    API's error mapping see no difference between ORM and raw statements."""
    dbapi: Any = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        lost = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, None)
        if lost:
            # As the engine does on a disconnect (it has no public call for it): every
            # pooled connection of this one's generation is renewed, not only this one.
            conn.engine.pool._invalidate(conn.connection, exc)
            conn.invalidate(exc)
        raise DBAPIError.instance(
            sql, params, exc, dbapi.Error, connection_invalidated=lost, dialect=conn.dialect
        ) from exc


def _send(conn: Connection, *, commit: bool = False) -> None:
    """Write what was deferred on this connection: one pipeline on PostgreSQL, which with
    ``commit`` ends with the COMMIT (the engine's own COMMIT then finds no transaction open,
    which psycopg skips). On SQLite ``commit`` is left to the engine."""
    queue = conn.info.get(_QUEUE)
    if not queue:
        return
    conn.info[_QUEUE] = []
    _noted(conn, queue)
    raw: Any = conn.connection.dbapi_connection
    cursor = raw.cursor()
    try:
        with _as_sqlalchemy_errors(conn, _sqls(queue), None):
            if conn.dialect.name == "postgresql":
                with raw.pipeline():
                    _write(cursor, queue)
                    if commit:
                        raw.commit()
            else:
                _write(cursor, queue)
    finally:
        cursor.close()


def _sqls(queue: list[tuple[str, Any, bool]]) -> str:
    return "; ".join(sql for sql, _, _ in queue)


def _write(cursor: Any, queue: list[tuple[str, Any, bool]]) -> None:
    for sql, params, many in queue:
        _execute(cursor, sql, params, many)


def _execute(cursor: Any, sql: str, params: Any, many: bool) -> None:
    """Every raw statement goes through here (``bench/checkout.py`` counts them)."""
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
        if conn.info.get(_QUEUE):
            _send(conn, commit=True)  # the writes and COMMIT in one round trip

    @event.listens_for(engine, "rollback")
    def _rollback(conn: Connection) -> None:
        if not conn.invalidated:  # a dropped connection's record is cleared on checkin
            conn.info.pop(_QUEUE, None)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi: Any, record: Any) -> None:
        record.info.pop(_QUEUE, None)


# -- the seam check (tests) -------------------------------------------------------------------

_WRITTEN = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
DRIVER = "driver statements"
SQLALCHEMY = "SQLAlchemy (ORM flush or session.execute)"


@dataclass
class Seam:
    """What ``watch`` found: a line per table written both ways in one transaction."""

    mixed: list[str] = field(default_factory=list)
    stop: Callable[[], None] = lambda: None


def watch(engine: Engine) -> Seam:
    """Record, per transaction, the tables written through SQLAlchemy and those written by
    driver statements, and note every table written both ways (with where its second way
    came from). For tests: ``seam.stop()`` removes the listeners."""
    seam = Seam()

    def begin(conn: Connection) -> None:
        conn.info[_SEAM] = (seam, {})

    def before(conn: Connection, _cursor: Any, sql: str, *_args: Any) -> None:
        _note(conn, sql, SQLALCHEMY)

    event.listen(engine, "begin", begin)
    event.listen(engine, "before_cursor_execute", before)

    def stop() -> None:
        event.remove(engine, "begin", begin)
        event.remove(engine, "before_cursor_execute", before)

    seam.stop = stop
    return seam


def _noted(conn: Connection, queue: Sequence[tuple[str, Any, bool]]) -> None:
    if _SEAM in conn.info:
        for sql, _, _ in queue:
            _note(conn, sql, DRIVER)


def _note(conn: Connection, sql: str, way: str) -> None:
    watched = conn.info.get(_SEAM)
    found = _WRITTEN.match(sql)
    if watched is None or found is None:
        return
    seam, tables = watched
    ways = tables.setdefault(found.group(1).lower(), set())
    if way not in ways:
        ways.add(way)
        if len(ways) > 1:
            both = " and ".join(sorted(ways))
            seam.mixed.append(f"{found.group(1)}: written by {both} ({_where()})")


def _where() -> str:
    """The calls of our code that led here, innermost first."""
    ours = [
        f"{f.filename.rsplit('/clipshop/', 1)[1]}:{f.lineno}"
        for f in traceback.extract_stack()
        if "/clipshop/" in f.filename and not f.filename.endswith("core/rawsql.py")
    ]
    return " < ".join(reversed(ours[-6:]))
