"""Carrier tracking events: deduplicated by the carrier's event id, applied by event time.

A package's status only moves forward (PROCESSING -> FULFILLING -> COMPLETED), so a late or
repeated event is kept in the timeline but never moves a package, or its orders, backwards."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.storage import Storage
from clipshop.fulfillment import package_status, photos, progress
from clipshop.fulfillment.errors import InvalidSignature
from clipshop.fulfillment.packages import orders_of_package
from clipshop.models import Order, OrderLineItem, Package, PackageEvent, SimCarrierStep
from clipshop.orders import sla

EVENT_KINDS = (
    "PICKED_UP",
    "IN_TRANSIT",
    "OUT_FOR_DELIVERY",
    "DELIVERY_FAILED",
    "DELIVERED",
    "EXCEPTION",
    "RETURNED_TO_SENDER",
)
STATUS_OF = {"DELIVERED": "COMPLETED"}  # every other event means "collected, moving"
RANK = {"PROCESSING": 0, "FULFILLING": 1, "COMPLETED": 2}
DESCRIPTIONS = {
    "PICKED_UP": "Picked up by the carrier",
    "IN_TRANSIT": "In transit",
    "OUT_FOR_DELIVERY": "Out for delivery",
    "DELIVERY_FAILED": "Delivery attempt failed",
    "DELIVERED": "Delivered",
    "EXCEPTION": "Delivery exception",
    "RETURNED_TO_SENDER": "Returned to sender",
}


@dataclass(frozen=True)
class CarrierEvent:
    event_id: str
    tracking_number: str
    kind: str
    occurred_at: datetime
    location: str = ""
    description: str = ""
    proof_photo: bytes | None = None  # DELIVERED only: checked image bytes


@dataclass(frozen=True)
class Outcome:
    event_id: str
    result: str  # APPLIED, DUPLICATE, UNKNOWN_PACKAGE
    package_id: int | None = None


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> None:
    expected = signature(secret, body)
    given = (header or "").strip().removeprefix("sha256=")
    if not given:
        raise InvalidSignature(
            "missing X-Clipshop-Signature: send sha256=<hex HMAC-SHA256 of "
            "the raw request body keyed with the carrier webhook secret>"
        )
    if not hmac.compare_digest(given.lower(), expected):
        raise InvalidSignature(
            "the signature does not match: expected the lowercase hex "
            "HMAC-SHA256 of the exact raw body, keyed with the carrier "
            "webhook secret, as X-Clipshop-Signature: sha256=<hex>"
        )


def _apply(package: Package, event: CarrierEvent) -> str:
    """Record ``event`` on ``package``; the status it moves the package to (or keeps)."""
    latest = package.last_event_at is None or event.occurred_at >= package.last_event_at
    if event.kind == "DELIVERY_FAILED":
        package.failed_attempts += 1
    if event.kind == "RETURNED_TO_SENDER" and package.returned_at is None:
        package.returned_at = event.occurred_at
    status = package.status
    new_status = STATUS_OF.get(event.kind, "FULFILLING")
    if package.status in RANK and RANK[new_status] > RANK[package.status]:
        status = new_status
    if package.collected_at is None or event.occurred_at < package.collected_at:
        package.collected_at = event.occurred_at  # the first scan, even when it comes late
    if event.kind == "DELIVERED" and package.delivered_at is None:
        package.delivered_at = event.occurred_at
        package.estimated_delivery = event.occurred_at.date()
    elif event.kind == "OUT_FOR_DELIVERY" and package.delivered_at is None and latest:
        package.estimated_delivery = event.occurred_at.date()
    if latest:
        package.last_event_at = event.occurred_at
        package.last_event_kind = event.kind
    return status


def _locked_order_ids(session: Session, package_id: int) -> list[int]:
    """The package's orders, their rows locked (after the package's, as ``worker.handlers``
    does): the package's status event is ordered with theirs."""
    ids = select(OrderLineItem.order_id).where(OrderLineItem.package_id == package_id)
    stmt = select(Order.id).where(Order.id.in_(ids)).order_by(Order.id).with_for_update()
    return list(session.scalars(stmt))


def apply_events(
    session: Session,
    provider_code: str,
    events: list[CarrierEvent],
    storage: Storage | None = None,
) -> list[Outcome]:
    outcomes = []
    touched: dict[int, Package] = {}
    order_ids: dict[int, list[int]] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        package = session.scalar(
            select(Package)
            .where(
                Package.provider_code == provider_code,
                Package.tracking_number == event.tracking_number.strip().upper(),
            )
            .with_for_update()
        )
        if package is None:
            outcomes.append(Outcome(event.event_id, "UNKNOWN_PACKAGE"))
            continue
        try:
            with session.begin_nested():
                session.add(
                    PackageEvent(
                        package_id=package.id,
                        shop_id=package.shop_id,
                        provider_code=provider_code,
                        carrier_event_id=event.event_id,
                        kind=event.kind,
                        occurred_at=event.occurred_at,
                        location=event.location,
                        description=event.description or DESCRIPTIONS[event.kind],
                    )
                )
                session.flush()
        except IntegrityError:
            outcomes.append(Outcome(event.event_id, "DUPLICATE", package.id))
            continue
        status = _apply(package, event)
        if status != package.status:
            if package.id not in order_ids:
                order_ids[package.id] = _locked_order_ids(session, package.id)
            reason = f"carrier: {event.kind}"
            package_status.set_status(session, package, status, order_ids[package.id], reason)
        if event.proof_photo is not None and event.kind == "DELIVERED" and storage is not None:
            photos.add_proof_of_delivery(session, storage, package, event.proof_photo)
        touched[package.id] = package
        outcomes.append(Outcome(event.event_id, "APPLIED", package.id))
    session.flush()
    now = utcnow()
    for package in touched.values():
        package_orders = orders_of_package(session, package.id)
        _arm_deadlines(session, package, package_orders, now)
        for order in package_orders:
            progress.sync_order(session, order, f"carrier: {package.last_event_kind}")
    return outcomes


def _arm_deadlines(session: Session, package: Package, orders: list[Order], now: datetime) -> None:
    """Lost-package deadlines (orders.sla): armed at the first scan, and when failed
    attempts reach the region's limit; disarmed on delivery."""
    if package.delivered_at is not None:
        sla.package_delivered(session, package)
        return
    sla.package_collected(session, package, orders, now)
    if orders:
        sla.package_failed_attempt(session, package, orders[0].region, now)


def emit_sim_events(session: Session, now: datetime | None = None, limit: int = 1000) -> int:
    """The simulated carrier reports every scripted event that is due by ``now``."""
    now = now or utcnow()
    steps = list(
        session.scalars(
            select(SimCarrierStep)
            .where(SimCarrierStep.emitted.is_(False), SimCarrierStep.due_at <= now)
            .order_by(SimCarrierStep.due_at, SimCarrierStep.id)
            .limit(limit)
        )
    )
    by_provider: dict[str, list[CarrierEvent]] = {}
    for step in steps:
        step.emitted = True
        by_provider.setdefault(step.provider_code, []).append(
            CarrierEvent(
                event_id=f"sim-{step.id}",
                tracking_number=step.tracking_number,
                kind=step.kind,
                occurred_at=step.due_at,
                location=step.location,
            )
        )
    for provider_code, events in by_provider.items():
        apply_events(session, provider_code, events)
    return len(steps)
