"""A return the seller starts in the buyer's name (the seller API's CreateReturn): a buyer
asked outside the request flow (chat, phone), and the seller records it already agreed.

- Types: ``REFUND`` (refund only, the buyer keeps the item) and ``RETURN_AND_REFUND``; no
  replacement (that one the buyer asks for).
- The same rules as the buyer's own request, judged on the buyer's facts: the order is
  delivered, the return window is open, each line has money left and is in no open request
  nor settled (``eligibility.require`` with the buyer's role; another shop's order is 404).
- The request is made and approved at once by the seller (records REQUESTED and APPROVED,
  role SELLER): a REFUND is refunded and COMPLETE, a RETURN_AND_REFUND waits for the buyer's
  parcel (AWAITING_BUYER_SHIP, then the usual receipt and refund). There is no answer
  deadline (the seller has answered).
- ``refund_total`` (REFUND only): less than the full refund makes a partial refund spread
  over the lines (never shipping), at most what the lines can give back. A partial refund
  the seller chose settles nothing: the buyer may still ask for the rest."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from clipshop.aftersales import eligibility
from clipshop.aftersales.calculate import REASONS, plan_for
from clipshop.aftersales.return_decisions import apply_decision, pay_refund
from clipshop.aftersales.returns import lock_order, open_request, record, returnable_lines
from clipshop.core.errors import InvalidInput
from clipshop.core.money import Money
from clipshop.identity.principal import Permission, Principal, Role
from clipshop.models import Order, OrderLineItem, PaymentTransaction, Return
from clipshop.orders import queries
from clipshop.orders.states import Actor

SELLER_RETURN_TYPES = ("REFUND", "RETURN_AND_REFUND")
APPROVAL = {"REFUND": "APPROVE_REFUND", "RETURN_AND_REFUND": "APPROVE_RETURN"}


class InvalidSellerReturn(InvalidInput):
    code = "invalid_seller_return"


def buyer_facts(session: Session, order: Order) -> eligibility.Facts:
    """The facts a seller's return is judged on: the order's buyer's."""
    return eligibility.facts_for(session, Principal(order.buyer_id, Role.BUYER), order)


def pick_lines(
    session: Session, order: Order, return_type: str, skus: dict[int, int] | None
) -> list[int]:
    """The lines a request without line ids covers: with ``skus`` (SKU id -> units) that many
    of each SKU's lines, eligible ones first by id; without, every eligible line. Refused
    when there are not enough (a clear error naming the SKU), or none at all."""
    facts = buyer_facts(session, order)
    lines = queries.lines_of(session, [order.id])[order.id]
    ok = {v.id for v in facts.lines if eligibility.verdict(facts, v, return_type).eligible}
    if skus is None:
        chosen = [line.id for line in lines if line.id in ok]
        if not chosen:
            first = facts.lines[0]
            raise eligibility.refusal(facts, first, eligibility.verdict(facts, first, return_type))
        return chosen
    chosen = []
    for sku_id, units in skus.items():
        found = [line.id for line in lines if line.sku_id == sku_id and line.id in ok]
        if len(found) < units:
            raise InvalidSellerReturn(
                f"order {order.id} has {len(found)} line item(s) of SKU {sku_id} that can be "
                f"returned now, not {units}",
                sku_id=str(sku_id),
            )
        chosen += found[:units]
    return chosen


def _check_total(
    session: Session,
    order: Order,
    lines: Sequence[OrderLineItem],
    return_type: str,
    reason: str,
    refund_total: int | None,
) -> int | None:
    """The partial amount ``refund_total`` asks for (None: the full refund)."""
    if refund_total is None:
        return None
    plan = plan_for(session, order, lines, return_type, reason)
    if refund_total == plan.total:
        return None
    full = Money(plan.total, order.currency).to_decimal_string()
    if return_type != "REFUND":
        raise InvalidSellerReturn(
            f"a RETURN_AND_REFUND refunds what the lines give back on receipt ({full}); "
            "leave refund_total out or send that amount",
            refundable=full,
        )
    if not 0 < refund_total <= plan.lines_total:
        lines_only = Money(plan.lines_total, order.currency).to_decimal_string()
        raise InvalidSellerReturn(
            f"refund_total must be the full refund ({full}) or a partial refund above 0 of at "
            f"most what the lines give back ({lines_only})",
            refundable=full,
        )
    return refund_total


def create_for_buyer(
    session: Session,
    seller: Principal,
    order_id: int,
    return_type: str,
    reason: str,
    line_ids: Sequence[int] | None,
    skus: dict[int, int] | None = None,
    refund_total: int | None = None,
) -> tuple[Return, PaymentTransaction | None]:
    """The seller's own request, made and approved in the caller's transaction: the return
    and the refund it queued (sent to the gateway after the commit)."""
    seller.require(Permission.AFTERSALES_DECIDE)
    if return_type not in SELLER_RETURN_TYPES:
        raise InvalidSellerReturn("return_type must be " + " or ".join(SELLER_RETURN_TYPES))
    if reason not in REASONS:
        raise InvalidSellerReturn("return_reason must be one of " + ", ".join(REASONS))
    queries.get_order(session, seller, order_id)  # 404 unless of the seller's shops
    order = lock_order(session, order_id)
    buyer = Principal(order.buyer_id, Role.BUYER)
    if line_ids is None:
        line_ids = pick_lines(session, order, return_type, skus)
    lines = returnable_lines(session, buyer, order, line_ids, return_type)
    partial = _check_total(session, order, lines, return_type, reason, refund_total)
    ret = open_request(session, order, lines, return_type, reason, "", None)
    who = seller.user_id
    record(session, ret, "REQUESTED", Actor.SELLER, who, f"{return_type}: {reason}")
    ret.decided_by = who
    record(session, ret, "APPROVED", Actor.SELLER, who, APPROVAL[return_type])
    if partial is not None:
        return ret, pay_refund(session, order, ret, Actor.SELLER, who, partial)
    return ret, apply_decision(session, order, ret, APPROVAL[return_type], Actor.SELLER, who)
