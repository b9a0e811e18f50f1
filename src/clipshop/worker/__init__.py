"""Background work run by ``clipshop worker`` and the worker inside ``clipshop serve``: the
outbox relay (``relay.py``), the deadline sweeper (``sweeper.py``) and what each deadline
does (``handlers.py``). The loop that runs them is still ``clipshop.rules.jobs``."""
