"""Buyer pages: checkout (shipping options, the price waterfall), paying with a saved or a new
test card, and paying a failed payment again (the API's quote, checkout and retry services)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from clipshop.api.web.forms import Id
from clipshop.api.web.render import PageRoute, page
from clipshop.api.web.session import SignedIn, csrf_protected
from clipshop.api.web.shop import back_to, buyer, cart_lines, number, price
from clipshop.api.web.state import database, gateway_of
from clipshop.checkout import payflow, place
from clipshop.core.errors import DomainError, InvalidInput, NotFound
from clipshop.identity.principal import Principal
from clipshop.payments import methods
from clipshop.pricing import quotes
from clipshop.pricing.schemas import Address
from clipshop.promotions.deal_price import Source

router = APIRouter(
    prefix="/shop",
    route_class=PageRoute,
    include_in_schema=False,
    dependencies=[Depends(csrf_protected)],
)
ADDRESS_FIELDS = (
    *("name", "phone", "address_line1", "address_line2"),
    *("city", "state", "postal_code", "country"),
)
SERVICE = "service_"  # + shop id: the shipping service chosen for that shop
COUPON = "coupon_"  # + shop id: the shop coupon code typed for that shop
SOURCES = ("LIVE", "VIDEO", "SHOWCASE")
NEW_CARD = "new"
# The sandbox gateway's failure codes (docs/payments.md), in the buyer's words.
FAILURES = {
    "card_declined": "The card was declined by the issuer.",
    "insufficient_funds": "The card has insufficient funds.",
    "expired_card": "The card has expired.",
    "bank_verification_failed": "The bank could not verify the payment.",
    "wallet_sync_failed": "The wallet could not be synchronised.",
}


async def _fields(request: Request) -> dict[str, str]:
    """The form's (POST) or the query's (GET) text fields (read on the event loop, so the
    handlers, which write, run in a worker thread)."""
    source = await request.form() if request.method == "POST" else request.query_params
    return {k: v.strip() for k, v in source.items() if isinstance(v, str)}


Fields = Annotated[dict[str, str], Depends(_fields)]


def address_of(form: dict[str, str]) -> dict[str, Any] | None:
    """The shipping address typed in the form, checked as the API checks it (None: blank)."""
    typed = {k: form.get(k, "") for k in ADDRESS_FIELDS}
    if not any(typed.values()):
        return None
    try:
        return Address(**{k: v or None for k, v in typed.items()}).model_dump()
    except ValidationError as exc:
        names = ", ".join(sorted({str(e["loc"][0]).replace("_", " ") for e in exc.errors()}))
        raise InvalidInput(f"check the address: {names}", code="invalid_address") from None


def _services(form: dict[str, str]) -> dict[int, str]:
    return {
        int(k[len(SERVICE) :]): v
        for k, v in form.items()
        if k.startswith(SERVICE) and k[len(SERVICE) :].isdigit() and v
    }


def _coupons(form: dict[str, str]) -> dict[int, str]:
    return {
        int(k[len(COUPON) :]): v
        for k, v in form.items()
        if k.startswith(COUPON) and k[len(COUPON) :].isdigit() and v
    }


def _source(form: dict[str, str]) -> Source | None:
    """Where the checkout comes from (a live page's link carries LIVE and its id)."""
    kind, id_text = form.get("source_type", ""), form.get("source_id", "")
    if not kind and not id_text:
        return None
    if kind not in SOURCES or not id_text.isdigit() or not 0 < int(id_text) < 2**63:
        raise InvalidInput(
            "the source must be LIVE, VIDEO or SHOWCASE and an id", code="invalid_source"
        )
    return Source(kind, int(id_text))


def _buyer(principal: Principal, form: dict[str, str]) -> quotes.Buyer:
    return quotes.Buyer(principal.user_id, _source(form), _coupons(form))


def _quote(request: Request, principal: Principal, form: dict[str, str]) -> quotes.Quote | None:
    address = address_of(form)
    if address is None:
        return None
    with database(request).unit_of_work(write=False) as session:
        place.check_buyer(session, principal)
        items = place.resolve_items(session, principal, None)
        return quotes.quote(
            session,
            items,
            place.destination(address),
            _services(form),
            form.get("voucher_code") or None,
            _buyer(principal, form),
        )


def _saved(request: Request, principal: Principal) -> list[Any]:
    with database(request).unit_of_work(write=False) as session:
        return [
            (m.id, f"{m.brand} ···· {m.last4}", m.is_default)
            for m in methods.list_methods(session, principal)
        ]


def _method(request: Request, principal: Principal, form: dict[str, str]) -> int | None:
    """The chosen saved method, or the new card typed in the form (tokenized and saved)."""
    choice = form.get("method", "")
    if choice != NEW_CARD:
        return int(choice) if choice.isdigit() else None
    card = gateway_of(request).tokenize_card(
        form.get("card_number", ""),
        number(form.get("exp_month", ""), "expiry month", 1, 12),
        number(form.get("exp_year", ""), "expiry year", 2000, 2100),
        form.get("cvc", ""),
    )
    with database(request).unit_of_work() as session:
        return methods.save_method(session, principal, card).id


def _checkout_page(
    request: Request, principal: Principal, form: dict[str, str], error: DomainError | None
) -> Response:
    with database(request).unit_of_work(write=False) as session:
        lines = cart_lines(session, principal)
    quote = None
    if error is None:
        try:
            quote = _quote(request, principal, form)
        except DomainError as exc:
            error = exc
    context = {
        "form": {k: v for k, v in form.items() if _kept(k)},
        "lines": lines,
        "quote": quote,
        "methods": _saved(request, principal),
        "error": error,
        "price": price,
        "service_field": SERVICE,
        "coupon_field": COUPON,
    }
    return page(request, "shop/checkout.html", context, error.status if error else 200)


def _kept(name: str) -> bool:
    """The fields the checkout page keeps between its steps."""
    return (
        name in ADDRESS_FIELDS
        or name in ("voucher_code", "source_type", "source_id")
        or name.startswith(COUPON)
    )


@router.get("/checkout")
def checkout_page(request: Request, signed: SignedIn, form: Fields) -> Response:
    return _checkout_page(request, buyer(signed), form, None)


@router.post("/checkout")
def checkout(request: Request, signed: SignedIn, form: Fields) -> Response:
    """Place the cart's orders (one per shop) and pay once; the payment's page follows."""
    principal = buyer(signed)
    try:
        address = address_of(form)
        if address is None:
            raise InvalidInput("enter the shipping address", code="invalid_address")
        source = _source(form)  # checked before the card is tokenized
        outcome = place.place_and_view(
            database(request),
            gateway_of(request),
            principal,
            place.CheckoutRequest(
                shipping_address=address,
                services=_services(form),
                voucher_code=form.get("voucher_code") or None,
                payment_method_id=_method(request, principal, form),
                source=source,
                coupon_codes=_coupons(form),
            ),
        )
    except DomainError as exc:
        return _checkout_page(request, principal, form, exc)
    return back_to(f"/shop/payments/{outcome.payment_id}")


def _payment_page(
    request: Request, principal: Principal, payment_id: int, error: DomainError | None
) -> Response:
    with database(request).unit_of_work(write=False) as session:
        outcome = payflow.outcome_of(session, payment_id)
    if outcome is None or outcome.payment.buyer_id != principal.user_id:
        raise NotFound("payment not found")
    code = outcome.payment.failure_code
    context = {
        "payment": outcome.payment,
        "orders": outcome.orders,
        "failure": FAILURES.get(code or "", f"The payment failed ({code}).") if code else None,
        "methods": _saved(request, principal),
        "error": error,
        "price": price,
    }
    return page(request, "shop/payment.html", context, error.status if error else 200)


@router.get("/payments/{payment_id}")
def payment_page(request: Request, signed: SignedIn, payment_id: Id) -> Response:
    return _payment_page(request, buyer(signed), payment_id, None)


@router.post("/payments/{payment_id}/retry")
def retry(request: Request, signed: SignedIn, payment_id: Id, form: Fields) -> Response:
    """Pay a FAILED payment again with a saved or a new card."""
    principal = buyer(signed)
    try:
        method_id = _method(request, principal, form)
        place.retry_payment(
            database(request), gateway_of(request), principal, payment_id, method_id
        )
    except DomainError as exc:
        return _payment_page(request, principal, payment_id, exc)
    return back_to(f"/shop/payments/{payment_id}")
