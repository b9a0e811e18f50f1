"""Time-driven platform rules: what falls due as the clock moves (the deadline sweeper)."""
