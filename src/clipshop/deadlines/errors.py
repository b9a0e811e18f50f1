"""Errors of the platform's rules: what a shop's standing forbids."""

from __future__ import annotations

from clipshop.core.errors import Conflict


class ShopRestricted(Conflict):
    code = "shop_restricted"
    title = "Shop restricted"


class ShopSuspended(Conflict):
    code = "shop_suspended"
    title = "Shop suspended"
