"""Domain events: typed values a context announces when something happened.

``announce(session, event)`` runs, in the caller's unit of work, the handlers registered for
the event's type (registered by the upper package that reacts, so a lower context never
imports upward), then writes the event to the outbox table in the same transaction (deferred
with ``core.rawsql``: it goes with the transaction's next statement or its COMMIT, so the hot
path gains no round trip). A relay (``clipshop.worker.relay``) delivers outbox rows to
consumers after commit, at least once, in order per order id.

The outbox table is defined with the other tables (``models.outbox``), which hands it to this
module when imported (``use_outbox``): ``core`` never imports ``models``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Table
from sqlalchemy.orm import Session

from clipshop.core import rawsql


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """An event value. Subclasses set ``type`` (its stable name in the outbox and the API)
    and carry ``shop_id``; ``order_id`` when the event is about one order (the ordering key:
    the relay delivers one order's events in the order they were announced)."""

    type: ClassVar[str]
    handled: ClassVar[bool] = False  # announcing it with no handler registered is a bug
    shop_id: int
    at: datetime

    @property
    def order_key(self) -> int | None:
        return getattr(self, "order_id", None)

    def payload(self) -> dict[str, Any]:
        """The event as JSON: ids as decimal strings (as the API renders them), times ISO."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, int) and field.name.endswith("_id"):
                value = str(value)
            elif isinstance(value, tuple) and field.name.endswith("_ids"):
                value = [str(v) for v in value]
            out[field.name] = value
        return out


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class OrderStatusChanged(Event):
    """An order was placed (``from_status`` None: ``orders.placing``) or moved from one
    status to another (``orders.transitions.transition``). ``source_type`` / ``source_id``:
    the checkout's source (LIVE, VIDEO, SHOWCASE) on the placed event, so its handlers need
    not read the order; None on a status change and on an order placed without one."""

    type: ClassVar[str] = "order.status_changed"
    order_id: int
    buyer_id: int
    from_status: str | None  # None: the order was just placed (UNPAID)
    to_status: str
    actor: str  # buyer, seller, system, operator...
    actor_id: int | None
    reason: str
    source_type: str | None = None
    source_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class OrderAddressChanged(Event):
    """An order's recipient address was changed before shipment, the change committed with
    its re-pricing (``orders.changes.apply_address``)."""

    type: ClassVar[str] = "order.address_changed"
    order_id: int
    buyer_id: int
    actor: str  # buyer (an operator's change would say so)
    actor_id: int | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class OrderLinesCancelled(Event):
    """Lines of an order were cancelled on a cancellation request (``aftersales.cancellations``):
    every live line when the order itself is now CANCELLED. Handled by ``fulfillment``: the
    order's status follows the packages of the lines left."""

    type: ClassVar[str] = "order.lines_cancelled"
    handled: ClassVar[bool] = True
    order_id: int
    buyer_id: int
    line_ids: tuple[int, ...]
    order_cancelled: bool
    actor: str
    actor_id: int | None
    reason: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DisputeStatusChanged(Event):
    """A dispute was opened (``from_status`` None, ``to_status`` IN_PROGRESS), decided or
    withdrawn (``aftersales.disputes``)."""

    type: ClassVar[str] = "dispute.status_changed"
    dispute_id: int
    order_id: int
    buyer_id: int
    kind: str  # DAMAGE_CLAIM, NOT_RECEIVED, ESCALATION, BUYER_PROTECTION...
    from_status: str | None
    to_status: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RefundStatusChanged(Event):
    """A refund of an order was queued (``from_status`` None, PENDING) in the transaction of
    the change that owes it, then ended by the gateway (SUCCEEDED or FAILED):
    ``payments.ledger``, ``payments.refunds``."""

    type: ClassVar[str] = "refund.status_changed"
    refund_id: int  # the REFUND payment transaction
    payment_id: int
    order_id: int
    amount: int  # minor units
    currency: str
    from_status: str | None
    to_status: str
    reason: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PackageStatusChanged(Event):
    """A package was created (``from_status`` None, PROCESSING), collected by the carrier
    (FULFILLING), delivered (COMPLETED) or lost (CANCELLED), all through
    ``fulfillment.package_status.set_status``. A package may carry several orders of one
    buyer and shop; its events are ordered with its first order's (``order_key``)."""

    type: ClassVar[str] = "package.status_changed"
    package_id: int
    order_ids: tuple[int, ...]
    from_status: str | None
    to_status: str
    tracking_number: str
    provider_code: str
    reason: str

    @property
    def order_key(self) -> int | None:
        return min(self.order_ids) if self.order_ids else None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReturnStatusChanged(Event):
    """A return was requested (``from_status`` None, PENDING), decided, shipped back,
    withdrawn or completed (``aftersales.returns.set_status``)."""

    type: ClassVar[str] = "return.status_changed"
    return_id: int
    order_id: int
    buyer_id: int
    return_type: str  # REFUND, RETURN_AND_REFUND, REPLACEMENT...
    from_status: str | None
    to_status: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CancellationStatusChanged(Event):
    """A cancellation request was opened (``from_status`` None), approved, rejected,
    withdrawn or auto-approved, or a cancel that took effect at once (the buyer's, the
    seller's, an operator's, a rule's) was recorded complete (``aftersales.cancellations``,
    ``orders.cancellations``)."""

    type: ClassVar[str] = "cancellation.status_changed"
    cancellation_id: int
    order_id: int
    buyer_id: int
    from_status: str | None
    to_status: str
    actor: str  # buyer, seller, system, operator...
    actor_id: int | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class StockChanged(Event):
    """The available stock of a SKU in one warehouse changed (``catalog``): held for an
    order or released (``holds``), adjusted or set by the seller, restocked from a return
    (``inventory``). Not tied to an order (no ordering key)."""

    type: ClassVar[str] = "stock.changed"
    sku_id: int
    warehouse_id: int
    available: int  # after the change
    delta: int  # the change of available
    reason: str  # the movement's: ORDER_HOLD, ORDER_RELEASE, ADJUST, SET, RETURN_RESTOCK...


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ConversationStarted(Event):
    """A buyer and a shop have a conversation for the first time (``conversations``): one per
    buyer and shop, whoever wrote first. Not tied to an order (no ordering key)."""

    type: ClassVar[str] = "conversation.started"
    conversation_id: int
    buyer_id: int
    started_by: str  # BUYER, SELLER or SYSTEM (an automatic message)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MessageSent(Event):
    """A message was added to a buyer-shop conversation (``conversations``): by the buyer, a
    member of the shop's staff, or the platform's automatic messages (``sender_role``
    SYSTEM, ``sender_id`` None)."""

    type: ClassVar[str] = "conversation.message_sent"
    conversation_id: int
    message_id: int
    buyer_id: int
    sender_role: str  # BUYER, SELLER, SYSTEM
    sender_id: int | None
    message_type: str  # TEXT, IMAGE, ORDER_CARD, PRODUCT_CARD, AUTO


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SupportCaseChanged(Event):
    """A support case was opened (``from_status`` None), answered, escalated, reassigned,
    resolved, closed or reopened (``support``). ``shop_id`` is the shop the case is about (its
    order's, or the seller's who opened it), 0 for a case about no shop; ``order_id`` its
    order, if any (the ordering key)."""

    type: ClassVar[str] = "support_case.changed"
    case_id: int
    case_number: str
    category: str
    order_id: int | None
    opened_by_role: str  # buyer, seller, agent...
    opened_by_id: int
    from_status: str | None
    to_status: str
    action: str  # OPENED, REPLIED, ESCALATED, REASSIGNED, RESOLVED, CLOSED, REOPENED, APPROVED...


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class OrderDelayed(Event):
    """An order's delivery is at risk: it missed its ready-to-ship deadline (``reason``
    LATE_DISPATCH, ``orders.sla``), or its shipping deadlines were extended after a
    force-majeure case (FORCE_MAJEURE, ``orders.extensions``). ``ship_by``: the ready-to-ship
    deadline now in force."""

    type: ClassVar[str] = "order.delayed"
    order_id: int
    buyer_id: int
    reason: str  # LATE_DISPATCH, FORCE_MAJEURE
    ship_by: datetime | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LiveStarted(Event):
    """A live session started (``social.live``); ``shop_id`` 0 for a creator's own live."""

    type: ClassVar[str] = "live.started"
    live_id: int
    title: str
    creator_id: int | None


EVENT_TYPES: dict[str, type[Event]] = {
    event.type: event
    for event in (
        OrderStatusChanged,
        OrderAddressChanged,
        OrderLinesCancelled,
        DisputeStatusChanged,
        RefundStatusChanged,
        PackageStatusChanged,
        ReturnStatusChanged,
        CancellationStatusChanged,
        StockChanged,
        ConversationStarted,
        MessageSent,
        SupportCaseChanged,
        OrderDelayed,
        LiveStarted,
    )
}

E = TypeVar("E", bound=Event)
Handler = Callable[[Session, Any], None]
_handlers: dict[type[Event], list[Handler]] = {}
_outbox: Table | None = None
_HELD = "clipshop_events_held"  # Session.info key: the outbox rows ``held`` keeps back


def on(
    event_type: type[E],
) -> Callable[[Callable[[Session, E], None]], Callable[[Session, E], None]]:
    """Register ``handler(session, event)`` to run inside the unit of work that announces an
    event of ``event_type`` (before the outbox row is written; what it raises rolls the
    change back). Handlers run in the order they were registered."""

    def register(handler: Callable[[Session, E], None]) -> Callable[[Session, E], None]:
        _handlers.setdefault(event_type, []).append(handler)
        return handler

    return register


def use_outbox(table: Table) -> None:
    """Called by ``models.outbox``: the table ``announce`` writes events to."""
    global _outbox
    _outbox = table


def announce(session: Session, event: Event) -> None:
    """Run ``event``'s handlers in this unit of work and write it to the outbox (deferred)."""
    announce_all(session, [event])


def announce_all(session: Session, events: Sequence[Event]) -> None:
    """``announce`` each of ``events``, in order, with one multi-row outbox INSERT."""
    for event in events:
        handlers = _handlers.get(type(event), ())
        if event.handled and not handlers:
            raise RuntimeError(
                f"no handler registered for {type(event).__name__}: import the package that "
                "handles it (docs/architecture.md, Events and the outbox)"
            )
        for handler in handlers:
            handler(session, event)
    rows = []
    for event in events:
        row = {"type": event.type, "shop_id": event.shop_id, "order_id": event.order_key}
        rows.append(row | {"payload": event.payload(), "created_at": event.at})
    kept = session.info.get(_HELD)
    if kept is not None:
        kept.extend(rows)
    else:
        _write(session, rows)


@contextmanager
def held(session: Session) -> Iterator[None]:
    """Events announced inside are written at the end, all in one multi-row outbox INSERT
    (deferred like every outbox write; their handlers still run when announced): a unit of
    work that announces here and there writes one statement. Nothing is written when the
    block raises (the unit of work rolls back). Inside another ``held``, the outer writes."""
    if _HELD in session.info:
        yield
        return
    kept: list[dict[str, Any]] = []
    session.info[_HELD] = kept
    try:
        yield
    finally:
        session.info.pop(_HELD, None)
    if kept:
        _write(session, kept)


def _write(session: Session, rows: list[dict[str, Any]]) -> None:
    if _outbox is None:
        raise RuntimeError("no outbox table: import clipshop.models before announcing events")
    rawsql.insert(session, _outbox, rows)
