"""core.rawsql: deferred and immediate driver statements inside the unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from clipshop.core import rawsql
from clipshop.core.db import Database
from clipshop.core.ids import new_id
from clipshop.models import IdempotencyRecord, Timer
from tests.conftest import World

TIMERS = Timer.__table__
INSERT_TIMER = rawsql.insert_into(TIMERS, ["kind", "subject_id", "shop_id", "due_at", "attempts"])
MOVE_TIMER = rawsql.Statement(
    update(TIMERS)
    .where(TIMERS.c.subject_id == bindparam("subject"))
    .values(due_at=bindparam("due"))
    .returning(TIMERS.c.id, TIMERS.c.due_at)
)
# raised as SQLAlchemy raises it, so callers and the API's error mapping see no difference
DUPLICATE = IntegrityError
DUE = datetime(2027, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def _timer(subject: int, shop_id: int) -> dict[str, object]:
    return {"kind": "SHIP_DUE", "subject_id": subject, "shop_id": shop_id, "due_at": DUE}


def test_deferred_rows_are_written_at_commit_with_the_orm_encoding(db: Database, world: World):
    shop = world.shop_a.id
    with db.unit_of_work() as session:
        rawsql.defer(session, INSERT_TIMER, [_timer(1, shop), _timer(2, shop)])
        rawsql.defer(session, INSERT_TIMER, _timer(3, shop) | {"attempts": 2})
    with db.unit_of_work(write=False) as session:
        rows = session.scalars(select(Timer).order_by(Timer.subject_id)).all()
    assert [(t.subject_id, t.due_at, t.attempts) for t in rows] == [
        (1, DUE, 0),  # attempts: the column's default
        (2, DUE, 0),
        (3, DUE, 2),
    ]
    assert all(t.id > 0 and t.created_at is not None for t in rows)  # Python defaults
    assert len({t.id for t in rows}) == 3


def test_a_later_statement_sees_what_was_deferred(db: Database, world: World):
    with db.unit_of_work() as session:
        rawsql.defer(session, INSERT_TIMER, _timer(7, world.shop_a.id))
        seen = session.scalars(select(Timer.subject_id)).all()  # an ORM read sends it first
        moved = rawsql.run(session, MOVE_TIMER, {"subject": 7, "due": DUE.replace(year=2028)})
    assert seen == [7]
    assert moved.rowcount == 1
    row = moved.first()
    assert row is not None and str(row[1]).startswith("2028-03-04")


def test_orm_changes_made_before_a_raw_write_reach_the_database_first(db: Database, world: World):
    """A raw row that needs an ORM row made just before it (here: the same unique key
    again, which must fail) sees that row: pending ORM changes are flushed first."""
    with pytest.raises(DUPLICATE), db.unit_of_work() as session:
        session.add(Timer(id=new_id(), **_timer(9, world.shop_a.id)))
        rawsql.run(session, INSERT_TIMER, _timer(9, world.shop_a.id))
    with db.unit_of_work(write=False) as session:
        assert session.scalars(select(Timer)).all() == []


def test_a_failing_deferred_write_fails_the_commit_and_nothing_is_kept(db: Database, world: World):
    shop = world.shop_a.id
    with pytest.raises(DUPLICATE), db.unit_of_work() as session:
        session.add(
            IdempotencyRecord(
                user_id=world.buyer.id,
                key="k1",
                request_hash="h",
                state="IN_FLIGHT",
                expires_at=DUE,
            )
        )
        session.flush()
        rawsql.defer(session, INSERT_TIMER, [_timer(5, shop), _timer(5, shop)])  # duplicate
    with db.unit_of_work(write=False) as session:
        assert session.scalars(select(Timer)).all() == []
        assert session.scalars(select(IdempotencyRecord)).all() == []


def test_rolled_back_deferred_writes_are_dropped(db: Database, world: World):
    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        rawsql.defer(session, INSERT_TIMER, _timer(11, world.shop_a.id))
        raise RuntimeError("the request failed")
    with db.unit_of_work() as session:  # the same pooled connection: nothing left queued
        rawsql.defer(session, INSERT_TIMER, _timer(12, world.shop_a.id))
    with db.unit_of_work(write=False) as session:
        assert session.scalars(select(Timer.subject_id)).all() == [12]


def test_run_sends_what_was_deferred_first(db: Database, world: World):
    with db.unit_of_work() as session:
        rawsql.defer(session, INSERT_TIMER, _timer(21, world.shop_a.id))
        moved = rawsql.run(session, MOVE_TIMER, {"subject": 21, "due": DUE.replace(year=2029)})
        missing = rawsql.run(session, MOVE_TIMER, {"subject": 22, "due": DUE})
    assert moved.rowcount == 1 and len(moved.rows) == 1
    assert missing.rowcount == 0 and missing.first() is None
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(Timer.due_at)) == DUE.replace(year=2029)


def test_an_in_list_is_refused_when_the_statement_is_built(db: Database):
    stmt = rawsql.Statement(select(Timer.id).where(Timer.kind.in_(["SHIP_DUE", "SHOP_REVIEW"])))
    with pytest.raises(ValueError, match="IN list"):
        stmt.compiled(db.engine.dialect)


def test_run_many_answers_each_statement_with_the_orm_types(db: Database, world: World):
    due = rawsql.Statement(
        select(Timer.due_at, Timer.kind).where(Timer.subject_id == bindparam("s"))
    )
    with db.unit_of_work() as session:
        rawsql.defer(
            session, INSERT_TIMER, [_timer(31, world.shop_a.id), _timer(32, world.shop_a.id)]
        )
        first, second, none = rawsql.run_many(
            session, [(due, {"s": 31}), (due, {"s": 32}), (due, {"s": 33})]
        )
    assert first.rows == [(DUE, "SHIP_DUE")] and second.rows == [(DUE, "SHIP_DUE")]
    assert none.rows == []


def test_run_many_can_commit_in_the_same_round_trip(db: Database, world: World):
    with db.unit_of_work() as session:
        rawsql.defer(session, INSERT_TIMER, _timer(41, world.shop_a.id))
        rawsql.run_many(session, [(MOVE_TIMER, {"subject": 41, "due": DUE})], commit=True)
        rawsql.defer(session, INSERT_TIMER, _timer(42, world.shop_a.id))  # a new transaction
    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        rawsql.run_many(session, [(MOVE_TIMER, {"subject": 41, "due": DUE})], commit=True)
        rawsql.defer(session, INSERT_TIMER, _timer(43, world.shop_a.id))
        raise RuntimeError("after the commit: only what follows it is rolled back")
    with db.unit_of_work(write=False) as session:
        assert sorted(session.scalars(select(Timer.subject_id))) == [41, 42]
