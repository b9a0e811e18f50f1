"""What the after-sales requests (cancellations, returns, disputes) share: finding one the
caller may see, and their append-only records (``AftersaleRecord``: who did what, the status
after). The orders context holds it because the cancellation rows orders writes itself
(``orders.cancellations``) use it, below the after-sales requests that build on it."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.errors import NotFound
from clipshop.core.ids import new_id
from clipshop.identity.principal import Principal
from clipshop.models import AftersaleRecord, Cancellation, Dispute, Return
from clipshop.orders import queries
from clipshop.orders.states import Actor
from clipshop.payments.ledger import clip

R = TypeVar("R", Cancellation, Return, Dispute)


def get_visible(session: Session, principal: Principal, model: type[R], subject_id: int) -> R:
    """The request ``subject_id`` if the caller may read it (``queries.visible_to``), else
    404 (another buyer's or another shop's is "not found" too)."""
    found = session.scalar(queries.visible_to(principal, model).where(model.id == subject_id))
    if found is None:
        raise NotFound(f"{model.__name__.lower()} not found")
    return found


def records_of(session: Session, kind: str, subject_id: int) -> list[AftersaleRecord]:
    stmt = select(AftersaleRecord).where(
        AftersaleRecord.subject_kind == kind, AftersaleRecord.subject_id == subject_id
    )
    return list(session.scalars(stmt.order_by(AftersaleRecord.id)))


def add_record(
    session: Session,
    kind: str,
    subject: Cancellation | Return | Dispute,
    event: str,
    actor: Actor,
    actor_id: int | None,
    note: str = "",
) -> None:
    """One step of ``subject`` (of ``kind`` CANCELLATION, RETURN or DISPUTE), with its
    status after the step."""
    session.add(
        AftersaleRecord(
            id=new_id(),
            subject_kind=kind,
            subject_id=subject.id,
            order_id=subject.order_id,
            shop_id=subject.shop_id,
            event=event,
            actor_role=actor.value,
            actor_id=actor_id,
            note=clip(note, 1000),
            status_after=subject.status,
        )
    )
