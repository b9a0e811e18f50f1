"""The timers' prebuilt statements (``core.rawsql``): arm and disarm, written with the
transaction's next statement or its COMMIT."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, or_
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
