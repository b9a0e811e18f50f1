"""A per-app request budget per wall-clock minute, counted in this process."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """Fixed one-minute windows; ``allow`` answers whether one more request fits, else the
    seconds until the next window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}  # app_key -> (minute, count)

    def allow(self, app_key: str, per_minute: int) -> int | None:
        now = time.time()
        minute = int(now // 60)
        with self._lock:
            start, count = self._windows.get(app_key, (minute, 0))
            if start != minute:
                start, count = minute, 0
            if count >= per_minute:
                return max(1, int((minute + 1) * 60 - now))
            self._windows[app_key] = (start, count + 1)
            return None
