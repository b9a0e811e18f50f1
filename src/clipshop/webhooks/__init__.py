"""Webhooks: a shop's subscriptions (subscriptions.py, the SSRF guard in ssrf.py, the local
listener in cli.py) and their delivery (docs/webhooks.md)."""
