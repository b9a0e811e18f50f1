"""Orders: buyers read and cancel theirs, sellers read their shops', agents review holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from clipshop.api.deps import DB, Caller, DatabaseDep, GatewayDep, OrderId, Paging, StandaloneCaller
from clipshop.core.db import Database
from clipshop.core.schemas import When
from clipshop.identity.principal import Principal, Role
from clipshop.orders import actions, queries
from clipshop.orders.schemas import CancelBody, OrderOut, OrderPage, ReviewBody, order_out
from clipshop.orders.states import OrderStatus

router = APIRouter(tags=["orders"])
IdQuery = Annotated[int | None, Query(gt=0, lt=2**63)]


@router.get(
    "/orders",
    response_model=OrderPage,
    summary="Orders you can see: a buyer its own, a seller its shops', staff all",
)
def list_orders(
    session: DB,
    caller: Caller,
    page: Paging,
    status: Annotated[OrderStatus | None, Query()] = None,
    shop_id: IdQuery = None,
    buyer_id: IdQuery = None,
    create_time_ge: Annotated[When | None, Query()] = None,
    create_time_lt: Annotated[When | None, Query()] = None,
    update_time_ge: Annotated[When | None, Query()] = None,
    update_time_lt: Annotated[When | None, Query()] = None,
) -> OrderPage:
    filters = queries.OrderFilters(
        status=status.value if status else None,
        shop_id=shop_id,
        buyer_id=buyer_id,
        created_ge=create_time_ge,
        created_lt=create_time_lt,
        updated_ge=update_time_ge,
        updated_lt=update_time_lt,
    )
    result = queries.list_orders(session, caller, page, filters)
    lines = queries.lines_of(session, [o.id for o in result.items])
    hide = caller.role is Role.SELLER
    return OrderPage(
        items=[order_out(o, lines[o.id], hide) for o in result.items],
        next_cursor=result.next_cursor,
    )


def order_view(db: Database, caller: Principal, order_id: int) -> OrderOut:
    """One order with its lines and timeline, as its caller may see it (the web pages too)."""
    with db.unit_of_work(write=False) as session:
        order = queries.get_order(session, caller, order_id)
        return order_out(
            order,
            queries.lines_of(session, [order.id])[order.id],
            caller.role is Role.SELLER,
            queries.timeline(session, order.id),
        )


@router.get("/orders/{order_id}", response_model=OrderOut, summary="One order with its timeline")
def get_order(order_id: OrderId, db: DatabaseDep, caller: StandaloneCaller) -> OrderOut:
    return order_view(db, caller, order_id)


@router.post(
    "/orders/{order_id}/cancel",
    response_model=OrderOut,
    summary="Buyer cancels in UNPAID or ON_HOLD: stock back, money back",
)
def cancel_order(
    order_id: OrderId,
    body: CancelBody,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
) -> OrderOut:
    actions.buyer_cancel(db, gateway, caller, order_id, body.reason)
    return order_view(db, caller, order_id)


@router.post(
    "/orders/{order_id}/review",
    response_model=OrderOut,
    summary="Agent clears or cancels an order on review hold",
)
def review_order(
    order_id: OrderId,
    body: ReviewBody,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
) -> OrderOut:
    actions.review(db, gateway, caller, order_id, body.decision == "CLEAR", body.note)
    return order_view(db, caller, order_id)
