"""The desk's case queue and a case (docs/web.md "Help"): /desk/cases lists active cases
(unassigned, mine, all; supervisors also the escalations), earliest first-response due first,
overdue ones flagged; /desk/cases/{id} shows the case, its order, its history with the
internal notes, and the agent's forms: reply or note, take, escalate, resolve, approve (with
the hours granted) or reject a force-majeure request; supervisors reassign it. Every action
is the API's own service call with the signed-in user's Principal."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request, Response

from clipshop.api.web import help_pages as hp
from clipshop.api.web.desk import staff
from clipshop.api.web.forms import Id, Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import back_to
from clipshop.api.web.state import database
from clipshop.core.clock import utcnow
from clipshop.core.errors import DomainError
from clipshop.identity.principal import Principal
from clipshop.support import actions, cases, force_majeure, queue

router = APIRouter(
    prefix="/desk",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
View = Literal["unassigned", "mine", "all", "escalated"]
VIEWS = {"unassigned": "Unassigned", "mine": "Mine", "all": "All", "escalated": "Escalated"}
QUEUE = 100
FIELDS = {
    "extension_too_long": "hours",
    "not_an_agent": "agent_id",
}


@router.get("/cases")
def case_queue(request: Request, signed: SignedIn, view: View = "unassigned") -> Response:
    """Active cases, earliest first-response due first (the API's queue)."""
    principal = staff(signed)
    with database(request).unit_of_work(write=False) as session:
        items = queue.queue(session, principal, view, QUEUE)
    context = {
        "items": items,
        "view": view,
        "views": VIEWS,
        "supervisor": cases.is_supervisor(principal),
        "me": principal.user_id,
    }
    return page(request, "desk/cases.html", context)


def _case(
    request: Request, principal: Principal, case_id: int, error: Any = None, typed: Any = None
) -> Response:
    supervisor = cases.is_supervisor(principal)
    with database(request).unit_of_work(write=False) as session:
        context = hp.case_context(session, principal, case_id)
        staff_list = queue.support_staff(session, principal) if supervisor else []
    context |= {
        "supervisor": supervisor,
        "me": principal.user_id,
        "agents": [(u.id, u.name, u.role) for u in staff_list],
        "overdue": queue.is_overdue(context["case"], utcnow()),
        "typed": typed or {},
        **hp.refusal(error, FIELDS),
    }
    return page(request, "desk/case.html", context, error.status if error else 200)


@router.get("/cases/{case_id}")
def case_page(request: Request, signed: SignedIn, case_id: Id) -> Response:
    return _case(request, staff(signed), case_id)


def _done(case_id: int) -> Response:
    return back_to(f"/desk/cases/{case_id}")


@router.post("/cases/{case_id}/reply")
def reply(
    request: Request,
    signed: SignedIn,
    case_id: Id,
    body: hp.CaseText = "",
    internal: Annotated[bool, Form()] = False,
) -> Response:
    """A reply the user reads, or (``internal``) a note only the staff see."""
    principal = staff(signed)
    try:
        text = hp.text_of(body, "body", "a note" if internal else "a reply")
        with database(request).unit_of_work() as session:
            actions.reply(session, principal, case_id, text, internal)
    except DomainError as exc:
        return _case(request, principal, case_id, exc, {"body": body, "internal": internal})
    return back_to(f"/desk/cases/{case_id}#latest")


@router.post("/cases/{case_id}/take")
def take(request: Request, signed: SignedIn, case_id: Id) -> Response:
    principal = staff(signed)
    try:
        with database(request).unit_of_work() as session:
            actions.take(session, principal, case_id)
    except DomainError as exc:
        return _case(request, principal, case_id, exc)
    return _done(case_id)


@router.post("/cases/{case_id}/escalate")
def escalate(request: Request, signed: SignedIn, case_id: Id, reason: Text = "") -> Response:
    principal = staff(signed)
    try:
        text = hp.text_of(reason, "reason", "why it goes to the supervisors", 500)
        with database(request).unit_of_work() as session:
            actions.escalate_by(session, principal, case_id, text)
    except DomainError as exc:
        return _case(request, principal, case_id, exc, {"reason": reason})
    return _done(case_id)


@router.post("/cases/{case_id}/resolve")
def resolve(request: Request, signed: SignedIn, case_id: Id, resolution: Text = "") -> Response:
    principal = staff(signed)
    try:
        text = hp.text_of(resolution, "resolution", "the resolution", hp.NOTE)
        with database(request).unit_of_work() as session:
            actions.resolve(session, principal, case_id, text)
    except DomainError as exc:
        return _case(request, principal, case_id, exc, {"resolution": resolution})
    return _done(case_id)


@router.post("/cases/{case_id}/force-majeure")
def decide_force_majeure(
    request: Request,
    signed: SignedIn,
    case_id: Id,
    decision: Annotated[Literal["APPROVE", "REJECT"], Form()],
    hours: Text = "",
    note: Text = "",
) -> Response:
    """Approve with the hours granted (at most those asked for; the order's deadlines move)
    or reject with a note."""
    principal = staff(signed)
    try:
        with database(request).unit_of_work() as session:
            if decision == "APPROVE":
                if not hours.strip().isdigit():
                    raise hp.field_error("hours", "the hours granted are a whole number")
                force_majeure.approve(session, principal, case_id, int(hours), note.strip())
            else:
                text = hp.text_of(note, "note", "why the extension is rejected", hp.NOTE)
                force_majeure.reject(session, principal, case_id, text)
    except DomainError as exc:
        return _case(request, principal, case_id, exc, {"hours": hours, "note": note})
    return _done(case_id)


@router.post("/cases/{case_id}/reassign")
def reassign(request: Request, signed: SignedIn, case_id: Id, agent_id: Text = "") -> Response:
    """A supervisor gives the case to an agent or a supervisor."""
    principal = staff(signed)
    try:
        agent = hp.id_of(agent_id, "agent_id")
        if agent is None:
            raise hp.field_error("agent_id", "choose the agent")
        with database(request).unit_of_work() as session:
            actions.reassign(session, principal, case_id, agent)
    except DomainError as exc:
        return _case(request, principal, case_id, exc, {"agent_id": agent_id})
    return _done(case_id)
