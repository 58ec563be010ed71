"""XLSX renderer: Summary sheet, a native chart per chart section, an Excel Table per table section.

The workbook is always written in openpyxl's write-only (streaming) mode, so memory stays bounded
however big the tables are, and there is one code path for small and large reports.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timezone
from typing import Any, BinaryIO

from openpyxl import Workbook

from reporting.pipeline.context import ReportContext
from reporting.pipeline.section_data import EMPTY, no_data_text, section_rows
from reporting.pipeline.rendering.base import Renderer
from reporting.pipeline.rendering.chartspec import ChartSectionError, ChartSpec
from reporting.pipeline.rendering.xlsx.about_sheet import ABOUT_SHEET, about_sheet_write
from reporting.pipeline.rendering.xlsx.cells import clean_text, sanitize_sheet_name
from reporting.pipeline.rendering.xlsx.chart_sheet import ChartSheetWriter
from reporting.pipeline.rendering.xlsx.summary import SummarySheetWriter
from reporting.pipeline.rendering.xlsx.tables import TableSectionWriter
from templates_app.spec import ChartSection

SUMMARY_SHEET = "Summary"
CHARTS_SHEET = "Charts"
CREATOR = "QMS Reporting"


class XlsxRenderer(Renderer):
    name = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    file_extension = "xlsx"

    def render(self, context: ReportContext, out: BinaryIO) -> None:
        workbook = Workbook(write_only=True)
        _set_properties(workbook, context)
        allocate_sheet_name = _sheet_name_allocator()
        next_table_name = _table_name_allocator()

        summary = workbook.create_sheet(allocate_sheet_name(SUMMARY_SHEET))
        SummarySheetWriter(summary, next_table_name()).write(context)

        sections = context.sections
        chart_sections = [s for s in sections if s.type == "chart"]
        if chart_sections:
            _write_charts(workbook.create_sheet(allocate_sheet_name(CHARTS_SHEET)), chart_sections, context)

        tables = TableSectionWriter(workbook, allocate_sheet_name, next_table_name, context.generated_at.tzinfo,
                                    page=context.report.page)
        table_number = 0
        for section in sections:
            if section.type != "table":
                continue
            table_number += 1
            title = section.title or f"Table {table_number}"
            found = section_rows(context.data, section.data)
            if found.missing:
                tables.write_no_data(title, found.text)
                continue
            tables.write(section, title, found.rows)

        about_sheet_write(workbook, allocate_sheet_name(ABOUT_SHEET), context.manifest)
        workbook.save(out)


def _write_charts(worksheet: Any, sections: list[ChartSection], context: ReportContext) -> None:
    max_series = max(len(s.y) for s in sections)
    writer = ChartSheetWriter(worksheet, max_series, page=context.report.page)
    for section in sections:
        title = section.title or "Chart"
        found = section_rows(context.data, section.data)
        if found.missing and found.missing != EMPTY:
            writer.write_no_data(title, found.text)
            continue
        try:
            spec = ChartSpec.from_section(section, found.rows)
        except ChartSectionError as error:
            # A template validator rejects these; a report must still render the rest.
            writer.write_no_data(title, no_data_text(str(error)))
            continue
        writer.write_chart(spec)


def _set_properties(workbook: Any, context: ReportContext) -> None:
    properties = workbook.properties
    properties.title = clean_text(context.title)
    properties.subject = clean_text(context.report.title or context.title)
    properties.creator = CREATOR
    properties.lastModifiedBy = CREATOR
    # Stored as UTC (W3CDTF "Z"); openpyxl wants a naive datetime.
    properties.created = context.generated_at.astimezone(timezone.utc).replace(tzinfo=None)
    properties.modified = properties.created
    if context.job_id:
        properties.identifier = context.job_id


def _sheet_name_allocator() -> Callable[[str], str]:
    taken: set[str] = set()
    return lambda wanted: sanitize_sheet_name(wanted, taken)


def _table_name_allocator() -> Callable[[], str]:
    counter = iter(range(1, 1_000_000))
    return lambda: f"Table{next(counter)}"
