"""Creating packages: ship by seller (carrier + tracking number) or platform shipping (the
platform buys the label; pickup in a time slot or drop-off). Several orders of one buyer and
shop going to the same address may share a package; an order may be split over packages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.catalog import holds
from clipshop.core.clock import utcnow
from clipshop.core.errors import InvalidInput, NotFound
from clipshop.core.ids import new_id
from clipshop.fulfillment import package_status, progress
from clipshop.fulfillment.carriers import SCENARIOS, CarrierAdapter
from clipshop.fulfillment.errors import (
    LinesNotShippable,
    NotCombinable,
    OrderNotShippable,
    OrderOnHold,
    TrackingLocked,
    TrackingNumberTaken,
)
from clipshop.fulfillment.providers import Provider, provider_for
from clipshop.identity.principal import Permission, Principal
from clipshop.models import Order, OrderLineItem, Package, SimCarrierStep, Sku
from clipshop.orders import cancellations
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.transitions import record_event

SHIPPABLE = frozenset({OrderStatus.AWAITING_SHIPMENT, OrderStatus.PARTIALLY_SHIPPING})
TRACKING_EDIT_WINDOW = timedelta(hours=72)


@dataclass(frozen=True)
class ShipRequest:
    order_ids: list[int]
    line_item_ids: list[int] | None
    shipping_type: str  # SELLER or PLATFORM
    provider_code: str
    tracking_number: str | None = None
    handover_method: str | None = None  # PLATFORM: PICKUP or DROP_OFF
    pickup_slot_start: datetime | None = None
    sim_scenario: str | None = None


def _orders(session: Session, principal: Principal, order_ids: list[int]) -> list[Order]:
    principal.require(Permission.FULFILL)
    rows = session.scalars(
        select(Order).where(Order.id.in_(order_ids)).order_by(Order.id).with_for_update()
    ).all()
    found = {o.id: o for o in rows if principal.sees_shop(o.shop_id)}
    missing = [i for i in order_ids if i not in found]
    if missing:
        raise NotFound(f"order {missing[0]} not found")
    orders = [found[i] for i in sorted(set(order_ids))]
    for order in orders:
        status = OrderStatus(order.status)
        if status is OrderStatus.ON_HOLD:
            raise OrderOnHold(
                f"order {order.id} is ON_HOLD (remorse window or review); it cannot ship yet",
                order_id=str(order.id),
            )
        if status not in SHIPPABLE:
            raise OrderNotShippable(
                f"order {order.id} is {status}: nothing to ship", order_id=str(order.id)
            )
    first = orders[0]
    for other in orders[1:]:
        if (other.shop_id, other.buyer_id, other.recipient_address) != (
            first.shop_id,
            first.buyer_id,
            first.recipient_address,
        ):
            raise NotCombinable(
                "only orders of one buyer and shop going to the same address can share a package"
            )
    return orders


def _lines(
    session: Session, orders: list[Order], line_item_ids: list[int] | None
) -> list[OrderLineItem]:
    order_ids = [o.id for o in orders]
    open_lines = list(
        session.scalars(
            select(OrderLineItem)
            .where(
                OrderLineItem.order_id.in_(order_ids),
                OrderLineItem.status != "CANCELLED",
                OrderLineItem.package_id.is_(None),
            )
            .order_by(OrderLineItem.id)
        )
    )
    if line_item_ids is None:
        if not open_lines:
            raise LinesNotShippable("every item of these orders is already in a package")
        return open_lines
    by_id = {line.id: line for line in open_lines}
    wrong = [i for i in line_item_ids if i not in by_id]
    if wrong:
        raise LinesNotShippable(
            f"line item {wrong[0]} is not an unshipped item of these orders",
            line_item_id=str(wrong[0]),
        )
    return [by_id[i] for i in dict.fromkeys(line_item_ids)]


def _weight(session: Session, lines: list[OrderLineItem]) -> int:
    sku_ids = [line.sku_id for line in lines]
    weights = dict(
        session.execute(select(Sku.id, Sku.weight_grams).where(Sku.id.in_(sku_ids))).all()
    )
    return sum(weights.get(s, 0) for s in sku_ids)


def _handover(
    provider: Provider,
    carrier: CarrierAdapter,
    request: ShipRequest,
) -> tuple[datetime | None, datetime | None]:
    if request.handover_method not in ("PICKUP", "DROP_OFF"):
        raise InvalidInput(
            "platform shipping needs handover_method PICKUP or DROP_OFF", code="invalid_handover"
        )
    if request.handover_method == "DROP_OFF":
        return None, None
    slots = carrier.pickup_slots(provider, utcnow())
    chosen = next((s for s in slots if s[0] == request.pickup_slot_start), None)
    if chosen is None:
        raise InvalidInput(
            "pickup_slot_start must be one of the offered pickup slots "
            "(GET /api/v1/orders/{id}/handover-slots)",
            code="invalid_pickup_slot",
        )
    return chosen


def create_package(
    session: Session, principal: Principal, carrier: CarrierAdapter, request: ShipRequest
) -> Package:
    orders = _orders(session, principal, request.order_ids)
    lines = _lines(session, orders, request.line_item_ids)
    platform = request.shipping_type == "PLATFORM"
    service = orders[0].shipping_service
    provider = provider_for(request.provider_code, service, platform=platform)
    slot: tuple[datetime | None, datetime | None] = (None, None)
    if platform:
        slot = _handover(provider, carrier, request)
        tracking = carrier.new_tracking_number(provider)
    else:
        if not request.tracking_number:
            raise InvalidInput("ship-by-seller needs a tracking_number", code="invalid_request")
        tracking = provider.validate(request.tracking_number)
    scenario = request.sim_scenario or "on_time"
    if scenario not in SCENARIOS:
        raise InvalidInput(
            f"sim_scenario must be one of {', '.join(SCENARIOS)}", code="invalid_request"
        )
    now = utcnow()
    package = Package(
        id=new_id(),
        shop_id=orders[0].shop_id,
        buyer_id=orders[0].buyer_id,
        shipping_type=request.shipping_type,
        shipping_service=service,
        provider_code=provider.code,
        tracking_number=tracking,
        status="PROCESSING",
        handover_method=request.handover_method if platform else None,
        pickup_slot_start=slot[0],
        pickup_slot_end=slot[1],
        recipient_address=orders[0].recipient_address,
        weight_grams=_weight(session, lines),
        estimated_delivery=(now + timedelta(days=max(o.delivery_max_days for o in orders))).date(),
        sim_scenario=scenario if provider.simulated else None,
    )
    try:
        with session.begin_nested():
            session.add(package)
            session.flush()
    except IntegrityError:
        raise TrackingNumberTaken(f"tracking number {tracking} is already used") from None
    for line in lines:
        line.package_id = package.id
    session.flush()
    order_ids = [o.id for o in orders]  # locked by _orders
    package_status.set_status(session, package, "PROCESSING", order_ids, "shipped", created=True)
    shipped = Counter((line.shop_id, line.sku_id, line.warehouse_id) for line in lines)
    for (shop_id, sku_id, warehouse_id), quantity in sorted(shipped.items()):
        at = holds.StockRow(shop_id, sku_id, warehouse_id)
        holds.ship(session, at, quantity, f"package {package.id}", principal.user_id)
    for order in orders:
        record_event(
            session,
            order,
            "PACKAGE_CREATED",
            Actor.SELLER,
            principal.user_id,
            f"package {package.id}: {provider.name} {tracking}",
        )
        progress.sync_order(session, order, "shipment arranged", principal.user_id)
        cancellations.on_shipment(session, order, principal.user_id)  # rejects a pending request
    if provider.simulated:
        schedule_script(
            session, carrier, package, slot[0] or now, max(o.delivery_max_days for o in orders)
        )
    return package


def schedule_script(
    session: Session,
    carrier: CarrierAdapter,
    package: Package,
    handover_at: datetime,
    delivery_days: int,
) -> None:
    for step in carrier.script(package.sim_scenario or "on_time", delivery_days):
        session.add(
            SimCarrierStep(
                package_id=package.id,
                provider_code=package.provider_code,
                tracking_number=package.tracking_number,
                kind=step.kind,
                due_at=handover_at + step.after,
                location=step.location,
            )
        )


def get_package(session: Session, principal: Principal, package_id: int) -> Package:
    package = session.get(Package, package_id)
    if package is None or not _visible(principal, package):
        raise NotFound("package not found")
    return package


def _visible(principal: Principal, package: Package) -> bool:
    if principal.role.value == "buyer":
        return package.buyer_id == principal.user_id
    return principal.has(Permission.ORDERS_READ) and principal.sees_shop(package.shop_id)


def correct_tracking(
    session: Session,
    principal: Principal,
    package_id: int,
    tracking_number: str,
    provider_code: str | None,
) -> Package:
    """A seller may correct a package's tracking number once, within 72 h, before any
    carrier event arrived for it."""
    principal.require(Permission.FULFILL)
    package = get_package(session, principal, package_id)
    if package.shipping_type != "SELLER":
        raise TrackingLocked("platform-shipping tracking numbers come from the label")
    if package.tracking_corrections >= 1:
        raise TrackingLocked("the tracking number was already corrected once")
    if utcnow() - package.created_at > TRACKING_EDIT_WINDOW:
        raise TrackingLocked("tracking numbers can be corrected within 72 hours of shipping")
    if package.last_event_at is not None:
        raise TrackingLocked("the carrier already reported this package")
    provider = provider_for(
        provider_code or package.provider_code, package.shipping_service, platform=False
    )
    package.provider_code = provider.code
    package.tracking_number = provider.validate(tracking_number)
    package.tracking_corrections += 1
    package.tracking_updated_at = utcnow()
    try:
        with session.begin_nested():
            session.flush()
            # The simulated carrier reports under the corrected number (or stops, when the
            # package moved to a carrier without a simulated feed).
            steps = select(SimCarrierStep).where(
                SimCarrierStep.package_id == package.id, SimCarrierStep.emitted.is_(False)
            )
            for step in session.scalars(steps):
                if provider.simulated:
                    step.provider_code = provider.code
                    step.tracking_number = package.tracking_number
                else:
                    session.delete(step)
            session.flush()
    except IntegrityError:
        raise TrackingNumberTaken(f"tracking number {tracking_number} is already used") from None
    return package


def orders_of_package(session: Session, package_id: int) -> list[Order]:
    ids = select(OrderLineItem.order_id).where(OrderLineItem.package_id == package_id)
    return list(session.scalars(select(Order).where(Order.id.in_(ids)).order_by(Order.id)))


def package_counts(session: Session, order_id: int) -> int:
    stmt = select(func.count(func.distinct(OrderLineItem.package_id))).where(
        OrderLineItem.order_id == order_id
    )
    return int(session.scalar(stmt) or 0)
