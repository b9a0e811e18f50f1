"""The seller center's promotions: every kind of a shop's promotions with its status, the forms
that create a product discount, a flash deal, a coupon, a bundle and a free-shipping
promotion, and deactivating one, on the API's services and request schemas (docs/web.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from clipshop.api.web.center_orders_actions import checked, validated
from clipshop.api.web.center_requests import seller
from clipshop.api.web.center_stock import shop_of
from clipshop.api.web.forms import FormId, Id, Ids, QueryId, minor_amount
from clipshop.api.web.render import PageRoute, page, zone_of
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import price
from clipshop.api.web.state import database
from clipshop.catalog import products
from clipshop.catalog.shops import get_shop
from clipshop.core.clock import utcnow
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import page_request
from clipshop.identity.principal import Principal
from clipshop.promotions import bundles, coupons, deals, free_shipping
from clipshop.promotions.coupon_schemas import BundleCreate, CouponCreate, FreeShippingIn
from clipshop.promotions.deal_schemas import PromotionIn

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
Field = Annotated[str, Form(max_length=200)]
DAY = timedelta(days=1)
SERVICES: dict[str, Any] = {
    "deal": deals,
    "coupon": coupons,
    "bundle": bundles,
    "free-shipping": free_shipping,
}


def status(row: Any, now: datetime) -> str:
    """scheduled, active, ended or deactivated, as the seller reads a promotion."""
    starts, ends = (_aware(row.starts_at), _aware(row.ends_at))
    if not row.active:
        return "deactivated"
    if now < starts:
        return "scheduled"
    return "ended" if now >= ends else "active"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _promotions_page(
    request: Request,
    principal: Principal,
    shop_id: int | None,
    error: DomainError | None = None,
    typed: dict[str, Any] | None = None,
) -> Response:
    shop_id = shop_of(principal, shop_id)
    with database(request).unit_of_work(write=False) as session:
        shop = get_shop(session, principal, shop_id)
        found = products.list_products(session, principal, shop_id, page_request(100, None))
        skus = products.skus_by_product(session, [p.id for p in found.items])
        context: dict[str, Any] = {
            "shop": shop,
            "shops": sorted(principal.shop_ids),
            "products": found.items,
            "skus": [(p, s) for p in found.items for s in skus[p.id]],
            "deals": deals.list_for_shop(session, principal, shop_id),
            "coupons": coupons.list_coupons(session, principal, shop_id),
            "bundles": bundles.list_bundles(session, principal, shop_id),
            "free_shipping": free_shipping.list_promotions(session, principal, shop_id),
        }
    now = utcnow().astimezone(zone_of(request))
    context.update(
        skus_named={s.id: f"{p.title} · {s.name}" for p, s in context["skus"]},
        defaults={"starts_at": f"{now:%Y-%m-%dT%H:%M}", "ends_at": f"{now + DAY:%Y-%m-%dT%H:%M}"},
        status=lambda row: status(row, utcnow()),
        price=price,
        error=error,
        typed=typed or {},
    )
    return page(request, "center/promotions.html", context, error.status if error else 200)


@router.get("/promotions")
def promotions_page(request: Request, signed: SignedIn, shop_id: QueryId = None) -> Response:
    return _promotions_page(request, seller(signed), shop_id)


def _when(name: str, text: str, zone: Any) -> str:
    """A date and time typed in the viewer's zone, as the schema's aware ISO text."""
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=zone).isoformat()
    except ValueError:
        raise InvalidInput(f"{name} must be a date and time", code="invalid_date") from None


def _count(name: str, text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(f"{name} must be a whole number", code="invalid_request")
    return int(text)


def _window(request: Request, form: dict[str, str]) -> dict[str, str]:
    zone = zone_of(request)
    return {
        "starts_at": _when("the start", form.get("starts_at", ""), zone),
        "ends_at": _when("the end", form.get("ends_at", ""), zone),
    }


def _currency(request: Request, principal: Principal, shop_id: int) -> str:
    with database(request).unit_of_work(write=False) as session:
        return get_shop(session, principal, shop_id).currency


def _create(
    request: Request, principal: Principal, shop_id: int, kind: str, typed: dict[str, Any]
) -> Response:
    """Build the API's body for ``kind`` from the form, create it, or show the refusal."""
    try:
        currency = _currency(request, principal, shop_id)
        body = _BUILDERS[kind](typed, currency) | _window(request, typed)
        with database(request).unit_of_work() as session:
            _SAVE[kind](session, principal, shop_id, body)
    except DomainError as exc:
        return _promotions_page(request, principal, shop_id, exc, {"form": kind, **typed})
    return RedirectResponse(f"/center/promotions?shop_id={shop_id}", status_code=303)


def _money(text: str, currency: str) -> int | None:
    return minor_amount(text, currency) if text.strip() else None


def _deal_body(form: dict[str, Any], currency: str) -> dict[str, Any]:
    return {
        "kind": form["kind"],
        "sku_id": form["sku_id"],
        "title": form["title"],
        "percent_off": _count("percent off", form["percent_off"]),
        "deal_price": _money(form["deal_price"], currency),
        "quantity": _count("quantity", form["quantity"]),
        "per_buyer_limit": _count("per-buyer limit", form["per_buyer_limit"]),
    }


def _coupon_body(form: dict[str, Any], currency: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": form["kind"],
        "code": form["code"],
        "title": form["title"],
        "min_spend": _money(form["min_spend"], currency) or 0,
        "total_limit": _count("total limit", form["total_limit"]),
        "per_buyer_limit": _count("per-buyer limit", form["per_buyer_limit"]) or 1,
        "min_completed_orders": _count("completed orders", form["min_completed_orders"]) or 0,
    }
    if form["kind"] == "AMOUNT":
        return body | {"amount_off": _money(form["amount_off"], currency)}
    cap = _money(form["max_discount"], currency)
    return body | {"percent_off": _count("percent off", form["percent_off"]), "max_discount": cap}


def _tiers(text: str) -> list[dict[str, Any]]:
    """'2:10, 3:15': buy 2 for 10 % off, 3 for 15 %."""
    try:
        pairs = [part.split(":") for part in text.split(",") if part.strip()]
        return [{"min_quantity": int(n), "percent_off": int(p)} for n, p in pairs]
    except ValueError:
        raise InvalidInput(
            "tiers are 'units:percent' pairs, like 2:10, 3:15", code="invalid_request"
        ) from None


def _bundle_body(form: dict[str, Any], currency: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": form["kind"],
        "title": form["title"],
        "product_ids": form["product_ids"],
    }
    if form["kind"] == "TIERS":
        return body | {"tiers": _tiers(form["tiers"])}
    return body | {
        "buy_quantity": _count("buy quantity", form["buy_quantity"]),
        "free_quantity": _count("free quantity", form["free_quantity"]),
    }


def _shipping_body(form: dict[str, Any], currency: str) -> dict[str, Any]:
    return {"threshold": minor_amount(form["threshold"], currency)}


def _dumped(adapter: TypeAdapter[Any], body: dict[str, Any]) -> dict[str, Any]:
    """The body as the API's union schema checks it, as the service's fields."""
    fields: dict[str, Any] = checked(adapter.validate_python, body).model_dump()
    return fields


_COUPON: TypeAdapter[Any] = TypeAdapter(CouponCreate)
_BUNDLE: TypeAdapter[Any] = TypeAdapter(BundleCreate)
_BUILDERS = {
    "deal": _deal_body,
    "coupon": _coupon_body,
    "bundle": _bundle_body,
    "free-shipping": _shipping_body,
}
_SAVE: dict[str, Callable[[Session, Principal, int, dict[str, Any]], Any]] = {
    "deal": lambda s, p, shop, b: deals.create(s, p, shop, validated(PromotionIn, b)),
    "coupon": lambda s, p, shop, b: coupons.create(
        s, p, shop, checked(_COUPON.validate_python, b).model_dump()
    ),
    "bundle": lambda s, p, shop, b: bundles.create(
        s, p, shop, checked(_BUNDLE.validate_python, b).model_dump()
    ),
    "free-shipping": lambda s, p, shop, b: free_shipping.create(
        s, p, shop, validated(FreeShippingIn, b).model_dump()
    ),
}


@router.post("/promotions/deal")
def create_deal(
    request: Request,
    signed: SignedIn,
    shop_id: FormId,
    kind: Field = "FLASH_DEAL",
    sku_id: Field = "",
    title: Field = "",
    percent_off: Field = "",
    deal_price: Field = "",
    quantity: Field = "",
    per_buyer_limit: Field = "",
    starts_at: Field = "",
    ends_at: Field = "",
) -> Response:
    """A product discount (percent off or a price) or a flash deal (price and units)."""
    typed = dict(locals())
    return _create(request, seller(signed), shop_id, "deal", _typed(typed))


@router.post("/promotions/coupon")
def create_coupon(
    request: Request,
    signed: SignedIn,
    shop_id: FormId,
    kind: Field = "AMOUNT",
    code: Field = "",
    title: Field = "",
    amount_off: Field = "",
    percent_off: Field = "",
    max_discount: Field = "",
    min_spend: Field = "",
    min_completed_orders: Field = "",
    total_limit: Field = "",
    per_buyer_limit: Field = "",
    starts_at: Field = "",
    ends_at: Field = "",
) -> Response:
    typed = dict(locals())
    return _create(request, seller(signed), shop_id, "coupon", _typed(typed))


@router.post("/promotions/bundle")
def create_bundle(
    request: Request,
    signed: SignedIn,
    shop_id: FormId,
    kind: Field = "TIERS",
    title: Field = "",
    product_ids: Ids | None = None,
    tiers: Field = "",
    buy_quantity: Field = "",
    free_quantity: Field = "",
    starts_at: Field = "",
    ends_at: Field = "",
) -> Response:
    typed = dict(locals()) | {"product_ids": product_ids or []}
    return _create(request, seller(signed), shop_id, "bundle", _typed(typed))


@router.post("/promotions/free-shipping")
def create_free_shipping(
    request: Request,
    signed: SignedIn,
    shop_id: FormId,
    threshold: Field = "",
    starts_at: Field = "",
    ends_at: Field = "",
) -> Response:
    typed = dict(locals())
    return _create(request, seller(signed), shop_id, "free-shipping", _typed(typed))


def _typed(fields: dict[str, Any]) -> dict[str, Any]:
    """The form's fields (the route's own parameters less the request and the session)."""
    return {k: v for k, v in fields.items() if k not in ("request", "signed", "shop_id")}


@router.post("/promotions/{kind}/{row_id}/deactivate")
def deactivate(
    request: Request, signed: SignedIn, kind: str, row_id: Id, shop_id: FormId
) -> Response:
    principal = seller(signed)
    service = SERVICES.get(kind)
    if service is None:
        raise InvalidInput(f"unknown promotion kind {kind}", code="invalid_request")
    try:
        with database(request).unit_of_work() as session:
            service.deactivate(session, principal, shop_id, row_id)
    except DomainError as exc:
        return _promotions_page(request, principal, shop_id, exc)
    return RedirectResponse(f"/center/promotions?shop_id={shop_id}", status_code=303)
