"""The worker entry point: background work run by ``clipshop worker`` and the worker inside
``clipshop serve``. ``jobs.py`` is the loop (each round: the sweeper, the outbox relay);
the outbox relay (``relay.py``), the deadline sweeper (``sweeper.py``) and what each deadline
does (``handlers.py``); the sandbox clock (``sandbox.py``: time travel, ``shared_clock.py``:
the clock every process adopts) and the ``worker`` command (``cli.py``)."""
