"""The seller center: dashboard, orders list, order detail (on the API's own services)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from clipshop.aftersales import cancellations, returns
from clipshop.api.routers.orders import order_view
from clipshop.api.web import charts
from clipshop.api.web.render import PageRoute, page, zone_of
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.catalog import inventory
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.errors import InvalidInput
from clipshop.core.ids import parse_id
from clipshop.core.pagination import PageRequest, page_request
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.orders import queries
from clipshop.orders.cancellations import PENDING as PENDING_CANCEL
from clipshop.orders.due import due_to_ship
from clipshop.orders.schemas import order_out
from clipshop.orders.states import OrderStatus
from clipshop.standing import service as standing
from clipshop.standing.schemas import PerformanceOut

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
AT_RISK = timedelta(hours=48)
FIRST = PageRequest(limit=10)


def _seller(request: Request, signed: Any) -> Principal:
    principal: Principal = signed.principal
    principal.require(Permission.FULFILL)
    return principal


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@router.get("")
def dashboard(request: Request, signed: SignedIn) -> Response:
    principal = _seller(request, signed)
    now, zone = utcnow(), zone_of(request)
    today_ends = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(), zone)
    with _db(request).unit_of_work(write=False) as session:
        due = due_to_ship(session, principal, max(today_ends, now + AT_RISK))
        cancels = cancellations.list_cancellations(
            session, principal, FIRST, cancellations.Filters(status=PENDING_CANCEL)
        ).items
        rets = returns.list_returns(
            session, principal, FIRST, returns.ReturnFilters(status=returns.ReturnStatus.PENDING)
        ).items
        low = [
            (shop_id, sku, total)
            for shop_id in sorted(principal.shop_ids)
            for sku, total in inventory.low_stock(session, principal, shop_id, FIRST).items
        ]
        shops = [
            standing.shop_performance(session, principal, shop_id, 1)
            for shop_id in sorted(principal.shop_ids)
        ]
        performance = [(p.shop.name, PerformanceOut.of(p)) for p in shops]
    context = {
        "performance": performance,
        "metric": charts.metric_text,
        "rates_chart": charts.rates_chart,
        "today": [o for o in due if o.rts_sla_time and o.rts_sla_time < today_ends],
        "at_risk": [o for o in due if o.rts_sla_time and o.rts_sla_time < now + AT_RISK],
        "cancellations": cancels,
        "returns": rets,
        "low_stock": low,
    }
    return page(request, "center/dashboard.html", context)


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


@router.get("/orders")
def orders(
    request: Request,
    signed: SignedIn,
    status: str | None = None,
    shop_id: str | None = None,
    buyer_id: str | None = None,
    created_from: str | None = None,
    created_to: str | None = None,
    updated_from: str | None = None,
    updated_to: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> Response:
    principal = _seller(request, signed)
    zone = zone_of(request)
    filters = queries.OrderFilters(
        status=_status(status),
        shop_id=_id("shop_id", shop_id),
        buyer_id=_id("buyer_id", buyer_id),
        created_ge=_day("created_from", created_from, zone),
        created_lt=_day("created_to", created_to, zone, end=True),
        updated_ge=_day("updated_from", updated_from, zone),
        updated_lt=_day("updated_to", updated_to, zone, end=True),
    )
    with _db(request).unit_of_work(write=False) as session:
        found = queries.list_orders(
            session, principal, page_request(limit, cursor or None), filters
        )
        lines = queries.lines_of(session, [o.id for o in found.items])
        items = [order_out(o, lines[o.id], principal.role is Role.SELLER) for o in found.items]
    query = {k: v for k, v in request.query_params.items() if k != "cursor" and v}
    context = {
        "orders": items,
        "next_cursor": found.next_cursor,
        "query": query,
        "statuses": [s.value for s in OrderStatus],
        "shops": sorted(principal.shop_ids),
    }
    partial = bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")
    name = "center/_orders_table.html" if partial else "center/orders.html"
    return page(request, name, context)


@router.get("/orders/{order_id}")
def order(
    request: Request, signed: SignedIn, order_id: Annotated[int, Path(gt=0, lt=2**63)]
) -> Response:
    detail = order_view(_db(request), _seller(request, signed), order_id)
    return page(request, "center/order.html", {"order": detail})
