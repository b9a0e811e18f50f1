"""The seller center's shipping settings form: a service's (STANDARD, EXPRESS) name, delivery
days, rate bands, rural surcharge and free-shipping threshold, shown and typed in the shop's
currency, saved through the API's own ``PUT /shops/{id}/shipping-profiles/{service}``
(``checkout.config.put_shipping_profile`` with ``ShippingProfileIn``). The route is in
``center_settings``."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from clipshop.api.web.forms import minor_amount
from clipshop.catalog.shops import get_shop_for_write
from clipshop.checkout import config
from clipshop.checkout.config_schemas import ShippingProfileIn
from clipshop.core.errors import InvalidInput
from clipshop.core.money import Money
from clipshop.identity.principal import Principal
from clipshop.pricing.shipping import DEFAULT_PROFILES

SERVICES = ("STANDARD", "EXPRESS")


def major(minor: int | None, currency: str) -> str:
    """Minor units as the amount a seller types ("4.99"); "" for none."""
    return "" if minor is None else Money(minor, currency).to_decimal_string()


def rates_text(rates: list[dict[str, Any]], currency: str) -> str:
    """The bands as the form shows them: one per line, "zone, max grams, fee"."""
    return "\n".join(
        f"{r['zone']}, {r['max_weight_grams'] or ''}, {major(r['fee'], currency)}" for r in rates
    )


def _field_error(field: str, detail: str, code: str = "invalid_request") -> InvalidInput:
    return InvalidInput(detail, code=code, field=field)


def _rates(text: str, currency: str) -> list[dict[str, Any]]:
    bands = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3 or (parts[1] and not parts[1].isdigit()):
            raise _field_error(
                "rates",
                f"rate line {number}: write zone, max weight in grams (or nothing), fee",
            )
        try:
            fee = minor_amount(parts[2], currency)
        except InvalidInput as exc:
            raise _field_error("rates", f"rate line {number}: {exc.detail}", exc.code) from None
        weight = int(parts[1]) if parts[1] else None
        bands.append({"zone": parts[0].upper(), "max_weight_grams": weight, "fee": fee})
    return bands


def _amount(field: str, text: str, currency: str, blank: int | None) -> int | None:
    if not text.strip():
        return blank
    try:
        return minor_amount(text, currency)
    except InvalidInput as exc:
        raise _field_error(field, exc.detail, exc.code) from None


def profile_of(typed: dict[str, str], currency: str) -> ShippingProfileIn:
    """The form as the API's request schema; a refusal names its field."""
    data = {
        "name": typed["name"],
        "min_days": typed["min_days"],
        "max_days": typed["max_days"],
        "rates": _rates(typed["rates"], currency),
        "rural_surcharge": _amount("rural_surcharge", typed["rural_surcharge"], currency, 0),
        "rural_postal_prefixes": typed["rural_postal_prefixes"].replace(",", " ").split(),
        "free_shipping_threshold": _amount(
            "free_shipping_threshold", typed["free_shipping_threshold"], currency, None
        ),
    }
    try:
        return ShippingProfileIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = str(first["loc"][0]) if first["loc"] else "max_days"
        raise _field_error(field, f"{field}: {first['msg']}") from None


def shipping_forms(
    profiles: list[dict[str, Any]], currency: str, typed: dict[str, str]
) -> list[dict[str, Any]]:
    """Each service's form values: what was just typed for it, else what the shop has (a
    service it does not offer: empty)."""
    shown = {p["service"]: p for p in profiles}
    forms = []
    for service in SERVICES:
        if typed.get("service") == service:
            forms.append({**typed, "offered": service in shown})
            continue
        p = shown.get(service)
        forms.append(
            {
                "service": service,
                "offered": p is not None,
                "name": p["name"] if p else "",
                "min_days": str(p["min_days"]) if p else "",
                "max_days": str(p["max_days"]) if p else "",
                "rates": rates_text(p["rates"], currency) if p else "",
                "rural_surcharge": major(p["rural_surcharge"], currency) if p else "",
                "rural_postal_prefixes": " ".join(p["rural_postal_prefixes"]) if p else "",
                "free_shipping_threshold": major(p["free_shipping_threshold"], currency)
                if p
                else "",
            }
        )
    return forms


def save_profile(
    session: Session, principal: Principal, shop_id: int, service: str, typed: dict[str, str]
) -> None:
    """Check the typed form like the API and save it as the service's profile."""
    shop = get_shop_for_write(session, principal, shop_id)
    body = profile_of(typed, shop.currency)
    _keep_builtin(session, principal, shop_id)
    config.put_shipping_profile(session, principal, shop_id, service, body.model_dump())


def _keep_builtin(session: Session, principal: Principal, shop_id: int) -> None:
    """A shop with no profile of its own offers the built-in ones; saving one service would
    drop the others from checkout, so they are saved first as the page showed them."""
    if config.list_shipping_profiles(session, principal, shop_id):
        return
    for builtin in DEFAULT_PROFILES:
        fields = {k: v for k, v in builtin.items() if k != "service"}
        config.put_shipping_profile(session, principal, shop_id, builtin["service"], fields)
