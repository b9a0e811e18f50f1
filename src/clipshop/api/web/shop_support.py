"""The buyer's support cases (docs/web.md "Help"): /shop/help lists them (number, status)
with the form to open one (category, optionally one of the buyer's orders, description,
photos or videos, all or nothing); /shop/help/{id} is the case (help_pages). On the services
the API's /support routes call."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from clipshop.api.web import help_pages as hp
from clipshop.api.web.forms import QueryId, Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import back_to, buyer
from clipshop.api.web.state import database
from clipshop.core.errors import DomainError
from clipshop.core.pagination import page_request
from clipshop.identity.principal import Principal
from clipshop.orders import queries
from clipshop.support import cases

router = APIRouter(
    prefix="/shop",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
CASES = 50  # cases a page
ORDERS = 50  # the buyer's latest orders offered in the form
FIELDS = {"not_found": "order_id", "invalid_case": "category"}


def _help(
    request: Request,
    principal: Principal,
    before: int | None = None,
    error: DomainError | None = None,
    typed: dict[str, Any] | None = None,
) -> Response:
    with database(request).unit_of_work(write=False) as session:
        found = cases.list_cases(session, principal, None, CASES, before)
        orders = queries.list_orders(
            session, principal, page_request(ORDERS, None), queries.OrderFilters()
        ).items
    context = {
        "cases": found,
        "older": found[-1].id if len(found) == CASES else None,
        "orders": [(o.id, o.created_at, o.status) for o in orders],
        "categories": hp.CATEGORIES,
        "waiting": hp.WAITING,
        "typed": typed or {},
        **hp.refusal(error, FIELDS),
    }
    return page(request, "shop/help.html", context, error.status if error else 200)


@router.get("/help")
def help_home(
    request: Request, signed: SignedIn, order_id: QueryId = None, before: QueryId = None
) -> Response:
    """The buyer's cases, newest first; ``order_id``: the order the form is about."""
    typed = {"order_id": str(order_id)} if order_id else {}
    if order_id:
        typed["category"] = "ORDER_ISSUE"
    return _help(request, buyer(signed), before, typed=typed)


@router.post("/help")
def open_case(
    request: Request,
    signed: SignedIn,
    category: Text = "",
    order_id: Text = "",
    description: hp.CaseText = "",
    files: hp.Files = [],  # noqa: B006  (FastAPI copies defaults)
) -> Response:
    principal = buyer(signed)
    typed = {"category": category, "order_id": order_id, "description": description}
    try:
        new = hp.new_case(category, description, order_id)
        case_id = hp.open_with_files(request, principal, new, hp.files_of(files))
    except DomainError as exc:
        return _help(request, principal, error=exc, typed=typed)
    return back_to(f"/shop/help/{case_id}")


hp.user_case_routes(router, "shop", buyer)
