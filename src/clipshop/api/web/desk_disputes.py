"""The desk's dispute queue, a dispute with its evidence and records, the agent's decision
(the disputes service, as POST /disputes/{id}/decide), and the supervisors' escalations."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from clipshop.aftersales import dispute_actions, disputes
from clipshop.aftersales.dispute_schemas import dispute_out
from clipshop.api.routers.disputes import dispute_view
from clipshop.api.routers.fulfillment_files import download_file
from clipshop.api.web.desk import filled, staff
from clipshop.api.web.forms import Id, Text, minor_amount
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.state import database, gateway_of
from clipshop.core.errors import DomainError, PermissionDenied
from clipshop.core.pagination import page_request
from clipshop.identity.principal import Principal, Role

router = APIRouter(
    prefix="/desk",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
# "": the filter form's "any"
Status = Literal["IN_PROGRESS", "SUPPORT_BUYER", "SUPPORT_SELLER", "CLOSED", ""]
Kind = Literal["ESCALATION", "DAMAGE_CLAIM", "BUYER_PROTECTION", ""]
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})


def _queue(
    request: Request, principal: Principal, filters: Any, cursor: str | None, title: str
) -> Response:
    with database(request).unit_of_work(write=False) as session:
        found = dispute_actions.queue(session, principal, page_request(50, cursor), filters)
        money = dispute_actions.currencies(session, [d.order_id for d in found.items])
        rows = [dispute_out(d, money[d.order_id]) for d in found.items]
    context = {"disputes": rows, "next_cursor": found.next_cursor, "title": title, "f": filters}
    return page(request, "desk/disputes.html", context)


@router.get("/disputes")
def dispute_queue(
    request: Request,
    signed: SignedIn,
    status: Status = "IN_PROGRESS",
    kind: Kind = "",
    cursor: str | None = None,
) -> Response:
    """Open disputes oldest first (the API's queue and filters)."""
    filters = dispute_actions.DisputeFilters(status=status or None, kind=kind or None)
    return _queue(request, staff(signed), filters, cursor or None, "Disputes")


@router.get("/escalations")
def escalations(
    request: Request, signed: SignedIn, status: Status = "", cursor: str | None = None
) -> Response:
    """Supervisors (and admins) follow the buyers' escalations, open or decided."""
    principal = staff(signed)
    if principal.role not in SUPERVISING:
        raise PermissionDenied("escalations are for supervisors")
    filters = dispute_actions.DisputeFilters(status=status or None, kind="ESCALATION")
    return _queue(request, principal, filters, cursor or None, "Escalations")


def _dispute(
    request: Request, principal: Principal, dispute_id: int, error: Any = None, typed: Any = None
) -> Response:
    detail, currency = dispute_view(database(request), principal, dispute_id)
    context = {"d": detail, "open": detail.status == disputes.OPEN, "error": error}
    context["currency"] = currency
    context["typed"] = typed or {}
    return page(request, "desk/dispute.html", context, error.status if error else 200)


@router.get("/disputes/{dispute_id}")
def dispute_detail(request: Request, signed: SignedIn, dispute_id: Id) -> Response:
    return _dispute(request, staff(signed), dispute_id)


def _minor(text: str, currency: str) -> int | None:
    if not text.strip():
        return None  # the service's default: what is left of the claimed lines
    return minor_amount(text, currency)


@router.post("/disputes/{dispute_id}/decide")
def decide(
    request: Request,
    signed: SignedIn,
    dispute_id: Id,
    decision: Annotated[Literal["SUPPORT_BUYER", "SUPPORT_SELLER"], Form()],
    note: Text = "",
    amount: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    principal = staff(signed)
    try:
        with database(request).unit_of_work(write=False) as session:
            found = disputes.get_dispute(session, principal, dispute_id)
            currency = dispute_actions.currencies(session, [found.order_id])[found.order_id]
        text = filled(note, "a note for the decision")
        refund = _minor(amount, currency) if decision == "SUPPORT_BUYER" else None
        dispute_actions.decide(
            database(request), gateway_of(request), principal, dispute_id, decision, text, refund
        )
    except DomainError as exc:
        typed = {"decision": decision, "note": note, "amount": amount}
        return _dispute(request, principal, dispute_id, exc, typed)
    return RedirectResponse(f"/desk/disputes/{dispute_id}", status_code=303)


@router.get("/files/{file_id}")
def evidence_file(request: Request, signed: SignedIn, file_id: Id) -> Response:
    """A buyer's photo or video, through the API's own download and its access check."""
    principal = staff(signed)
    with database(request).unit_of_work(write=False) as session:
        return download_file(file_id, request, session, principal)
