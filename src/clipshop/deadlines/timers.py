"""The durable due-time index: arm, disarm, and take due timers.

A timer is armed in the same transaction as the state change that starts its deadline and
deleted when the deadline stops mattering (the order moved on) or when its rule ran. Arming
twice moves the one timer of that (kind, subject); the rule re-checks the subject's state
when it fires, so a stale timer changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.db import insert_ignore
from clipshop.core.ids import new_id
from clipshop.deadlines import rows
from clipshop.models import Timer


class TimerKind(StrEnum):
    UNPAID_CANCEL = "UNPAID_CANCEL"  # order: not paid in time
    RELEASE_HOLD = "RELEASE_HOLD"  # order: remorse window over
    LATE_DISPATCH = "LATE_DISPATCH"  # order: rts_sla_time passed unshipped
    SHIP_DUE = "SHIP_DUE"  # order: no shipment arranged by shipping_due_time
    COLLECTION_DUE = "COLLECTION_DUE"  # order: handed over, no carrier scan by then
    PACKAGE_LOST = "PACKAGE_LOST"  # package: collected, not delivered in time
    FAILED_DELIVERY = "FAILED_DELIVERY"  # package: too many failed attempts
    AUTO_COMPLETE = "AUTO_COMPLETE"  # order: the return window closed
    SHOP_REVIEW = "SHOP_REVIEW"  # shop: the periodic performance review (standing.service)
    RETURN_AUTO_APPROVE = "RETURN_AUTO_APPROVE"  # return: the seller did not answer in time
    RETURN_BUYER_SHIP = "RETURN_BUYER_SHIP"  # return: approved, the buyer never shipped it
    RETURN_RECEIVE = "RETURN_RECEIVE"  # return: shipped back, receipt never confirmed
    RETURN_OFFER_EXPIRE = "RETURN_OFFER_EXPIRE"  # return: the buyer left a partial offer unanswered
    CANCEL_AUTO_APPROVE = "CANCEL_AUTO_APPROVE"  # cancellation: the seller did not answer
    CASE_AUTO_CLOSE = "CASE_AUTO_CLOSE"  # support case: resolved, its reopen window over
    CASE_DISPUTE_DUE = "CASE_DISPUTE_DUE"  # support case: its dispute undecided by decide_by


# The kinds whose subject is an order: all disarmed when the order completes or is cancelled.
ORDER_KINDS = frozenset(
    {
        TimerKind.UNPAID_CANCEL,
        TimerKind.RELEASE_HOLD,
        TimerKind.LATE_DISPATCH,
        TimerKind.SHIP_DUE,
        TimerKind.COLLECTION_DUE,
        TimerKind.AUTO_COMPLETE,
    }
)


def arm(
    session: Session, kind: TimerKind, subject_id: int, shop_id: int | None, due_at: datetime
) -> None:
    """Make the (kind, subject) timer fall due at ``due_at`` (creating or moving it), in one
    statement (INSERT ... ON CONFLICT DO UPDATE), written with the transaction's next
    statement or its COMMIT (``core.rawsql``)."""
    row: dict[str, object] = {"kind": kind.value, "subject_id": subject_id, "shop_id": shop_id}
    row |= {"due_at": due_at, "attempts": 0, "last_error": None}
    rows.arm(session, row)


def arm_if_absent(
    session: Session, kind: TimerKind, subject_id: int, shop_id: int, due_at: datetime
) -> None:
    """Create the (kind, subject) timer unless it exists (then it keeps its due time);
    concurrent creators insert once (INSERT ... ON CONFLICT DO NOTHING)."""
    row: dict[str, object] = {"id": new_id(), "kind": kind.value, "subject_id": subject_id}
    row |= {"shop_id": shop_id, "due_at": due_at, "attempts": 0}
    insert_ignore(session, Timer.__table__, row, ["kind", "subject_id"])


def disarm(session: Session, subject_id: int, kinds: Iterable[TimerKind]) -> None:
    """Delete the subject's timers of these kinds, with the transaction's next statement."""
    names = tuple(sorted(kind.value for kind in kinds))
    if names:
        rows.disarm(session, subject_id, names)


def due_at(session: Session, kind: TimerKind, subject_id: int) -> datetime | None:
    return session.scalar(
        select(Timer.due_at).where(Timer.kind == kind.value, Timer.subject_id == subject_id)
    )


def take_due(session: Session, now: datetime, limit: int, skip_locked: bool) -> list[Timer]:
    """The earliest ``limit`` timers due by ``now``, locked for this transaction. On
    PostgreSQL rows another worker holds are skipped, so workers share the work."""
    stmt = select(Timer).where(Timer.due_at <= now).order_by(Timer.due_at, Timer.id).limit(limit)
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))
