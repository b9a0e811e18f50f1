"""Bulk work on the seller center's orders list: create a platform-shipped package per checked
order, print the labels and packing slips of checked orders (or packages) as one PDF, export
the checked (or all matching) orders as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from clipshop.api.web.center_orders import KINDS, find_orders, orders_out, seller
from clipshop.api.web.center_orders_actions import ids_of, make_package
from clipshop.api.web.forms import Ids, Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.state import database
from clipshop.core.errors import Conflict, DomainError, InvalidInput
from clipshop.core.pagination import PageRequest, page_request
from clipshop.fulfillment import documents_service, views
from clipshop.identity.principal import Principal
from clipshop.orders import queries
from clipshop.orders.schemas import OrderOut

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
MAX_ORDERS = 100
MAX_EXPORT = 5000
FILES = {
    "LABEL_AND_SLIP": "labels-and-packing-slips.pdf",
    "LABEL": "labels.pdf",
    "PACKING_SLIP": "packing-slips.pdf",
}
COLUMNS = [
    "order_id",
    "status",
    "shop_id",
    "buyer_id",
    "created_at",
    "ship_by",
    "shipping_service",
    "total",
    "currency",
    "items",
    "tracking_numbers",
    "ship_to_city",
    "ship_to_country",
]


class NoPackage(Conflict):
    code = "no_package"
    title = "No package to print"


def _checked(name: str, values: list[str]) -> list[int]:
    ids = list(dict.fromkeys(ids_of(name, values)))
    if not ids:
        raise InvalidInput("check at least one order", code="nothing_selected")
    if len(ids) > MAX_ORDERS:
        raise InvalidInput(f"check at most {MAX_ORDERS} orders at a time", code="too_many")
    return ids


@router.post("/orders/packages")
def create_packages(
    request: Request,
    signed: SignedIn,
    provider_code: Text = "",
    handover_method: Text = "DROP_OFF",
    order_id: Ids = [],  # noqa: B006 (FastAPI copies the default)
) -> Response:
    """A platform-shipped package (the platform buys the label) per checked order, each in a
    transaction of its own: one order's refusal does not undo the others'."""
    principal = seller(signed)
    made: list[tuple[int, Any]] = []
    refused: list[tuple[int, DomainError]] = []
    for one in _checked("order_id", order_id):
        try:
            form = {
                "order_ids": [one],
                "shipping_type": "PLATFORM",
                "provider_code": provider_code,
                "handover_method": handover_method,
            }
            made.append((one, make_package(request, principal, form)))
        except DomainError as exc:
            refused.append((one, exc))
    context = {"made": made, "refused": refused, "kinds": KINDS.items()}
    return page(request, "center/bulk_packages.html", context, 200 if made else 409)


def _package_ids(principal: Principal, request: Request, orders: list[int]) -> list[int]:
    """The packages of these orders, not cancelled (a foreign order: 404; one with none:
    409); a package shared by several orders once."""
    ids: list[int] = []
    with database(request).unit_of_work(write=False) as session:
        for one in orders:
            order = queries.get_order(session, principal, one)
            boxes = views.packages_of_order(session, order.id)
            live = [p.id for p in boxes if p.status != "CANCELLED"]
            if not live:
                raise NoPackage(f"order {one} has no package yet: create its package first")
            ids.extend(live)
    return list(dict.fromkeys(ids))


@router.post("/orders/documents")
def print_documents(
    request: Request,
    signed: SignedIn,
    kind: Text = "LABEL_AND_SLIP",
    order_id: Ids = [],  # noqa: B006
    package_id: Ids = [],  # noqa: B006
) -> Response:
    """One PDF: the labels and/or packing slips of the checked packages, or of the checked
    orders' packages (all or nothing, as the API's batch)."""
    principal = seller(signed)
    if kind not in FILES:
        raise InvalidInput(f"kind must be one of {', '.join(FILES)}", code="invalid_request")
    if package_id:
        ids = _checked("package_id", package_id)
    else:
        ids = _package_ids(principal, request, _checked("order_id", order_id))
    with database(request).unit_of_work(write=False) as session:
        pdf = documents_service.render(session, principal, ids, kind)  # type: ignore[arg-type]
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{FILES[kind]}"',
            "Cache-Control": "no-store",
        },
    )


def _row(order: OrderOut, tracking: list[str]) -> list[str]:
    address = order.recipient_address or {}
    return [
        str(order.id),
        order.status,
        str(order.shop_id),
        str(order.buyer_id),
        order.created_at.isoformat(),
        order.rts_sla_time.isoformat() if order.rts_sla_time else "",
        order.shipping_service,
        order.payment["total_amount"].amount,
        order.currency,
        str(sum(1 for _ in order.line_items)),
        " ".join(tracking),
        str(address.get("city") or ""),
        str(address.get("country") or ""),
    ]


def _csv(principal: Principal, request: Request, chosen: list[int] | None) -> Response:
    with database(request).unit_of_work(write=False) as session:
        if chosen is not None:
            found = [queries.get_order(session, principal, i) for i in chosen]
            orders = orders_out(session, principal, found)
        else:
            orders, cursor = find_orders(session, principal, request, PageRequest(limit=100))
            while cursor and len(orders) < MAX_EXPORT:
                more, cursor = find_orders(session, principal, request, page_request(100, cursor))
                orders.extend(more)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for o in orders:
            boxes = views.packages_of_order(session, o.id)
            writer.writerow(_row(o, [p.tracking_number for p in boxes if p.tracking_number]))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="orders.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/orders.csv")
def export_matching(request: Request, signed: SignedIn) -> Response:
    """Every order the list's filters and search match (at most 5000)."""
    return _csv(seller(signed), request, None)


@router.post("/orders/export")
def export_checked(
    request: Request,
    signed: SignedIn,
    order_id: Ids = [],  # noqa: B006
) -> Response:
    return _csv(seller(signed), request, _checked("order_id", order_id))
