"""Boundary schemas of address changes and order edits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from clipshop.core.schemas import IdStr, MoneyOut, RequestModel, ResponseModel, Text
from clipshop.models import OrderEdit
from clipshop.orders.edits import Preview
from clipshop.orders.schemas import OrderOut, money
from clipshop.pricing.schemas import Address

Note = Annotated[Text, StringConstraints(max_length=500)]


class AddressChange(Address):
    """The new shipping address (the same fields as at checkout)."""


class AddressChangeOut(ResponseModel):
    order: OrderOut
    amount_change: MoneyOut = Field(
        description="Charged to the buyer's card (positive) or refunded to it (negative)"
    )


class RemoveLine(RequestModel):
    action: Literal["REMOVE"]
    line_item_id: IdStr


class SwapLine(RequestModel):
    action: Literal["SWAP"]
    line_item_id: IdStr
    new_sku_id: IdStr = Field(description="Another SKU of the same product (size, colour)")


class AddUnit(RequestModel):
    action: Literal["ADD"]
    sku_id: IdStr = Field(description="A SKU already in the order; one unit per ADD")


EditChange = Annotated[RemoveLine | SwapLine | AddUnit, Field(discriminator="action")]


class EditProposal(RequestModel):
    changes: list[EditChange] = Field(min_length=1, max_length=50)
    note: Note = ""


class DeclineBody(RequestModel):
    reason: Note = ""


class EditChangeOut(ResponseModel):
    action: str
    line_item_id: str | None = None
    new_sku_id: str | None = None
    sku_id: str | None = None


class EditPreviewOut(ResponseModel):
    total_amount: MoneyOut
    amount_change: MoneyOut


class EditOut(ResponseModel):
    id: IdStr
    order_id: IdStr
    shop_id: IdStr
    status: str
    changes: list[EditChangeOut]
    note: str
    proposed_by: IdStr | None
    decided_by: IdStr | None
    decision_note: str | None
    amount_change: MoneyOut | None = Field(
        description="Once ACCEPTED: charged (positive) or refunded (negative)"
    )
    preview: EditPreviewOut | None = Field(
        description="While PROPOSED: what accepting would do now (null if it is not possible)"
    )
    created_at: datetime
    decided_at: datetime | None


class EditList(ResponseModel):
    items: list[EditOut]


def edit_out(edit: OrderEdit, currency: str, preview: Preview | None) -> EditOut:
    return EditOut(
        id=edit.id,
        order_id=edit.order_id,
        shop_id=edit.shop_id,
        status=edit.status,
        changes=[EditChangeOut.model_validate(c) for c in edit.changes],
        note=edit.note,
        proposed_by=edit.proposed_by,
        decided_by=edit.decided_by,
        decision_note=edit.decision_note,
        amount_change=None if edit.amount_change is None else money(edit.amount_change, currency),
        preview=None
        if preview is None
        else EditPreviewOut(
            total_amount=money(preview.total_amount, currency),
            amount_change=money(preview.difference, currency),
        ),
        created_at=edit.created_at,
        decided_at=edit.decided_at,
    )
