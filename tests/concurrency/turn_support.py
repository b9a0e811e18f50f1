"""The SQLite writer-turn tests' shared pieces: a migrated SQLite file of their own, and another
thread holding the writers' turn (an open write unit of work) while a block runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from clipshop.core.db import Database
from clipshop.core.migrate import upgrade
from clipshop.core.settings import Settings

WAIT = 10.0  # seconds; only reached when the behaviour under test is broken


def sqlite_file(tmp_path: Path, name: str) -> Database:
    """A migrated SQLite database in tmp_path/name (the caller disposes of it)."""
    db = Database(Settings(env="test", database_url=f"sqlite:///{tmp_path / name}"))
    upgrade(db.engine)
    return db


@contextmanager
def turn_held(db: Database) -> Iterator[None]:
    """Another thread holds the writers' turn for as long as the block runs."""
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with db.unit_of_work() as session:
            session.execute(text("SELECT 1"))
            holding.set()
            release.wait(WAIT)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(WAIT)
        yield
    finally:
        release.set()
        thread.join(WAIT)
