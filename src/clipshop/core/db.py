"""Database engine and the unit of work: one transaction per request or job.

Services receive a ``Session`` and only ``flush``; the boundary (API dependency, CLI command,
worker job) opens ``unit_of_work`` which commits once at the end or rolls everything back.

SQLite (the embedded default) runs in WAL mode with a busy timeout; write transactions start
with ``BEGIN IMMEDIATE`` so two writers queue for the lock instead of failing on upgrade, and
the writers of one process take turns first (``WriterTurn``). PostgreSQL runs through
psycopg 3 at READ COMMITTED; stock and money use conditional UPDATEs; it has no turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import Any

import aiologic
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from clipshop.core import ids, rawsql
from clipshop.core.errors import DomainError
from clipshop.core.settings import Settings


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and use psycopg 3 for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(settings: Settings) -> Engine:
    url = normalise_url(settings.database_url)
    kwargs: dict[str, Any] = {"echo": settings.db_echo, "future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
    else:
        kwargs.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_pool_size * 2,
            pool_pre_ping=settings.db_pool_pre_ping,
            pool_recycle=settings.db_pool_recycle_seconds,
            pool_use_lifo=True,  # idle connections age out instead of all staying warm
        )
        engine = create_engine(url, **kwargs)
    rawsql.install(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


TURN_TIMEOUT = 30.0  # seconds a writer waits for its turn, as long as SQLite's busy timeout


class WriterBusy(DomainError):
    status = 503
    code = "database_busy"
    title = "Service unavailable"
    retry_after = 1


class WriterTurn:
    """The turn to write to one SQLite file, for the units of work of this process, first
    come first served.

    SQLite has one write lock per file. Its busy handler makes waiting writers sleep and poll
    with growing pauses, which starves some of them for seconds under load; the writers of
    this process queue here instead (FIFO), and take SQLite's lock only when it is their turn
    (other processes still meet the busy handler).

    A turn is a permit, not a lock: no thread owns it, and the thread that ends a unit of
    work gives it back even when another one began it (FastAPI enters the request's session
    dependency in one worker thread and leaves it in another). It spans a unit of work, as
    SQLite's write lock does: take any other lock before opening a unit of work, never inside
    one, and never open a write unit of work inside another (it would wait for itself).

    A writer waits in its own thread, never on the event loop (refused: it would stop every
    request), and gives up after ``TURN_TIMEOUT`` with ``WriterBusy`` (503), as SQLite's busy
    handler would. Requests wait in worker threads; ``api.admission`` keeps fewer writing
    requests in the app than there are worker threads, so the one holding the turn always
    finds a thread to finish in."""

    def __init__(self, timeout: float = TURN_TIMEOUT) -> None:
        self._permit = aiologic.BoundedSemaphore()
        self._timeout = timeout

    @contextmanager
    def taken(self) -> Iterator[None]:
        if _on_event_loop():
            raise RuntimeError(
                "a SQLite writer would wait for its turn on the event loop and stop every "
                "request meanwhile: write in a worker thread (starlette's run_in_threadpool)"
            )
        if not self._permit.green_acquire(timeout=self._timeout):
            waited = f"{self._timeout:g} s"
            raise WriterBusy(f"the database is busy: no turn to write within {waited}; retry")
        try:
            yield
        finally:
            self._permit.release()  # from whichever thread ends the unit of work


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Database:
    """The engine plus session factories for read and write units of work."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        ids.configure(settings.node_id)  # every process that writes rows has a Database
        self.engine = make_engine(settings)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_bind = self.engine.execution_options(sqlite_immediate=True)
        self._writer = sessionmaker(bind=write_bind, expire_on_commit=False)
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)
        # SQLite: the writers of this process take turns (PostgreSQL: none, rows are locked).
        self.writer_turn = WriterTurn() if self.is_sqlite else None

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        turn = self.writer_turn if write else None
        with turn.taken() if turn is not None else nullcontext():
            session = (self._writer if write else self._reader)()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def dispose(self) -> None:
        self.engine.dispose()


@lru_cache(maxsize=256)
def _conflict_insert(
    table: Any,
    columns: tuple[str, ...],
    conflict_columns: tuple[str, ...],
    update_columns: tuple[str, ...],
) -> rawsql.Statement:
    """INSERT ... ON CONFLICT, built once per shape (building one costs more than running it)
    and run on the driver (``core.rawsql``); the values are bound when it runs. No update
    columns: DO NOTHING ... RETURNING (whether the row went in)."""

    def finish(stmt: Any, _dialect: str) -> Any:
        if not update_columns:
            ignoring = stmt.on_conflict_do_nothing(index_elements=list(conflict_columns))
            return ignoring.returning(table.c[conflict_columns[0]])
        excluded = stmt.excluded
        return stmt.on_conflict_do_update(
            index_elements=list(conflict_columns), set_={c: excluded[c] for c in update_columns}
        )

    return rawsql.insert_into(table, columns, finish)


def _conflict_execute(
    session: Session,
    table: Any,
    values: dict[str, Any],
    conflict_columns: list[str],
    update_columns: tuple[str, ...] = (),
    commit: bool = False,
) -> rawsql.Result:
    stmt = _conflict_insert(table, tuple(values), tuple(conflict_columns), tuple(update_columns))
    return rawsql.run_many(session, [(stmt, values)], commit=commit)[0]


def insert_ignore(
    session: Session,
    table: Any,
    values: dict[str, Any],
    conflict_columns: list[str],
    *,
    commit: bool = False,
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike; True if inserted.
    ``commit``: and COMMIT in the same round trip (``core.rawsql.run_many``)."""
    found = _conflict_execute(session, table, values, conflict_columns, commit=commit)
    return found.first() is not None


def upsert(
    session: Session,
    table: Any,
    values: dict[str, Any],
    conflict_columns: list[str],
    update_columns: list[str],
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE of ``update_columns``."""
    _conflict_execute(session, table, values, conflict_columns, tuple(update_columns))
