"""What the pages' routes read from a request, defined once: ids in the path, in a form or in
the query string, form text fields, lists of checked boxes, and a money amount typed in a
currency's major unit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Query

from clipshop.core.errors import InvalidInput
from clipshop.core.money import AmountError, Money

Id = Annotated[int, Path(gt=0, lt=2**63)]
"""An id in the path (an order, a return, a shop, ...)."""
FormId = Annotated[int, Form(gt=0, lt=2**63)]
"""An id in a form field (the shop, SKU or warehouse a form is about)."""
QueryId = Annotated[int | None, Query(gt=0, lt=2**63)]
"""An optional id in the query string (``?shop_id=``)."""
Text = Annotated[str, Form(max_length=1000)]
"""A text field; the service's own schema checks it further."""
Line = Annotated[str, Form(max_length=2048)]
"""A long one-line field (a URL)."""
Ids = Annotated[list[str], Form()]
"""Checked boxes: the ids chosen (each parsed by the route)."""


def minor_amount(text: str, currency: str) -> int:
    """The amount typed (like "12.50") in the currency's minor unit; invalid_amount otherwise."""
    try:
        return Money.parse_exact(text.strip(), currency).amount
    except AmountError:
        raise InvalidInput(
            f"the amount must be a number in {currency}, like 12.50", code="invalid_amount"
        ) from None
