"""The customer_service module (docs/tiktok-api.md): conversations and messages of the seller
API; thin adapters over ``conversations`` (being built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["partner"], include_in_schema=False)
