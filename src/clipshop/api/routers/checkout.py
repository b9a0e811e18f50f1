"""Cart, quote, checkout, saved payment methods and payments (buyers)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clipshop.api.deps import (
    DB,
    Caller,
    DatabaseDep,
    GatewayDep,
    MethodId,
    PaymentId,
    SkuId,
    StandaloneCaller,
)
from clipshop.api.idempotency import answered, claim_of, require_idempotency_key, stored_answer
from clipshop.checkout import cart, payflow, place
from clipshop.checkout.schemas import (
    CartLine,
    CartOut,
    CheckoutBody,
    CutOut,
    LineQuoteOut,
    MethodCreate,
    MethodOut,
    QuoteBody,
    QuoteOut,
    ShippingOptionOut,
    ShopQuoteOut,
)
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.errors import InvalidInput, NotFound
from clipshop.identity.principal import Principal
from clipshop.orders.schemas import CheckoutOut, PaymentOut, RetryBody, money, order_out
from clipshop.payments import methods
from clipshop.payments.gateway import PaymentGateway, TokenizedMethod
from clipshop.pricing import quotes

router = APIRouter(tags=["checkout"])


@router.get("/cart", response_model=CartOut)
def get_cart(session: DB, caller: Caller) -> CartOut:
    return CartOut.model_validate({"items": cart.items(session, caller)})


@router.put(
    "/cart/items/{sku_id}",
    response_model=CartOut,
    summary="Put a SKU in the cart with a quantity (0 removes it)",
)
def set_cart_item(sku_id: SkuId, body: CartLine, session: DB, caller: Caller) -> CartOut:
    cart.set_quantity(session, caller, sku_id, body.quantity)
    return CartOut.model_validate({"items": cart.items(session, caller)})


@router.delete("/cart/items/{sku_id}", response_model=CartOut)
def remove_cart_item(sku_id: SkuId, session: DB, caller: Caller) -> CartOut:
    cart.set_quantity(session, caller, sku_id, 0)
    return CartOut.model_validate({"items": cart.items(session, caller)})


def _quote_out(q: quotes.Quote) -> QuoteOut:
    c = q.currency
    today = utcnow().date()
    shops = []
    for s in q.shops:
        shops.append(
            ShopQuoteOut(
                shop_id=s.shop.id,
                shop_name=s.shop.name,
                line_items=[
                    LineQuoteOut(
                        sku_id=u.sku.id,
                        seller_sku=u.sku.seller_sku,
                        product_name=u.product_title,
                        sku_name=u.sku.name,
                        original_price=money(u.original_price, c),
                        seller_discount=money(u.seller_discount, c),
                        platform_discount=money(u.platform_discount, c),
                        sale_price=money(u.sale_price, c),
                        tax=money(u.tax, c),
                        cuts=[
                            CutOut(
                                kind=cut.kind.value,
                                promotion_id=cut.promotion_id,
                                amount=money(cut.amount, c),
                                funded_by=cut.funded_by.value,
                            )
                            for cut in u.cuts
                        ],
                    )
                    for u in s.units
                ],
                shipping_options=[
                    ShippingOptionOut(
                        service=o.service,
                        name=o.name,
                        original_fee=money(o.original_fee, c),
                        fee=money(o.fee, c),
                        min_days=o.min_days,
                        max_days=o.max_days,
                        earliest_delivery=today + timedelta(days=o.min_days),
                        latest_delivery=today + timedelta(days=o.max_days),
                    )
                    for o in s.options
                ],
                selected_shipping_service=s.selected.service,
                payment={
                    "original_total_product_price": money(s.original_total_product_price, c),
                    "seller_discount": money(s.seller_discount, c),
                    "platform_discount": money(s.platform_discount, c),
                    "sub_total": money(s.sub_total, c),
                    "original_shipping_fee": money(s.selected.original_fee, c),
                    "shipping_fee_seller_discount": money(s.selected.seller_discount, c),
                    "shipping_fee_platform_discount": money(0, c),
                    "shipping_fee": money(s.selected.fee, c),
                    "tax": money(s.tax, c),
                    "total_amount": money(s.total_amount, c),
                },
                funded_by={f.value: money(n, c) for f, n in s.funded().items()},
            )
        )
    return QuoteOut(currency=c, orders=shops, total_amount=money(q.total_amount, c))


@router.post(
    "/checkout/quote",
    response_model=QuoteOut,
    summary="Price a checkout per shop: waterfall, shipping options, tax",
)
def quote(body: QuoteBody, session: DB, caller: Caller) -> QuoteOut:
    place.check_buyer(session, caller)
    items = place.resolve_items(session, caller, body.item_map())
    q = quotes.quote(
        session,
        items,
        place.destination(body.shipping_address.model_dump()),
        dict(body.shipping_services),
        body.voucher_code,
        quotes.Buyer(caller.user_id, body.source_of(), dict(body.coupon_codes)),
    )
    return _quote_out(q)


def _checkout_out(outcome: payflow.Outcome) -> CheckoutOut:
    """The answer about a checkout, from its outcome (plain values)."""
    orders = outcome.orders
    return CheckoutOut(
        payment=PaymentOut.of(outcome.payment, [o.id for o in orders]),
        orders=[order_out(o, outcome.lines[o.id], False) for o in orders],
    )


class _Answer:
    """The answer of a paying request, built from its outcome and stored as the request's
    idempotent response in the outcome's own transaction (``keep``, then
    ``api.idempotency.stored_answer``): the answer a client gets is the one kept."""

    def __init__(self, request: Request, status: int) -> None:
        self.request = request
        self.status = status
        self.response: Response | None = None

    def keep(self, session: Session, outcome: payflow.Outcome) -> None:
        payload = _checkout_out(outcome).model_dump_json(by_alias=True).encode()
        self.response = stored_answer(session, self.request, self.status, payload)

    def of(self, outcome: payflow.Outcome) -> Response:
        if self.response is None:  # not kept (no claim): built now
            payload = _checkout_out(outcome).model_dump_json(by_alias=True).encode()
            return Response(payload, status_code=self.status, media_type="application/json")
        return self.response


def _once(
    request: Request,
    db: Database,
    gateway: PaymentGateway,
    caller: Principal,
    answer: _Answer,
    pay: Callable[[int | None], payflow.Outcome],
) -> Response:
    """``pay(claim id)`` once per Idempotency-Key. A retry that took over the key of a
    request that died gets that request's payment, finished or as it stands, if it opened
    one (``payflow.recover``); else it pays itself. And if another holder of the key (one
    that outlived its lease) opened the claim's attempt meanwhile, the unique claim id
    refuses this one, which then answers from that attempt."""
    claim = claim_of(request)
    if claim is None:
        return answer.of(pay(None))
    found = None
    if claim.recovered:
        found = payflow.recover(db, gateway, caller.user_id, claim.claim_id, answer.keep)
    if found is None:
        try:
            found = pay(claim.claim_id)
        except IntegrityError:
            found = payflow.recover(db, gateway, caller.user_id, claim.claim_id, answer.keep)
            if found is None:
                raise
    answered(request)
    return answer.of(found)


@router.post(
    "/checkout",
    response_model=CheckoutOut,
    status_code=201,
    summary="Place orders (one per shop) and pay once; needs Idempotency-Key",
)
def checkout(
    request: Request,
    body: CheckoutBody,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
    _key: str = Depends(require_idempotency_key),
) -> Response:
    answer = _Answer(request, 201)

    def pay(claim_id: int | None) -> payflow.Outcome:
        checkout = place.CheckoutRequest(
            shipping_address=body.shipping_address.model_dump(),
            items=body.item_map(),
            billing_address=body.billing_address.model_dump() if body.billing_address else None,
            services=dict(body.shipping_services),
            voucher_code=body.voucher_code,
            payment_method_id=body.payment_method_id,
            backup_payment_method_id=body.backup_payment_method_id,
            claim_id=claim_id,
            source=body.source_of(),
            coupon_codes=dict(body.coupon_codes),
        )
        return place.place_and_view(db, gateway, caller, checkout, answer.keep)

    return _once(request, db, gateway, caller, answer, pay)


@router.get(
    "/payments/{payment_id}",
    response_model=CheckoutOut,
    summary="A checkout's payment and its orders (buyer)",
)
def get_payment(payment_id: PaymentId, db: DatabaseDep, caller: StandaloneCaller) -> CheckoutOut:
    with db.unit_of_work(write=False) as session:
        outcome = payflow.outcome_of(session, payment_id)
    if outcome is None or outcome.payment.buyer_id != caller.user_id:
        raise NotFound("payment not found")
    return _checkout_out(outcome)


@router.post(
    "/payments/{payment_id}/retry",
    response_model=CheckoutOut,
    summary="Pay a FAILED payment again (optionally with another method)",
)
def retry_payment(
    request: Request,
    payment_id: PaymentId,
    body: RetryBody,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
    _key: str = Depends(require_idempotency_key),
) -> Response:
    answer = _Answer(request, 200)

    def pay(claim_id: int | None) -> payflow.Outcome:
        method_id = body.payment_method_id
        return place.retry_payment(
            db, gateway, caller, payment_id, method_id, answer.keep, claim_id
        )

    return _once(request, db, gateway, caller, answer, pay)


def _tokenize(gateway: PaymentGateway, body: MethodCreate) -> TokenizedMethod:
    if body.type == "WALLET":
        if not body.wallet:
            raise InvalidInput("a WALLET method needs `wallet`", code="invalid_payment_method")
        return gateway.tokenize_wallet(body.wallet)
    if not (body.card_number and body.exp_month and body.exp_year and body.cvc):
        raise InvalidInput(
            "a CARD method needs card_number, exp_month, exp_year and cvc",
            code="invalid_payment_method",
        )
    return gateway.tokenize_card(body.card_number, body.exp_month, body.exp_year, body.cvc)


@router.post(
    "/payment-methods",
    response_model=MethodOut,
    status_code=201,
    summary="Save a card or wallet (only a token, brand and last 4 are kept)",
)
def add_method(body: MethodCreate, session: DB, caller: Caller, gateway: GatewayDep) -> MethodOut:
    methods.require_buyer(caller)
    row = methods.save_method(session, caller, _tokenize(gateway, body), body.make_default)
    return MethodOut.model_validate(row)


@router.get("/payment-methods", response_model=list[MethodOut])
def list_methods(session: DB, caller: Caller) -> list[MethodOut]:
    return [MethodOut.model_validate(m) for m in methods.list_methods(session, caller)]


@router.delete("/payment-methods/{method_id}", response_model=MethodOut)
def remove_method(method_id: MethodId, session: DB, caller: Caller) -> MethodOut:
    return MethodOut.model_validate(methods.remove_method(session, caller, method_id))
