"""The seller API's order module over clipshop's orders: search (filters, keyset pages) and
detail by ids, always of one shop (the price detail: ``order_prices``). A page is read in a
fixed number of queries (the orders, their count, then their lines, packages, events,
cancellations and replacements, each batched by ids), whatever its size.

An order of another shop is never read: search filters by shop, and detail answers the ids
it finds in the shop (none found: not found)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from clipshop.core.money import Money
from clipshop.fulfillment.providers import PROVIDERS
from clipshop.models import Cancellation, Order, OrderEvent, OrderLineItem, Package, Return
from clipshop.orders.states import ADDRESS_HIDDEN, OrderStatus
from clipshop.partner import order_schemas as api
from clipshop.partner.errors import invalid_parameter, not_found
from clipshop.partner.order_status import ORDER_STATUS, ORDER_STATUS_OF, display_status
from clipshop.partner.order_status import package_status as api_package_status
from clipshop.partner.paging import PageParams

MAX_IDS = 50
SortField = Literal["create_time", "update_time"]
SortOrder = Literal["ASC", "DESC"]
SHIPPABLE = (OrderStatus.AWAITING_SHIPMENT.value, OrderStatus.PARTIALLY_SHIPPING.value)
PENDING_CANCEL = "CANCELLATION_REQUEST_PENDING"
CANCEL_DONE = ("CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE")
DELIVERY_OPTION_NAMES = {
    "ECONOMY": "Economy Shipping",
    "STANDARD": "Standard Shipping",
    "EXPRESS": "Express Shipping",
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OrderT = TypeVar("OrderT", bound=api.OrderCommon)


def unix(at: datetime | None) -> int | None:
    return None if at is None else int(at.timestamp())


def _at(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def money(minor: int, currency: str) -> str:
    return Money(minor, currency).to_decimal_string()


# --- search ------------------------------------------------------------------------------------


def _filters(shop_id: int, f: api.SearchFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Order.shop_id == shop_id]
    if f.order_status is not None:
        status = ORDER_STATUS_OF.get(f.order_status)
        if status is None:
            raise invalid_parameter("order_status must be one of " + ", ".join(ORDER_STATUS_OF))
        where.append(Order.status == status.value)
    for name, column in (("create_time", Order.created_at), ("update_time", Order.updated_at)):
        ge, lt = getattr(f, f"{name}_ge"), getattr(f, f"{name}_lt")
        if ge is not None and lt is not None and ge >= lt:
            raise invalid_parameter(f"{name}_ge must be earlier than {name}_lt")
        if ge is not None:
            where.append(column >= _at(ge))
        if lt is not None:
            where.append(column < _at(lt))
    if f.buyer_user_id is not None:
        where.append(Order.buyer_id == int(f.buyer_user_id))
    if f.is_buyer_request_cancel is not None:
        pending = exists().where(
            Cancellation.order_id == Order.id,
            Cancellation.cancel_type == "BUYER_CANCEL",
            Cancellation.status == PENDING_CANCEL,
        )
        where.append(pending if f.is_buyer_request_cancel else ~pending)
    if f.shipping_type is not None:
        platform = exists().where(
            OrderLineItem.order_id == Order.id,
            Package.id == OrderLineItem.package_id,
            Package.shipping_type == "PLATFORM",
        )
        where.append(platform if f.shipping_type == "TIKTOK" else ~platform)
    if f.warehouse_ids:
        where.append(
            exists().where(
                OrderLineItem.order_id == Order.id,
                OrderLineItem.warehouse_id.in_([int(w) for w in f.warehouse_ids]),
            )
        )
    return where


def _fingerprint(f: api.SearchFilters, sort: str) -> str:
    """Ties a page token to its search: a token passed with other filters is refused."""
    text = f.model_dump_json(exclude_none=True) + sort
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _after(
    position: dict[str, Any], column: Any, descending: bool, query: str
) -> ColumnElement[bool]:
    try:
        if position["q"] != query:
            raise ValueError("another search")
        at = EPOCH + timedelta(microseconds=int(position["t"]))
        last = int(position["id"])
        if not 0 < last < 2**63:
            raise ValueError("not an id")
    except (KeyError, TypeError, ValueError, OverflowError):
        raise invalid_parameter(
            "page_token does not belong to this search; pass back next_page_token with the "
            "same filters, sort_field and sort_order"
        ) from None
    if descending:
        return or_(column < at, and_(column == at, Order.id < last))
    return or_(column > at, and_(column == at, Order.id > last))


def search(
    session: Session,
    shop_id: int,
    filters: api.SearchFilters,
    page: PageParams,
    sort_field: SortField = "create_time",
    sort_order: SortOrder = "DESC",
) -> tuple[list[api.SearchedOrder], dict[str, Any] | None, int]:
    """One page of the shop's orders: the orders, the next page's position (None on the
    last page) and how many orders match in all."""
    where = _filters(shop_id, filters)
    column = Order.created_at if sort_field == "create_time" else Order.updated_at
    descending = sort_order == "DESC"
    query = _fingerprint(filters, f"{sort_field}:{sort_order}")
    total = session.scalar(select(func.count()).select_from(Order).where(*where)) or 0
    stmt = select(Order).where(*where)
    if page.position is not None:
        stmt = stmt.where(_after(page.position, column, descending, query))
    keys = (column.desc(), Order.id.desc()) if descending else (column.asc(), Order.id.asc())
    found = list(session.scalars(stmt.order_by(*keys).limit(page.size + 1)))
    position = None
    if len(found) > page.size:
        found = found[: page.size]
        last = found[-1]
        at = getattr(last, "created_at" if sort_field == "create_time" else "updated_at")
        micros = (at - EPOCH) // timedelta(microseconds=1)
        position = {"q": query, "t": str(micros), "id": str(last.id)}
    facts = Facts.read(session, [o.id for o in found])
    return [build(api.SearchedOrder, o, facts) for o in found], position, total


# --- detail ------------------------------------------------------------------------------------


def parse_id(text: str, name: str = "order_id") -> int:
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 19) or int(text) >= 2**63:
        raise invalid_parameter(f"{name}: {text!r} is not an order id")
    return int(text)


def parse_ids(raw: Sequence[str]) -> list[int]:
    """``ids`` as clients send them: repeated, comma-joined, or both; at most 50, distinct."""
    ids: list[int] = []
    for part in (p.strip() for value in raw for p in value.split(",")):
        value = parse_id(part, "ids") if part else None
        if value is not None and value not in ids:
            ids.append(value)
    if not ids:
        raise invalid_parameter("ids: give at least one order id")
    if len(ids) > MAX_IDS:
        raise invalid_parameter(f"ids: at most {MAX_IDS} order ids per request")
    return ids


def detail(session: Session, shop_id: int, ids: list[int], model: type[OrderT]) -> list[OrderT]:
    """The shop's orders among ``ids``, in the order asked; another shop's are absent."""
    stmt = select(Order).where(Order.shop_id == shop_id, Order.id.in_(ids))
    found = {o.id: o for o in session.scalars(stmt)}
    if not found:
        raise not_found("no order with these ids in this shop")
    facts = Facts.read(session, list(found))
    return [build(model, found[i], facts) for i in ids if i in found]


# --- what a page of orders needs besides the orders --------------------------------------------


@dataclass
class Facts:
    lines: dict[int, list[OrderLineItem]] = field(default_factory=lambda: defaultdict(list))
    packages: dict[int, Package] = field(default_factory=dict)
    combined: set[int] = field(default_factory=set)  # packages holding several orders' lines
    times: dict[tuple[int, str], datetime] = field(default_factory=dict)
    address_changed: set[int] = field(default_factory=set)
    pending_cancel: dict[int, datetime] = field(default_factory=dict)
    line_cancelled_by: dict[int, str] = field(default_factory=dict)
    replaced: dict[int, int] = field(default_factory=dict)  # replacement order -> original

    @classmethod
    def read(cls, session: Session, order_ids: list[int]) -> Facts:
        facts = cls()
        if not order_ids:
            return facts
        lines = select(OrderLineItem).where(OrderLineItem.order_id.in_(order_ids))
        for line in session.scalars(lines.order_by(OrderLineItem.id)):
            facts.lines[line.order_id].append(line)
        package_ids = {x.package_id for ls in facts.lines.values() for x in ls if x.package_id}
        if package_ids:
            facts._read_packages(session, package_ids)
        facts._read_events(session, order_ids)
        facts._read_requests(session, order_ids)
        return facts

    def _read_packages(self, session: Session, package_ids: set[int]) -> None:
        packages = select(Package).where(Package.id.in_(package_ids))
        self.packages = {p.id: p for p in session.scalars(packages)}
        shared = (
            select(OrderLineItem.package_id)
            .where(OrderLineItem.package_id.in_(package_ids))
            .group_by(OrderLineItem.package_id)
            .having(func.count(func.distinct(OrderLineItem.order_id)) > 1)
        )
        self.combined = {p for p in session.scalars(shared) if p is not None}

    def _read_events(self, session: Session, order_ids: list[int]) -> None:
        events = select(OrderEvent.order_id, OrderEvent.kind, OrderEvent.to_status).add_columns(
            OrderEvent.created_at
        )
        wanted = or_(
            OrderEvent.kind == "ADDRESS_CHANGED",
            and_(
                OrderEvent.kind == "STATUS_CHANGED",
                OrderEvent.to_status.in_(("IN_TRANSIT", "CANCELLED")),
            ),
        )
        stmt = events.where(OrderEvent.order_id.in_(order_ids), wanted).order_by(OrderEvent.id)
        for order_id, kind, to_status, at in session.execute(stmt):
            if kind == "ADDRESS_CHANGED":
                self.address_changed.add(order_id)
            else:
                self.times.setdefault((order_id, to_status), at)

    def _read_requests(self, session: Session, order_ids: list[int]) -> None:
        cancels = select(Cancellation).where(
            Cancellation.order_id.in_(order_ids),
            Cancellation.status.in_((PENDING_CANCEL, *CANCEL_DONE)),
        )
        for c in session.scalars(cancels.order_by(Cancellation.id)):
            if c.status == PENDING_CANCEL and c.cancel_type == "BUYER_CANCEL":
                self.pending_cancel[c.order_id] = c.created_at
            elif c.status != PENDING_CANCEL:
                for line_id in c.line_item_ids:
                    self.line_cancelled_by[int(line_id)] = c.role
        replacements = select(Return.replacement_order_id, Return.order_id).where(
            Return.replacement_order_id.in_(order_ids)
        )
        for replacement, original in session.execute(replacements):
            if replacement is not None:
                self.replaced[replacement] = original


# --- building the answer -----------------------------------------------------------------------


def _payment(o: Order, lines: Iterable[OrderLineItem]) -> api.Payment:
    c = o.currency
    product_tax = sum(x.tax for x in lines)
    amounts = {
        "original_total_product_price": o.original_total_product_price,
        "seller_discount": o.seller_discount,
        "platform_discount": o.platform_discount,
        "sub_total": o.sub_total,
        "original_shipping_fee": o.original_shipping_fee,
        "shipping_fee_seller_discount": o.shipping_fee_seller_discount,
        "shipping_fee_platform_discount": o.shipping_fee_platform_discount,
        "shipping_fee": o.shipping_fee,
        "tax": o.tax,
        "product_tax": product_tax,
        "shipping_fee_tax": o.tax - product_tax,
        "total_amount": o.total_amount,
    }
    return api.Payment(currency=c, **{k: money(v, c) for k, v in amounts.items()})


def _address(o: Order) -> api.RecipientAddress:
    if OrderStatus(o.status) in ADDRESS_HIDDEN:
        return api.RecipientAddress()
    a: dict[str, Any] = o.recipient_address or {}
    street = [a.get("address_line1"), a.get("address_line2")]
    place = " ".join(x for x in (a.get("state"), a.get("postal_code")) if x)
    full = ", ".join(x for x in (*street, a.get("city"), place, a.get("country")) if x)
    districts = [
        ("L0", "Country", a.get("country"), a.get("country")),
        ("L1", "State", a.get("state"), None),
        ("L3", "City", a.get("city"), None),
    ]
    return api.RecipientAddress(
        name=a.get("name"),
        first_name=a.get("name"),
        phone_number=a.get("phone"),
        address_line1=a.get("address_line1"),
        address_line2=a.get("address_line2") or "",
        address_detail=a.get("address_line2") or "",
        postal_code=a.get("postal_code"),
        region_code=a.get("country"),
        full_address=full,
        district_info=[
            api.DistrictInfo(
                address_level=level, address_level_name=label, address_name=name, iso_code=iso
            )
            for level, label, name, iso in districts
            if name
        ],
    )


def _line(
    line: OrderLineItem, package: Package | None, package_id: int | None, cancelled_by: str | None
) -> api.LineItem:
    """``package``: the line's real package, if any; ``package_id`` also names a pending one."""
    c = line.currency
    provider = PROVIDERS.get(package.provider_code) if package else None
    cancelled = line.status == "CANCELLED"
    return api.LineItem(
        id=str(line.id),
        sku_id=str(line.sku_id),
        product_id=str(line.product_id),
        product_name=line.product_name,
        sku_name=line.sku_name,
        seller_sku=line.seller_sku,
        sku_type="NORMAL",
        currency=c,
        original_price=money(line.original_price, c),
        seller_discount=money(line.seller_discount, c),
        platform_discount=money(line.platform_discount, c),
        sale_price=money(line.sale_price, c),
        item_tax=[api.ItemTax(tax_amount=money(line.tax, c), tax_type="SALES_TAX")],
        is_gift=False,
        display_status=display_status(line.status, package.status if package else None),
        package_status=api_package_status(package.status if package else None),
        package_id=str(package_id) if package_id is not None else None,
        tracking_number=package.tracking_number if package else None,
        shipping_provider_id=package.provider_code if package else None,
        shipping_provider_name=provider.name if provider else None,
        rts_time=unix(package.created_at) if package else None,
        cancel_reason=line.cancel_reason if cancelled else None,
        cancel_user=cancelled_by if cancelled else None,
    )


def _initiator(cancelled_by: str | None) -> str | None:
    """The order-level initiator: the reference knows no OPERATOR there (the platform's
    operators are the SYSTEM to a seller)."""
    return "SYSTEM" if cancelled_by == "OPERATOR" else cancelled_by


def _pending(o: Order, lines: list[OrderLineItem]) -> bool:
    """Whether the order has a *pending package*: its open lines no package holds yet, which
    the reference shows as a package before shipping (id: the order's id; see "Orders")."""
    return o.status in SHIPPABLE and any(
        x.package_id is None and x.status != "CANCELLED" for x in lines
    )


def _package_of(o: Order, line: OrderLineItem, pending: bool) -> int | None:
    if line.package_id is not None:
        return line.package_id
    return o.id if pending and line.status != "CANCELLED" else None


def build(model: type[OrderT], o: Order, facts: Facts) -> OrderT:
    lines = facts.lines.get(o.id, [])
    package_ids = sorted({x.package_id for x in lines if x.package_id is not None})
    packages = [facts.packages[p] for p in package_ids if p in facts.packages]
    pending = _pending(o, lines)
    listed = sorted({*package_ids, o.id}) if pending else package_ids
    first = packages[0] if packages else None
    provider = PROVIDERS.get(first.provider_code) if first else None
    tag = "SPLIT" if len(listed) > 1 else None
    if facts.combined & set(package_ids):
        tag = "COMBINED"
    platform = any(p.shipping_type == "PLATFORM" for p in packages)
    requested = facts.pending_cancel.get(o.id)
    replaced = facts.replaced.get(o.id)
    return model(
        id=str(o.id),
        status=ORDER_STATUS[OrderStatus(o.status)],
        create_time=unix(o.created_at),
        update_time=unix(o.updated_at),
        paid_time=unix(o.paid_at),
        user_id=str(o.buyer_id),
        order_type="NORMAL",
        fulfillment_type="FULFILLMENT_BY_SELLER",
        delivery_type="HOME_DELIVERY",
        delivery_option_id=o.shipping_service,
        delivery_option_name=DELIVERY_OPTION_NAMES.get(o.shipping_service, o.shipping_service),
        shipping_type="TIKTOK" if platform else "SELLER",
        is_cod=False,
        is_sample_order=False,
        is_on_hold_order=o.paid_at is not None or o.status == OrderStatus.UNPAID,
        is_replacement_order=replaced is not None,
        replaced_order_id=str(replaced) if replaced is not None else None,
        is_buyer_request_cancel=requested is not None,
        request_cancel_time=unix(requested),
        has_updated_recipient_address=o.id in facts.address_changed,
        cancel_reason=o.cancel_reason if o.status == OrderStatus.CANCELLED else None,
        cancellation_initiator=_initiator(o.cancelled_by),
        cancel_time=unix(facts.times.get((o.id, "CANCELLED"))),
        collection_time=unix(facts.times.get((o.id, "IN_TRANSIT"))),
        delivery_time=unix(o.delivered_at),
        rts_time=unix(o.rts_time),
        cancel_order_sla_time=unix(o.cancel_order_sla_time),
        rts_sla_time=unix(o.rts_sla_time),
        shipping_due_time=unix(o.shipping_due_time),
        tts_sla_time=unix(o.tts_sla_time),
        collection_due_time=unix(o.collection_due_time),
        delivery_sla_time=unix(o.delivery_sla_time),
        delivery_due_time=unix(o.delivery_due_time),
        warehouse_id=str(lines[0].warehouse_id) if lines else None,
        tracking_number=first.tracking_number if first else None,
        shipping_provider_id=first.provider_code if first else None,
        shipping_provider=provider.name if provider else None,
        split_or_combine_tag=tag,
        packages=[api.PackageRef(id=str(p)) for p in listed],
        line_items=[
            _line(
                x,
                facts.packages.get(x.package_id) if x.package_id else None,
                _package_of(o, x, pending),
                facts.line_cancelled_by.get(x.id, o.cancelled_by),
            )
            for x in lines
        ],
        payment=_payment(o, lines),
        recipient_address=_address(o),
    )
