"""The seller center's request queues: returns (approve, reject with a reason, offer a partial
refund, the buyer's evidence), cancellations (approve, reject) and disputes (read, with their
evidence). Every action is the API's own service call with the signed-in seller's Principal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from clipshop.aftersales import (
    cancellations,
    dispute_actions,
    disputes,
    evidence,
    return_actions,
    return_decisions,
    returns,
)
from clipshop.aftersales.cancellation_schemas import cancellation_out
from clipshop.aftersales.dispute_schemas import dispute_out
from clipshop.aftersales.return_schemas import evidence_out, record_out
from clipshop.api.routers.disputes import dispute_view
from clipshop.api.routers.fulfillment_files import download_file
from clipshop.api.web.forms import Id, Text, minor_amount
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.state import database, gateway_of
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import PageRequest, page_request
from clipshop.identity.principal import Permission, Principal
from clipshop.orders.cancellations import PENDING as CANCEL_PENDING

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
WAITING = PageRequest(limit=100)


def seller(signed: Any) -> Principal:
    """The signed-in user, who must be allowed what the API's sellers are (fulfillment)."""
    principal: Principal = signed.principal
    principal.require(Permission.FULFILL)
    return principal


def _by_deadline(due: Callable[[Any], datetime | None]) -> Callable[[Any], tuple[bool, Any]]:
    return lambda row: (due(row) is None, due(row) or 0)


def _done(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


# -- returns -----------------------------------------------------------------------------------


@router.get("/returns")
def return_queue(request: Request, signed: SignedIn, cursor: str | None = None) -> Response:
    """Requests awaiting the seller first (soonest deadline first), then every request."""
    principal = seller(signed)
    pending = returns.ReturnFilters(status=returns.ReturnStatus.PENDING)
    with database(request).unit_of_work(write=False) as session:
        waiting = returns.list_returns(session, principal, WAITING, pending).items
        waiting.sort(key=_by_deadline(lambda r: r.seller_respond_by))
        found = returns.list_returns(
            session, principal, page_request(25, cursor or None), returns.ReturnFilters()
        )
        context: dict[str, Any] = {
            "waiting": [return_actions.view(session, r) for r in waiting],
            "others": [return_actions.view(session, r) for r in found.items],
            "next_cursor": found.next_cursor,
        }
    return page(request, "center/returns.html", context)


def _return_page(
    request: Request,
    principal: Principal,
    return_id: int,
    error: DomainError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    with database(request).unit_of_work(write=False) as session:
        ret = returns.get_return(session, principal, return_id)
        context: dict[str, Any] = {
            "ret": return_actions.view(session, ret),
            "records": [record_out(r) for r in returns.records(session, principal, return_id)],
            "files": [evidence_out(f) for f in evidence.list_evidence(session, principal, ret.id)],
            "lines": {line.id: line for line in returns.order_lines(session, ret)},
            "decisions": sorted(return_decisions.DECISIONS),
            "error": error,
            "typed": typed or {},
        }
    return page(request, "center/return.html", context, error.status if error else 200)


@router.get("/returns/{return_id}")
def return_detail(request: Request, signed: SignedIn, return_id: Id) -> Response:
    return _return_page(request, seller(signed), return_id)


@router.post("/returns/{return_id}/approve")
def approve_return(
    request: Request,
    signed: SignedIn,
    return_id: Id,
    decision: Annotated[str, Form(max_length=40)],
    amount: Text = "",
    buyer_keep_item: Annotated[bool, Form()] = False,
    not_resellable: Annotated[bool, Form()] = False,
) -> Response:
    principal = seller(signed)
    db = database(request)
    try:
        if decision not in return_decisions.DECISIONS:
            raise InvalidInput(f"unknown decision {decision}", code="invalid_request")
        currency = return_actions.read(db, principal, return_id).refund_amount.currency
        offered = minor_amount(amount, currency) if decision == "OFFER_PARTIAL_REFUND" else None
        return_actions.approve(
            db,
            gateway_of(request),
            principal,
            return_id,
            decision,
            offered,
            buyer_keep_item,
            not not_resellable,
        )
    except DomainError as exc:
        typed = {"decision": decision, "amount": amount}
        return _return_page(request, principal, return_id, exc, typed)
    return _done(f"/center/returns/{return_id}")


@router.post("/returns/{return_id}/reject")
def reject_return(request: Request, signed: SignedIn, return_id: Id, reason: Text = "") -> Response:
    principal = seller(signed)
    try:
        if not reason.strip():
            raise InvalidInput("give the buyer a reason for the rejection", code="invalid_request")
        with database(request).unit_of_work() as session:
            return_decisions.reject(session, principal, return_id, reason.strip())
    except DomainError as exc:
        return _return_page(request, principal, return_id, exc, {"reason": reason})
    return _done(f"/center/returns/{return_id}")


@router.get("/files/{file_id}")
def evidence_file(request: Request, signed: SignedIn, file_id: Id) -> Response:
    """A buyer's photo or video, through the API's own download (its access check: the
    return's or dispute's shop only)."""
    principal = seller(signed)
    with database(request).unit_of_work(write=False) as session:
        return download_file(file_id, request, session, principal)


# -- cancellations -----------------------------------------------------------------------------


def _cancel_rows(session: Any, rows: list[Any]) -> list[Any]:
    lines = cancellations.lines_by_cancellation(session, rows)
    return [cancellation_out(c, lines[c.id]) for c in rows]


@router.get("/cancellations")
def cancellation_queue(request: Request, signed: SignedIn, cursor: str | None = None) -> Response:
    principal = seller(signed)
    pending = cancellations.Filters(status=CANCEL_PENDING)
    with database(request).unit_of_work(write=False) as session:
        waiting = cancellations.list_cancellations(session, principal, WAITING, pending).items
        waiting.sort(key=_by_deadline(lambda c: c.respond_by))
        found = cancellations.list_cancellations(
            session, principal, page_request(25, cursor or None), cancellations.Filters()
        )
        context: dict[str, Any] = {
            "waiting": _cancel_rows(session, waiting),
            "others": _cancel_rows(session, list(found.items)),
            "next_cursor": found.next_cursor,
            "error": None,
            "typed": {},
        }
    return page(request, "center/cancellations.html", context)


def _cancel_page(
    request: Request, principal: Principal, cancel_id: int, error: DomainError | None = None
) -> Response:
    found = cancellations.read(database(request), principal, cancel_id)
    context: dict[str, Any] = {"c": found, "error": error, "typed": {}}
    return page(request, "center/cancellation.html", context, error.status if error else 200)


@router.get("/cancellations/{cancel_id}")
def cancellation_detail(request: Request, signed: SignedIn, cancel_id: Id) -> Response:
    return _cancel_page(request, seller(signed), cancel_id)


@router.post("/cancellations/{cancel_id}/approve")
def approve_cancellation(request: Request, signed: SignedIn, cancel_id: Id) -> Response:
    principal = seller(signed)
    try:
        cancellations.approve(database(request), gateway_of(request), principal, cancel_id)
    except DomainError as exc:
        return _cancel_page(request, principal, cancel_id, exc)
    return _done(f"/center/cancellations/{cancel_id}")


@router.post("/cancellations/{cancel_id}/reject")
def reject_cancellation(
    request: Request, signed: SignedIn, cancel_id: Id, reason: Text = "", comment: Text = ""
) -> Response:
    principal = seller(signed)
    try:
        if not reason.strip():
            raise InvalidInput("give the buyer a reason for the rejection", code="invalid_request")
        cancellations.reject(
            database(request), gateway_of(request), principal, cancel_id, reason.strip(), comment
        )
    except DomainError as exc:
        return _cancel_page(request, principal, cancel_id, exc)
    return _done(f"/center/cancellations/{cancel_id}")


# -- disputes ----------------------------------------------------------------------------------


@router.get("/disputes")
def dispute_queue(request: Request, signed: SignedIn, cursor: str | None = None) -> Response:
    """The shop's disputes, open ones first (an agent decides them; the seller follows)."""
    principal = seller(signed)
    with database(request).unit_of_work(write=False) as session:
        found = dispute_actions.queue(
            session, principal, page_request(50, cursor or None), dispute_actions.DisputeFilters()
        )
        money = dispute_actions.currencies(session, [d.order_id for d in found.items])
        rows = [dispute_out(d, money[d.order_id]) for d in found.items]
    rows.sort(key=lambda d: d.status != disputes.OPEN)
    context = {"disputes": rows, "next_cursor": found.next_cursor}
    return page(request, "center/disputes.html", context)


@router.get("/disputes/{dispute_id}")
def dispute_detail(request: Request, signed: SignedIn, dispute_id: Id) -> Response:
    principal = seller(signed)
    detail, _currency = dispute_view(database(request), principal, dispute_id)
    return page(request, "center/dispute.html", {"d": detail})
