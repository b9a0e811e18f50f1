"""The return_refund module's returns: search, records, reject reasons, and the seller's
approve / reject, answered in the reference's shapes (``partner/returns_schemas.py``). The
decisions are the after-sales context's own (``aftersales.return_decisions``), taken in the
request's transaction as the shop's seller; a refund they queue is sent after the commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from clipshop.aftersales import return_decisions, returns
from clipshop.core.money import AmountError, Money
from clipshop.identity.principal import Principal
from clipshop.models import AftersaleRecord, Order, OrderLineItem, Return, ReturnLine
from clipshop.partner import errors
from clipshop.partner import return_status as st
from clipshop.partner import returns_paging as paging
from clipshop.partner import returns_schemas as api
from clipshop.partner.errors import PartnerError, invalid_parameter, not_found
from clipshop.partner.paging import PageParams

RETURN_TYPES = {t: t for t in ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT")}
DECISIONS = (
    "APPROVE_REFUND",
    "APPROVE_RETURN",
    "APPROVE_REPLACEMENT",
    "ISSUE_REPLACEMENT_REFUND",
    "OFFER_PARTIAL_REFUND",
    "APPROVE_RECEIVED_PACKAGE",
)


def money(minor: int, currency: str) -> str:
    return Money(minor, currency).to_decimal_string()


def parse_amount(text: str, given: str | None, currency: str, name: str) -> int:
    """A decimal amount in the order's ``currency`` as minor units (36009004 for another
    currency or a malformed amount); ``name`` is the body field holding it."""
    if given and given != currency:
        raise invalid_parameter(f"{name} currency must be the order's ({currency})")
    try:
        return Money.parse_exact(text, currency).amount
    except AmountError as exc:
        raise invalid_parameter(f"{name}: {exc}") from None


def parse_id(text: str, name: str) -> int:
    return paging.ids([text.strip()], name)[0]


# --- search -----------------------------------------------------------------------------------


def _where(shop_id: int, f: api.ReturnFilters) -> list[ColumnElement[bool]]:
    where = paging.common(Return, shop_id, f)
    where += paging.among(Return.id, f.return_ids, "return_ids")
    statuses = st.RETURN_STATUS_OF_API
    where += paging.among(Return.status, f.return_status, "return_status", statuses)
    where += paging.among(Return.return_type, f.return_types, "return_types", RETURN_TYPES)
    if f.seller_proposed_return_type:
        paging.one_of(f.seller_proposed_return_type, {"PARTIAL_REFUND": "PARTIAL_REFUND"}, "s")
        where.append(Return.partial_refund_amount.is_not(None))
    return where


def search(
    session: Session, shop_id: int, filters: api.ReturnFilters, page: PageParams, sort: paging.Sort
) -> tuple[list[api.ReturnOrder], dict[str, Any] | None, int]:
    found, position, total = paging.page(
        session, Return, _where(shop_id, filters), filters, page, sort
    )
    return shapes(session, found), position, total


def _next_action(ret: Return) -> list[api.NextAction]:
    if ret.status == returns.ReturnStatus.PENDING and ret.seller_respond_by is not None:
        action = st.PENDING_ACTION[ret.return_type]
        return [api.NextAction(action=action, deadline=paging.unix(ret.seller_respond_by))]
    return []


def shapes(session: Session, found: list[Return]) -> list[api.ReturnOrder]:
    """The returns in the API's shape: their lines and orders read once for the page."""
    by_return = returns.lines_of(session, [r.id for r in found])
    line_ids = [x.line_item_id for rows in by_return.values() for x in rows]
    order_lines = {
        line.id: line
        for line in session.scalars(select(OrderLineItem).where(OrderLineItem.id.in_(line_ids)))
    }
    order_ids = sorted({r.order_id for r in found})
    rows = session.execute(select(Order.id, Order.currency).where(Order.id.in_(order_ids)))
    currency = {order_id: code for order_id, code in rows}
    started = session.execute(
        select(AftersaleRecord.subject_id, AftersaleRecord.actor_role).where(
            AftersaleRecord.subject_kind == "RETURN",
            AftersaleRecord.subject_id.in_([r.id for r in found]),
            AftersaleRecord.event == "REQUESTED",
        )
    )
    role = {return_id: who for return_id, who in started}  # the buyer's, or a seller's own
    return [
        _shape(r, by_return.get(r.id, []), order_lines, currency[r.order_id], role.get(r.id))
        for r in found
    ]


def amount_of(currency: str, subtotal: int, tax: int, shipping: int) -> api.RefundAmount:
    return api.RefundAmount(
        currency=currency,
        refund_subtotal=money(subtotal, currency),
        refund_tax=money(tax, currency),
        refund_shipping_fee=money(shipping, currency),
        refund_total=money(subtotal + tax + shipping, currency),
    )


def _shape(
    ret: Return,
    lines: list[ReturnLine],
    order_lines: dict[int, OrderLineItem],
    c: str,
    role: str | None,
) -> api.ReturnOrder:
    items, subtotal, tax = [], 0, 0
    for x in lines:
        line = order_lines[x.line_item_id]
        # a line's refund is its price first, then its tax (what calculate.py gives back)
        sub = min(line.sale_price, x.refund_amount)
        items.append(
            api.ReturnLineItem(
                return_line_item_id=str(x.id),
                order_line_item_id=str(x.line_item_id),
                sku_id=str(line.sku_id),
                seller_sku=line.seller_sku,
                product_name=line.product_name,
                sku_name=line.sku_name,
                refund_amount=amount_of(c, sub, x.refund_amount - sub, 0),
            )
        )
        subtotal, tax = subtotal + sub, tax + x.refund_amount - sub
    shipping = max(ret.refund_amount - subtotal - tax, 0)
    offered = ret.partial_refund_amount
    return api.ReturnOrder(
        return_id=str(ret.id),
        order_id=str(ret.order_id),
        return_type=ret.return_type,
        return_status=st.RETURN_STATUS[ret.status],
        role=role or "BUYER",
        return_reason=ret.reason,
        return_reason_text=ret.description or None,
        create_time=paging.unix(ret.created_at),
        update_time=paging.unix(ret.updated_at),
        refund_amount=amount_of(c, subtotal, tax, shipping),
        return_line_items=items,
        partial_refund=api.PartialRefund()
        if offered is None
        else api.PartialRefund(amount=money(offered, c), currency=c),
        seller_proposed_return_type=None if offered is None else "PARTIAL_REFUND",
        buyer_rejected_partial_refund=None
        if offered is None
        else ret.partial_refund_status in ("DECLINED", "EXPIRED"),
        seller_next_action_response=_next_action(ret),
        return_tracking_number=ret.return_tracking_number,
        return_provider_name=ret.return_provider,
        return_provider_id=ret.return_provider,
    )


# --- one return ---------------------------------------------------------------------------------


def of_shop(session: Session, shop_id: int, return_id: int) -> Return:
    found = session.get(Return, return_id)
    if found is None or found.shop_id != shop_id:
        raise not_found(f"no return {return_id} in this shop")
    return found


def records(session: Session, shop_id: int, return_id: int) -> api.RecordsData:
    ret = of_shop(session, shop_id, return_id)
    rows = session.scalars(
        select(AftersaleRecord)
        .where(AftersaleRecord.subject_kind == "RETURN", AftersaleRecord.subject_id == ret.id)
        .order_by(AftersaleRecord.created_at, AftersaleRecord.id)
    )
    return api.RecordsData(
        records=[
            api.ReturnRecord(
                create_time=paging.unix(r.created_at),
                event="ORDER_RETURN",
                role=r.actor_role,
                description=f"{r.event}: {r.status_after}" if r.status_after else r.event,
                note=r.note or None,
                reason_text=ret.reason if r.event == "REQUESTED" else None,
            )
            for r in rows
        ]
    )


def reject_reasons(session: Session, shop_id: int, text: str) -> api.ReasonsData:
    """The reasons for rejecting the return or cancellation ``text`` names, as it stands."""
    from clipshop.partner import cancellations  # the id may name either

    wanted = parse_id(text, "return_or_cancel_id")
    ret = session.get(Return, wanted)
    if ret is not None and ret.shop_id == shop_id:
        table = (
            st.PACKAGE_REJECT_REASONS
            if ret.status == returns.ReturnStatus.BUYER_SHIPPED_ITEM
            else st.RETURN_REJECT_REASONS
        )
    else:
        cancellations.of_shop(session, shop_id, wanted)
        table = st.CANCEL_REJECT_REASONS
    return api.ReasonsData(reasons=[api.Reason(name=k, text=v) for k, v in table.items()])


# --- decisions ----------------------------------------------------------------------------------


def approve(
    session: Session, seller: Principal, shop_id: int, return_id: int, body: api.ApproveReturnBody
) -> int | None:
    """The seller's approval (or partial refund offer); the refund transaction it queued."""
    ret = of_shop(session, shop_id, return_id)
    if body.decision not in DECISIONS:
        raise invalid_parameter("decision must be one of " + ", ".join(DECISIONS))
    amount = None
    if body.decision == "OFFER_PARTIAL_REFUND":
        currency = session.get_one(Order, ret.order_id).currency
        offer = body.partial_refund
        if offer is None or not offer.amount:
            raise invalid_parameter("partial_refund.amount is required to offer a partial refund")
        amount = parse_amount(offer.amount, offer.currency, currency, "partial_refund")
    txn = return_decisions.approve(
        session, seller, return_id, body.decision, amount, body.buyer_keep_item, True
    )
    return txn.id if txn is not None else None


REJECT_DECISIONS = (
    "REJECT_REFUND",
    "REJECT_RETURN",
    "REJECT_RECEIVED_PACKAGE",
    "REJECT_REPLACEMENT",
)


def reject(
    session: Session, seller: Principal, shop_id: int, return_id: int, body: api.RejectBody
) -> int | None:
    """The seller's rejection; nothing is refunded (None, as the decisions answer)."""
    ret = of_shop(session, shop_id, return_id)
    received = ret.status == returns.ReturnStatus.BUYER_SHIPPED_ITEM
    if body.decision is not None:
        if body.decision not in REJECT_DECISIONS:
            raise invalid_parameter("decision must be one of " + ", ".join(REJECT_DECISIONS))
        if (body.decision == "REJECT_RECEIVED_PACKAGE") != received:
            raise PartnerError(
                errors.CONFLICT,
                f"{body.decision} does not answer a return in {ret.status}",
                409,
            )
    table = st.PACKAGE_REJECT_REASONS if received else st.RETURN_REJECT_REASONS
    if body.reject_reason not in table:
        raise invalid_parameter("reject_reason must be one of " + ", ".join(table))
    reason = f"{body.reject_reason}: {body.comment}" if body.comment else body.reject_reason
    return_decisions.reject(session, seller, return_id, reason)
    return None
