"""The seller API's fulfillment actions, each through the native fulfillment services with the
shop's seller (the owner who authorized the app) as the actor: ship a package, mark an
order's items shipped, correct shipping info; and the reads that go with them (an order's
tracking, handover time slots)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.storage import Storage
from clipshop.fulfillment import packages, photos, views
from clipshop.fulfillment.carriers import CarrierAdapter
from clipshop.fulfillment.providers import allowed_providers
from clipshop.identity.principal import Principal, Role
from clipshop.models import AppAuthorization, Order, OrderLineItem, Package
from clipshop.partner import fulfillment_schemas as api
from clipshop.partner.errors import CONFLICT, PartnerError, invalid_parameter, not_found
from clipshop.partner.fulfillment import from_unix, parse_id, pending_order, view_of
from clipshop.partner.orders import EPOCH
from clipshop.partner.tokens import Access

_MILLI = timedelta(milliseconds=1)


def seller(session: Session, access: Access, shop_id: int) -> Principal:
    """The shop's owner who authorized the app, acting as the shop's seller."""
    granted_by = session.scalar(
        select(AppAuthorization.granted_by).where(
            AppAuthorization.app_id == access.app_id,
            AppAuthorization.shop_id == shop_id,
            AppAuthorization.status == "ACTIVE",
        )
    )
    if granted_by is None:
        raise not_found("shop not found")
    shop = frozenset({shop_id})
    return Principal(granted_by, Role.SELLER, shop, shop)


def _shop_order(session: Session, shop_id: int, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None or order.shop_id != shop_id:
        raise not_found(f"order {order_id} not found")
    return order


def _platform_provider(service: str) -> str:
    found = [p for p in allowed_providers(service) if p.sells_labels]
    if not found:
        raise PartnerError(CONFLICT, f"no carrier sells labels for {service} orders", 409)
    return found[0].code


def _slot_start(slot: api.SlotIn | None) -> datetime | None:
    if slot is None or slot.start_time is None:
        return None
    return from_unix(slot.start_time)


def ship(
    session: Session,
    principal: Principal,
    carrier: CarrierAdapter,
    shop_id: int,
    package_id: int,
    body: api.ShipBody,
) -> Package:
    """Ship the pending package ``package_id`` (an order's items no package holds yet):
    ``self_shipment`` ships by seller, else platform shipping with ``handover_method``."""
    order = pending_order(session, shop_id, package_id)
    if order is None:
        shipped = session.get(Package, package_id)
        if shipped is not None and shipped.shop_id == shop_id:
            raise PartnerError(CONFLICT, f"package {package_id} is already shipped", 409)
        gone = _shop_order(session, shop_id, package_id)  # 36009005 when no such package
        raise PartnerError(
            CONFLICT, f"order {gone.id} is {gone.status}: no items are waiting to ship", 409
        )
    if body.self_shipment is not None:
        request = packages.ShipRequest(
            order_ids=[order.id],
            line_item_ids=None,
            shipping_type="SELLER",
            provider_code=body.self_shipment.shipping_provider_id.strip().upper(),
            tracking_number=body.self_shipment.tracking_number,
        )
    else:
        method = (body.handover_method or "").upper()
        if method not in ("PICKUP", "DROP_OFF"):
            raise invalid_parameter(
                "send self_shipment (tracking_number, shipping_provider_id) to ship by seller, "
                "or handover_method PICKUP or DROP_OFF for platform shipping"
            )
        request = packages.ShipRequest(
            order_ids=[order.id],
            line_item_ids=None,
            shipping_type="PLATFORM",
            provider_code=_platform_provider(order.shipping_service),
            handover_method=method,
            pickup_slot_start=_slot_start(body.pickup_slot) if method == "PICKUP" else None,
        )
    return packages.create_package(session, principal, carrier, request)


def mark_shipped(
    session: Session,
    principal: Principal,
    carrier: CarrierAdapter,
    shop_id: int,
    order_id: int,
    body: api.MarkShippedBody,
) -> api.MarkedShipped:
    """Ship by seller the order's given items (all its unshipped items when none given)."""
    _shop_order(session, shop_id, order_id)
    line_ids = [parse_id(x, "order_line_item_ids") for x in body.order_line_item_ids]
    request = packages.ShipRequest(
        order_ids=[order_id],
        line_item_ids=line_ids or None,
        shipping_type="SELLER",
        provider_code=body.shipping_provider_id.strip().upper(),
        tracking_number=body.tracking_number,
    )
    package = packages.create_package(session, principal, carrier, request)
    lines = session.scalars(
        select(OrderLineItem.id)
        .where(OrderLineItem.package_id == package.id)
        .order_by(OrderLineItem.id)
    )
    return api.MarkedShipped(
        order_id=str(order_id),
        order_line_item_ids=[str(x) for x in lines],
        package_id=str(package.id),
    )


def update_package_info(
    session: Session, principal: Principal, shop_id: int, package_id: int, info: api.ShippingInfo
) -> None:
    package = session.get(Package, package_id)
    if package is None or package.shop_id != shop_id:
        if pending_order(session, shop_id, package_id) is not None:
            raise PartnerError(CONFLICT, f"package {package_id} is not shipped yet", 409)
        raise not_found(f"package {package_id} not found")
    packages.correct_tracking(
        session,
        principal,
        package_id,
        info.tracking_number,
        info.shipping_provider_id.strip().upper(),
    )


def _order_package_ids(session: Session, shop_id: int, order_id: int) -> list[int]:
    _shop_order(session, shop_id, order_id)
    return [p.id for p in views.packages_of_order(session, order_id)]


def update_order_info(
    session: Session, principal: Principal, shop_id: int, order_id: int, info: api.ShippingInfo
) -> None:
    """202309: the order's one package (an order in several packages: name each, 202610)."""
    ids = _order_package_ids(session, shop_id, order_id)
    if not ids:
        raise PartnerError(CONFLICT, f"order {order_id} is not shipped yet", 409)
    if len(ids) > 1:
        raise invalid_parameter(
            f"order {order_id} ships in {len(ids)} packages: update each with "
            "/fulfillment/202309/packages/{package_id}/shipping_info/update or send "
            "shipping_info_list to /fulfillment/202610/orders/{order_id}/shipping_info/update"
        )
    update_package_info(session, principal, shop_id, ids[0], info)


def update_order_info_list(
    session: Session,
    principal: Principal,
    shop_id: int,
    order_id: int,
    body: api.ShippingInfoList,
) -> None:
    """202610: each entry corrects one of the order's packages; all or nothing."""
    ids = _order_package_ids(session, shop_id, order_id)
    if not ids:
        raise PartnerError(CONFLICT, f"order {order_id} is not shipped yet", 409)
    seen: set[int] = set()
    for i, item in enumerate(body.shipping_info_list):
        if item.package_id:
            package_id = parse_id(item.package_id, f"shipping_info_list.{i}.package_id")
        elif len(ids) == 1:
            package_id = ids[0]
        else:
            raise invalid_parameter(
                f"shipping_info_list.{i}.package_id is required: the order has {len(ids)} packages"
            )
        if package_id not in ids:
            raise not_found(f"package {package_id} is not a package of order {order_id}")
        if package_id in seen:
            raise invalid_parameter(f"shipping_info_list names package {package_id} twice")
        seen.add(package_id)
        update_package_info(session, principal, shop_id, package_id, item)


def tracking(session: Session, shop_id: int, order_id: int) -> api.TrackingData:
    """The carrier's events of the order's packages, newest first."""
    ids = _order_package_ids(session, shop_id, order_id)
    events = [e for same in views.events_by_package(session, ids).values() for e in same]
    events.sort(key=lambda e: (e.occurred_at, e.id), reverse=True)
    return api.TrackingData(
        tracking=[
            api.TrackingEvent(
                description=e.description or _describe(e.kind, e.location),
                update_time_millis=(e.occurred_at - EPOCH) // _MILLI,
            )
            for e in events
        ]
    )


def _describe(kind: str, location: str) -> str:
    text = kind.replace("_", " ").capitalize()
    return f"{text}: {location}" if location else text


def handover_slots(carrier: CarrierAdapter, service: str) -> api.HandoverSlots:
    """Platform shipping's pickup slots for an order of ``service`` (drop-off always works)."""
    providers = [p for p in allowed_providers(service) if p.sells_labels]
    slots = carrier.pickup_slots(providers[0], utcnow()) if providers else []
    return api.HandoverSlots(
        can_drop_off=bool(providers),
        can_pickup=bool(slots),
        can_van_collection=False,
        pickup_slots=[
            api.PickupSlot(avaliable=True, start_time=_unix(s), end_time=_unix(e)) for s, e in slots
        ],
    )


def _unix(at: datetime) -> int:
    return int(at.timestamp())


def order_service(session: Session, shop_id: int, order_id: int) -> str:
    return _shop_order(session, shop_id, order_id).shipping_service


def package_service(session: Session, shop_id: int, package_id: int) -> str:
    view = view_of(session, shop_id, package_id)
    if view.package is not None:
        return view.package.shipping_service
    assert view.order is not None
    return view.order.shipping_service


def delivery_photo(
    session: Session,
    storage: Storage,
    principal: Principal,
    shop_id: int,
    package_id: int,
    encoded: str,
) -> str:
    """Keep a base64 photo as the shipped package's handover photo (the native rules: JPEG,
    PNG or WebP by its bytes, at most 5 MB, 20 per package); answers the file's id."""
    if pending_order(session, shop_id, package_id) is not None:
        raise PartnerError(CONFLICT, f"package {package_id} is not shipped yet", 409)
    try:
        data = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise invalid_parameter("data must be the image as standard base64") from None
    if not data:
        raise invalid_parameter("data is empty")
    row = photos.add_handover_photo(session, storage, principal, package_id, data)
    return str(row.id)
