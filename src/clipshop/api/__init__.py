"""The native REST API under /api/v1: thin routers over the services."""
