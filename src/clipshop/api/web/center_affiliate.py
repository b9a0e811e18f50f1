"""The seller center's affiliate page: products opened to every creator at a rate, creators
invited at their own rate, and the commission on the shop's orders (``social.offers``,
``social.statement.shop_commissions``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from clipshop.api.web.center_requests import seller
from clipshop.api.web.center_stock import shop_of
from clipshop.api.web.forms import FormId, Id, QueryId
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import price
from clipshop.api.web.state import database
from clipshop.catalog import products
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import page_request
from clipshop.identity.principal import Principal
from clipshop.social import offers
from clipshop.social import statement as statements

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
Percent = Annotated[str, Form(max_length=20)]


def rate_bps(text: str) -> int:
    """A commission rate typed in per cent ("12.5") in basis points (1250)."""
    try:
        bps = Decimal(text.strip()) * 100
    except InvalidOperation:
        bps = Decimal(-1)
    if bps != bps.to_integral_value() or not 0 <= bps <= 10_000:
        raise InvalidInput(
            "the rate is a per cent from 0 to 100, at most 2 decimals", code="invalid_rate"
        )
    return int(bps)


def _affiliate_page(
    request: Request,
    principal: Principal,
    shop_id: int | None,
    error: DomainError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    shop_id = shop_of(principal, shop_id)
    with database(request).unit_of_work(write=False) as session:
        found = products.list_products(session, principal, shop_id, page_request(100, None))
        context: dict[str, Any] = {
            "shop_id": shop_id,
            "shops": sorted(principal.shop_ids),
            "products": found.items,
            "titles": {p.id: p.title for p in found.items},
            "offers": offers.shop_offers(session, principal, shop_id),
            "invitations": offers.shop_invitations(session, principal, shop_id),
            "commissions": statements.shop_commissions(session, principal, shop_id, None),
        }
    context.update(price=price, error=error, typed=typed or {})
    return page(request, "center/affiliate.html", context, error.status if error else 200)


@router.get("/affiliate")
def affiliate_page(request: Request, signed: SignedIn, shop_id: QueryId = None) -> Response:
    return _affiliate_page(request, seller(signed), shop_id)


def _done(
    request: Request, principal: Principal, shop_id: int, typed: dict[str, str], change: Any
) -> Response:
    try:
        with database(request).unit_of_work() as session:
            change(session)
    except DomainError as exc:
        return _affiliate_page(request, principal, shop_id, exc, typed)
    return RedirectResponse(f"/center/affiliate?shop_id={shop_id}", status_code=303)


@router.post("/affiliate/offers")
def open_product(
    request: Request, signed: SignedIn, shop_id: FormId, product_id: FormId, rate: Percent = ""
) -> Response:
    """Open a product to every creator at a rate (or change its rate)."""
    principal = seller(signed)
    typed = {"offer_rate": rate}

    def change(session: Any) -> None:
        offers.set_offer(session, principal, shop_id, product_id, rate_bps(rate))

    return _done(request, principal, shop_id, typed, change)


@router.post("/affiliate/offers/{product_id}/close")
def close_offer(request: Request, signed: SignedIn, product_id: Id, shop_id: FormId) -> Response:
    principal = seller(signed)
    return _done(
        request,
        principal,
        shop_id,
        {},
        lambda s: offers.close_offer(s, principal, shop_id, product_id),
    )


@router.post("/affiliate/invitations")
def invite(
    request: Request,
    signed: SignedIn,
    shop_id: FormId,
    product_id: FormId,
    creator_id: Annotated[str, Form(max_length=20)] = "",
    rate: Percent = "",
) -> Response:
    """Invite one creator (by user id) to sell a product at its own rate."""
    principal = seller(signed)
    typed = {"creator_id": creator_id, "invite_rate": rate}

    def change(session: Any) -> None:
        if not creator_id.strip().isdigit():
            raise InvalidInput("the creator is a user id (digits)", code="invalid_id")
        creator = int(creator_id)
        offers.invite(session, principal, shop_id, product_id, creator, rate_bps(rate))

    return _done(request, principal, shop_id, typed, change)
