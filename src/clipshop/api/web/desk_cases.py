"""The desk's case queue, a case, escalations and reassignment (/desk/cases) (pages; being built:
docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
