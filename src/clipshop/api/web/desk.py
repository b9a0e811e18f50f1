"""The agents' desk at /desk: the fraud-review queue (release or cancel an order held for
review), an order with the operator's cancel, and a shop's standing with the admins' override.
Disputes are in desk_disputes.py. Every action is the API's own service call with the signed-in
user's Principal, so the roles are the API's (agent, supervisor, admin)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from clipshop.aftersales import cancellations
from clipshop.api.routers.orders import order_view
from clipshop.api.web.forms import Id, Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.state import database, gateway_of
from clipshop.core.db import Database
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import page_request
from clipshop.deadlines.standing import Standing
from clipshop.identity.principal import Permission, Principal
from clipshop.orders import actions, queries
from clipshop.orders.states import OrderStatus
from clipshop.standing import service as standing
from clipshop.standing.schemas import PerformanceOut

router = APIRouter(
    prefix="/desk",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
HELD_PAGES = 10  # ON_HOLD orders read per queue view, 100 a page (the hold lasts an hour)


def staff(signed: Any) -> Principal:
    """The desk's users: whoever the API lets decide disputes (agents, supervisors, admins)."""
    principal: Principal = signed.principal
    principal.require(Permission.DISPUTES_DECIDE)
    return principal


def filled(text: str, what: str) -> str:
    if not text.strip():
        raise InvalidInput(f"enter {what}")
    return text.strip()


def held_for_review(db: Database, principal: Principal) -> list[Any]:
    """Orders on a review hold, oldest first (the API's order list, status ON_HOLD)."""
    held: list[Any] = []
    request = page_request(100, None)
    filters = queries.OrderFilters(status=OrderStatus.ON_HOLD)
    with db.unit_of_work(write=False) as session:
        for _ in range(HELD_PAGES):
            found = queries.list_orders(session, principal, request, filters)
            held += [o for o in found.items if o.review_hold]
            if not found.next_cursor:
                break
            request = page_request(100, found.next_cursor)
    return held


def _home(request: Request, principal: Principal, error: Any = None, typed: Any = None) -> Response:
    context = {
        "held": held_for_review(database(request), principal),
        "supervisor": principal.role.value in ("supervisor", "admin"),
        "error": error,
        "typed": typed or {},
    }
    return page(request, "desk/home.html", context, error.status if error else 200)


@router.get("")
def home(request: Request, signed: SignedIn) -> Response:
    return _home(request, staff(signed))


@router.post("/orders/{order_id}/review")
def review(
    request: Request,
    signed: SignedIn,
    order_id: Id,
    decision: Annotated[Literal["CLEAR", "CANCEL"], Form()],
    note: Text = "",
) -> Response:
    principal = staff(signed)
    try:
        text = filled(note, "a note for the review")
        actions.review(
            database(request), gateway_of(request), principal, order_id, decision == "CLEAR", text
        )
    except DomainError as exc:
        return _home(request, principal, exc, {"order_id": str(order_id), "note": note})
    return RedirectResponse(f"/desk/orders/{order_id}", status_code=303)


def _order(request: Request, principal: Principal, order_id: int, **extra: Any) -> Response:
    order = order_view(database(request), principal, order_id)
    error = extra.get("error")
    context = {"order": order, "typed": {}, "error": None, **extra}
    return page(request, "desk/order.html", context, error.status if error else 200)


@router.get("/orders/{order_id}")
def order(request: Request, signed: SignedIn, order_id: Id) -> Response:
    return _order(request, staff(signed), order_id)


@router.post("/orders/{order_id}/cancel")
def operator_cancel(
    request: Request,
    signed: SignedIn,
    order_id: Id,
    reason: Annotated[str, Form(max_length=200)] = "",
    line: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """The operator cancels the ticked lines (none ticked: the whole order)."""
    principal = staff(signed)
    try:
        text = filled(reason, "the reason for the cancellation")
        cancellations.operator_cancel(
            database(request), gateway_of(request), principal, order_id, text, line or None
        )
    except DomainError as exc:
        typed = {"reason": reason, "lines": [str(i) for i in line or []]}
        return _order(request, principal, order_id, error=exc, typed=typed)
    return RedirectResponse(f"/desk/orders/{order_id}", status_code=303)


def _shop(request: Request, principal: Principal, shop_id: int, **extra: Any) -> Response:
    with database(request).unit_of_work(write=False) as session:
        performance = PerformanceOut.of(standing.shop_performance(session, principal, shop_id))
    error = extra.get("error")
    context = {
        "shop_id": shop_id,
        "p": performance,
        "standings": [s.value for s in Standing],
        "may_override": principal.has(Permission.SHOP_VERIFY),
        "typed": {},
        "error": None,
        **extra,
    }
    return page(request, "desk/shop.html", context, error.status if error else 200)


@router.get("/shops/{shop_id}")
def shop(request: Request, signed: SignedIn, shop_id: Id) -> Response:
    return _shop(request, staff(signed), shop_id)


@router.post("/shops/{shop_id}/standing")
def set_standing(
    request: Request,
    signed: SignedIn,
    shop_id: Id,
    to: Annotated[Standing, Form()],
    note: Text = "",
    reset_breaches: Annotated[bool, Form()] = False,
) -> Response:
    """Admins lift or impose a restriction (the API's standing override)."""
    principal = staff(signed)
    try:
        text = filled(note, "a note for the standing change")
        with database(request).unit_of_work() as session:
            standing.set_standing(
                session, principal, shop_id, to, text, 0 if reset_breaches else None
            )
    except DomainError as exc:
        typed = {"to": to.value, "note": note}
        return _shop(request, principal, shop_id, error=exc, typed=typed)
    return RedirectResponse(f"/desk/shops/{shop_id}", status_code=303)


@router.get("/find")
def find(request: Request, signed: SignedIn, kind: Literal["order", "shop"], id: Id) -> Response:
    """The desk's look-up form: an order or a shop by its id."""
    staff(signed)
    return RedirectResponse(f"/desk/{kind}s/{id}", status_code=303)
