"""The sandbox clock's offset, kept in the database so every process of one deployment
(API processes, ``clipshop worker`` processes) sees the same platform time.

The process that moves the clock publishes the new offset in the same call; the others
pick it up with ``sync`` before each sweep. The clock only moves forward."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database, upsert
from clipshop.models import ClockState

ROW_ID = 1


def published(db: Database) -> timedelta:
    with db.unit_of_work(write=False) as session:
        micros = session.scalar(
            select(ClockState.offset_microseconds).where(ClockState.id == ROW_ID)
        )
    return timedelta(microseconds=micros or 0)


def publish(db: Database) -> None:
    micros = clock.offset // timedelta(microseconds=1)
    with db.unit_of_work() as session:
        upsert(
            session,
            ClockState.__table__,
            {"id": ROW_ID, "offset_microseconds": micros, "updated_at": utcnow()},
            ["id"],
            ["offset_microseconds", "updated_at"],
        )


def sync(db: Database) -> None:
    """Adopt the published offset if it is ahead of this process's clock."""
    offset = published(db)
    if offset > clock.offset:
        clock.set_offset(offset)
