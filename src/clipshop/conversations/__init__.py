"""Buyer-seller conversations: one per buyer and shop, messages, read receipts, quick replies,
automatic messages, and the seller's chat response time (docs/conversations.md)."""
