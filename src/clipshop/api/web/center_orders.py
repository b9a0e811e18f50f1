"""The seller center's orders: the list (the API's filters, search, cursor paging) and one
order's page with its packages and the forms of its actions (on the API's own services)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from clipshop.aftersales.cancellation_schemas import SellerReason
from clipshop.api.routers.orders import order_view
from clipshop.api.web.forms import Id
from clipshop.api.web.render import PageRoute, page, zone_of
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.state import database
from clipshop.core.errors import DomainError, InvalidInput, NotFound
from clipshop.core.ids import parse_id
from clipshop.core.pagination import PageRequest, page_request
from clipshop.fulfillment import views
from clipshop.fulfillment.packages import SHIPPABLE
from clipshop.fulfillment.providers import PROVIDERS, allowed_providers
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.models import Order
from clipshop.orders import queries
from clipshop.orders.schemas import OrderOut, order_out
from clipshop.orders.states import OrderStatus

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
SEARCH = re.compile(r"^[A-Za-z0-9-]{1,64}$")
REASONS = list(SellerReason.__args__)  # type: ignore[attr-defined]
SHIPPABLE_NAMES = frozenset(s.value for s in SHIPPABLE)
KINDS = {"LABEL_AND_SLIP": "Labels and packing slips", "LABEL": "Labels", "PACKING_SLIP": "Slips"}
LABEL_CARRIERS = [p for p in PROVIDERS.values() if p.sells_labels]
DONE = {"shipped": "Package created.", "cancelled": "Items cancelled."}


def seller(signed: Any) -> Principal:
    principal: Principal = signed.principal
    principal.require(Permission.FULFILL)
    return principal


def _id(name: str, text: str | None) -> int | None:
    if not text:
        return None
    try:
        return parse_id(text.strip())
    except ValueError:
        raise InvalidInput(f"{name} must be an id (digits only)", code="invalid_id") from None


def _day(name: str, text: str | None, zone: Any, end: bool = False) -> datetime | None:
    """A date of the filter form: the start of that day in the viewer's zone (``end``: of the
    next day, so that the range includes the day)."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a date (YYYY-MM-DD)", code="invalid_date") from None
    return datetime.combine(day + timedelta(days=1 if end else 0), time(), zone)


def _status(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return OrderStatus(text).value
    except ValueError:
        raise InvalidInput(f"unknown order status {text}", code="invalid_status") from None


@dataclass(frozen=True)
class Search:
    """What the search box found: orders by id or tracking number (``order_ids``), or a buyer
    (``buyer_id``, then the list is that buyer's orders with the other filters)."""

    order_ids: list[int] | None = None
    buyer_id: int | None = None


def search(session: Session, principal: Principal, text: str | None) -> Search:
    """An order id, a buyer id (both digits: the order when one is visible, else the buyer)
    or a tracking number (the orders in that package)."""
    q = (text or "").strip()
    if not q:
        return Search()
    if not SEARCH.match(q):
        raise InvalidInput(
            "search for an order id, a buyer id or a tracking number "
            "(letters, digits and dashes, at most 64)",
            code="invalid_search",
        )
    if q.isdigit():
        number = _id("q", q)
        assert number is not None
        try:
            return Search(order_ids=[queries.get_order(session, principal, number).id])
        except NotFound:
            return Search(buyer_id=number)
    found = views.search(
        session, principal, PageRequest(limit=20), views.PackageFilters(tracking_number=q)
    ).items
    lines = views.lines_by_package(session, [p.id for p in found])
    return Search(order_ids=sorted({x.order_id for p in found for x in lines.get(p.id, [])}))


def orders_out(session: Session, principal: Principal, orders: list[Order]) -> list[OrderOut]:
    lines = queries.lines_of(session, [o.id for o in orders])
    hide = principal.role is Role.SELLER
    return [order_out(o, lines[o.id], hide) for o in orders]


def find_orders(
    session: Session, principal: Principal, request: Request, page: PageRequest
) -> tuple[list[OrderOut], str | None]:
    """The orders the list's query asks for (its filters, search and page)."""
    args = request.query_params
    zone = zone_of(request)
    found = search(session, principal, args.get("q"))
    if found.order_ids is not None:
        orders = [queries.get_order(session, principal, i) for i in found.order_ids]
        return orders_out(session, principal, orders), None
    filters = queries.OrderFilters(
        status=_status(args.get("status")),
        shop_id=_id("shop_id", args.get("shop_id")),
        buyer_id=found.buyer_id or _id("buyer_id", args.get("buyer_id")),
        created_ge=_day("created_from", args.get("created_from"), zone),
        created_lt=_day("created_to", args.get("created_to"), zone, end=True),
        updated_ge=_day("updated_from", args.get("updated_from"), zone),
        updated_lt=_day("updated_to", args.get("updated_to"), zone, end=True),
    )
    result = queries.list_orders(session, principal, page, filters)
    return orders_out(session, principal, result.items), result.next_cursor


@router.get("/orders")
def orders(
    request: Request,
    signed: SignedIn,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> Response:
    principal = seller(signed)
    with database(request).unit_of_work(write=False) as session:
        items, next_cursor = find_orders(
            session, principal, request, page_request(limit, cursor or None)
        )
    query = {k: v for k, v in request.query_params.items() if k != "cursor" and v}
    context = {
        "orders": items,
        "next_cursor": next_cursor,
        "query": query,
        "statuses": [s.value for s in OrderStatus],
        "shops": sorted(principal.shop_ids),
        "kinds": KINDS.items(),
        "label_carriers": LABEL_CARRIERS,
    }
    partial = bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")
    name = "center/_orders_table.html" if partial else "center/orders.html"
    return page(request, name, context)


def _partners(session: Session, principal: Principal, order: Order) -> list[Order]:
    """Other orders that may share a package with this one: the same shop, buyer and address,
    still to ship."""
    filters = queries.OrderFilters(shop_id=order.shop_id, buyer_id=order.buyer_id)
    found = queries.list_orders(session, principal, PageRequest(limit=50), filters).items
    return [
        o
        for o in found
        if o.id != order.id
        and o.status in SHIPPABLE_NAMES
        and o.recipient_address == order.recipient_address
    ]


def order_page(
    request: Request,
    principal: Principal,
    order_id: int,
    error: DomainError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    """The order's page; after a refused action, with its error and what the user typed."""
    detail = order_view(database(request), principal, order_id)
    with database(request).unit_of_work(write=False) as session:
        order = queries.get_order(session, principal, order_id)
        packages = views.packages_of_order(session, order.id)
        lines = queries.lines_of(session, [order.id])[order.id]
        shippable = order.status in SHIPPABLE_NAMES
        partners = _partners(session, principal, order) if shippable else []
    open_lines = [x for x in lines if x.package_id is None and x.status != "CANCELLED"]
    context = {
        "order": detail,
        "packages": packages,
        "packed": {str(x.id): x.package_id for x in lines if x.package_id},
        "open_lines": open_lines if shippable else [],
        "cancellable": shippable and bool(open_lines),
        "partners": partners,
        "providers": allowed_providers(detail.shipping_service),
        "reasons": REASONS,
        "error": error,
        "form": form or {},
        "done": DONE.get(request.query_params.get("done", "")) if error is None else None,
    }
    return page(request, "center/order.html", context, error.status if error else 200)


@router.get("/orders/{order_id}")
def order(request: Request, signed: SignedIn, order_id: Id) -> Response:
    return order_page(request, seller(signed), order_id)
