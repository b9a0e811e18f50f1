"""Buyer pages: order history, an order with its tracking timeline and the platform's
deadlines spelled out, and the after-sales actions: cancel or ask to cancel, a return or
refund request with photos and videos, a dispute or buyer-protection claim, a new address
before shipment (the API's services and eligibility rules)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile

from clipshop.aftersales import cancellations, dispute_actions, disputes, eligibility, evidence
from clipshop.aftersales import returns as return_requests
from clipshop.aftersales.calculate import REASONS
from clipshop.api.routers.fulfillment import order_tracking
from clipshop.api.routers.orders import order_view
from clipshop.api.web.chat import MessageText
from clipshop.api.web.forms import Id, Ids, Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import back_to, buyer, price
from clipshop.api.web.shop_checkout import ADDRESS_FIELDS, address_of
from clipshop.api.web.shop_messages import contact_about_order, contact_context
from clipshop.api.web.state import database, gateway_of
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import page_request
from clipshop.core.storage import Storage
from clipshop.fulfillment.photos import MAX_PHOTO_BYTES
from clipshop.identity.principal import Principal
from clipshop.orders import changes, queries

router = APIRouter(
    prefix="/shop",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
VERBS = {  # the eligibility rules' action -> the deadline's words
    "CANCEL": "cancel",
    "REQUEST_CANCELLATION": "ask to cancel",
    "REFUND": "ask for a refund",
    "RETURN_AND_REFUND": "return",
    "REPLACEMENT": "ask for a replacement",
    "DAMAGE_CLAIM": "claim damage",
    "BUYER_PROTECTION": "claim buyer protection",
    "ESCALATE": "escalate to the platform",
}
CLAIM_REASONS = ("NOT_RECEIVED", "WRONG_ITEM", "NOT_AS_DESCRIBED", "DAMAGED")


@router.get("/orders")
def orders(request: Request, signed: SignedIn, cursor: str | None = None) -> Response:
    principal = buyer(signed)
    with database(request).unit_of_work(write=False) as session:
        found = queries.list_orders(
            session, principal, page_request(20, cursor or None), queries.OrderFilters()
        )
        items = [
            (o.id, o.status, o.created_at, price(o.total_amount, o.currency)) for o in found.items
        ]
    return page(request, "shop/orders.html", {"orders": items, "next_cursor": found.next_cursor})


def _actions(principal: Principal, request: Request, order_id: int) -> dict[str, Any]:
    """Per action: the lines it may be taken on now, and its deadline (the earliest)."""
    with database(request).unit_of_work(write=False) as session:
        _order, facts = eligibility.facts_of(session, principal, order_id)
        verdicts = eligibility.evaluate(facts)
        rets = return_requests.list_returns(
            session,
            principal,
            page_request(20, None),
            return_requests.ReturnFilters(order_id=order_id),
        ).items
        returns = [(r.id, r.return_type, r.status, r.reason) for r in rets]
        packages = order_tracking(order_id, session, principal).packages
    actions: dict[str, Any] = {}
    for line_id, line_verdicts in verdicts.items():
        for v in line_verdicts:
            if v.eligible:
                entry = actions.setdefault(v.action, {"lines": [], "deadline": None})
                entry["lines"].append(line_id)
                if v.deadline and (entry["deadline"] is None or v.deadline < entry["deadline"]):
                    entry["deadline"] = v.deadline
    return {"actions": actions, "returns": returns, "packages": packages}


def _order_page(
    request: Request,
    principal: Principal,
    order_id: int,
    error: DomainError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    detail = order_view(database(request), principal, order_id)
    context = {
        "order": detail,
        **_actions(principal, request, order_id),
        "verbs": VERBS,
        "reasons": REASONS,
        "claim_reasons": CLAIM_REASONS,
        "address_fields": ADDRESS_FIELDS,
        "photo_mb": MAX_PHOTO_BYTES // evidence.MB,
        "video_mb": evidence.MAX_VIDEO_BYTES // evidence.MB,
        "contact": contact_context(request, principal, int(detail.shop_id)),
        "error": error,
        "form": form or {},
    }
    return page(request, "shop/order.html", context, error.status if error else 200)


@router.get("/orders/{order_id}")
def order(request: Request, signed: SignedIn, order_id: Id) -> Response:
    return _order_page(request, buyer(signed), order_id)


def _line_ids(texts: list[str]) -> list[int]:
    if not texts or not all(t.isdigit() for t in texts):
        raise InvalidInput("choose at least one item", code="invalid_line_items")
    return [int(t) for t in texts]


def _typed(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if isinstance(v, str | list)}


@router.post("/orders/{order_id}/cancel")
def cancel(request: Request, signed: SignedIn, order_id: Id, reason: Text = "") -> Response:
    """Cancel (UNPAID, ON_HOLD: at once) or ask the seller to (AWAITING_SHIPMENT)."""
    principal = buyer(signed)
    try:
        if not reason.strip():
            raise InvalidInput("say why you cancel", code="invalid_reason")
        cancellations.buyer_request(
            database(request), gateway_of(request), principal, order_id, reason.strip(), None
        )
    except DomainError as exc:
        return _order_page(request, principal, order_id, exc, _typed(reason=reason))
    return back_to(f"/shop/orders/{order_id}")


def _uploads(files: list[UploadFile]) -> list[bytes]:
    """The chosen photos and videos, each checked as the API checks evidence (type by its
    bytes, size) before anything is created."""
    chosen = [f for f in files if f.filename]
    if len(chosen) > evidence.MAX_EVIDENCE_FILES:
        raise InvalidInput(f"at most {evidence.MAX_EVIDENCE_FILES} files", code="too_many_files")
    datas = [f.file.read(evidence.MAX_VIDEO_BYTES + 1) for f in chosen]
    for data in datas:
        evidence.check_evidence(data)
    return datas


@router.post("/orders/{order_id}/returns")
def request_return(
    request: Request,
    signed: SignedIn,
    order_id: Id,
    return_type: Text = "",
    reason: Text = "",
    description: Text = "",
    line_item_ids: Ids = [],  # noqa: B006  (FastAPI copies defaults)
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006
) -> Response:
    """A return or refund request, with its photos and videos, all or nothing."""
    principal = buyer(signed)
    storage: Storage = request.app.state.storage
    try:
        datas = _uploads(files)
        lines = _line_ids(line_item_ids)
        with database(request).unit_of_work() as session:
            ret = return_requests.create_return(
                session, principal, order_id, return_type, reason, lines, description.strip()
            )
            for data in datas:
                evidence.add_evidence(session, storage, principal, ret.id, data)
    except DomainError as exc:
        typed = _typed(return_type=return_type, reason=reason, description=description)
        return _order_page(request, principal, order_id, exc, typed)
    return back_to(f"/shop/orders/{order_id}")


@router.post("/orders/{order_id}/disputes")
def open_dispute(
    request: Request,
    signed: SignedIn,
    order_id: Id,
    kind: Text = "",
    reason: Text = "",
    description: Text = "",
    return_id: Text = "",
    line_item_ids: Ids = [],  # noqa: B006
) -> Response:
    """A dispute: an escalation of a request, a damage claim, or a buyer-protection claim."""
    principal = buyer(signed)
    try:
        claim = disputes.Claim(
            kind=kind,
            reason=reason,
            line_item_ids=_line_ids(line_item_ids),
            description=description.strip(),
            return_id=int(return_id) if return_id.isdigit() else None,
        )
        dispute_actions.open_dispute(database(request), principal, order_id, claim)
    except DomainError as exc:
        typed = _typed(kind=kind, reason=reason, description=description)
        return _order_page(request, principal, order_id, exc, typed)
    return back_to(f"/shop/orders/{order_id}")


async def _address_form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(form.get(k) or "").strip() for k in ADDRESS_FIELDS}


@router.post("/orders/{order_id}/address")
def change_address(
    request: Request,
    signed: SignedIn,
    order_id: Id,
    typed: Annotated[dict[str, str], Depends(_address_form)],
) -> Response:
    """A new shipping address before shipment; the fee difference is charged or refunded."""
    principal = buyer(signed)
    try:
        address = address_of(typed)
        if address is None:
            raise InvalidInput("enter the new address", code="invalid_address")
        changes.change_address(database(request), gateway_of(request), principal, order_id, address)
    except DomainError as exc:
        return _order_page(request, principal, order_id, exc, typed)
    return back_to(f"/shop/orders/{order_id}")


@router.post("/orders/{order_id}/contact")
def contact_seller(
    request: Request, signed: SignedIn, order_id: Id, text: MessageText = ""
) -> Response:
    """Write to the order's seller: the order's card and the text, then the conversation."""
    principal = buyer(signed)
    try:
        conversation_id = contact_about_order(request, principal, order_id, text)
    except DomainError as exc:
        return _order_page(request, principal, order_id, exc, {"text": text})
    return back_to(f"/shop/messages/{conversation_id}#latest")
