"""Support cases: case numbers, the agent queue, escalation to supervisors, force-majeure
extensions, and the platform's deadline to decide a dispute (docs/support.md)."""
