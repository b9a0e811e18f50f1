"""Buyer-seller conversations, messages, read receipts and quick replies (native API; being built:
docs/conversations.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["conversations"])
