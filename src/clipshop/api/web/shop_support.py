"""The buyer's support cases (/shop/help) (pages; being built: docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
