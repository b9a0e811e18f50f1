"""Buyer pages: browse shops and their active products, the cart (on the API's services)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from clipshop.api.web.forms import Id, Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop_deals import deals_now
from clipshop.api.web.state import database
from clipshop.catalog import storefront
from clipshop.checkout import cart
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import page_request
from clipshop.core.schemas import MoneyOut
from clipshop.identity.principal import Permission, Principal

router = APIRouter(
    prefix="/shop",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)


def buyer(signed: Any) -> Principal:
    """The signed-in user, who must be allowed to check out (the API's permission)."""
    principal: Principal = signed.principal
    principal.require(Permission.CHECKOUT)
    return principal


def back_to(path: str) -> RedirectResponse:
    """Redirect-after-post: the browser GETs ``path``."""
    return RedirectResponse(path, status_code=303)


def number(text: str, name: str, low: int, high: int) -> int:
    """A whole number typed in a form, between ``low`` and ``high``, or a clear error."""
    text = text.strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}")
    return int(text)


def price(minor: int, currency: str) -> str:
    return f"{MoneyOut.of(minor, currency).amount} {currency}"


@router.get("")
def browse(request: Request, signed: SignedIn, cursor: str | None = None) -> Response:
    principal = buyer(signed)
    with database(request).unit_of_work(write=False) as session:
        found = storefront.list_shops(session, principal, page_request(25, cursor or None))
        items = [(s.id, s.name, s.region, s.verified) for s in found.items]
    return page(request, "shop/shops.html", {"shops": items, "next_cursor": found.next_cursor})


@router.get("/shops/{shop_id}")
def shop_page(
    request: Request, signed: SignedIn, shop_id: Id, cursor: str | None = None
) -> Response:
    principal = buyer(signed)
    with database(request).unit_of_work(write=False) as session:
        shop = storefront.get_shop(session, principal, shop_id)
        found, offers = storefront.products(
            session, principal, shop_id, page_request(20, cursor or None)
        )
        sku_ids = [o.sku.id for p in found.items for o in offers[p.id]]
        context = {
            "shop": {"id": shop.id, "name": shop.name},
            "products": [(p, offers[p.id]) for p in found.items],
            "deals": deals_now(session, sku_ids),
            "next_cursor": found.next_cursor,
        }
    return page(request, "shop/products.html", {**context, "price": price})


def cart_lines(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The cart's lines with their product, SKU, unit price and stock."""
    items = cart.items(session, principal)
    offers = storefront.offers(session, principal, [i.sku_id for i in items])
    return [
        {
            "sku_id": i.sku_id,
            "title": offers[i.sku_id].product.title,
            "sku_name": offers[i.sku_id].sku.name,
            "quantity": i.quantity,
            "unit_price": price(offers[i.sku_id].sku.price, offers[i.sku_id].sku.currency),
            "line_total": price(
                offers[i.sku_id].sku.price * i.quantity, offers[i.sku_id].sku.currency
            ),
            "available": offers[i.sku_id].available,
            "sellable": offers[i.sku_id].sellable,
        }
        for i in items
    ]


def _cart_page(request: Request, principal: Principal, error: DomainError | None) -> Response:
    with database(request).unit_of_work(write=False) as session:
        lines = cart_lines(session, principal)
    status = error.status if error else 200
    return page(request, "shop/cart.html", {"lines": lines, "error": error}, status)


@router.get("/cart")
def cart_page(request: Request, signed: SignedIn) -> Response:
    return _cart_page(request, buyer(signed), None)


@router.post("/cart/{sku_id}")
def set_item(
    request: Request, signed: SignedIn, sku_id: Id, quantity: Text = "", remove: Text = ""
) -> Response:
    """Add to the cart, change a quantity (0 removes), or remove (the ``remove`` button)."""
    principal = buyer(signed)
    try:
        quantity_n = 0 if remove else number(quantity, "quantity", 0, 99)
        with database(request).unit_of_work() as session:
            cart.set_quantity(session, principal, sku_id, quantity_n)
    except DomainError as exc:
        return _cart_page(request, principal, exc)
    return back_to("/shop/cart")
