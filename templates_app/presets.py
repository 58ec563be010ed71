"""Relative date-range presets, resolved at run time in the site's timezone."""
from __future__ import annotations

from datetime import date, timedelta

PRESETS: dict[str, str] = {
    "today": "Today",
    "yesterday": "Yesterday",
    "last_7_days": "Last 7 days",
    "last_30_days": "Last 30 days",
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "year_to_date": "Year to date",
    "custom": "Custom range",
}


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def resolve_preset(preset: str, *, today: date) -> tuple[date, date]:
    """Concrete (start, end) for a preset, both inclusive. 'custom' has no resolution."""
    if preset == "today":
        return today, today
    if preset == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if preset == "last_7_days":
        return today - timedelta(days=6), today
    if preset == "last_30_days":
        return today - timedelta(days=29), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if preset == "this_quarter":
        return _quarter_start(today), today
    if preset == "last_quarter":
        end = _quarter_start(today) - timedelta(days=1)
        return _quarter_start(end), end
    if preset == "year_to_date":
        return date(today.year, 1, 1), today
    raise ValueError(f"unknown date range preset '{preset}'")
