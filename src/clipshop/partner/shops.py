"""What the partner API says about a shop beyond its row."""

from __future__ import annotations

import hashlib

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def shop_code(shop_id: int) -> str:
    """The shop's 12-character code (as Seller Center shows it), stable per shop."""
    digest = hashlib.sha256(f"clipshop-shop-code:{shop_id}".encode()).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:12])
