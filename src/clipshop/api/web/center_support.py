"""The seller's support cases and force-majeure requests (/center/help) (pages; being built:
docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
