"""The order timeline: append-only events (who, when, from, to, why).

An event is written with the transaction's next statement or its COMMIT (``orders.rows``);
its id (time-ordered) is taken when it is recorded, so the timeline keeps the order of
the calls."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from clipshop.orders import rows
from clipshop.orders.states import Actor


class OrderRef(Protocol):
    """An order, or what stands for one whose row is not loaded (its id and shop)."""

    @property
    def id(self) -> int: ...
    @property
    def shop_id(self) -> int: ...


def record_event(
    session: Session,
    order: OrderRef,
    kind: str,
    actor: Actor,
    actor_id: int | None = None,
    reason: str = "",
    from_status: str | None = None,
    to_status: str | None = None,
) -> None:
    row = {"order_id": order.id, "shop_id": order.shop_id, "kind": kind}
    row |= {"actor_type": actor.value, "actor_id": actor_id, "reason": reason}
    row |= {"from_status": from_status, "to_status": to_status}
    rows.insert_event(session, row)
