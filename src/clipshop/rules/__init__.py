"""Time-driven jobs and the sandbox clock: ``clipshop worker``'s loop (``jobs.py``), moving
the shared clock (``sandbox.py``, ``shared_clock.py``); to join ``clipshop.worker``."""
