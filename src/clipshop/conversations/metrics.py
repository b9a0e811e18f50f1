"""The seller's chat response time, as a performance metric (``standing.performance``, the
metric ``chat_response_rate``; docs/conversations.md, "Response time").

A buyer's wait (``ChatWait``) starts at the first buyer message after the seller's last reply
and ends at the seller's next reply. It is judged when the outcome is known: when it was
answered, if that was by its ``due_at`` (started + the region's ``chat_response_hours``), else
at ``due_at`` (answered late or not at all: missed). ``response_counts`` counts, per window,
the waits judged in it and those answered in time, in one SQL aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from clipshop.models import ChatWait

_IN_TIME = and_(ChatWait.answered_at.is_not(None), ChatWait.answered_at <= ChatWait.due_at)
_JUDGED_AT = case((_IN_TIME, ChatWait.answered_at), else_=ChatWait.due_at)


def response_counts(
    session: Session, shop_id: int, spans: dict[int, tuple[datetime, datetime]], now: datetime
) -> dict[int, tuple[int, int]]:
    """Per window (days -> (start, end]): (buyer waits judged, answered within target)."""
    if not spans:
        return {}
    columns = []
    at = _JUDGED_AT
    for start, end in spans.values():
        judged = and_(at > start, at <= end, at <= now)
        columns += [
            func.count(ChatWait.id).filter(judged),
            func.count(ChatWait.id).filter(judged, _IN_TIME),
        ]
    earliest = min(start for start, _ in spans.values())
    row = session.execute(
        select(*columns).where(ChatWait.shop_id == shop_id, ChatWait.due_at > earliest)
    ).one()
    return {days: (int(row[i * 2]), int(row[i * 2 + 1])) for i, days in enumerate(spans)}


@dataclass(frozen=True, slots=True)
class ChatPerformance:
    """A shop's chat over ``(start, end]``: waits judged, answered in time, the rate (None:
    nothing judged), and the average hours to the seller's first reply over the waits
    answered in the window (None: none answered)."""

    start: datetime
    end: datetime
    judged: int
    in_time: int
    response_rate: float | None
    average_first_reply_hours: float | None


def performance(session: Session, shop_id: int, start: datetime, end: datetime) -> ChatPerformance:
    judged, in_time = response_counts(session, shop_id, {0: (start, end)}, end)[0]
    answered = session.execute(
        select(ChatWait.started_at, ChatWait.answered_at).where(
            ChatWait.shop_id == shop_id, ChatWait.answered_at > start, ChatWait.answered_at <= end
        )
    ).all()
    total = sum(((done - began) for began, done in answered if done is not None), timedelta())
    average = round(total.total_seconds() / len(answered) / 3600, 2) if answered else None
    rate = round(in_time / judged, 4) if judged else None
    return ChatPerformance(start, end, judged, in_time, rate, average)
