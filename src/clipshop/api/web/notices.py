"""In-app notifications (/shop/notifications, /center/notifications) and the buyer's account
settings (pages; being built: docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
