"""Support cases: open, answer, escalate, reassign, resolve, reopen; force majeure (native API;
being built: docs/support.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["support"])
