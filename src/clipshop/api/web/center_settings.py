"""The seller center's settings: the shop's shipping (handling time, warehouses, delivery
options), its API app authorizations (list, revoke, a new auth code) and its webhook
subscriptions (list, create, disable) with their delivery log and replay; each on the
service the JSON API calls (``partner.apps``, ``webhooks.subscriptions`` / ``deliveries``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from clipshop.api.web.center_requests import seller
from clipshop.api.web.center_shipping import save_profile, shipping_forms
from clipshop.api.web.center_stock import ALL, shop_of
from clipshop.api.web.forms import Id, Line, QueryId, Text
from clipshop.api.web.render import PageRoute, page, zone_of
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.state import database
from clipshop.catalog import shops, warehouses
from clipshop.core.errors import DomainError, InvalidInput
from clipshop.core.pagination import PageRequest
from clipshop.deadlines.policies import for_region
from clipshop.identity.principal import Principal
from clipshop.partner import apps
from clipshop.pricing.shipping import profiles_for
from clipshop.webhooks import deliveries, subscriptions
from clipshop.webhooks.delivery_schemas import DeliveryOut

router = APIRouter(
    prefix="/center",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
LOG = PageRequest(limit=20)


def settings_page(
    request: Request,
    principal: Principal,
    shop_id: int | None,
    error: DomainError | None = None,
    typed: dict[str, str] | None = None,
    shown: dict[str, Any] | None = None,
) -> Response:
    """``shown``: what is answered once (a new auth code, a new webhook secret)."""
    shop_id = shop_of(principal, shop_id)
    with database(request).unit_of_work(write=False) as session:
        shop = shops.get_shop(session, principal, shop_id)
        context: dict[str, Any] = {
            "shop": shop,
            "shops": sorted(principal.shop_ids),
            "handling_days": for_region(shop.region).rts_business_days,
            "warehouses": warehouses.list_warehouses(session, principal, shop_id, ALL).items,
            "profiles": profiles_for(session, shop_id),
            "shipping": shipping_forms(profiles_for(session, shop_id), shop.currency, typed or {}),
            "apps": apps.authorizations(session, principal, shop_id),
            "hooks": subscriptions.list_for_shop(session, principal, shop_id),
            "event_types": sorted(subscriptions.known_event_types()),
            "error": error,
            "typed": typed or {},
            "shown": shown or {},
        }
    return page(request, "center/settings.html", context, error.status if error else 200)


@router.get("/settings")
def settings(request: Request, signed: SignedIn, shop_id: QueryId = None) -> Response:
    return settings_page(request, seller(signed), shop_id)


@router.post("/settings/{shop_id}/shipping/{service}")
def save_shipping(
    request: Request,
    signed: SignedIn,
    shop_id: Id,
    service: Literal["STANDARD", "EXPRESS"],
    name: Text = "",
    min_days: Text = "",
    max_days: Text = "",
    rates: Line = "",
    rural_surcharge: Text = "",
    rural_postal_prefixes: Text = "",
    free_shipping_threshold: Text = "",
) -> Response:
    """Save a service's shipping profile; a refusal shows the form again at its field."""
    principal = seller(signed)
    typed = {
        "service": service,
        "name": name,
        "min_days": min_days,
        "max_days": max_days,
        "rates": rates,
        "rural_surcharge": rural_surcharge,
        "rural_postal_prefixes": rural_postal_prefixes,
        "free_shipping_threshold": free_shipping_threshold,
    }
    try:
        with database(request).unit_of_work() as session:
            save_profile(session, principal, shop_id, service, typed)
    except DomainError as exc:
        return settings_page(request, principal, shop_id, error=exc, typed=typed)
    return RedirectResponse(
        f"/center/settings?shop_id={shop_id}#shipping-{service.lower()}", status_code=303
    )


def _back(shop_id: int) -> Response:
    return RedirectResponse(f"/center/settings?shop_id={shop_id}", status_code=303)


@router.post("/settings/{shop_id}/apps")
def authorize_app(
    request: Request,
    signed: SignedIn,
    shop_id: Id,
    app_key: Annotated[str, Form(max_length=64)] = "",
    scopes: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """A single-use auth code for the app (the owner only), shown once."""
    principal = seller(signed)
    wanted = [s for s in scopes.replace(",", " ").split() if s] or None
    try:
        with database(request).unit_of_work() as session:
            made = apps.authorize_as(session, principal, shop_id, app_key.strip(), wanted)
            shown = {"auth_code": made.auth_code, "expires_at": made.expires_at}
    except DomainError as exc:
        typed = {"app_key": app_key, "scopes": scopes}
        return settings_page(request, principal, shop_id, exc, typed)
    return settings_page(request, principal, shop_id, shown=shown)


@router.post("/settings/{shop_id}/apps/{authorization_id}/revoke")
def revoke_app(request: Request, signed: SignedIn, shop_id: Id, authorization_id: Id) -> Response:
    principal = seller(signed)
    with database(request).unit_of_work() as session:
        apps.revoke_as(session, principal, shop_id, authorization_id)
    return _back(shop_id)


@router.post("/settings/{shop_id}/webhooks")
def create_webhook(
    request: Request,
    signed: SignedIn,
    shop_id: Id,
    url: Line = "",
    event_types: Annotated[list[str] | None, Form()] = None,
    description: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """A new subscription; its signing secret is shown this once."""
    principal = seller(signed)
    loopback = bool(request.app.state.settings.webhooks_allow_loopback)
    try:
        if not event_types:
            raise InvalidInput("choose at least one event type", code="invalid_request")
        with database(request).unit_of_work() as session:
            sub = subscriptions.create(
                session,
                principal,
                shop_id,
                url=url.strip(),
                event_types=event_types,
                description=description,
                allow_loopback=loopback,
            )
            shown = {"secret": sub.secret, "webhook_id": sub.id}
    except DomainError as exc:
        typed = {"url": url, "description": description, "types": " ".join(event_types or [])}
        return settings_page(request, principal, shop_id, exc, typed)
    return settings_page(request, principal, shop_id, shown=shown)


@router.post("/settings/{shop_id}/webhooks/{webhook_id}/enabled")
def enable_webhook(
    request: Request,
    signed: SignedIn,
    shop_id: Id,
    webhook_id: Id,
    enabled: Annotated[bool, Form()] = False,
) -> Response:
    principal = seller(signed)
    with database(request).unit_of_work() as session:
        subscriptions.update(session, principal, shop_id, webhook_id, {"enabled": enabled})
    return _back(shop_id)


def _hook_page(
    request: Request,
    principal: Principal,
    shop_id: int,
    webhook_id: int,
    error: DomainError | None = None,
    replayed: int | None = None,
) -> Response:
    with database(request).unit_of_work(write=False) as session:
        sub = subscriptions.get(session, principal, shop_id, webhook_id)
        log = deliveries.list_deliveries(session, principal, shop_id, webhook_id, LOG).items
        context = {
            "shop_id": shop_id,
            "hook": sub,
            "log": [DeliveryOut.of(d) for d in log],
            "error": error,
            "replayed": replayed,
        }
    return page(request, "center/webhook.html", context, error.status if error else 200)


@router.get("/settings/{shop_id}/webhooks/{webhook_id}")
def webhook(request: Request, signed: SignedIn, shop_id: Id, webhook_id: Id) -> Response:
    return _hook_page(request, seller(signed), shop_id, webhook_id)


def _local(name: str, text: str, zone: Any) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=zone)
    except ValueError:
        raise InvalidInput(f"{name} must be a date and time", code="invalid_date") from None


@router.post("/settings/{shop_id}/webhooks/{webhook_id}/replay")
def replay(
    request: Request,
    signed: SignedIn,
    shop_id: Id,
    webhook_id: Id,
    start: Annotated[str, Form(max_length=40)] = "",
    end: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Send again every event of the shop in [start, end), times in the viewer's zone."""
    principal = seller(signed)
    zone = zone_of(request)
    try:
        since, until = _local("from", start, zone), _local("to", end, zone)
        with database(request).unit_of_work() as session:
            count = deliveries.replay(session, principal, shop_id, webhook_id, since, until)
    except DomainError as exc:
        return _hook_page(request, principal, shop_id, webhook_id, exc)
    return _hook_page(request, principal, shop_id, webhook_id, replayed=count)
