"""One visual language for PDF and web charts: palette, status colours, type scale."""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors

from reporting.pipeline.rendering.fonts import FONT_BOLD, FONT_REGULAR

# Colour-blind-friendly categorical palette (Okabe-Ito order, extended to 12 distinct hues).
PALETTE_HEX: tuple[str, ...] = (
    "#1F5A96",  # deep blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#8C6D31",  # ochre brown
    "#6A51A3",  # violet
    "#4D4D4D",  # dark grey
    "#A6D854",  # lime
    "#17BECF",  # cyan
    "#B2182B",  # crimson
)
PALETTE: tuple[colors.Color, ...] = tuple(colors.HexColor(h) for h in PALETTE_HEX)


def series_colour(index: int) -> colors.Color:
    return PALETTE[index % len(PALETTE)]


@dataclass(frozen=True)
class StatusStyle:
    label: str
    colour: colors.Color
    tint: colors.Color  # light background for cards


STATUS_STYLES: dict[str, StatusStyle] = {
    "excellent": StatusStyle("Excellent", colors.HexColor("#1B7F3B"), colors.HexColor("#E6F4EA")),
    "good": StatusStyle("Good", colors.HexColor("#1F5A96"), colors.HexColor("#E7EFF8")),
    "warning": StatusStyle("Warning", colors.HexColor("#B26A00"), colors.HexColor("#FFF4E0")),
    "critical": StatusStyle("Critical", colors.HexColor("#B3261E"), colors.HexColor("#FCE8E6")),
}
# A KPI without a status (no data, or no thresholds behind it) shows no status word at all: its
# card gets the neutral stripe only (presentation.status_label gives "" for it).
UNKNOWN_STATUS = StatusStyle("", colors.HexColor("#9AA5B1"), colors.HexColor("#F3F4F6"))


def status_style(status: object) -> StatusStyle:
    return STATUS_STYLES.get(str(status or "").strip().lower(), UNKNOWN_STATUS)


INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#6B7280")
RULE = colors.HexColor("#CBD2D9")
GRID = colors.HexColor("#E4E7EB")
HEADER_FILL = colors.HexColor("#1F3A5F")
HEADER_TEXT = colors.white
ZEBRA = colors.HexColor("#F3F6F9")
TOTALS_FILL = colors.HexColor("#E4EAF1")
NOTICE_BORDER = colors.HexColor("#B26A00")
NOTICE_FILL = colors.HexColor("#FFF4E0")
PANEL_FILL = colors.HexColor("#F5F7FA")

BODY_FONT = FONT_REGULAR
BOLD_FONT = FONT_BOLD
BODY_SIZE = 9.5
TABLE_SIZE = 8.5
SMALL_SIZE = 7.5
