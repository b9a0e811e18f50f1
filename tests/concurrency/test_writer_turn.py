"""The SQLite writer turn of one process (``core.db.WriterTurn``), in process.

A unit of work begun in one thread and ended in another (as FastAPI runs the request's
session dependency) gives the turn back; a writer never waits on the event loop; a writer
that cannot get its turn gives up with ``WriterBusy``. PostgreSQL has no turn."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text

from clipshop.core.db import Database, WriterBusy, WriterTurn
from clipshop.core.settings import Settings

T = TypeVar("T")
WAIT = 10.0  # seconds; only reached when the behaviour under test is broken


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Database]:
    db = Database(Settings(env="test", database_url=f"sqlite:///{tmp_path / 'turn.db'}"))
    db.writer_turn = WriterTurn(timeout=WAIT)
    with db.unit_of_work() as session:
        session.execute(text("CREATE TABLE notes (body TEXT NOT NULL)"))
    yield db
    db.dispose()


def in_new_thread(call: Callable[[], T]) -> T:
    """Run ``call`` in a thread of its own (never one used before); its result or error."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed back to the caller
            outcome.append((False, exc))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(WAIT)
    assert outcome, "the thread did not finish"
    ok, value = outcome[0]
    if not ok:
        raise value
    result: T = value
    return result


def notes(db: Database) -> list[str]:
    with db.unit_of_work(write=False) as session:
        return list(session.scalars(text("SELECT body FROM notes ORDER BY rowid")))


def test_a_unit_of_work_ended_in_another_thread_gives_the_turn_back(sqlite: Database) -> None:
    # As FastAPI runs the request's session dependency: entered in one worker thread, used
    # in a second, ended in a third.
    for n in range(3):
        work = sqlite.unit_of_work()
        opened = in_new_thread(work.__enter__)
        in_new_thread(partial(opened.execute, text(f"INSERT INTO notes VALUES ('{n}')")))
        in_new_thread(partial(work.__exit__, None, None, None))
    with sqlite.unit_of_work() as session:  # the turn is free: no wait
        session.execute(text("INSERT INTO notes VALUES ('after')"))
    assert notes(sqlite) == ["0", "1", "2", "after"]


def test_a_writer_never_waits_on_the_event_loop(sqlite: Database) -> None:
    async def main() -> None:
        with sqlite.unit_of_work():
            pass

    with pytest.raises(RuntimeError, match="event loop"):
        asyncio.run(main())
    with sqlite.unit_of_work() as session:  # nothing was taken
        session.execute(text("INSERT INTO notes VALUES ('ok')"))
    assert notes(sqlite) == ["ok"]


def test_a_writer_without_a_turn_in_time_gives_up(sqlite: Database) -> None:
    sqlite.writer_turn = WriterTurn(timeout=0.1)
    holding, gave_up = threading.Event(), threading.Event()

    def holder() -> None:
        with sqlite.unit_of_work() as session:
            session.execute(text("INSERT INTO notes VALUES ('holder')"))
            holding.set()
            gave_up.wait(WAIT)

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(WAIT)
    with pytest.raises(WriterBusy) as refused, sqlite.unit_of_work() as session:
        session.execute(text("INSERT INTO notes VALUES ('waiter')"))
    gave_up.set()
    thread.join(WAIT)
    assert (refused.value.status, refused.value.code) == (503, "database_busy")
    assert notes(sqlite) == ["holder"]


def test_only_sqlite_has_a_writer_turn(database: Database) -> None:
    assert (database.writer_turn is not None) is database.is_sqlite
