"""The seller API's package reads: search and detail, over clipshop's packages and each
shippable order's *pending package* (docs/tiktok-api.md, "Fulfillment").

In the reference an order awaiting shipment already has a package in ``PROCESSING``. clipshop
makes a package only when the seller ships, so the open items of an order in
``AWAITING_SHIPMENT`` or ``PARTIALLY_SHIPPING`` that no package holds yet are shown as one
package whose id is the order's id (ids are unique across tables): no row is invented, and
shipping it (``fulfillment_actions``) makes the real package with a new id."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from clipshop.fulfillment.providers import PROVIDERS
from clipshop.models import Order, OrderLineItem, Package, Warehouse
from clipshop.orders.states import OrderStatus
from clipshop.partner import fulfillment_schemas as api
from clipshop.partner.errors import invalid_parameter, not_found
from clipshop.partner.orders import EPOCH, unix
from clipshop.partner.paging import PageParams

SortField = Literal["create_time", "update_time"]
SortOrder = Literal["ASC", "DESC"]
SHIPPABLE = (OrderStatus.AWAITING_SHIPMENT.value, OrderStatus.PARTIALLY_SHIPPING.value)
PENDING_STATUS = "PROCESSING"  # the reference's status of an order's package before shipping
STATUSES = ("PROCESSING", "FULFILLING", "COMPLETED", "CANCELLED")
SERVICE_NAMES = {"STANDARD": "Standard shipping", "EXPRESS": "Express shipping"}


def parse_id(text: str, name: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 19) or int(text) >= 2**63:
        raise invalid_parameter(f"{name}: {text!r} is not an id")
    return int(text)


def from_unix(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def _open_unpacked(order_id: Any) -> ColumnElement[bool]:
    return exists().where(
        OrderLineItem.order_id == order_id,
        OrderLineItem.package_id.is_(None),
        OrderLineItem.status != "CANCELLED",
    )


def _pending_where(shop_id: int) -> list[ColumnElement[bool]]:
    return [Order.shop_id == shop_id, Order.status.in_(SHIPPABLE), _open_unpacked(Order.id)]


def pending_order(session: Session, shop_id: int, order_id: int) -> Order | None:
    """The order whose pending package has id ``order_id``, if it has one."""
    stmt = select(Order).where(Order.id == order_id, *_pending_where(shop_id))
    return session.scalars(stmt).first()


# --- the view of a package, real or pending ----------------------------------------------------


@dataclass
class View:
    id: int
    status: str
    created: datetime
    updated: datetime
    lines: list[OrderLineItem] = field(default_factory=list)
    package: Package | None = None
    order: Order | None = None  # the pending package's order


def _real_view(p: Package, lines: list[OrderLineItem]) -> View:
    return View(p.id, p.status, p.created_at, p.updated_at, lines, package=p)


def _pending_view(o: Order, lines: list[OrderLineItem]) -> View:
    created = o.paid_at or o.created_at
    return View(o.id, PENDING_STATUS, created, o.updated_at, lines, order=o)


def _views(session: Session, packages: list[Package], orders: list[Order]) -> list[View]:
    """Views of ``packages`` and of the pending packages of ``orders``, their lines read in
    two statements."""
    by_package: dict[int, list[OrderLineItem]] = defaultdict(list)
    by_order: dict[int, list[OrderLineItem]] = defaultdict(list)
    if packages:
        stmt = select(OrderLineItem).where(OrderLineItem.package_id.in_([p.id for p in packages]))
        for line in session.scalars(stmt.order_by(OrderLineItem.id)):
            by_package[line.package_id or 0].append(line)
    if orders:
        stmt = select(OrderLineItem).where(
            OrderLineItem.order_id.in_([o.id for o in orders]),
            OrderLineItem.package_id.is_(None),
            OrderLineItem.status != "CANCELLED",
        )
        for line in session.scalars(stmt.order_by(OrderLineItem.id)):
            by_order[line.order_id].append(line)
    return [_real_view(p, by_package[p.id]) for p in packages] + [
        _pending_view(o, by_order[o.id]) for o in orders
    ]


def _orders(lines: list[OrderLineItem]) -> list[api.PackageOrder]:
    skus: dict[int, dict[int, list[OrderLineItem]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        skus[line.order_id][line.sku_id].append(line)
    return [
        api.PackageOrder(
            id=str(order_id),
            skus=[
                api.Sku(id=str(sku_id), name=same[0].sku_name, quantity=len(same))
                for sku_id, same in by_sku.items()
            ],
        )
        for order_id, by_sku in sorted(skus.items())
    ]


def _provider(view: View) -> tuple[str | None, str | None]:
    if view.package is None:
        return None, None
    provider = PROVIDERS.get(view.package.provider_code)
    return view.package.provider_code, provider.name if provider else None


def searched(view: View) -> api.SearchedPackage:
    provider_id, provider_name = _provider(view)
    return api.SearchedPackage(
        id=str(view.id),
        create_time=unix(view.created),
        update_time=unix(view.updated),
        status=view.status,
        order_line_item_ids=[str(x.id) for x in view.lines],
        orders=_orders(view.lines),
        shipping_provider_id=provider_id,
        shipping_provider_name=provider_name,
        tracking_number=view.package.tracking_number if view.package else None,
    )


# --- search ------------------------------------------------------------------------------------


def _fingerprint(f: api.PackageSearchFilters, sort: str) -> str:
    text = f.model_dump_json(exclude_none=True) + sort
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _position(position: dict[str, Any], query: str) -> tuple[datetime, int]:
    try:
        if position["q"] != query:
            raise ValueError("another search")
        return EPOCH + timedelta(microseconds=int(position["t"])), int(position["id"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise invalid_parameter(
            "page_token does not belong to this search; pass back next_page_token with the "
            "same filters, sort_field and sort_order"
        ) from None


def _after(column: Any, id_column: Any, at: datetime, last: int, desc: bool) -> Any:
    if desc:
        return or_(column < at, and_(column == at, id_column < last))
    return or_(column > at, and_(column == at, id_column > last))


def _time_filters(
    f: api.PackageSearchFilters, created: Any, updated: Any
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for name, column, ge, lt in (
        ("create_time", created, f.create_time_ge, f.create_time_lt),
        ("update_time", updated, f.update_time_ge, f.update_time_lt),
    ):
        if ge is not None and lt is not None and ge >= lt:
            raise invalid_parameter(f"{name}_ge must be before {name}_lt")
        if ge is not None:
            where.append(column >= from_unix(ge))
        if lt is not None:
            where.append(column < from_unix(lt))
    return where


def search(
    session: Session,
    shop_id: int,
    f: api.PackageSearchFilters,
    page: PageParams,
    sort_field: SortField,
    sort_order: SortOrder,
) -> tuple[list[api.SearchedPackage], dict[str, Any] | None, int]:
    """A page of the shop's packages, real and pending, merged on (sort time, id)."""
    status = (f.package_status or "").upper() or None
    if status is not None and status not in STATUSES:
        raise invalid_parameter("package_status must be one of " + ", ".join(STATUSES))
    desc = sort_order == "DESC"
    query = _fingerprint(f, f"{sort_field}:{sort_order}")
    pending_created = func.coalesce(Order.paid_at, Order.created_at)
    real_key = Package.created_at if sort_field == "create_time" else Package.updated_at
    pending_key = pending_created if sort_field == "create_time" else Order.updated_at

    real_where = [
        Package.shop_id == shop_id,
        *_time_filters(f, Package.created_at, Package.updated_at),
    ]
    if status is not None:
        real_where.append(Package.status == status)
    pending_where = [*_pending_where(shop_id), *_time_filters(f, pending_created, Order.updated_at)]
    with_pending = status in (None, PENDING_STATUS)

    total = session.scalar(select(func.count()).select_from(Package).where(*real_where)) or 0
    if with_pending:
        total += session.scalar(select(func.count()).select_from(Order).where(*pending_where)) or 0
    if page.position is not None:
        at, last = _position(page.position, query)
        real_where.append(_after(real_key, Package.id, at, last, desc))
        pending_where.append(_after(pending_key, Order.id, at, last, desc))

    def order_by(key: Any, id_column: Any) -> tuple[Any, Any]:
        return (key.desc(), id_column.desc()) if desc else (key.asc(), id_column.asc())

    limit = page.size + 1
    packages = list(
        session.scalars(
            select(Package)
            .where(*real_where)
            .order_by(*order_by(real_key, Package.id))
            .limit(limit)
        )
    )
    orders: list[Order] = []
    if with_pending:
        stmt = select(Order).where(*pending_where).order_by(*order_by(pending_key, Order.id))
        orders = list(session.scalars(stmt.limit(limit)))
    views = _views(session, packages, orders)

    def key(v: View) -> tuple[datetime, int]:
        return (v.created if sort_field == "create_time" else v.updated, v.id)

    views.sort(key=key, reverse=desc)
    position = None
    if len(views) > page.size:
        views = views[: page.size]
        at, last = key(views[-1])
        micros = (at - EPOCH) // timedelta(microseconds=1)
        position = {"q": query, "t": str(micros), "id": str(last)}
    return [searched(v) for v in views], position, total


# --- detail ------------------------------------------------------------------------------------


def view_of(session: Session, shop_id: int, package_id: int) -> View:
    """The shop's package ``package_id`` (real, or an order's pending one); else 36009005."""
    package = session.get(Package, package_id)
    if package is not None and package.shop_id == shop_id:
        return _views(session, [package], [])[0]
    order = pending_order(session, shop_id, package_id)
    if order is None:
        raise not_found(f"package {package_id} not found")
    return _views(session, [], [order])[0]


def _recipient(address: dict[str, Any]) -> api.Address:
    a = address or {}
    place = " ".join(x for x in (a.get("state"), a.get("postal_code")) if x)
    parts = (a.get("address_line1"), a.get("address_line2"), a.get("city"), place, a.get("country"))
    return api.Address(
        name=a.get("name"),
        phone_number=a.get("phone"),
        address_line1=a.get("address_line1"),
        address_line2=a.get("address_line2") or "",
        address_detail=a.get("address_line2") or "",
        postal_code=a.get("postal_code"),
        region_code=a.get("country"),
        full_address=", ".join(x for x in parts if x),
    )


def _sender(session: Session, lines: list[OrderLineItem], shop_name: str) -> api.Address:
    warehouse_ids = {x.warehouse_id for x in lines}
    if len(warehouse_ids) != 1:
        return api.Address()
    w = session.get(Warehouse, warehouse_ids.pop())
    if w is None:
        return api.Address()
    place = " ".join(x for x in (w.state, w.postal_code) if x)
    parts = (w.address_line1, w.address_line2, w.city, place, w.country)
    return api.Address(
        name=shop_name,
        address_line1=w.address_line1,
        address_line2=w.address_line2 or "",
        address_detail=w.address_line2 or "",
        postal_code=w.postal_code,
        region_code=w.country,
        full_address=", ".join(x for x in parts if x),
    )


def _tag(session: Session, view: View) -> str:
    """DEFAULT, COMBINE (the package holds several orders' lines) or SPLIT (its order ships
    in several packages)."""
    order_ids = {x.order_id for x in view.lines}
    if len(order_ids) > 1:
        return "COMBINE"
    if not order_ids:
        return "DEFAULT"
    packages = session.scalar(
        select(func.count(func.distinct(OrderLineItem.package_id))).where(
            OrderLineItem.order_id.in_(order_ids), OrderLineItem.package_id.is_not(None)
        )
    )
    pending = view.package is None or session.scalar(
        select(func.count()).where(
            OrderLineItem.order_id.in_(order_ids),
            OrderLineItem.package_id.is_(None),
            OrderLineItem.status != "CANCELLED",
        )
    )
    return "SPLIT" if (packages or 0) + (1 if pending else 0) > 1 else "DEFAULT"


def detail(session: Session, shop_id: int, shop_name: str, package_id: int) -> api.PackageDetail:
    view = view_of(session, shop_id, package_id)
    provider_id, provider_name = _provider(view)
    p = view.package
    order = view.order or (session.get(Order, view.lines[0].order_id) if view.lines else None)
    service = p.shipping_service if p else (order.shipping_service if order else None)
    address = p.recipient_address if p else (order.recipient_address if order else {})
    return api.PackageDetail(
        package_id=str(view.id),
        package_status=view.status,
        create_time=unix(view.created),
        update_time=unix(view.updated),
        order_line_item_ids=[str(x.id) for x in view.lines],
        orders=_orders(view.lines),
        has_multi_skus=len({x.sku_id for x in view.lines}) > 1,
        split_and_combine_tag=_tag(session, view),
        shipping_type="TIKTOK" if p is not None and p.shipping_type == "PLATFORM" else "SELLER",
        delivery_option_id=service,
        delivery_option_name=SERVICE_NAMES.get(service or ""),
        shipping_provider_id=provider_id,
        shipping_provider_name=provider_name,
        tracking_number=p.tracking_number if p else None,
        handover_method=p.handover_method if p else None,
        pickup_slot=api.Slot(
            start_time=unix(p.pickup_slot_start) if p else None,
            end_time=unix(p.pickup_slot_end) if p else None,
        ),
        weight=api.Weight(value=str(p.weight_grams), unit="GRAM") if p else api.Weight(),
        recipient_address=_recipient(address),
        sender_address=_sender(session, view.lines, shop_name),
    )
