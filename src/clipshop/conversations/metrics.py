"""The seller's chat response time, as a performance metric (``standing.performance``).

CONTRACT (filled in by the conversations work): ``response_counts`` returns, per window, how
many buyer waits were judged in it and how many of those got the seller's first reply within
the region's ``chat_response_hours``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def response_counts(
    session: Session, shop_id: int, spans: dict[int, tuple[datetime, datetime]], now: datetime
) -> dict[int, tuple[int, int]]:
    """Per window (days -> (start, end]): (buyer waits judged, answered within target)."""
    return {days: (0, 0) for days in spans}
