"""The sellers' event feed: the outbox's first consumer, read with ``GET /api/v1/events``."""
