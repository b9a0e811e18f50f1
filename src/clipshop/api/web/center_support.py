"""The seller's support cases and force-majeure requests (docs/web.md "Help"): /center/help
lists the cases opened for the seller's shops (number, status) with the form to open one
(category, optionally an order of its shop, the shop when it has several, description,
photos or videos) and the force-majeure form (an order of the shop, the extension asked for,
the reason, evidence); /center/help/{id} is the case (help_pages). On the services the API's
/support routes call."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request, Response

from clipshop.api.web import help_pages as hp
from clipshop.api.web.center_requests import seller
from clipshop.api.web.forms import QueryId, Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import back_to
from clipshop.api.web.state import database
from clipshop.core.errors import DomainError
from clipshop.identity.principal import Principal
from clipshop.support import cases

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
CASES = 50
FIELDS = {"not_found": "order_id", "invalid_case": "category", "forbidden": "shop_id"}
FM_FIELDS = {"not_found": "fm_order_id", "invalid_case": "fm_amount"}
Unit = Literal["days", "hours"]


def _help(
    request: Request,
    principal: Principal,
    before: int | None = None,
    error: DomainError | None = None,
    typed: dict[str, Any] | None = None,
    fields: dict[str, str] = FIELDS,
) -> Response:
    with database(request).unit_of_work(write=False) as session:
        found = cases.list_cases(session, principal, None, CASES, before)
        max_days = cases.region_policy(session, None).force_majeure_max_days
    context = {
        "cases": found,
        "older": found[-1].id if len(found) == CASES else None,
        "shops": sorted(principal.shop_ids),
        "categories": hp.CATEGORIES,
        "waiting": hp.WAITING,
        "max_days": max_days,
        "typed": typed or {},
        **hp.refusal(error, fields),
    }
    return page(request, "center/help.html", context, error.status if error else 200)


@router.get("/help")
def help_home(
    request: Request, signed: SignedIn, order_id: QueryId = None, before: QueryId = None
) -> Response:
    """The shop's cases, newest first; ``order_id``: the order the forms are about."""
    typed = {"order_id": str(order_id), "fm_order_id": str(order_id)} if order_id else {}
    return _help(request, seller(signed), before, typed=typed)


@router.post("/help")
def open_case(
    request: Request,
    signed: SignedIn,
    category: Text = "",
    order_id: Text = "",
    shop_id: Text = "",
    description: hp.CaseText = "",
    files: hp.Files = [],  # noqa: B006  (FastAPI copies defaults)
) -> Response:
    principal = seller(signed)
    typed = {
        "category": category,
        "order_id": order_id,
        "shop_id": shop_id,
        "description": description,
    }
    try:
        new = hp.new_case(category, description, order_id, shop_id)
        case_id = hp.open_with_files(request, principal, new, hp.files_of(files))
    except DomainError as exc:
        return _help(request, principal, error=exc, typed=typed)
    return back_to(f"/center/help/{case_id}")


def _hours(amount: str, unit: str) -> int:
    text = amount.strip()
    if not text.isdigit() or int(text) < 1:
        raise hp.field_error("fm_amount", "the extension is a whole number, 1 or more")
    return int(text) * (24 if unit == "days" else 1)


@router.post("/help/force-majeure")
def force_majeure(
    request: Request,
    signed: SignedIn,
    fm_order_id: Text = "",
    fm_amount: Text = "",
    fm_unit: Annotated[Unit, Form()] = "days",
    fm_reason: hp.CaseText = "",
    fm_files: hp.Files = [],  # noqa: B006
) -> Response:
    """A FORCE_MAJEURE case: more time to ship one order of the shop, for an agent to
    approve (the order's deadlines then move) or reject."""
    principal = seller(signed)
    typed = {
        "fm_order_id": fm_order_id,
        "fm_amount": fm_amount,
        "fm_unit": fm_unit,
        "fm_reason": fm_reason,
    }
    try:
        order_id = hp.id_of(fm_order_id, "fm_order_id")
        if order_id is None:
            raise hp.field_error("fm_order_id", "enter the order's id")
        new = cases.NewCase(
            category="FORCE_MAJEURE",
            description=hp.text_of(fm_reason, "fm_reason", "the reason"),
            order_id=order_id,
            extension_hours=_hours(fm_amount, fm_unit),
        )
        case_id = hp.open_with_files(request, principal, new, hp.files_of(fm_files, "fm_files"))
    except DomainError as exc:
        return _help(request, principal, error=exc, typed=typed, fields=FM_FIELDS)
    return back_to(f"/center/help/{case_id}")


hp.user_case_routes(router, "center", seller)
