"""The buyer's conversations with shops (/shop/messages) and the order page's chat (pages; being
built: docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
