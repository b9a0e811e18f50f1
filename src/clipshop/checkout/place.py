"""Placing a checkout: price it, hold all stock or none, create the shop orders, pay once.

Unit of work 1 reads and prices everything, then writes the payment, the orders, their line
items and the first payment attempt, and takes the stock last: when every SKU can come from
one warehouse (a plain read says so), its conditional UPDATE runs after the other rows, so a
hot stock row stays locked only for the UPDATE, its movement row and the COMMIT. If that
warehouse turned out short meanwhile (``holds.TakeLost``), the unit of work is rolled back and
run again holding first (hot rows first, SKUs in ascending id order, a quantity split over
warehouses if need be). A sold-out SKU raises before anything commits, so nothing is held and
nothing is charged. The gateway is called after the commit (``payflow.pay``), never while stock
rows are locked.

Flash deals are hot rows too: their units are taken just before the stock (``claims``), in
deal id order, in both ways, and shop coupons (``promotions.waterfall.take``) after the stock
(they need their order's row): one lock order, deals, stock, coupons. A deal lost since the
quote refuses the checkout (409) or places it again priced without it (docs/deals.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from clipshop.catalog import holds
from clipshop.checkout import cart, claims, payflow, rows
from clipshop.checkout.errors import BuyersOnly, Underage
from clipshop.core import events
from clipshop.core.batch import Handle, Query, Reads
from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.errors import InvalidInput, NotFound
from clipshop.deadlines import standing
from clipshop.identity import users
from clipshop.identity.principal import Principal, Role
from clipshop.identity.users import age_on
from clipshop.models import Payment
from clipshop.orders import placing
from clipshop.orders.lifecycle import orders_of_payment
from clipshop.payments import ledger, methods
from clipshop.payments.errors import PaymentNotRetryable
from clipshop.payments.gateway import PaymentGateway
from clipshop.pricing import quotes
from clipshop.promotions.deal_price import Source

ADULT_AGE = 18
DEAL_TRIES = 2  # checkouts that lost a FALLBACK deal's units, then priced without it


@dataclass(frozen=True)
class CheckoutRequest:
    shipping_address: dict[str, Any]
    items: dict[int, int] | None = None  # None: the whole cart
    billing_address: dict[str, Any] | None = None
    services: dict[int, str] | None = None
    voucher_code: str | None = None
    payment_method_id: int | None = None
    backup_payment_method_id: int | None = None
    claim_id: int | None = None  # the request's Idempotency-Key claim, kept on its attempt
    source: Source | None = None  # a LIVE session, a VIDEO or a creator's SHOWCASE
    coupon_codes: dict[int, str] | None = None  # a shop coupon code per shop id


def destination(address: dict[str, Any]) -> quotes.Destination:
    return quotes.Destination(address["country"], address.get("state"), address["postal_code"])


def check_buyer(session: Session, principal: Principal) -> None:
    """Only adult buyers check out (BuyersOnly, Underage)."""
    _check_role(principal)
    _check_age(users.birth_date(principal.user_id).run(session))


def _check_role(principal: Principal) -> None:
    if principal.role is not Role.BUYER:
        raise BuyersOnly("only buyers check out")


def _check_age(date_of_birth: date | None) -> None:
    if date_of_birth is None or age_on(date_of_birth, utcnow().date()) < ADULT_AGE:
        raise Underage("buyers must be 18 or older to purchase")


def resolve_items(
    session: Session, principal: Principal, items: dict[int, int] | None
) -> dict[int, int]:
    if items is not None:
        return items
    return {item.sku_id: item.quantity for item in cart.items(session, principal)}


def _same_place(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def key(x: dict[str, Any]) -> tuple[str, ...]:
        return tuple(
            str(x.get(k) or "").strip().lower() for k in ("address_line1", "postal_code", "country")
        )

    return key(a) == key(b)


def _review_reason(request: CheckoutRequest, failed_last_hour: int, threshold: int) -> str | None:
    if request.billing_address and not _same_place(
        request.billing_address, request.shipping_address
    ):
        return "billing address does not match the shipping address"
    if failed_last_hour >= threshold:
        return f"{threshold} or more failed payments in the last hour"
    return None


@dataclass(frozen=True)
class _Read:
    """What a checkout reads besides its prices, in the quote's round trip (``core.batch``)."""

    date_of_birth: date | None
    primary: methods.MethodRef
    backup: methods.MethodRef | None
    failed_last_hour: int
    picks: dict[int, int | None]  # SKU -> the one warehouse that has its whole quantity
    unreviewed: list[int]  # shops without their review timer yet


@dataclass(frozen=True)
class _Asked:
    """The checkout's handles in the quote's batch of reads."""

    born: Handle[date | None]
    primary: Handle[methods.MethodRef]
    backup: Handle[methods.MethodRef] | None
    failed: Handle[int]
    reviewed: Handle[set[int]]  # the shops of the items that have their review timer
    picks: dict[int, Handle[int | None]]


def _asked(
    reads: Reads,
    principal: Principal,
    request: CheckoutRequest,
    skus: list[int],
    items: dict[int, int],
) -> _Asked:
    """Add the checkout's own reads to the quote's batch (``quotes.quote_and_read``):
    ``skus`` are picked a warehouse (stock last)."""

    def method(method_id: int | None) -> Handle[methods.MethodRef]:
        statement, params = methods.method_query(principal, method_id)
        return reads.add(Query(statement, params, partial(_method, principal, method_id)))

    born = reads.add(users.birth_date(principal.user_id))
    primary = method(request.payment_method_id)
    failed = reads.add(Query(*ledger.failed_query(principal.user_id), ledger.failed_count))
    reviewed = reads.add(rows.reviewed_shops(sorted(items)))
    picks = {sku_id: reads.add(holds.pick_query(sku_id, items[sku_id])) for sku_id in skus}
    backup_id = request.backup_payment_method_id
    backup = method(backup_id) if backup_id else None
    return _Asked(born, primary, backup, failed, reviewed, picks)


def _method(principal: Principal, method_id: int | None, result: Any) -> methods.MethodRef:
    return methods.method_ref(result, principal, method_id)


def _read(reads: Reads, asked: _Asked, shop_ids: list[int]) -> _Read:
    """The values of ``_asked``'s handles, once the batch ran."""
    return _Read(
        date_of_birth=reads[asked.born],
        primary=reads[asked.primary],
        backup=reads[asked.backup] if asked.backup is not None else None,
        failed_last_hour=reads[asked.failed],
        picks={sku_id: reads[handle] for sku_id, handle in asked.picks.items()},
        unreviewed=standing.unscheduled(shop_ids, reads[asked.reviewed]),
    )


class Placed(NamedTuple):
    charge: payflow.Charge
    backup_method_id: int | None


def _place(
    session: Session,
    db: Database,
    principal: Principal,
    request: CheckoutRequest,
    stock_last: bool = True,
    without_deals: frozenset[int] = frozenset(),
) -> Placed:
    _check_role(principal)
    items = resolve_items(session, principal, request.items)
    skus = sorted(items) if stock_last else []
    # One round trip after the SKUs: the quote's reads and the checkout's own.
    reads = Reads()
    asked = _asked(reads, principal, request, skus, items)
    quote = quotes.quote_and_read(
        session,
        items,
        destination(request.shipping_address),
        request.services,
        request.voucher_code,
        reads,
        quotes.Buyer(principal.user_id, request.source, request.coupon_codes or {}, without_deals),
    )
    shop_of = {u.sku.id: u.sku.shop_id for s in quote.shops for u in s.units}
    read = _read(reads, asked, sorted(set(shop_of.values())))
    _check_age(read.date_of_birth)
    primary, backup = read.primary, read.backup
    if backup is not None and backup.id == primary.id:
        raise InvalidInput(
            "the backup payment method must differ from the primary one",
            code="invalid_backup_method",
        )
    reason = _review_reason(
        request, read.failed_last_hour, db.settings.fraud_failed_payments_per_hour
    )
    unreviewed = read.unreviewed
    # SKU -> the one warehouse that has its whole quantity
    chosen = {sku_id: wh for sku_id, wh in read.picks.items() if wh is not None}
    stock_last = stock_last and len(chosen) == len(items)
    # The checkout's events (its orders placed, its stock held) in one outbox INSERT, written
    # with the COMMIT.
    with events.held(session):
        warehouses: dict[int, list[int]] = {}
        if not stock_last:
            claims.take_deals(session, quote, principal.user_id)
        if stock_last:
            # Every SKU can come from one warehouse: write every row first and lock the stock
            # rows last, so they stay locked only for the UPDATEs, their movements and COMMIT.
            warehouses = {sku_id: [wh] * items[sku_id] for sku_id, wh in chosen.items()}
        else:
            # Hold first (splits over warehouses, or sold out), then write.
            for sku_id in sorted(items):  # one fixed lock order
                taken = holds.hold(
                    session, shop_of[sku_id], sku_id, items[sku_id], "checkout", principal.user_id
                )
                warehouses[sku_id] = [wh for wh, n in taken for _ in range(n)]
        payment = ledger.open_payment(
            session, principal.user_id, quote.total_amount, quote.currency, primary.id
        )
        orders = placing.create_orders(
            session,
            quote,
            principal.user_id,
            payment.id,
            request.shipping_address,
            warehouses,
            reason,
        )
        claims.write_claims(session, quote, orders, principal.user_id)
        attempt = ledger.new_attempt(
            session, payment, primary.id, quote.total_amount, request.claim_id
        )
        if request.items is None:
            cart.clear(session, principal.user_id, list(items))
        if stock_last:  # the UPDATE's autoflush writes the rows above first
            claims.take_deals(session, quote, principal.user_id)
            for sku_id, wh in sorted(chosen.items()):  # one fixed lock order
                at = holds.StockRow(shop_of[sku_id], sku_id, wh)
                holds.take(session, at, items[sku_id], "checkout", principal.user_id)
        claims.take_seller_claims(session, quote, orders, principal.user_id)
        # Last, after the stock rows: a shop's first checkouts all insert its one SHOP_REVIEW
        # timer, and waiting for that row before taking stock could deadlock with a checkout that
        # holds the stock and waits for the timer. Its read was done before the stock, so a shop
        # that has the timer (nearly always) costs nothing here.
        for shop_id in unreviewed:
            standing.schedule_review(session, shop_id, utcnow())
    return Placed(payflow.Charge.of(attempt, primary.token), backup.id if backup else None)


def place_and_view(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    request: CheckoutRequest,
    keep: payflow.Keep | None = None,
) -> payflow.Outcome:
    """Place and pay: the outcome, given to ``keep`` in its own transaction before COMMIT."""
    return payflow.pay(db, gateway, *_placed(db, principal, request), keep)


def _placed(db: Database, principal: Principal, request: CheckoutRequest) -> Placed:
    """Unit of work 1, run again (rolled back first) when the stock moved between the read
    and the take (then holding first), or a flash deal lost its units (then priced with what
    is left; after ``DEAL_TRIES`` losses, without that deal: the normal price)."""
    stock_last, without, lost = True, frozenset[int](), 0
    while True:
        try:
            with db.unit_of_work() as session:
                return _place(session, db, principal, request, stock_last, without)
        except holds.TakeLost:
            stock_last = False
        except claims.DealLost as deals:
            lost += 1
            if lost >= DEAL_TRIES:
                without |= deals.deal_ids


def place_order(
    db: Database, gateway: PaymentGateway, principal: Principal, request: CheckoutRequest
) -> int:
    """Returns the payment id (the checkout); its orders and outcome are read from it."""
    return place_and_view(db, gateway, principal, request).payment_id


def retry_payment(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    payment_id: int,
    method_id: int | None,
    keep: payflow.Keep | None = None,
    claim_id: int | None = None,
) -> payflow.Outcome:
    """``claim_id``: the request's Idempotency-Key claim, kept on the attempt it opens."""
    with db.unit_of_work() as session:
        payment = session.get(Payment, payment_id)
        if payment is None or payment.buyer_id != principal.user_id:
            raise NotFound("payment not found")
        if payment.status != "FAILED":
            raise PaymentNotRetryable(
                f"the payment is {payment.status}; only FAILED payments can be retried"
            )
        owed = sum(
            o.total_amount for o in orders_of_payment(session, payment.id) if o.status == "UNPAID"
        )
        if owed == 0:
            raise PaymentNotRetryable("the orders of this payment are no longer unpaid")
        method = (
            methods.get_method(session, principal, method_id)
            if method_id
            else methods.default_method(session, principal)
        )
        payment.status = "PENDING"
        attempt = ledger.new_attempt(session, payment, method.id, owed, claim_id)
        charge = payflow.Charge.of(attempt, method.token)
    return payflow.pay(db, gateway, charge, None, keep)
