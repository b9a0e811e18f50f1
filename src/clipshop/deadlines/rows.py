"""The timers' prebuilt statements (``core.rawsql``): arm and disarm, written with the
transaction's next statement or its COMMIT; and what the sweeper does with a timer it ran
(done, postponed, failed), at once. Timers are written by these statements only, never by
the ORM (one way per table in a unit of work: ``core.rawsql.watch``)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, or_, update
from sqlalchemy.orm import Session

from clipshop.core import rawsql
from clipshop.models import Timer


def _moved(insert: Any, _dialect: str) -> Any:
    moved = ("due_at", "attempts", "last_error")
    excluded = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=["kind", "subject_id"], set_={c: excluded[c] for c in moved}
    )


_ARM = rawsql.insert_into(
    Timer.__table__,  # type: ignore[arg-type]
    ["kind", "subject_id", "shop_id", "due_at", "attempts", "last_error"],
    _moved,
)


def arm(session: Session, row: Mapping[str, object]) -> None:
    """INSERT ... ON CONFLICT (kind, subject_id) DO UPDATE of the due time, deferred."""
    rawsql.defer(session, _ARM, row)


@lru_cache(maxsize=64)
def _disarm(kinds: tuple[str, ...]) -> rawsql.Statement:
    """DELETE of these kinds of a subject's timers (the kinds bound when built)."""
    is_kind = [Timer.kind == bindparam(f"kind_{i}", k) for i, k in enumerate(kinds)]
    return rawsql.Statement(
        delete(Timer).where(Timer.subject_id == bindparam("subject"), or_(*is_kind))
    )


def disarm(session: Session, subject_id: int, kinds: tuple[str, ...]) -> None:
    """DELETE of the subject's timers of these kinds (sorted), deferred."""
    rawsql.defer(session, _disarm(kinds), {"subject": subject_id})


_THIS = (Timer.id == bindparam("timer"), Timer.due_at == bindparam("was_due"))
_DONE = rawsql.Statement(delete(Timer).where(*_THIS))
_POSTPONE = rawsql.Statement(update(Timer).where(*_THIS).values(due_at=bindparam("due")))
_FAILED = rawsql.Statement(
    update(Timer)
    .where(Timer.id == bindparam("timer"))
    .values(attempts=Timer.attempts + 1, last_error=bindparam("error"), due_at=bindparam("due"))
)


def done(session: Session, timer_id: int, was_due: object) -> None:
    """DELETE the timer the sweeper ran, if still due then (the rule may have re-armed it
    for later: then it stays)."""
    rawsql.run(session, _DONE, {"timer": timer_id, "was_due": was_due})


def postpone(session: Session, timer_id: int, was_due: object, due: object) -> None:
    """Move the timer the sweeper ran to ``due``, if still due when it ran."""
    rawsql.run(session, _POSTPONE, {"timer": timer_id, "was_due": was_due, "due": due})


def failed(session: Session, timer_id: int, error: str, due: object) -> None:
    """Count a failed run of the timer and try it again at ``due``."""
    rawsql.run(session, _FAILED, {"timer": timer_id, "error": error, "due": due})
