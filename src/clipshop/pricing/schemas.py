"""Boundary schemas of pricing: the address a checkout or an address change is quoted for."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from clipshop.core.schemas import FilledLine, Line, Name, RequestModel


class Address(RequestModel):
    name: Name
    # 6 to 20 digits, spaces, brackets and dashes, after an optional "+"; it neither starts
    # nor ends with a space (request text is stripped first).
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9()-][0-9 ()-]{4,18}[0-9()-]$")]
    address_line1: Name
    address_line2: Line | None = Field(None, max_length=200)
    city: Name
    state: Line | None = Field(None, max_length=100)
    postal_code: Annotated[FilledLine, StringConstraints(min_length=1, max_length=20)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
