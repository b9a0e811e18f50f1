"""The seller dashboard's performance metrics as text and as Chart.js data (static/charts.js
draws it with the vendored Chart.js; the table beside it carries the same numbers)."""

from __future__ import annotations

from typing import Any

from clipshop.standing.schemas import PerformanceOut

HOURS = "average_processing_hours"


def metric_text(name: str, value: float | None) -> str:
    """A metric's value as shown: rates in per cent, times in hours, "—" for nothing judged."""
    if value is None:
        return "—"
    if name == HOURS:
        return f"{value:.1f}\u00a0h"
    return f"{value * 100:.1f}\u00a0%"


def rates_chart(performance: PerformanceOut) -> dict[str, Any]:
    """A bar chart of the rate metrics (per cent), one series per window (7, 30, 90 days)."""
    windows = performance.windows
    names = [n for n in (windows[0].metrics if windows else {}) if n != HOURS]
    return {
        "labels": [n.replace("_", " ") for n in names],
        "datasets": [
            {"label": f"{w.days} days", "data": [_percent(w.metrics[n].value) for n in names]}
            for w in windows
        ],
    }


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)
