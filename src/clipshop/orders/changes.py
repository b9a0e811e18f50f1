"""Changing a paid order before it ships: the buyer's new shipping address (here) and the
seller's order edits the buyer accepts (``orders/edits.py``), with the money that follows.

Every change is planned from the order as it is now (``plan``), then applied (``apply``)
under the order's row lock, so two changes of one order never interleave. The money
difference of a plan decides how it runs (``run_change``):

- cheaper or the same: one unit of work applies the change and queues the refund, which goes
  to the gateway after the commit (key ``ref_<ledger row id>``);
- dearer: unit of work 1 opens a PENDING charge (a CAPTURE ledger row, which also blocks any
  other change of the order meanwhile: ``409 change_in_progress``); the gateway authorizes
  and captures it outside any transaction (keys ``chg_<row id>``, ``chgcap_<row id>``); unit of
  work 2 records the answer and, if the money was taken, plans the change again and applies
  it, provided it still costs exactly what was charged. If the order moved meanwhile (shipped,
  cancelled, sold out, prices changed), the charge is refunded and nothing else changes.

A charge the gateway never answered stays PENDING; ``settle_stale_charges`` (run with the
payment reconciler) asks the gateway later: nothing taken, it FAILS; money taken, it is
recorded and refunded, and the order stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.core.clock import utcnow
from clipshop.core.db import Database
from clipshop.core.errors import DomainError, PermissionDenied
from clipshop.core.events import OrderAddressChanged, announce
from clipshop.core.money import Money
from clipshop.identity.principal import Principal, Role
from clipshop.models import Order, OrderLineItem, PaymentTransaction, Shop, Sku
from clipshop.orders import queries
from clipshop.orders.errors import (
    ChangeInProgress,
    NotDeliverable,
    OrderChanged,
    OrderNotChangeable,
    PaymentFailed,
    PaymentUnconfirmed,
)
from clipshop.orders.states import Actor, OrderStatus
from clipshop.orders.transitions import record_event
from clipshop.payments import charges, ledger
from clipshop.payments.gateway import GatewayResult, GatewayTimeout, PaymentGateway
from clipshop.payments.refunds import execute_refunds
from clipshop.pricing import shipping, tax
from clipshop.pricing.shipping import ShippingOption

S = OrderStatus
CHANGEABLE = frozenset({S.ON_HOLD, S.AWAITING_SHIPMENT})
SHIPPED = frozenset(
    {S.PARTIALLY_SHIPPING, S.AWAITING_COLLECTION, S.IN_TRANSIT, S.DELIVERED, S.COMPLETED}
)


# -- reading and checking ------------------------------------------------------------------


def lock_order(session: Session, principal: Principal, order_id: int) -> Order:
    """The order as the caller may see it (else 404), its row locked for this transaction
    (SQLite: write transactions are serialised anyway)."""
    return relock(session, queries.get_order(session, principal, order_id).id)


def relock(session: Session, order_id: int) -> Order:
    return session.scalars(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def require_buyer(principal: Principal, what: str) -> None:
    if principal.role is not Role.BUYER:
        raise PermissionDenied(f"only the order's buyer may {what}")


def active_lines(session: Session, order_id: int) -> list[OrderLineItem]:
    stmt = select(OrderLineItem).where(
        OrderLineItem.order_id == order_id, OrderLineItem.status != "CANCELLED"
    )
    return list(session.scalars(stmt.order_by(OrderLineItem.id)))


def check_changeable(order: Order, lines: list[OrderLineItem], *, edit: bool = False) -> None:
    """Changes are allowed until something ships: ON_HOLD (address only) and
    AWAITING_SHIPMENT, with no item in a package."""
    status = OrderStatus(order.status)
    if status is S.CANCELLED:
        raise OrderNotChangeable("the order is cancelled", code="order_cancelled")
    if status is S.UNPAID:
        raise OrderNotChangeable(
            "the order is not paid yet: pay it (or cancel it and check out again) first",
            code="order_not_paid",
        )
    if status in SHIPPED or any(line.package_id is not None for line in lines):
        raise OrderNotChangeable(
            f"the order is {status}: a package has been shipped, so it can no longer change",
            code="already_shipped",
        )
    if edit and status is S.ON_HOLD:
        raise OrderNotChangeable(
            "the order is ON_HOLD (remorse window or review); edits are proposed once it "
            "awaits shipment",
            code="order_on_hold",
        )
    assert status in CHANGEABLE


# -- the order's numbers -------------------------------------------------------------------


class Priced(Protocol):
    @property
    def original_price(self) -> int: ...
    @property
    def seller_discount(self) -> int: ...
    @property
    def platform_discount(self) -> int: ...
    @property
    def sale_price(self) -> int: ...
    @property
    def tax(self) -> int: ...


@dataclass(frozen=True)
class Unit:
    """One unit's new prices (a swapped or added line, or a line with a new tax)."""

    original_price: int
    seller_discount: int
    platform_discount: int
    tax: int

    @property
    def sale_price(self) -> int:
        return self.original_price - self.seller_discount - self.platform_discount


@dataclass(frozen=True)
class Totals:
    """An order's waterfall; the same identities as the CHECK constraints of ``orders``."""

    original_total_product_price: int
    seller_discount: int
    platform_discount: int
    sub_total: int
    original_shipping_fee: int
    shipping_fee_seller_discount: int
    shipping_fee_platform_discount: int
    shipping_fee: int
    tax: int
    total_amount: int

    @classmethod
    def of(
        cls, units: Iterable[Priced], shipping_fee: int, seller_cut: int, platform_cut: int
    ) -> Totals:
        units = list(units)
        sub_total = sum(u.sale_price for u in units)
        fee = shipping_fee - seller_cut - platform_cut
        taxes = sum(u.tax for u in units)
        return cls(
            original_total_product_price=sum(u.original_price for u in units),
            seller_discount=sum(u.seller_discount for u in units),
            platform_discount=sum(u.platform_discount for u in units),
            sub_total=sub_total,
            original_shipping_fee=shipping_fee,
            shipping_fee_seller_discount=seller_cut,
            shipping_fee_platform_discount=platform_cut,
            shipping_fee=fee,
            tax=taxes,
            total_amount=sub_total + fee + taxes,
        )

    def apply(self, order: Order) -> None:
        for name, value in vars(self).items():
            setattr(order, name, value)


def keep_shipping(units: Iterable[Priced], order: Order) -> Totals:
    return Totals.of(
        units,
        order.original_shipping_fee,
        order.shipping_fee_seller_discount,
        order.shipping_fee_platform_discount,
    )


def amount(minor: int, currency: str) -> str:
    return f"{Money(minor, currency).to_decimal_string()} {currency}"


def money_note(before: int, after: int, currency: str) -> str:
    """How the total moved, for the timeline."""
    difference = after - before
    text = f"total {amount(before, currency)} -> {amount(after, currency)}"
    if difference > 0:
        return f"{text}; charged {amount(difference, currency)}"
    if difference < 0:
        return f"{text}; refunded {amount(-difference, currency)}"
    return f"{text}; nothing to pay or refund"


# -- running a change with its money -------------------------------------------------------


class Plan(Protocol):
    @property
    def difference(self) -> int:
        """What applying the plan costs the buyer (+) or gives back (-), in minor units."""
        ...


P = TypeVar("P", bound=Plan)


@dataclass(frozen=True)
class Change(Generic[P]):
    """One kind of change: how to find the order, plan it, check it before a charge and
    apply it. ``plan`` raises a domain error when the change is not possible now."""

    load: Callable[[Session], Order]
    plan: Callable[[Session, Order], P]
    apply: Callable[[Session, Order, P], None]
    what: str  # for the ledger and the timeline: "address change", "order edit 123"
    buyer_id: int
    precheck: Callable[[Session, P], None] | None = None


def run_change(db: Database, gateway: PaymentGateway, change: Change[P]) -> int:
    """Plan and apply ``change``; returns the money difference (charged + / refunded -)."""
    pending: charges.PendingCharge | None = None
    refund_ids: list[int] = []
    with db.unit_of_work() as session:
        order = change.load(session)
        order_id = order.id
        if charges.pending_for_order(session, order.id) is not None:
            raise ChangeInProgress(
                "another change of this order is being paid for; try again shortly"
            )
        planned = change.plan(session, order)
        if planned.difference > 0:
            if change.precheck is not None:
                change.precheck(session, planned)
            pending = charges.open_charge(session, order, planned.difference, change.what)
        else:
            change.apply(session, order, planned)
            refund_ids = _refund(session, order, -planned.difference, change.what)
    if pending is None:
        execute_refunds(db, gateway, refund_ids)
        return planned.difference
    result = charges.call_gateway(gateway, pending)
    return _settle(db, gateway, change, order_id, pending, result)


def _refund(session: Session, order: Order, minor: int, what: str) -> list[int]:
    txn = ledger.queue_refund(session, order.payment_id, order.id, order.shop_id, minor, what)
    return [txn.id] if txn is not None else []


def _settle(
    db: Database,
    gateway: PaymentGateway,
    change: Change[P],
    order_id: int,
    pending: charges.PendingCharge,
    result: GatewayResult | None,
) -> int:
    """Unit of work 2: record the gateway's answer, then apply the change or give the
    money back. Errors are raised after the commit, so what was recorded stays."""
    error: DomainError | None = None
    refund_ids: list[int] = []
    currency = pending.currency
    with db.unit_of_work() as session:
        order = relock(session, order_id)
        if result is None:
            error = PaymentUnconfirmed(
                "the bank did not answer in time; the order was not changed. If any money "
                "was taken it is returned automatically within minutes; then try again"
            )
        elif not result.ok or result.reference is None:
            message = result.message or result.failure_code or "the payment failed"
            if charges.record_failure(session, pending.txn_id, result.failure_code):
                record_event(
                    session,
                    order,
                    "CHANGE_PAYMENT_FAILED",
                    Actor.BUYER,
                    change.buyer_id,
                    ledger.clip(f"{change.what}: {amount(pending.amount, currency)}: {message}"),
                )
            error = PaymentFailed(
                f"charging the difference of {amount(pending.amount, currency)} failed: "
                f"{message} The order was not changed.",
                failure_code=result.failure_code,
            )
        elif not charges.record_success(session, pending.txn_id, result.reference):
            error = PaymentUnconfirmed(
                "the payment was settled meanwhile; the order was not changed"
            )
        else:
            try:
                with session.begin_nested():
                    planned = change.plan(session, order)
                    if planned.difference != pending.amount:
                        raise OrderChanged(
                            "the order changed while the difference was being paid; "
                            "it was not changed and the charge is refunded: try again"
                        )
                    change.apply(session, order, planned)
            except DomainError as exc:
                error = exc
                refund_ids = _refund(
                    session, order, pending.amount, f"{change.what} not applied: refund"
                )
                record_event(
                    session,
                    order,
                    "CHANGE_NOT_APPLIED",
                    Actor.SYSTEM,
                    reason=ledger.clip(
                        f"{change.what}: {exc.detail} "
                        f"({amount(pending.amount, currency)} charged and refunded)"
                    ),
                )
    execute_refunds(db, gateway, refund_ids)
    if error is not None:
        raise error
    return pending.amount


def settle_stale_charges(db: Database, gateway: PaymentGateway, older_than: timedelta) -> int:
    """Charges whose request never heard back from the gateway: ask it by key. Nothing
    taken: FAILED. Money taken: captured, recorded and refunded (the change is not applied;
    the buyer may ask again). Returns how many were settled."""
    with db.unit_of_work(write=False) as session:
        stale = charges.stale_charges(session, older_than)
    settled = 0
    for txn_id in stale:
        with db.unit_of_work(write=False) as session:
            txn = session.get_one(PaymentTransaction, txn_id)
            minor, currency = txn.amount, txn.currency
        try:
            found = gateway.lookup(charges.authorize_key(txn_id))
            result = found
            if found is not None and found.ok and found.reference is not None:
                result = gateway.capture(
                    found.reference, minor, currency, charges.capture_key(txn_id)
                )
        except GatewayTimeout:
            continue
        refund_ids: list[int] = []
        with db.unit_of_work() as session:
            txn = session.get_one(PaymentTransaction, txn_id)
            assert txn.order_id is not None
            order = relock(session, txn.order_id)
            if result is None or not result.ok or result.reference is None:
                code = "no_answer" if result is None else result.failure_code
                settled += charges.record_failure(session, txn_id, code)
            elif charges.record_success(session, txn_id, result.reference):
                refund_ids = _refund(session, order, minor, f"{txn.reason} not applied: refund")
                record_event(
                    session,
                    order,
                    "CHANGE_NOT_APPLIED",
                    Actor.SYSTEM,
                    reason=ledger.clip(
                        f"{txn.reason}: the bank answered late "
                        f"({amount(minor, currency)} charged and refunded)"
                    ),
                )
                settled += 1
        execute_refunds(db, gateway, refund_ids)
    return settled


# -- the shipping address ------------------------------------------------------------------


@dataclass(frozen=True)
class AddressPlan:
    address: dict[str, Any]
    same: bool  # the address given is the current one: nothing to do
    option: ShippingOption | None
    taxes: dict[int, int]  # line id -> new tax
    totals: Totals | None
    difference: int


def plan_address(session: Session, order: Order, address: dict[str, Any]) -> AddressPlan:
    """Re-price the order for ``address``: the same shipping service through the shop's
    shipping profiles (zone, weight, rural surcharge, free-shipping threshold), and each
    line's tax at the new destination's rate. Line prices and discounts do not change."""
    lines = active_lines(session, order.id)
    check_changeable(order, lines)
    if address == order.recipient_address:
        return AddressPlan(address, True, None, {}, None, 0)
    shop = session.get_one(Shop, order.shop_id)
    sku_ids = {line.sku_id for line in lines}
    rows = session.execute(select(Sku.id, Sku.weight_grams).where(Sku.id.in_(sku_ids)))
    weights = {row.id: row.weight_grams for row in rows}
    weight = sum(weights.get(line.sku_id, 0) for line in lines)
    sub_total = sum(line.sale_price for line in lines)
    country, postal_code = address["country"], address["postal_code"]
    profiles = shipping.profiles_for(session, shop.id)
    options = shipping.options_from(profiles, shop, country, postal_code, weight, sub_total)
    option = next((o for o in options if o.service == order.shipping_service), None)
    if option is None:
        raise NotDeliverable(
            f"{order.shipping_service} shipping of this shop does not deliver to {country}",
            country=country,
        )
    rate = tax.rate_for(session, country, address.get("state"))
    taxes = {line.id: tax.line_tax(line.sale_price, order.currency, rate) for line in lines}
    units = [
        Unit(line.original_price, line.seller_discount, line.platform_discount, taxes[line.id])
        for line in lines
    ]
    platform_cut = min(order.shipping_fee_platform_discount, option.fee)
    totals = Totals.of(units, option.original_fee, option.seller_discount, platform_cut)
    return AddressPlan(
        address, False, option, taxes, totals, totals.total_amount - order.total_amount
    )


def apply_address(session: Session, order: Order, plan: AddressPlan, buyer_id: int) -> None:
    if plan.same:
        return
    assert plan.totals is not None and plan.option is not None
    note = money_note(order.total_amount, plan.totals.total_amount, order.currency)
    for line in active_lines(session, order.id):
        line.tax = plan.taxes[line.id]
    plan.totals.apply(order)
    order.recipient_address = plan.address
    order.delivery_min_days = plan.option.min_days
    order.delivery_max_days = plan.option.max_days
    record_event(
        session,
        order,
        "ADDRESS_CHANGED",
        Actor.BUYER,
        buyer_id,
        f"shipping address changed; {note}",
    )
    changed = OrderAddressChanged(
        order_id=order.id,
        shop_id=order.shop_id,
        buyer_id=order.buyer_id,
        actor=Actor.BUYER.value,
        actor_id=buyer_id,
        at=utcnow(),
    )
    announce(session, changed)
    session.flush()


def change_address(
    db: Database,
    gateway: PaymentGateway,
    principal: Principal,
    order_id: int,
    address: dict[str, Any],
) -> int:
    """The buyer sends the order somewhere else; returns what was charged (+) or refunded
    (-)."""
    require_buyer(principal, "change its shipping address")
    change: Change[AddressPlan] = Change(
        load=lambda session: lock_order(session, principal, order_id),
        plan=lambda session, order: plan_address(session, order, address),
        apply=lambda session, order, plan: apply_address(session, order, plan, principal.user_id),
        what="address change",
        buyer_id=principal.user_id,
    )
    return run_change(db, gateway, change)
