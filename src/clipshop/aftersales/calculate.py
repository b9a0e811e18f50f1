"""What a return would refund, line by line: the one rule used by ``POST /returns/calculate``,
by a new request's quoted amount and by the refund an approval then makes.

- A line gives back what it can still give back (``orders.refunds.line_cap``: its price plus
  tax less earlier refunds); its tax follows it (a line never refunded before returns its
  whole tax, a partly refunded one its remainder in proportion, the tax rounded down).
- The shipping fee (what is left of it) is refunded only when the whole order is being
  refunded (after this request no live line has anything left to give back) and the reason is
  the seller's fault (not received, wrong item, not as described, damaged); never when the
  buyer changed their mind.
- A replacement refunds nothing (a new order ships instead)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clipshop.models import Order, OrderLineItem
from clipshop.orders.refunds import line_cap

REASONS = ("NOT_RECEIVED", "WRONG_ITEM", "NOT_AS_DESCRIBED", "DAMAGED", "CHANGED_MIND")
SELLER_FAULT = frozenset(REASONS) - {"CHANGED_MIND"}


@dataclass(frozen=True)
class LineRefund:
    line_id: int
    subtotal: int
    tax: int

    @property
    def total(self) -> int:
        return self.subtotal + self.tax


@dataclass(frozen=True)
class RefundPlan:
    lines: tuple[LineRefund, ...]
    shipping: int

    @property
    def per_line(self) -> dict[int, int]:
        return {line.line_id: line.total for line in self.lines}

    @property
    def subtotal(self) -> int:
        return sum(line.subtotal for line in self.lines)

    @property
    def tax(self) -> int:
        return sum(line.tax for line in self.lines)

    @property
    def lines_total(self) -> int:
        return self.subtotal + self.tax

    @property
    def total(self) -> int:
        return self.lines_total + self.shipping


def line_refund(line: OrderLineItem) -> LineRefund:
    left = line_cap(line)
    paid = line.sale_price + line.tax
    tax = line.tax if line.refunded_amount == 0 else (left * line.tax // paid if paid else 0)
    return LineRefund(line.id, left - tax, tax)


def _whole_order(session: Session, order: Order, line_ids: set[int]) -> bool:
    live = session.scalars(
        select(OrderLineItem).where(
            OrderLineItem.order_id == order.id, OrderLineItem.status != "CANCELLED"
        )
    )
    return all(line.id in line_ids or line_cap(line) == 0 for line in live)


def refund_plan(
    session: Session, order: Order, lines: Sequence[OrderLineItem], reason: str
) -> RefundPlan:
    """What refunding ``lines`` for ``reason`` pays back now."""
    planned = tuple(line_refund(line) for line in sorted(lines, key=lambda x: x.id))
    shipping = 0
    if reason in SELLER_FAULT and _whole_order(session, order, {line.id for line in lines}):
        shipping = order.shipping_fee - order.shipping_refunded
    return RefundPlan(planned, shipping)


def plan_for(
    session: Session, order: Order, lines: Sequence[OrderLineItem], return_type: str, reason: str
) -> RefundPlan:
    if return_type == "REPLACEMENT":
        return RefundPlan(tuple(LineRefund(line.id, 0, 0) for line in lines), 0)
    return refund_plan(session, order, lines, reason)


def split(amount: int, plan: RefundPlan) -> dict[int, int]:
    """A partial refund of ``amount`` (at most the lines' total) over the plan's lines, in
    proportion to what each can give back; the rounding remainder goes to the first lines."""
    total = plan.lines_total
    shares = {line.line_id: amount * line.total // total for line in plan.lines} if total else {}
    left = amount - sum(shares.values())
    for line in plan.lines:
        extra = min(left, line.total - shares[line.line_id])
        shares[line.line_id] += extra
        left -= extra
    assert left == 0, "a partial refund larger than the lines"
    return shares
