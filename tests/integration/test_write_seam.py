"""One seam for driver statements (issue 13): within one unit of work a table is written
either through SQLAlchemy (ORM flushes, ``session.execute``) or by driver statements
(``core.rawsql``), never both. ``rawsql.watch`` records every transaction's writes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from clipshop.core import rawsql
from clipshop.core.db import Database


@pytest.fixture
def seam(db: Database) -> Iterator[rawsql.Seam]:
    watched = rawsql.watch(db.engine)
    try:
        yield watched
    finally:
        watched.stop()


def test_the_watch_sees_a_table_written_both_ways(db: Database, seam: rawsql.Seam) -> None:
    """The check itself: one transaction writing ``shops`` through SQLAlchemy and by a driver
    statement is reported; two transactions, one way each, are not."""
    with db.unit_of_work() as session:
        session.execute(text("UPDATE shops SET name = name WHERE id = 0"))
    with db.unit_of_work() as session:
        rawsql.run(session, rawsql.Statement(text("UPDATE shops SET name = name WHERE id = 0")))
    assert seam.mixed == [], "\n".join(seam.mixed)
    with db.unit_of_work() as session:
        session.execute(text("UPDATE shops SET name = name WHERE id = 0"))
        rawsql.run(session, rawsql.Statement(text("UPDATE shops SET name = name WHERE id = 0")))
    assert len(seam.mixed) == 1
    assert seam.mixed[0].startswith("shops: written by SQLAlchemy")
