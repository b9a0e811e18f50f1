"""What the support-case pages share (docs/web.md "Help"): the typed text and files checked
before anything is written (a refusal names its field, so the page says it under that field
and keeps what was typed), one case as the pages show it, and the opener's own case page
(history, reply, attach, reopen within the window, close) for the buyer's /shop/help and the
seller's /center/help. All on the services the API's /support routes call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from sqlalchemy.orm import Session

from clipshop.api.routers.fulfillment_files import download_file
from clipshop.api.web.forms import Id
from clipshop.api.web.render import page
from clipshop.api.web.session import SignedIn
from clipshop.api.web.shop import back_to
from clipshop.api.web.shop_orders import _uploads
from clipshop.api.web.state import database
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.ids import parse_id
from clipshop.core.storage import Storage
from clipshop.identity.principal import Principal
from clipshop.support import actions, attachments, cases, views
from clipshop.support.states import ACTIVE

LONG = 4000  # a case's description or a reply (the API's Body)
NOTE = 1000  # a reason, a resolution, a decision's note (the API's Note)
CaseText = Annotated[str, Form(max_length=4 * LONG)]
"""A text box: a little over the limit is taken so the page can say what is wrong and keep
what was typed (``text_of`` checks the limit)."""
Files = Annotated[list[UploadFile], File()]
CATEGORIES = {
    "ORDER_ISSUE": "A problem with an order",
    "DELIVERY_DELAY": "Delivery is late",
    "RETURN_REFUND": "A return or refund",
    "PAYMENT": "Payment",
    "ACCOUNT": "My account",
    "OTHER": "Something else",
}
WAITING = {
    "OPEN": "waiting for an agent",
    "PENDING_AGENT": "waiting for an agent",
    "PENDING_USER": "waiting for your reply",
    "RESOLVED": "resolved",
    "CLOSED": "closed",
}


def field_error(field: str, detail: str, code: str = "invalid_input") -> InvalidInput:
    return InvalidInput(detail, code=code, field=field)


def text_of(text: str, field: str, what: str, limit: int = LONG) -> str:
    """The typed text, trimmed; blank or longer than ``limit`` is refused under ``field``."""
    if not text.strip():
        raise field_error(field, f"enter {what}")
    if len(text.strip()) > limit:
        raise field_error(field, f"{what} is at most {limit} characters (this has {len(text)})")
    return text.strip()


def id_of(text: str, field: str) -> int | None:
    """An optional id typed or chosen in a form ("" for none)."""
    if not text.strip():
        return None
    try:
        return parse_id(text.strip())
    except ValueError:
        raise field_error(field, "an id is digits only", "invalid_id") from None


def files_of(files: list[UploadFile], field: str = "files") -> list[bytes]:
    """The chosen photos and videos, each checked as evidence (its bytes, its size)."""
    try:
        return _uploads(files)
    except DomainError as exc:
        exc.extra["field"] = field
        raise


def refusal(error: DomainError | None, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The error and the field it is shown under: the one it names, else the form's field for
    its code (``fields``); none: at the top of the page."""
    if error is None:
        return {"error": None, "bad": None}
    named = error.extra.get("field") or (fields or {}).get(error.code)
    return {"error": error, "bad": named}


def new_case(category: str, description: str, order_id: str, shop_id: str = "") -> cases.NewCase:
    """The open-case form (buyer's or seller's) as the service's ``NewCase``."""
    if category not in CATEGORIES:
        raise field_error("category", "choose what the case is about", "invalid_case")
    return cases.NewCase(
        category=category,
        description=text_of(description, "description", "a description"),
        order_id=id_of(order_id, "order_id"),
        shop_id=id_of(shop_id, "shop_id"),
    )


def open_with_files(
    request: Request, principal: Principal, new: cases.NewCase, datas: list[bytes]
) -> int:
    """Open the case and attach its (already checked) files in one unit of work; its id."""
    storage: Storage = request.app.state.storage
    with database(request).unit_of_work() as session:
        case = cases.open_case(session, principal, new)
        for data in datas:
            attachments.attach(session, storage, principal, case.id, data)
        return case.id


def case_context(session: Session, principal: Principal, case_id: int) -> dict[str, Any]:
    """One case as its page shows it (internal notes only for staff), and until when a
    RESOLVED case may be reopened."""
    view = views.read_case(session, principal, case_id)
    case = view.case
    reopen_until = None
    if case.status == "RESOLVED":
        days = cases.region_policy(session, case.shop_id).case_reopen_days
        reopen_until = actions.close_at(case, days)
    return {
        "case": case,
        "messages": view.messages,
        "files": view.files,
        "active": case.status in ACTIVE,
        "reopen_until": reopen_until,
        "waiting": WAITING,
        "categories": CATEGORIES,
    }


def user_case_routes(router: APIRouter, area: str, who: Callable[[Any], Principal]) -> None:
    """The opener's case page and its forms at /{area}/help/{id} (``who``: the area's
    signed-in user check)."""
    base = f"/{area}/help"
    template = f"{area}/help_case.html"

    def show(
        request: Request, principal: Principal, case_id: int, error: Any = None, typed: Any = None
    ) -> Response:
        with database(request).unit_of_work(write=False) as session:
            context = case_context(session, principal, case_id)
        context |= refusal(error) | {"typed": typed or {}, "base": base}
        return page(request, template, context, error.status if error else 200)

    @router.get("/help/files/{file_id}")
    def case_file(request: Request, signed: SignedIn, file_id: Id) -> Response:
        """A case's photo or video, through the API's download and its access check."""
        principal = who(signed)
        with database(request).unit_of_work(write=False) as session:
            return download_file(file_id, request, session, principal)

    @router.get("/help/{case_id}")
    def case_page(request: Request, signed: SignedIn, case_id: Id) -> Response:
        return show(request, who(signed), case_id)

    @router.post("/help/{case_id}/reply")
    def reply(request: Request, signed: SignedIn, case_id: Id, body: CaseText = "") -> Response:
        principal = who(signed)
        try:
            text = text_of(body, "body", "your reply")
            with database(request).unit_of_work() as session:
                actions.reply(session, principal, case_id, text)
        except DomainError as exc:
            return show(request, principal, case_id, exc, {"body": body})
        return back_to(f"{base}/{case_id}#latest")

    @router.post("/help/{case_id}/attach")
    def attach(request: Request, signed: SignedIn, case_id: Id, files: Files = []) -> Response:  # noqa: B006
        principal = who(signed)
        storage: Storage = request.app.state.storage
        try:
            datas = files_of(files)
            if not datas:
                raise field_error("files", "choose a photo or a video", "no_files")
            with database(request).unit_of_work() as session:
                for data in datas:
                    attachments.attach(session, storage, principal, case_id, data)
        except DomainError as exc:
            return show(request, principal, case_id, exc)
        return back_to(f"{base}/{case_id}#latest")

    @router.post("/help/{case_id}/reopen")
    def reopen(request: Request, signed: SignedIn, case_id: Id, reason: CaseText = "") -> Response:
        principal = who(signed)
        try:
            text = text_of(reason, "reason", "why you reopen it", NOTE)
            with database(request).unit_of_work() as session:
                actions.reopen(session, principal, case_id, text)
        except DomainError as exc:
            return show(request, principal, case_id, exc, {"reason": reason})
        return back_to(f"{base}/{case_id}")

    @router.post("/help/{case_id}/close")
    def close(request: Request, signed: SignedIn, case_id: Id) -> Response:
        principal = who(signed)
        try:
            with database(request).unit_of_work() as session:
                actions.close(session, principal, case_id)
        except DomainError as exc:
            return show(request, principal, case_id, exc)
        return back_to(f"{base}/{case_id}")
