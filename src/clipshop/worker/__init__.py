"""Background work run by ``clipshop worker`` and the worker inside ``clipshop serve``: the
outbox relay (``relay.py``)."""
