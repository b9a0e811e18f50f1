"""Live sessions in the seller center, for sellers (their shops' lives) and creators (their
own): start one, pin / unpin / move to the top while it is LIVE (htmx swaps the pin list),
end it, and its report with a per-minute chart (``social.live``, ``social.report``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from clipshop.api.web.forms import FormId, Id
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import price
from clipshop.api.web.state import database
from clipshop.catalog import products
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import page_request
from clipshop.identity.principal import Permission, Principal
from clipshop.social import live as lives
from clipshop.social import showcase
from clipshop.social.report import report
from clipshop.social.schemas import LiveReportOut

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
Title = Annotated[str, Form(max_length=200)]


def host(signed: Any) -> Principal:
    """A seller (catalog write) or a creator (affiliate selling): who may host a live."""
    principal: Principal = signed.principal
    if not principal.has(Permission.CATALOG_WRITE):
        principal.require(Permission.AFFILIATE_SELL)
    return principal


@router.get("/lives")
def lives_page(request: Request, signed: SignedIn, cursor: str | None = None) -> Response:
    principal = host(signed)
    with database(request).unit_of_work(write=False) as session:
        found = lives.list_lives(session, principal, page_request(20, cursor or None))
    context = {
        "lives": found.items,
        "next_cursor": found.next_cursor,
        "shops": sorted(principal.shop_ids),
        "creator": not principal.has(Permission.CATALOG_WRITE),
    }
    return page(request, "center/lives.html", context)


@router.post("/lives")
def start(
    request: Request,
    signed: SignedIn,
    title: Title = "",
    shop_id: Annotated[int | None, Form(gt=0, lt=2**63)] = None,
) -> Response:
    principal = host(signed)
    if not title.strip():
        raise InvalidInput("give the live a title", code="invalid_request")
    with database(request).unit_of_work() as session:
        live = lives.start(session, principal, title.strip(), shop_id)
        live_id = live.id
    return RedirectResponse(f"/center/lives/{live_id}", status_code=303)


def _pinnable(session: Any, principal: Principal, shop_id: int | None) -> list[Any]:
    """What the host may pin: the shop's products, or the creator's showcase."""
    if shop_id is not None:
        return products.list_products(session, principal, shop_id, page_request(100, None)).items
    return [p for _item, p in showcase.items(session, principal, principal.user_id)]


def _live_page(
    request: Request, principal: Principal, live_id: int, error: DomainError | None = None
) -> Response:
    with database(request).unit_of_work(write=False) as session:
        live = lives.get(session, principal, live_id)
        pins = lives.pins(session, live_id)
        pinned = {p.id for _pin, p in pins}
        choices = [p for p in _pinnable(session, principal, live.shop_id) if p.id not in pinned]
        found = report(session, principal, live_id)
    out = LiveReportOut.of(found)
    minutes = range(found.minutes)
    chart = {
        "labels": [str(m) for m in minutes],
        "datasets": [{"label": "Orders", "data": [found.per_minute.get(m, 0) for m in minutes]}],
    }
    context = {
        "live": live,
        "pins": pins,
        "choices": choices,
        "report": out,
        "chart": chart,
        "price": price,
        "error": error,
    }
    name = "center/_pins.html" if request.headers.get("hx-request") else "center/live.html"
    return page(request, name, context, error.status if error else 200)


@router.get("/lives/{live_id}")
def live_page(request: Request, signed: SignedIn, live_id: Id) -> Response:
    return _live_page(request, host(signed), live_id)


def _changed(request: Request, principal: Principal, live_id: int, change: Any) -> Response:
    """Run a pin change; htmx gets the pin list again, a plain form the live's page."""
    try:
        with database(request).unit_of_work() as session:
            change(session)
    except DomainError as exc:
        return _live_page(request, principal, live_id, exc)
    if request.headers.get("hx-request"):
        return _live_page(request, principal, live_id)
    return RedirectResponse(f"/center/lives/{live_id}", status_code=303)


@router.post("/lives/{live_id}/pins")
def pin(
    request: Request,
    signed: SignedIn,
    live_id: Id,
    product_id: FormId,
    position: Annotated[int | None, Form(ge=0, le=1000)] = None,
) -> Response:
    principal = host(signed)
    return _changed(
        request,
        principal,
        live_id,
        lambda s: lives.pin(s, principal, live_id, product_id, position),
    )


@router.post("/lives/{live_id}/pins/{product_id}/top")
def pin_top(request: Request, signed: SignedIn, live_id: Id, product_id: Id) -> Response:
    principal = host(signed)
    return _changed(
        request, principal, live_id, lambda s: lives.pin(s, principal, live_id, product_id, 0)
    )


@router.post("/lives/{live_id}/pins/{product_id}/unpin")
def unpin(request: Request, signed: SignedIn, live_id: Id, product_id: Id) -> Response:
    principal = host(signed)
    return _changed(
        request, principal, live_id, lambda s: lives.unpin(s, principal, live_id, product_id)
    )


@router.post("/lives/{live_id}/end")
def end(request: Request, signed: SignedIn, live_id: Id) -> Response:
    principal = host(signed)
    return _changed(request, principal, live_id, lambda s: lives.end(s, principal, live_id))
