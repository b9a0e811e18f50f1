"""Changing an order before it ships: the buyer's new address, the seller's edits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from clipshop.api.deps import DB, Caller, DatabaseDep, GatewayDep, OrderId, StandaloneCaller
from clipshop.core.db import Database
from clipshop.identity.principal import Principal, Role
from clipshop.orders import changes, edits, queries
from clipshop.orders.change_schemas import (
    AddressChange,
    AddressChangeOut,
    DeclineBody,
    EditList,
    EditOut,
    EditProposal,
    edit_out,
)
from clipshop.orders.schemas import money, order_out

router = APIRouter(tags=["orders"])
EditId = Annotated[int, Path(gt=0, lt=2**63, description="Order edit id")]


def _edit(db: Database, caller: Principal, order_id: int, edit_id: int) -> EditOut:
    edit, currency, preview = edits.read_edit(db, caller, order_id, edit_id)
    return edit_out(edit, currency, preview)


@router.post(
    "/orders/{order_id}/address",
    response_model=AddressChangeOut,
    summary="Buyer changes the shipping address before shipment; the difference is charged "
    "or refunded",
)
def change_address(
    order_id: OrderId,
    body: AddressChange,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
) -> AddressChangeOut:
    difference = changes.change_address(db, gateway, caller, order_id, body.model_dump())
    with db.unit_of_work(write=False) as session:
        order = queries.get_order(session, caller, order_id)
        out = order_out(
            order,
            queries.lines_of(session, [order.id])[order.id],
            caller.role is Role.SELLER,
            queries.timeline(session, order.id),
        )
    return AddressChangeOut(order=out, amount_change=money(difference, out.currency))


@router.get(
    "/orders/{order_id}/edits",
    response_model=EditList,
    summary="The order's edits, newest first (open ones with a preview of their money)",
)
def list_edits(order_id: OrderId, session: DB, caller: Caller) -> EditList:
    order, rows = edits.list_edits(session, caller, order_id)
    return EditList(items=[edit_out(e, order.currency, p) for e, p in rows])


@router.post(
    "/orders/{order_id}/edits",
    response_model=EditOut,
    status_code=status.HTTP_201_CREATED,
    summary="Seller proposes removing, swapping or adding items; the buyer decides",
)
def propose_edit(
    order_id: OrderId, body: EditProposal, db: DatabaseDep, caller: StandaloneCaller
) -> EditOut:
    changes_in = [c.model_dump() for c in body.changes]
    edit_id = edits.propose(db, caller, order_id, changes_in, body.note)
    return _edit(db, caller, order_id, edit_id)


@router.get("/orders/{order_id}/edits/{edit_id}", response_model=EditOut, summary="One edit")
def get_edit(
    order_id: OrderId, edit_id: EditId, db: DatabaseDep, caller: StandaloneCaller
) -> EditOut:
    return _edit(db, caller, order_id, edit_id)


@router.post(
    "/orders/{order_id}/edits/{edit_id}/accept",
    response_model=EditOut,
    summary="Buyer accepts an edit: it is applied and the difference charged or refunded",
)
def accept_edit(
    order_id: OrderId,
    edit_id: EditId,
    db: DatabaseDep,
    gateway: GatewayDep,
    caller: StandaloneCaller,
) -> EditOut:
    edits.accept(db, gateway, caller, order_id, edit_id)
    return _edit(db, caller, order_id, edit_id)


@router.post(
    "/orders/{order_id}/edits/{edit_id}/decline",
    response_model=EditOut,
    summary="Buyer declines an edit: nothing changes",
)
def decline_edit(
    order_id: OrderId,
    edit_id: EditId,
    db: DatabaseDep,
    caller: StandaloneCaller,
    body: DeclineBody | None = None,
) -> EditOut:
    edits.decline(db, caller, order_id, edit_id, body.reason if body else "")
    return _edit(db, caller, order_id, edit_id)


@router.post(
    "/orders/{order_id}/edits/{edit_id}/withdraw",
    response_model=EditOut,
    summary="Seller withdraws an edit the buyer has not decided",
)
def withdraw_edit(
    order_id: OrderId, edit_id: EditId, db: DatabaseDep, caller: StandaloneCaller
) -> EditOut:
    edits.withdraw(db, caller, order_id, edit_id)
    return _edit(db, caller, order_id, edit_id)
