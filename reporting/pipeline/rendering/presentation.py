"""How a value reads, in one place: the PDF, the workbook, the chart previews, the job page and the
email all ask here, so a status, a boolean, a rounded number or a KPI's change reads the same
everywhere (issue 13: "every number agrees").

Pure functions over plain values and KPI row dicts; no Django, no ReportLab, no openpyxl.

KPI row contract (processors produce it; older rows may lack the newer keys, so every key is
optional): name, value (number, None = no data), unit ("%" = a 0..100 percentage), decimals,
status (excellent/good/warning/critical/None), trend (up/down/flat), direction (higher/lower/None),
assessment (better/worse/unchanged/None), previous, previous_label, change, target, note.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any, Iterable, Mapping

STATUS_LABELS: dict[str, str] = {
    "excellent": "Excellent",
    "good": "Good",
    "warning": "Warning",
    "critical": "Critical",
}
STATUS_VOCABULARY = frozenset(STATUS_LABELS)

NO_DATA = "No data"  # a KPI (or score) without data: never shown as 0
MISSING_CELL = "—"  # an empty table cell in the PDF; the workbook leaves the cell empty

ARROW_UP, ARROW_DOWN, UNCHANGED_MARK = "▲", "▼", "="

# The report's status colours (theme.STATUS_STYLES) reused for the change line: better reads as
# the "excellent" green, worse as the "critical" red, unchanged/unknown as muted grey.
ASSESSMENT_COLOURS: dict[str, str] = {
    "better": "#1B7F3B",
    "worse": "#B3261E",
    "unchanged": "#6B7280",
}
NEUTRAL_COLOUR = "#6B7280"
ASSESSMENT_TONES = {"better": "positive", "worse": "negative", "unchanged": "neutral"}


# --- statuses and booleans -------------------------------------------------------------------

def status_key(status: Any) -> str | None:
    """The status vocabulary word (lower case) or None when ``status`` is none of them."""
    if status is None or isinstance(status, bool):
        return None
    key = str(status).strip().lower()
    return key if key in STATUS_VOCABULARY else None


def status_label(status: Any) -> str:
    """"Excellent"/"Good"/"Warning"/"Critical"; "" when there is no status (never "No status").

    A word outside the vocabulary is shown as written (a template's own status column)."""
    if status is None or isinstance(status, bool):
        return ""
    key = status_key(status)
    return STATUS_LABELS[key] if key else str(status).strip()


def is_status_vocabulary(value: Any) -> bool:
    return isinstance(value, str) and status_key(value) is not None


def is_status_column(field: str | None, values: Iterable[Any]) -> bool:
    """A column shown with status words: named "status", or every non-empty value is a status word."""
    if field and str(field).strip().lower() == "status":
        return True
    seen = False
    for value in values:
        if value is None or value == "":
            continue
        if not is_status_vocabulary(value):
            return False
        seen = True
    return seen


def boolean_label(value: Any) -> str:
    return "Yes" if value else "No"


# --- numbers ---------------------------------------------------------------------------------

def is_number(value: Any) -> bool:
    """A real, finite number (bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return False
    return math.isfinite(value) if isinstance(value, float) else (
        value.is_finite() if isinstance(value, Decimal) else True)


def is_percent_unit(unit: Any) -> bool:
    return isinstance(unit, str) and unit.strip() == "%"


def default_decimals(value: Any) -> int:
    """0 for a whole number, 1 otherwise (the contract's default when a row gives no decimals)."""
    number = as_decimal(value)
    if number is None:
        return 0
    return 0 if number == number.to_integral_value() else 1


def as_decimal(value: Any) -> Decimal | None:
    """A finite Decimal of a number or numeric text (the shortest repr of a float); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        # str() gives the shortest repr: 98.25 stays 98.25 (Decimal(98.25) would be 98.2499…).
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def round_half_up(value: Any, decimals: int) -> Decimal | None:
    number = as_decimal(value)
    if number is None:
        return None
    return quantize_half_up(number, max(0, int(decimals)))


def quantize_half_up(number: Decimal, decimals: int) -> Decimal:
    """``number`` rounded half away from zero to ``decimals`` places, whatever its size (the default
    28-digit context cannot hold 1e300 to one decimal place), never "-0"."""
    digits = max(number.adjusted(), 0) + decimals + 2
    with localcontext() as context:
        context.prec = max(28, digits)
        rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded


def display_number(value: Any, decimals: int | None = None) -> str:
    """``value`` rounded half-up to ``decimals`` with thousands separators (98.25 → "98.3").

    Only the text is rounded; the data (and the workbook cell) keep full precision. None → "";
    anything that is not a number is shown as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return boolean_label(value)
    places = default_decimals(value) if decimals is None else max(0, int(decimals))
    rounded = round_half_up(value, places)
    if rounded is None:
        return str(value)
    return f"{rounded:,.{places}f}"


def row_decimals(row: Mapping[str, Any], value: Any = None) -> int:
    decimals = row.get("decimals")
    if isinstance(decimals, int) and not isinstance(decimals, bool) and 0 <= decimals <= 10:
        return decimals
    return default_decimals(row.get("value") if value is None else value)


def display_value(value: Any, *, unit: Any = None, decimals: int | None = None, missing: str = MISSING_CELL) -> str:
    """A table cell as read in the PDF: numbers rounded half-up (with " %" for a percent column),
    booleans Yes/No, statuses capitalised, None → ``missing``."""
    if value is None or value == "":
        return missing
    if isinstance(value, bool):
        return boolean_label(value)
    if is_number(value):
        text = display_number(value, decimals)
        return f"{text} %" if is_percent_unit(unit) else text
    if is_status_vocabulary(value):
        return status_label(value)
    return str(value)


# --- KPI rows --------------------------------------------------------------------------------

def kpi_value_parts(row: Mapping[str, Any]) -> tuple[str, str]:
    """(number text, unit text) of a KPI; ("No data", "") when its value is missing."""
    value = row.get("value")
    unit = row.get("unit")
    unit_text = str(unit).strip() if unit not in (None, "") else ""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NO_DATA, ""
    if isinstance(value, bool):
        return boolean_label(value), ""
    if not is_number(value):
        return str(value), unit_text
    return display_number(value, row_decimals(row)), unit_text


def kpi_value_text(row: Mapping[str, Any]) -> str:
    """"82.8 %", "13 items", "No data"."""
    number, unit = kpi_value_parts(row)
    return f"{number} {unit}" if unit else number


def kpi_change(row: Mapping[str, Any]) -> float | None:
    """The change from the previous period: the row's own, else value − previous, else None."""
    change = row.get("change")
    if is_number(change):
        return float(change)
    value, previous = row.get("value"), row.get("previous")
    if is_number(value) and is_number(previous):
        return float(as_decimal(value) - as_decimal(previous))
    return None


def kpi_change_text(row: Mapping[str, Any]) -> str:
    """"▲ 1.4 vs Oct" / "▼ 2.0 vs Oct" / "= vs Oct"; "" when there is no previous period's value."""
    if not is_number(row.get("previous")):
        return ""
    change = kpi_change(row)
    if change is None:
        return ""
    label = str(row.get("previous_label") or "").strip() or "previous"
    decimals = row_decimals(row, row.get("previous") if row.get("value") is None else None)
    rounded = round_half_up(abs(change), decimals)
    if rounded is None or rounded == 0:
        return f"{UNCHANGED_MARK} vs {label}"
    arrow = ARROW_UP if change > 0 else ARROW_DOWN
    return f"{arrow} {display_number(abs(change), decimals)} vs {label}"


def kpi_assessment(row: Mapping[str, Any]) -> str | None:
    """better/worse/unchanged: the row's own, else from its direction and the sign of its change
    (or its trend when it has no previous value); None when nothing says which way is good."""
    given = str(row.get("assessment") or "").strip().lower()
    if given in ASSESSMENT_COLOURS:
        return given
    change = kpi_change(row) if is_number(row.get("previous")) else None
    if change is not None:
        moved = "up" if change > 0 else "down" if change < 0 else "flat"
    else:
        moved = str(row.get("trend") or "").strip().lower()
    if moved == "flat":
        return "unchanged"
    direction = str(row.get("direction") or "").strip().lower()
    if moved not in ("up", "down") or direction not in ("higher", "lower"):
        return None
    return "better" if (moved == "up") == (direction == "higher") else "worse"


def assessment_colour(assessment: Any) -> str:
    """Hex colour of a change line: better green, worse red, unchanged (or unknown) grey."""
    return ASSESSMENT_COLOURS.get(str(assessment or "").lower(), NEUTRAL_COLOUR)


def assessment_tone(assessment: Any) -> str:
    """"positive"/"negative"/"neutral" (a CSS class on the job page)."""
    return ASSESSMENT_TONES.get(str(assessment or "").lower(), "neutral")


def kpi_trend_text(row: Mapping[str, Any]) -> str:
    """The change line, or for a row without a previous value its trend ("▲ up"/"▼ down"/"= flat")."""
    change = kpi_change_text(row)
    if change:
        return change
    trend = str(row.get("trend") or "").strip().lower()
    return {"up": f"{ARROW_UP} up", "down": f"{ARROW_DOWN} down", "flat": f"{UNCHANGED_MARK} flat"}.get(trend, "")


def kpi_note(row: Mapping[str, Any]) -> str:
    """The reader text shown for a KPI without a value ("Training data is missing: …")."""
    if row.get("value") is not None:
        return ""
    note = row.get("note")
    return str(note).strip() if note not in (None, "") else ""


def kpi_previous_text(row: Mapping[str, Any]) -> str:
    previous = row.get("previous")
    if not is_number(previous):
        return ""
    number = display_number(previous, row_decimals(row, previous if row.get("value") is None else None))
    unit = row.get("unit")
    return f"{number} {str(unit).strip()}" if unit not in (None, "") else number


def kpi_name(row: Mapping[str, Any]) -> str:
    name = row.get("name")
    return "" if name is None else str(name)
