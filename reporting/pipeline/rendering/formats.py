"""Display text for a value under an Excel-style number/date format code.

The XLSX writer passes the same codes to Excel; this module makes the PDF show what Excel would.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from reporting.pipeline.rendering.presentation import as_decimal as _as_decimal
from reporting.pipeline.rendering.presentation import quantize_half_up

_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DATE_TOKEN = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|AM/PM|\"[^\"]*\"|\\.|.", re.IGNORECASE)


def is_date_format(fmt: str | None) -> bool:
    return bool(fmt) and _kind(fmt) == "date"


def is_number_format(fmt: str | None) -> bool:
    return bool(fmt) and _kind(fmt) == "number"


@lru_cache(maxsize=128)
def _kind(fmt: str) -> str:
    if fmt.lower() == "general":
        return "general"
    if re.search(r"[yd]", _strip_literals(fmt), re.IGNORECASE):
        return "date"
    if re.search(r"[0#]", fmt):
        return "number"
    return "general"


def percent_format(fmt: str | None) -> str:
    """The Excel format of a percent column (unit "%") whose cells hold value/100: the column's own
    number format with "%" ("0.0" -> "0.0%"), "0.0%" when it has none."""
    if not fmt or _kind(fmt) != "number":
        return "0.0%"
    if "%" in _strip_literals(fmt):
        return fmt
    return ";".join(f"{section}%" for section in fmt.split(";"))


def without_percent(fmt: str | None) -> str | None:
    """``fmt`` without its "%" (the PDF prints a percent column's 0..100 value and adds " %")."""
    if not fmt or "%" not in fmt:
        return fmt
    return fmt.replace("%", "") or None


def format_value(value: Any, fmt: str | None = None) -> str:
    """Text a person reads for ``value`` under Excel format ``fmt`` (None/"General" = sensible default)."""
    if value is None:
        return ""
    kind = _kind(fmt) if fmt else "general"
    if kind != "general":
        if kind == "date":
            if isinstance(value, str):
                return _format_date_text(value, fmt)
            moment = _as_datetime(value)
            if moment is not None:
                return _format_date(moment, fmt)
        else:
            fast = _format_native_number(value, fmt)
            if fast is not None:
                return fast
            number = _as_decimal(value)
            if number is not None:
                return _format_number(number, fmt)
    return _general(value)


def _format_native_number(value: Any, fmt: str) -> str | None:
    """Fast path for int/float (tables of 50,000 rows); None when only exact decimal rounding is right."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    decimals, grouped, percent, prefix, suffix = _number_pattern(fmt)
    if percent:
        value = value * 100
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        shortest = repr(value)
        # A decimal tie (…5 exactly one digit past the shown ones) must round half away from zero,
        # like Excel; Python would round the binary value. Leave ties to the Decimal path.
        if "e" in shortest or ("." in shortest and len(shortest.split(".")[1]) == decimals + 1
                               and shortest.endswith("5")):
            return None
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    if text.startswith("-"):
        if text.strip("-0.,") == "":
            text = text[1:]  # no "-0.0"
        else:
            return f"-{prefix}{text[1:]}{suffix}"
    return f"{prefix}{text}{suffix}"


@lru_cache(maxsize=4096)
def _format_date_text(value: str, fmt: str) -> str:
    """ISO date strings repeat a lot in long tables: format each distinct one once."""
    moment = _as_datetime(value)
    return value if moment is None else _format_date(moment, fmt)


def _general(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@lru_cache(maxsize=64)
def _number_pattern(fmt: str) -> tuple[int, bool, bool, str, str]:
    """(decimals, thousands separator, percent, prefix, suffix) of the first section of ``fmt``."""
    section = fmt.split(";")[0]
    match = re.search(r"[#0,]*[0#](\.[0#]+)?", section)
    if not match:
        return 0, False, "%" in section, "", ""
    body = match.group(0)
    decimals = len(match.group(1)) - 1 if match.group(1) else 0
    prefix = _strip_literals(section[: match.start()], keep_text=True)
    suffix = _strip_literals(section[match.end():], keep_text=True)
    return decimals, "," in body, "%" in section, prefix, suffix


def _format_number(number: Decimal, fmt: str) -> str:
    decimals, grouped, percent, prefix, suffix = _number_pattern(fmt)
    if percent:
        number *= 100
    # Excel rounds half away from zero, not to even (and never shows "-0.0").
    rounded = quantize_half_up(number, decimals)
    text = f"{rounded:,.{decimals}f}" if grouped else f"{rounded:.{decimals}f}"
    if text.startswith("-"):
        return f"-{prefix}{text[1:]}{suffix}"
    return f"{prefix}{text}{suffix}"


def _strip_literals(fmt: str, keep_text: bool = False) -> str:
    """Drop quoted literals/escapes (or keep only their text when ``keep_text``)."""
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if not keep_text:
            return ""
        return token[1:-1] if token.startswith('"') else token[1:]

    text = re.sub(r"\"[^\"]*\"|\\.", replace, fmt)
    if keep_text:
        text = re.sub(r"\[[^\]]*\]|_.|\*.", "", text)
    return text


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


@lru_cache(maxsize=64)
def _date_tokens(fmt: str) -> tuple[str, ...]:
    return tuple(_DATE_TOKEN.findall(fmt.split(";")[0]))


def _format_date(moment: datetime, fmt: str) -> str:
    tokens = _date_tokens(fmt)
    parts: list[str] = []
    for index, token in enumerate(tokens):
        lower = token.lower()
        if lower in ("mm", "m") and _is_minute(tokens, index):
            parts.append(f"{moment.minute:02d}" if lower == "mm" else str(moment.minute))
        elif lower == "yyyy":
            parts.append(f"{moment.year:04d}")
        elif lower == "yy":
            parts.append(f"{moment.year % 100:02d}")
        elif lower == "mmmm":
            parts.append(_MONTHS[moment.month - 1])
        elif lower == "mmm":
            parts.append(_MONTHS[moment.month - 1][:3])
        elif lower == "mm":
            parts.append(f"{moment.month:02d}")
        elif lower == "m":
            parts.append(str(moment.month))
        elif lower == "dddd":
            parts.append(_DAYS[moment.weekday()])
        elif lower == "ddd":
            parts.append(_DAYS[moment.weekday()][:3])
        elif lower == "dd":
            parts.append(f"{moment.day:02d}")
        elif lower == "d":
            parts.append(str(moment.day))
        elif lower == "hh":
            parts.append(f"{moment.hour:02d}")
        elif lower == "h":
            parts.append(str(moment.hour))
        elif lower == "ss":
            parts.append(f"{moment.second:02d}")
        elif lower == "s":
            parts.append(str(moment.second))
        elif token.startswith('"'):
            parts.append(token[1:-1])
        elif token.startswith("\\"):
            parts.append(token[1:])
        else:
            parts.append(token)
    return "".join(parts)


def _is_minute(tokens: tuple[str, ...], index: int) -> bool:
    """Excel reads m/mm as minutes right after an hour or right before seconds."""
    def neighbour(step: int) -> str:
        j = index + step
        while 0 <= j < len(tokens):
            low = tokens[j].lower()
            if low in ("h", "hh", "s", "ss", "yyyy", "yy", "d", "dd", "mmm", "mmmm"):
                return low
            j += step
        return ""

    return neighbour(-1) in ("h", "hh") or neighbour(1) in ("s", "ss")
