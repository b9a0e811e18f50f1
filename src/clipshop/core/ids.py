"""Time-ordered 64-bit ids, generated in the application.

Layout (63 bits, always positive): 41 bits of milliseconds since 2024-01-01 UTC,
10 bits of node number, 12 bits of per-millisecond sequence. Ids sort by creation time,
fit PostgreSQL's BIGINT, and are rendered as decimal strings in JSON (like the reference API).
"""

from __future__ import annotations

import threading
import time

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
NODE_BITS = 10
SEQ_BITS = 12
MAX_NODE = (1 << NODE_BITS) - 1
MAX_SEQ = (1 << SEQ_BITS) - 1


class IdGenerator:
    def __init__(self, node: int = 0) -> None:
        if not 0 <= node <= MAX_NODE:
            raise ValueError(f"node must be in 0..{MAX_NODE}")
        self.node = node
        self._lock = threading.Lock()
        self._last_ms = -1
        self._seq = 0

    def next_id(self) -> int:
        with self._lock:
            ms = int(time.time() * 1000) - EPOCH_MS
            if ms < self._last_ms:  # wall clock stepped back: keep ids monotonic
                ms = self._last_ms
            if ms == self._last_ms:
                self._seq = (self._seq + 1) & MAX_SEQ
                if self._seq == 0:  # sequence exhausted in this millisecond: borrow the next one
                    ms = self._last_ms + 1
            else:
                self._seq = 0
            self._last_ms = ms
            return (ms << (NODE_BITS + SEQ_BITS)) | (self.node << SEQ_BITS) | self._seq


def id_timestamp_ms(value: int) -> int:
    """Unix milliseconds at which an id was generated."""
    return (value >> (NODE_BITS + SEQ_BITS)) + EPOCH_MS


_generator = IdGenerator()


def configure(node: int) -> None:
    global _generator
    _generator = IdGenerator(node)


def new_id() -> int:
    return _generator.next_id()


def parse_id(value: str | int) -> int:
    """Parse an id from a path or body; raises ValueError on anything but a positive integer."""
    if isinstance(value, bool):
        raise ValueError("id must be a decimal string")
    if isinstance(value, int):
        number = value
    else:  # ASCII digits only: str.isdigit() and int() also take e.g. Arabic-Indic digits
        number = int(value, 10) if value.isascii() and value.isdigit() else -1
    if number <= 0 or number >= 1 << 63:
        raise ValueError("id must be a positive 64-bit decimal integer")
    return number
