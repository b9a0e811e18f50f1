"""The reasons a seller cancels for, and which of them are the seller's fault.

A leaf module (no imports from the rest of clipshop) so that the performance metrics can
read it without an import cycle. The text is what the order and its lines carry as
``cancel_reason``; the seller-fault texts count in the seller-fault cancellation rate."""

from __future__ import annotations

# code -> (cancel_reason text, the seller's fault)
SELLER_REASONS: dict[str, tuple[str, bool]] = {
    "OUT_OF_STOCK": ("seller cancelled: out of stock", True),
    "PRICING_ERROR": ("seller cancelled: pricing error", True),
    "UNABLE_TO_DELIVER": ("seller cancelled: unable to deliver", True),
    "BUYER_REQUESTED": ("seller cancelled at the buyer's request", False),
}
SELLER_FAULT_TEXTS = tuple(text for text, fault in SELLER_REASONS.values() if fault)
