"""A creator's pages in the center: the products open to it (its rate, open or targeted) and
its showcase, the invitations to answer, and its earnings statement with the CSV export
(``social.showcase``, ``social.offers``, ``social.statement``); lives are on /center/lives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from clipshop.api.web.forms import FormId, Id
from clipshop.api.web.render import PageRoute, page, zone_of
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import price
from clipshop.api.web.state import database
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.identity.principal import Permission, Principal
from clipshop.social import offers, showcase
from clipshop.social import statement as statements

router = APIRouter(
    prefix="/center/creator",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
HOME = "/center/creator"


def creator(signed: Any) -> Principal:
    """The signed-in creator (affiliate selling; the services check it is itself)."""
    principal: Principal = signed.principal
    principal.require(Permission.AFFILIATE_SELL)
    return principal


def _day(name: str, text: str | None, zone: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=zone)
    except ValueError:
        raise InvalidInput(f"{name} must be a date", code="invalid_date") from None


def _statement(request: Request, principal: Principal, start: str | None, end: str | None) -> Any:
    zone = zone_of(request)
    since, until = _day("from", start, zone), _day("to", end, zone)
    with database(request).unit_of_work(write=False) as session:
        return statements.statement(session, principal, principal.user_id, since, until)


def _creator_page(
    request: Request,
    principal: Principal,
    start: str | None = None,
    end: str | None = None,
    error: DomainError | None = None,
) -> Response:
    me = principal.user_id
    with database(request).unit_of_work(write=False) as session:
        shown = {p.id for _item, p in showcase.items(session, principal, me)}
        context: dict[str, Any] = {
            "open": showcase.open_products(session, principal, me),
            "shown": shown,
            "invitations": offers.creator_invitations(session, principal, me),
        }
    context.update(
        statement=_statement(request, principal, start, end),
        start=start or "",
        end=end or "",
        price=price,
        error=error,
    )
    return page(request, "center/creator.html", context, error.status if error else 200)


@router.get("")
def creator_page(
    request: Request, signed: SignedIn, start: str | None = None, end: str | None = None
) -> Response:
    return _creator_page(request, creator(signed), start or None, end or None)


@router.get("/statement.csv")
def statement_csv(
    request: Request, signed: SignedIn, start: str | None = None, end: str | None = None
) -> Response:
    principal = creator(signed)
    found = _statement(request, principal, start or None, end or None)
    return Response(
        statements.to_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="earnings.csv"'},
    )


def _done(request: Request, principal: Principal, change: Any) -> Response:
    try:
        with database(request).unit_of_work() as session:
            change(session)
    except DomainError as exc:
        return _creator_page(request, principal, error=exc)
    return RedirectResponse(HOME, status_code=303)


@router.post("/showcase")
def add(request: Request, signed: SignedIn, product_id: FormId) -> Response:
    principal = creator(signed)
    return _done(
        request, principal, lambda s: showcase.add(s, principal, principal.user_id, product_id)
    )


@router.post("/showcase/{product_id}/remove")
def remove(request: Request, signed: SignedIn, product_id: Id) -> Response:
    principal = creator(signed)
    return _done(
        request,
        principal,
        lambda s: showcase.remove(s, principal, principal.user_id, product_id),
    )


@router.post("/invitations/{invitation_id}/{answer}")
def answer(request: Request, signed: SignedIn, invitation_id: Id, answer: str) -> Response:
    principal = creator(signed)
    if answer not in ("accept", "decline"):
        raise InvalidInput("answer accept or decline", code="invalid_request")
    return _done(
        request,
        principal,
        lambda s: offers.answer(s, principal, principal.user_id, invitation_id, answer == "accept"),
    )
