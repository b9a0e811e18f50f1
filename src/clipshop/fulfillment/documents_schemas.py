"""Boundary schemas of labels and packing slips."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from clipshop.core.schemas import IdStr, RequestModel
from clipshop.fulfillment.documents_service import MAX_BATCH


class DocumentBatch(RequestModel):
    package_ids: list[IdStr] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="1..100 packages of the caller's shops; a page each, in this order",
    )
    kind: Literal["LABEL", "PACKING_SLIP"] = Field(
        "LABEL", description="LABEL: 4x6 inch shipping labels; PACKING_SLIP: Letter/A4 slips"
    )
