"""Which request paths belong to the partner API (answered in the envelope, errors too)."""

from __future__ import annotations

# The first path segments of the TikTok Shop API's modules, served or not: an unknown path or
# version under one of them answers the envelope's not-found, never HTML or problem+json.
MODULES = frozenset(
    {
        "affiliate",
        "affiliate_creator",
        "affiliate_partner",
        "affiliate_seller",
        "analytics",
        "authorization",
        "customer_engagement",
        "customer_service",
        "data_reconciliation",
        "epharmacy",
        "event",
        "fbt",
        "finance",
        "fulfillment",
        "gs_full_service_commodity",
        "gs_full_service_inventory",
        "gs_full_service_shipment",
        "logistics",
        "order",
        "product",
        "promotion",
        "return_refund",
        "review_rating",
        "seller",
        "supply_chain",
    }
)
TOKEN_PREFIX = "/api/v2/token/"


def is_partner_path(path: str) -> bool:
    if path.startswith(TOKEN_PREFIX) or path == TOKEN_PREFIX.rstrip("/"):
        return True
    first = path.lstrip("/").split("/", 1)[0]
    return first in MODULES
