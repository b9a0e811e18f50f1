"""The sandbox clock's offset, kept in the database so every process of one deployment
(API processes, ``clipshop worker`` processes) sees the same platform time.

The process that moves the clock publishes the new offset in the same call; the others
pick it up with ``sync`` before each sweep. The clock only moves forward.

``moving`` is held by a sandbox advance for its whole walk and by each round of a worker
loop in the same process, so a round never runs in the middle of a walk: what fell due on
the way is run, and counted, by the advance that moved the clock past it."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from clipshop.core.clock import clock, utcnow
from clipshop.core.db import Database, upsert
from clipshop.models import ClockState

ROW_ID = 1
moving = threading.Lock()


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
