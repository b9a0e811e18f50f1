"""The caller's in-app notifications and contact and mail preferences (native API; being built:
docs/notifications.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["notifications"])
