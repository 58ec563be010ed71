"""The Summary sheet: what the report is, how it was run, what is missing, and the KPIs with coloured status."""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter

from reporting.pipeline.context import ReportContext
from reporting.pipeline.section_data import section_rows
from reporting.pipeline.rendering.rules import is_rules_section, rules_lines, rules_title
from reporting.pipeline.rendering.theme import status_style
from reporting.pipeline.rendering.xlsx.cells import CELL_FONT, MAX_CELL_CHARS, make_cell
from reporting.pipeline.rendering.xlsx.kpi_cells import KPI_HEADERS, KpiRow, kpi_cells
from reporting.pipeline.rendering.xlsx.print_setup import prepare_sheet
from reporting.pipeline.rendering.xlsx.tables import add_excel_table

KPI_TABLE_STYLE = "TableStyleLight9"
KPI_STATUS_COLUMN = KPI_HEADERS.index("Status") + 1

STATUSES = ("excellent", "good", "warning", "critical")

TITLE_FONT = Font(name=CELL_FONT, bold=True, size=16)
HEADING_FONT = Font(name=CELL_FONT, bold=True, size=12)
LABEL_FONT = Font(name=CELL_FONT, bold=True)
WARNING_FONT = Font(name=CELL_FONT, bold=True, color="9C0006")
COLUMN_WIDTHS = (22, 30, 14, 12, 30, 14, 12, 40)  # Change holds "▼ 1.3 vs 30 Jul – 30 Sep 2026"
RULE_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
CHARS_PER_WIDTH_UNIT = 1.0  # err towards a taller row: an overflowing line would be drawn over the next
ROW_LINE_POINTS = 15.0


def excel_rgb(colour: Any) -> str:
    """A ReportLab colour as Excel's RRGGBB."""
    return colour.hexval()[2:].upper()


def format_generated_at(moment: datetime) -> str:
    """'2026-11-01 09:30:00 CET (Europe/Warsaw, UTC+01:00)': the zone is always explicit."""
    offset = moment.utcoffset()
    if offset is None:
        return f"{moment:%Y-%m-%d %H:%M:%S} (time zone unknown)"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    utc = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    zone_key = getattr(moment.tzinfo, "key", None)
    where = f"{zone_key}, {utc}" if zone_key else utc
    return f"{moment:%Y-%m-%d %H:%M:%S} {moment.tzname()} ({where})"


def collect_kpis(context: ReportContext) -> tuple[list[KpiRow], list[str]]:
    """All KPI sections' rows, plus a 'No data' line per KPI section whose data is missing or empty."""
    rows: list[KpiRow] = []
    notes: list[str] = []
    for section in context.sections:
        if section.type != "kpis":
            continue
        group = section.title or "KPIs"
        found = section_rows(context.data, section.data)
        if found.missing:
            notes.append(f"{group} — {found.text}")
        rows.extend(KpiRow(group, row) for row in found.rows)
    return rows, notes


class SummarySheetWriter:
    def __init__(self, worksheet: Any, table_name: str):
        self.ws = worksheet
        self.table_name = table_name
        self.row = 0

    def write(self, context: ReportContext) -> None:
        # Page properties before the first row (a write-only sheet writes them with it).
        prepare_sheet(self.ws, page=context.report.page, columns=len(KPI_HEADERS))
        for index, width in enumerate(COLUMN_WIDTHS, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self._append([make_cell(self.ws, context.title, font=TITLE_FONT)])
        self._append([])
        if context.is_partial:
            self._write_missing_sources(context)
        self._append([make_cell(self.ws, "Parameters", font=HEADING_FONT)])
        for label, display in context.parameter_lines:
            self._write_parameter(label, display)
        if not context.parameter_lines:
            self._append([make_cell(self.ws, "(none)")])
        self._append([])
        generated_at = format_generated_at(context.generated_at)
        self._append([make_cell(self.ws, "Generated at", font=LABEL_FONT), make_cell(self.ws, generated_at)])
        self._append([make_cell(self.ws, "Requested by", font=LABEL_FONT), make_cell(self.ws, context.requested_by)])
        self._append([])
        kpis, notes = collect_kpis(context)
        if kpis or notes:
            self._write_kpis(kpis, notes, context)
        for section in context.sections:
            if is_rules_section(section):
                self._write_rules(section, context)

    def _write_rules(self, section: Any, context: ReportContext) -> None:
        """The rules in force (metric definitions, status bands), under the KPIs, as the PDF prints them."""
        lines = rules_lines(context.data, section)
        if not lines:
            return
        self._append([])
        self._append([make_cell(self.ws, rules_title(section), font=HEADING_FONT)])
        last_letter = get_column_letter(len(COLUMN_WIDTHS))
        for line in lines:
            # One line across the KPI table's width, wrapped there (printing fits that width).
            row = self.row + 1
            text_lines = max(1, math.ceil(len(line) / (sum(COLUMN_WIDTHS) * CHARS_PER_WIDTH_UNIT)))
            if text_lines > 1:
                self.ws.row_dimensions[row].height = text_lines * ROW_LINE_POINTS + 2
            self.ws.merged_cells.add(f"A{row}:{last_letter}{row}")
            self._append([make_cell(self.ws, f"• {line}", alignment=RULE_ALIGNMENT)])

    def _write_parameter(self, label: str, display: Any) -> None:
        """One parameter in full (the PDF shortens long values and points here): a value longer than
        an Excel cell holds goes on in the rows below it, each row saying which part it is."""
        parts = [display[i:i + MAX_CELL_CHARS] for i in range(0, len(display), MAX_CELL_CHARS)] \
            if isinstance(display, str) and len(display) > MAX_CELL_CHARS else [display]
        self._append([make_cell(self.ws, label, font=LABEL_FONT), make_cell(self.ws, parts[0])])
        for number, part in enumerate(parts[1:], start=2):
            continued = f"{label} (continued: part {number} of {len(parts)})"
            self._append([make_cell(self.ws, continued, font=LABEL_FONT), make_cell(self.ws, part)])

    def _append(self, cells: list[Any]) -> None:
        self.ws.append(cells)
        self.row += 1

    def _write_missing_sources(self, context: ReportContext) -> None:
        self._append(
            [make_cell(self.ws, "Partial report: these sources could not be collected", font=WARNING_FONT)]
        )
        for failure in context.missing_sources:
            kind = "required" if failure.required else "optional"
            self._append(
                [
                    make_cell(self.ws, failure.name, font=LABEL_FONT),
                    make_cell(self.ws, failure.reason),
                    make_cell(self.ws, kind),
                ]
            )
        self._append([])

    def _write_kpis(self, kpis: list[KpiRow], notes: list[str], context: ReportContext) -> None:
        self._append([make_cell(self.ws, "Key performance indicators", font=HEADING_FONT)])
        for note in notes:
            self._append([make_cell(self.ws, note, font=WARNING_FONT)])
        if not kpis:
            return
        self._append([make_cell(self.ws, header) for header in KPI_HEADERS])
        header_row = self.row
        for kpi in kpis:
            self._append(kpi_cells(self.ws, kpi))
        last_row = self.row
        ref = f"A{header_row}:{get_column_letter(len(KPI_HEADERS))}{last_row}"
        add_excel_table(self.ws, self.table_name, ref, KPI_HEADERS, KPI_TABLE_STYLE)
        self._colour_statuses(header_row + 1, last_row)

    def _colour_statuses(self, first_row: int, last_row: int) -> None:
        letter = get_column_letter(KPI_STATUS_COLUMN)
        cells = f"{letter}{first_row}:{letter}{last_row}"
        for status in STATUSES:
            # The shared report colours (same as the PDF's status badges): strong text on a light tint.
            style = status_style(status)
            font_colour, fill_colour = excel_rgb(style.colour), excel_rgb(style.tint)
            rule = Rule(
                type="containsText",
                operator="containsText",
                text=status,
                dxf=DifferentialStyle(
                    font=Font(color=font_colour, bold=status == "critical"),
                    fill=PatternFill(fill_type="solid", bgColor=fill_colour),
                ),
            )
            # The formula is what Excel evaluates; `text` is what its rule editor shows.
            rule.formula = [f'NOT(ISERROR(SEARCH("{status}",{letter}{first_row})))']
            self.ws.conditional_formatting.add(cells, rule)
