"""Webhooks (docs/webhooks.md): a shop's subscriptions (subscriptions.py, schemas.py, the SSRF
guard in ssrf.py, the local listener in cli.py) and their delivery (fanout.py, sender.py,
signing.py, deliveries.py and delivery_schemas.py: the log and replay, nats.py)."""
