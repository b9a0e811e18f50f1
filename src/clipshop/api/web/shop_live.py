"""The buyer's page of a live: its pinned products in order with their prices during the live
(a flash deal shows its deal price and units left), adding to the cart, and the checkout link
that carries the live as the order's source (``social.live.public``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from clipshop.api.web.forms import Id, Text
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import back_to, buyer, number, price
from clipshop.api.web.shop_deals import deals_now
from clipshop.api.web.state import database
from clipshop.catalog import products, storefront
from clipshop.checkout import cart
from clipshop.core.errors import DomainError, NotFound
from clipshop.identity.principal import Principal
from clipshop.social import live as lives

router = APIRouter(
    prefix="/shop",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)


def checkout_path(live_id: int) -> str:
    return f"/shop/checkout?source_type=LIVE&source_id={live_id}"


def _live_page(
    request: Request, principal: Principal, live_id: int, error: DomainError | None = None
) -> Response:
    with database(request).unit_of_work(write=False) as session:
        live = lives.public(session, live_id)
        pins = lives.pins(session, live_id)
        skus = products.skus_by_product(session, [p.id for _pin, p in pins])
        sku_ids = [s.id for _pin, p in pins for s in skus[p.id]]
        offers = storefront.offers(session, principal, sku_ids)
        context = {
            "live": live,
            "pinned": [(p, [offers[s.id] for s in skus[p.id]]) for _pin, p in pins],
            "deals": deals_now(session, sku_ids, live_id) if live.status == "LIVE" else {},
            "checkout": checkout_path(live_id),
            "price": price,
            "error": error,
        }
    return page(request, "shop/live.html", context, error.status if error else 200)


@router.get("/lives/{live_id}")
def live_page(request: Request, signed: SignedIn, live_id: Id) -> Response:
    return _live_page(request, buyer(signed), live_id)


@router.post("/lives/{live_id}/cart/{sku_id}")
def add_from_live(
    request: Request, signed: SignedIn, live_id: Id, sku_id: Id, quantity: Text = "1"
) -> Response:
    """Put the SKU in the cart and go to the checkout that names this live as the source."""
    principal = buyer(signed)
    try:
        units = number(quantity, "quantity", 1, 99)
        with database(request).unit_of_work() as session:
            lives.public(session, live_id)
            pinned = {p.id for _pin, p in lives.pins(session, live_id)}
            offer = storefront.offers(session, principal, [sku_id]).get(sku_id)
            if offer is None or offer.product.id not in pinned:
                raise NotFound("that product is not pinned on this live", code="not_pinned")
            cart.set_quantity(session, principal, sku_id, units)
    except DomainError as exc:
        return _live_page(request, principal, live_id, exc)
    return back_to(checkout_path(live_id))
